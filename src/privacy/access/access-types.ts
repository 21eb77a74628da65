/**
 * The vocabulary of access requests ("a copy of my data"), shared by the case service, the source
 * jobs, the copy assembly, the dialogs and the privacy team's console. Plain data, no framework types.
 */
import type { Regime } from '../clocks/regimes';

/** Where a case stands. `extended` is never a current status: an extension is an event on an open case. */
export type AccessCaseStatus = 'received' | 'verified' | 'in_progress' | 'blocked' | 'awaiting_review' | 'fulfilled' | 'rejected' | 'withdrawn';

/** Statuses of a case still being worked on (one such case per subject at a time). */
export const OPEN_ACCESS_STATUSES: readonly AccessCaseStatus[] = Object.freeze(['received', 'verified', 'in_progress', 'blocked', 'awaiting_review']);

/** A source job's state: pending → running → done | waiting (202, results later) | retrying → … | failed (gave up). */
export type SourceJobStatus = 'pending' | 'running' | 'waiting' | 'retrying' | 'done' | 'failed';

/** A data-source kind of `config/data-sources.json`. */
export type DataSourceKind = 'ledger' | 'postgres' | 'http';

/** Labels per shipped language ("en", "it", …); the default language's is the fallback. */
export type LocalizedText = Readonly<Record<string, string>>;

/** A category of personal data (e.g. "contact", "orders"), as the customer may name it and the copy groups it. */
export interface DataCategory {
  readonly id: string;
  readonly label: LocalizedText;
  /** Words a customer may use for it, per language ("orders", "purchases"; "ordini", "acquisti"). */
  readonly synonyms?: Readonly<Record<string, readonly string[]>>;
}

/** One configured data source (validated `config/data-sources.json` entry). */
export interface DataSourceConfig {
  readonly id: string;
  readonly label: LocalizedText;
  readonly kind: DataSourceKind;
  /** Category ids this source holds. A request for some categories runs only the sources holding one of them. */
  readonly categories: readonly string[];
  /** postgres: name of the environment variable holding the connection string (never the string itself). */
  readonly connectionEnv?: string;
  /** postgres: parameterised SQL; $1 = the subject's identifiers as a JSON object {"email": "...", "phone": "...", ...}. */
  readonly query?: string;
  /** http: the endpoint receiving the signed POST. */
  readonly url?: string;
  /** http: name of the environment variable holding the signing secret (Standard Webhooks). */
  readonly secretEnv?: string;
  /** Per run. */
  readonly timeoutMs: number;
  /** Largest answer accepted, bytes. */
  readonly maxBytes: number;
  /** Runs before the job is `failed` and the case `blocked`. */
  readonly maxAttempts: number;
  /** http: how long a 202 may wait for its results before the job is retried. */
  readonly resultsWithinMs?: number;
}

/** The subject as a source sees it: the ledger id and the identifiers in clear (only in memory, only for the run). */
export interface SourceSubject {
  readonly subjectId: string;
  /** Normalised values by kind (email lower-case, phone E.164, customer_number, aad_object_id). */
  readonly identifiers: Readonly<Partial<Record<'email' | 'phone' | 'customer_number' | 'aad_object_id', string>>>;
}

/** One plain record (a row, a JSON object); the copy shows its keys as columns. */
export type SourceRecord = Readonly<Record<string, unknown>>;

/**
 * Key of the category id on every stored record (`readPages` never yields one without it): a source
 * holding one category needs not send it; one holding several must. The copy groups records by it
 * and does not show it as a column. "@" keeps it apart from a source's own columns ("category" of a product).
 */
export const RECORD_CATEGORY_KEY = '@category';

/**
 * Optional key naming the kind of a record when one category mixes shapes (the ledger's "consents":
 * `consent`, `consentEvent`, `receipt`): the copy may show one table per kind. Not shown as a column.
 */
export const RECORD_KIND_KEY = '@kind';

/** A summary of one source's job, as the privacy team sees it. */
export interface SourceJobSummary {
  readonly sourceId: string;
  readonly status: SourceJobStatus;
  readonly attempts: number;
  readonly recordCount: number | null;
  /** The kind of the last failure ("HTTP 503", "timeout"), never data. */
  readonly lastError: string | null;
  readonly nextAttemptAt: Date | null;
  readonly finishedAt: Date | null;
}

/** One status change of a case (extensions appear here as `extended`, with the reason). */
export interface AccessCaseEvent {
  readonly status: AccessCaseStatus | 'extended';
  readonly reason: string | null;
  readonly actor: string;
  readonly at: Date;
}

/** An access request case. */
export interface AccessCase {
  readonly id: string;
  readonly reference: string;
  readonly subjectId: string;
  readonly regime: Regime;
  readonly status: AccessCaseStatus;
  readonly receivedAt: Date;
  readonly acknowledgeBy: Date | null;
  /** The statutory deadline. */
  readonly dueAt: Date;
  /** Set once extended: the new deadline, and why. */
  readonly extendedDueAt: Date | null;
  readonly extensionReason: string | null;
  /** The deadline now in force (extended or not). */
  readonly effectiveDueAt: Date;
  /** Latest extension the law allows (null: none, e.g. LGPD), and by when it must be told. */
  readonly maxExtendedDueAt: Date | null;
  readonly extensionNoticeBy: Date | null;
  /** NULL = every category. */
  readonly categories: readonly string[] | null;
  readonly channel: string | null;
  readonly locale: string;
  readonly timeZone: string;
  /** Why a case is blocked or was refused, for the privacy team (refusals: told to the customer too). */
  readonly blockedReason: string | null;
  readonly history: readonly AccessCaseEvent[];
  readonly sources: readonly SourceJobSummary[];
  /** The copy, once assembled. */
  readonly copy: AccessCopySummary | null;
}

export interface AccessCopySummary {
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly sizeBytes: number;
  readonly releasedAt: Date | null;
  readonly downloads: number;
  readonly maxDownloads: number;
  readonly deletedAt: Date | null;
}
