/**
 * The vocabulary of concerns, suspected breaches and incidents, shared by the concern service, the
 * report dialog, the privacy team's console, the CLI and incident mode. Plain data, no framework types.
 */
import type { Regime } from '../clocks/regimes';

/** What the customer says the concern is about (the first question of the report dialog). */
export type ConcernTopic = 'breach' | 'use' | 'answer' | 'other';

/** Where a concern stands. */
export type ConcernState = 'reported' | 'confirmed_breach' | 'dismissed' | 'merged' | 'answered';

/** When it happened or was noticed: an instant when the words were understood, and always the words. */
export interface OccurredAt {
  /** Recognised instant (start of the day when only a day was said); null when not understood. */
  readonly at: Date | null;
  /** The customer's words, kept as said ("ieri sera", "last Tuesday"). */
  readonly phrase: string;
}

/** A report as the dialog makes it. Identity is optional. */
export interface NewConcern {
  /** The verified (or identified) subject, when the customer gave who they are. */
  readonly subjectId: string | null;
  readonly topic: ConcernTopic;
  /** What happened, in the customer's words (stored sealed; never logged). Cut at {@link CONCERN_TEXT_LIMIT}. */
  readonly description: string;
  readonly occurred: OccurredAt | null;
  /** Which data: purpose/category ids recognised, and the customer's words. */
  readonly dataCategories: readonly string[];
  readonly dataPhrase: string | null;
  /** How to reach them when they are not identified (an email or phone they typed), sealed; null = no reply wanted. */
  readonly contact: string | null;
  readonly channel: string;
  /** The stored conversation (route + reference) to reply in; opaque here. */
  readonly conversation: Record<string, unknown> | null;
  readonly locale: string;
  readonly timeZone: string;
}

/** Longest free text kept; longer text is cut politely and the customer told. */
export const CONCERN_TEXT_LIMIT = 4000;

/** One change of a concern (triage), with who and why. */
export interface ConcernEvent {
  readonly state: ConcernState;
  readonly reason: string | null;
  readonly actor: string;
  readonly at: Date;
}

/** A concern as the privacy team sees it (the description opened for them only). */
export interface ConcernCase {
  readonly id: string;
  readonly reference: string;
  readonly subjectId: string | null;
  readonly topic: ConcernTopic;
  readonly suspectedBreach: boolean;
  readonly state: ConcernState;
  readonly reportedAt: Date;
  readonly occurred: OccurredAt | null;
  readonly dataCategories: readonly string[];
  readonly dataPhrase: string | null;
  readonly channel: string | null;
  readonly locale: string;
  readonly timeZone: string;
  /** Set once confirmed as a breach (then the clock runs on its incident). */
  readonly awarenessAt: Date | null;
  readonly incidentReference: string | null;
  /** Whether the DPO alert (webhook and email) went out. */
  readonly dpoAlert: { readonly webhook: 'delivered' | 'pending' | 'not_configured'; readonly email: 'sent' | 'pending' | 'not_configured' } | null;
  readonly history: readonly ConcernEvent[];
}

/** The authority clock of one regime for a breach. */
export interface BreachClock {
  readonly regime: Regime;
  /** The deadline instant, or null when the law says "as soon as feasible" (PIPEDA) or sets none. */
  readonly dueAt: Date | null;
  /** "72 hours", "3 working days", "as soon as feasible". */
  readonly rule: string;
  readonly basis: string;
}

/** Art. 33(3) GDPR: what the notification to the authority describes (each field may come in phases, Art. 33(4)). */
export interface Art33Record {
  readonly nature: string;
  readonly dataCategories: string;
  readonly approxSubjects: number | null;
  readonly approxRecords: number | null;
  readonly likelyConsequences: string;
  readonly measures: string;
  readonly dpoContact: string;
  /** Why the notification is later than the deadline, when it is. */
  readonly delayReasons: string;
}

/** A breach incident: the reports about it, its clocks, its Art. 33(3) record built in phases. */
export interface Incident {
  readonly id: string;
  readonly reference: string;
  readonly title: string;
  readonly awarenessAt: Date;
  readonly regimes: readonly Regime[];
  readonly clocks: readonly BreachClock[];
  readonly state: 'open' | 'notified' | 'closed';
  readonly record: Art33Record;
  /** Each phase of information added (Art. 33(4)), oldest first. */
  readonly phases: readonly { readonly seq: number; readonly at: Date; readonly actor: string; readonly fields: readonly (keyof Art33Record)[] }[];
  readonly concernReferences: readonly string[];
  readonly notice: IncidentNoticeState | null;
  readonly affectedCount: number;
}

/** The customer-facing notice of an incident, per language (incident mode). */
export interface IncidentNoticeText {
  readonly whatHappened: string;
  readonly whatData: string;
  readonly whatWeDo: string;
  readonly whatYouShouldDo: string;
}

export interface IncidentNoticeState {
  readonly texts: Readonly<Partial<Record<string, IncidentNoticeText>>>;
  readonly publishedAt: Date | null;
  readonly withdrawnAt: Date | null;
}
