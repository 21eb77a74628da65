import type { WriteContext } from '../../ledger/audit/audit-log';
import type { Art33Record, ConcernCase, Incident, IncidentNoticeText, NewConcern } from './concern-types';

/** What the dialog hears back: the reference, and whether a person is offered now (a suspected breach). */
export interface ConcernReceipt {
  readonly reference: string;
  readonly suspectedBreach: boolean;
  /** The text was longer than CONCERN_TEXT_LIMIT and was cut (the customer is told). */
  readonly truncated: boolean;
}

/**
 * Concerns and breaches as the report dialog, the console and the CLI use them: one service, every
 * change one ledger transaction with its audit entry; the DPO alert (webhook + email) queued in the
 * transaction that records a suspected breach.
 */
export interface Concerns {
  /** Records a report (free text sealed), and for a suspected breach queues the DPO alert. */
  report(input: NewConcern, context: WriteContext): Promise<ConcernReceipt>;
  /** New reports first, breach suspects first among them. */
  list(query?: { readonly includeClosed?: boolean }): Promise<ConcernCase[]>;
  /** A concern's case by reference (check symbol verified), without opening the customer's words; undefined when none. */
  find(reference: string): Promise<ConcernCase | undefined>;
  /** A concern with its description opened (the privacy team only); the look is audited here (`concern.opened`, with the context given). */
  show(reference: string, context: WriteContext): Promise<{ readonly concern: ConcernCase; readonly description: string; readonly contact: string | null }>;
  /** Confirms a breach: awareness (default now; never later than now; a changed one needs a reason), into a new or an existing incident. */
  confirmBreach(reference: string, input: { readonly awarenessAt?: Date; readonly awarenessReason?: string; readonly incidentReference?: string; readonly title?: string }, context: WriteContext): Promise<Incident>;
  dismiss(reference: string, reason: string, context: WriteContext): Promise<ConcernCase>;
  mergeInto(reference: string, incidentReference: string, context: WriteContext): Promise<ConcernCase>;
  /** Replies to the customer through their conversation or at their contact (queued, sent after the commit). */
  reply(reference: string, text: string, context: WriteContext): Promise<ConcernCase>;

  listIncidents(): Promise<Incident[]>;
  incident(reference: string): Promise<Incident | undefined>;
  /** Adds information to the Art. 33(3) record (a phase, Art. 33(4)); each phase audited. */
  addPhase(reference: string, fields: Partial<Art33Record>, context: WriteContext): Promise<Incident>;
  /** The notification draft for the authority's form; the page in `locale` (a shipped one), else the default language. */
  notificationDraft(reference: string, options?: { readonly locale?: string }): Promise<{ readonly json: Record<string, unknown>; readonly html: string }>;
  /** Records that the authority was notified; after a deadline, the record must hold the reasons for the delay (Art. 33(1)). */
  markNotified(reference: string, context: WriteContext): Promise<Incident>;

  /** Incident mode: the notice per language, published or withdrawn. */
  setNotice(reference: string, texts: Readonly<Record<string, IncidentNoticeText>>, context: WriteContext): Promise<Incident>;
  publishNotice(reference: string, context: WriteContext): Promise<Incident>;
  withdrawNotice(reference: string, context: WriteContext): Promise<Incident>;
  /** The published notice the bot answers from first, if any. */
  publishedNotice(): Promise<{ readonly incidentReference: string; readonly texts: Readonly<Partial<Record<string, IncidentNoticeText>>> } | undefined>;
  /**
   * Imports affected subjects (CSV of identifiers, all or nothing: PSB_LEDGER_IMPORT_INVALID names each bad row by
   * its line, details.problems [{row, reasons}]) and queues one Art. 34 notice each. `source`: the file's name, for
   * messages and the record.
   */
  importAffected(reference: string, csv: string, context: WriteContext, options?: { readonly source?: string }): Promise<{ readonly imported: number; readonly alreadyAffected: number }>;
  /** For a verified customer asking: is this subject among the affected of the published incident? */
  isAffected(incidentReference: string, subjectId: string): Promise<boolean>;
}
