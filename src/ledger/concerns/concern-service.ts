import { randomUUID } from 'node:crypto';
import { computeBreachDeadline } from '../../privacy/clocks/deadlines';
import { redactText } from '../../log/redact-text';
import { appendAudit, WriteContext } from '../audit/audit-log';
import { SqlDatabase, SqlExecutor } from '../db/sql-database';
import { LedgerError } from '../ledger-errors';
import { newReference } from '../references/reference';

export const CONCERN_CATEGORIES = ['suspected_breach', 'misdirected_mail', 'account_takeover', 'misuse', 'unwanted_marketing', 'other'] as const;
export type ConcernCategory = (typeof CONCERN_CATEGORIES)[number];
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const CONCERN_STATUSES = ['reported', 'triaged', 'investigating', 'notified_authority', 'resolved', 'dismissed'] as const;
export type ConcernStatus = (typeof CONCERN_STATUSES)[number];

export const CONCERN_REFERENCE_PREFIX = 'CNC';

/** Which status may follow which; closed concerns stay closed (a new one is opened instead). */
const NEXT: Readonly<Record<ConcernStatus, readonly ConcernStatus[]>> = {
  reported: ['triaged', 'investigating', 'dismissed'],
  triaged: ['investigating', 'notified_authority', 'resolved', 'dismissed'],
  investigating: ['notified_authority', 'resolved', 'dismissed'],
  notified_authority: ['investigating', 'resolved'],
  resolved: [],
  dismissed: [],
};

export interface ReportConcern {
  readonly subjectId?: string;
  readonly category: ConcernCategory;
  /** The customer's words; stored with emails and phone numbers redacted. */
  readonly description: string;
  /** When it happened, as recognised from the customer's words, and those words. */
  readonly occurredAt?: Date;
  readonly occurredPhrase?: string;
  readonly suspectedBreach: boolean;
  readonly severity: Severity;
  /** When the company became aware (starts the 72 h clock); defaults to the report time. */
  readonly awarenessAt?: Date;
}

export interface Concern {
  readonly id: string;
  readonly reference: string;
  readonly subjectId: string | null;
  readonly category: ConcernCategory;
  readonly descriptionRedacted: string;
  readonly occurredAt: Date | null;
  readonly occurredPhrase: string | null;
  readonly reportedAt: Date;
  readonly suspectedBreach: boolean;
  readonly awarenessAt: Date | null;
  readonly authorityDueAt: Date | null;
  readonly severity: Severity;
  readonly status: ConcernStatus;
}

interface ConcernRow {
  id: string;
  reference: string;
  subject_id: string | null;
  category: ConcernCategory;
  description_redacted: string;
  occurred_at: Date | string | null;
  occurred_phrase: string | null;
  reported_at: Date | string;
  suspected_breach: boolean;
  awareness_at: Date | string | null;
  authority_due_at: Date | string | null;
  severity: Severity;
  status: ConcernStatus;
}

const optionalDate = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

function toConcern(row: ConcernRow): Concern {
  return {
    id: row.id,
    reference: row.reference,
    subjectId: row.subject_id,
    category: row.category,
    descriptionRedacted: row.description_redacted,
    occurredAt: optionalDate(row.occurred_at),
    occurredPhrase: row.occurred_phrase,
    reportedAt: new Date(row.reported_at),
    suspectedBreach: row.suspected_breach,
    awarenessAt: optionalDate(row.awareness_at),
    authorityDueAt: optionalDate(row.authority_due_at),
    severity: row.severity,
    status: row.status,
  };
}

/** Concerns and suspected breaches (GDPR Art. 33: documented, 72 h to the authority). */
export class ConcernService {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => Date,
  ) {}

  async report(input: ReportConcern, context: WriteContext): Promise<Concern> {
    if (!(CONCERN_CATEGORIES as readonly string[]).includes(input.category)) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `unknown concern category "${input.category}"`, { field: 'category' });
    if (!(SEVERITIES as readonly string[]).includes(input.severity)) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `unknown severity "${input.severity}"`, { field: 'severity' });
    if (!input.description.trim()) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'a concern needs a description', { field: 'description' });
    const reportedAt = this.now();
    const awarenessAt = input.suspectedBreach ? (input.awarenessAt ?? reportedAt) : null;
    const authorityDueAt = awarenessAt ? computeBreachDeadline({ awarenessAt }).due : null;
    return this.db.transaction(async (tx) => {
      if (context.idempotencyKey) {
        const earlier = (await tx.query<ConcernRow>('SELECT * FROM concern WHERE idempotency_key = $1', [context.idempotencyKey])).rows[0];
        if (earlier) return toConcern(earlier);
      }
      if (input.subjectId && (await tx.query('SELECT 1 FROM subject WHERE id = $1', [input.subjectId])).rows.length === 0) {
        throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', 'no subject with this id', { field: 'subjectId' });
      }
      const id = randomUUID();
      const reference = newReference(CONCERN_REFERENCE_PREFIX, reportedAt);
      await tx.query(
        `INSERT INTO concern (id, reference, subject_id, category, description_redacted, occurred_at, occurred_phrase, reported_at, suspected_breach, awareness_at, authority_due_at, severity, status, idempotency_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'reported', $13)`,
        [id, reference, input.subjectId ?? null, input.category, redactText(input.description.trim()), input.occurredAt ?? null, input.occurredPhrase ?? null, reportedAt, input.suspectedBreach, awarenessAt, authorityDueAt, input.severity, context.idempotencyKey ?? null],
      );
      await tx.query('INSERT INTO concern_status (concern_id, status, reason, actor, at) VALUES ($1, $2, $3, $4, $5)', [id, 'reported', null, context.actor, reportedAt]);
      await appendAudit(tx, context, { action: 'concern.reported', entity: 'concern', entityId: id, details: { reference, category: input.category, suspectedBreach: input.suspectedBreach, severity: input.severity } }, reportedAt);
      return toConcern((await tx.query<ConcernRow>('SELECT * FROM concern WHERE id = $1', [id])).rows[0]);
    });
  }

  /** Moves a concern on (triage, investigation, authority notified, closed), with the reason. */
  async changeStatus(reference: string, status: ConcernStatus, reason: string, context: WriteContext): Promise<Concern> {
    if (!reason.trim()) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'a concern status change needs a reason', { field: 'reason' });
    return this.db.transaction(async (tx) => {
      const row = (await tx.query<ConcernRow>('SELECT * FROM concern WHERE reference = $1 FOR UPDATE', [reference])).rows[0];
      if (!row) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'no concern with this reference', { field: 'reference' });
      if (!NEXT[row.status].includes(status)) {
        throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `a ${row.status} concern cannot become ${status} (allowed: ${NEXT[row.status].join(', ') || 'none'})`, { field: 'status' });
      }
      const at = this.now();
      await tx.query('UPDATE concern SET status = $2 WHERE id = $1', [row.id, status]);
      await tx.query('INSERT INTO concern_status (concern_id, status, reason, actor, at) VALUES ($1, $2, $3, $4, $5)', [row.id, status, reason, context.actor, at]);
      await appendAudit(tx, context, { action: 'concern.status', entity: 'concern', entityId: row.id, details: { reference, from: row.status, to: status } }, at);
      return toConcern((await tx.query<ConcernRow>('SELECT * FROM concern WHERE id = $1', [row.id])).rows[0]);
    });
  }

  /** A concern's status history, oldest first. */
  async history(reference: string, executor: SqlExecutor = this.db): Promise<{ status: ConcernStatus; reason: string | null; actor: string; at: Date }[]> {
    const rows = (await executor.query<{ status: ConcernStatus; reason: string | null; actor: string; at: Date | string }>(
      'SELECT s.status, s.reason, s.actor, s.at FROM concern_status s JOIN concern c ON c.id = s.concern_id WHERE c.reference = $1 ORDER BY s.id',
      [reference],
    )).rows;
    return rows.map((r) => ({ status: r.status, reason: r.reason, actor: r.actor, at: new Date(r.at) }));
  }

  async forSubject(subjectId: string, executor: SqlExecutor = this.db): Promise<Concern[]> {
    return (await executor.query<ConcernRow>('SELECT * FROM concern WHERE subject_id = $1 ORDER BY reported_at', [subjectId])).rows.map(toConcern);
  }
}
