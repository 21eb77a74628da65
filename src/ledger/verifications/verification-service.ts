import { randomUUID } from 'node:crypto';
import { appendAudit, WriteContext } from '../audit/audit-log';
import { SqlDatabase, SqlExecutor } from '../db/sql-database';
import { LedgerError } from '../ledger-errors';

export const ASSURANCE_LEVELS = ['anonymous', 'identified', 'verified'] as const;
export type AssuranceLevel = (typeof ASSURANCE_LEVELS)[number];
/**
 * How a verification was made: an agent's check during a handoff, a channel that authenticated the
 * person (a linked Teams account), a document or knowledge check, a one-time code sent to the
 * contact on file, or the company's own site that signed the customer in (a signed assertion).
 */
export const VERIFICATION_METHODS = ['agent_check', 'channel_authenticated', 'document', 'knowledge', 'one_time_code', 'signed_in_site'] as const;
export type VerificationMethod = (typeof VERIFICATION_METHODS)[number];

export interface RecordVerification {
  readonly subjectId: string;
  readonly method: VerificationMethod;
  readonly level: AssuranceLevel;
  readonly outcome: 'verified' | 'failed';
  /** The agent's username; absent for channel authentication. */
  readonly agent?: string;
  /** The channel it happened in ('webchat', 'msteams', 'directline', …); never a secret or an address. */
  readonly channel?: string;
  readonly notes?: string;
}

export interface Verification extends RecordVerification {
  readonly id: string;
  readonly at: Date;
}

/** Who verified whom, how, and with what outcome (GDPR Art. 12(6), CCPA verification). */
export class VerificationService {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => Date,
  ) {}

  async record(input: RecordVerification, context: WriteContext): Promise<Verification> {
    if (!(VERIFICATION_METHODS as readonly string[]).includes(input.method)) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `unknown verification method "${input.method}"`, { field: 'method' });
    if (!(ASSURANCE_LEVELS as readonly string[]).includes(input.level)) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `unknown assurance level "${input.level}"`, { field: 'level' });
    if (input.outcome !== 'verified' && input.outcome !== 'failed') throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'outcome must be verified or failed', { field: 'outcome' });
    if (input.method === 'agent_check' && !input.agent) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'an agent check names the agent', { field: 'agent' });
    return this.db.transaction(async (tx) => {
      if (context.idempotencyKey) {
        const earlier = (await tx.query<{ id: string; at: Date }>('SELECT id, at FROM verification WHERE idempotency_key = $1', [context.idempotencyKey])).rows[0];
        if (earlier) return { ...input, id: earlier.id, at: new Date(earlier.at) };
      }
      if ((await tx.query('SELECT 1 FROM subject WHERE id = $1', [input.subjectId])).rows.length === 0) throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', 'no subject with this id', { field: 'subjectId' });
      const id = randomUUID();
      const at = this.now();
      await tx.query(
        'INSERT INTO verification (id, subject_id, method, level, agent, outcome, at, notes, idempotency_key, channel) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
        [id, input.subjectId, input.method, input.level, input.agent ?? null, input.outcome, at, input.notes ?? null, context.idempotencyKey ?? null, input.channel ?? null],
      );
      await appendAudit(tx, context, { action: 'verification.recorded', entity: 'subject', entityId: input.subjectId, details: { verificationId: id, method: input.method, level: input.level, outcome: input.outcome, ...(input.channel ? { channel: input.channel } : {}) } }, at);
      return { ...input, id, at };
    });
  }

  async forSubject(subjectId: string, executor: SqlExecutor = this.db): Promise<Verification[]> {
    const rows = (await executor.query<{ id: string; subject_id: string; method: VerificationMethod; level: AssuranceLevel; agent: string | null; channel: string | null; outcome: 'verified' | 'failed'; at: Date | string; notes: string | null }>(
      'SELECT id, subject_id, method, level, agent, channel, outcome, at, notes FROM verification WHERE subject_id = $1 ORDER BY at',
      [subjectId],
    )).rows;
    return rows.map((r) => ({ id: r.id, subjectId: r.subject_id, method: r.method, level: r.level, outcome: r.outcome, at: new Date(r.at), ...(r.agent ? { agent: r.agent } : {}), ...(r.channel ? { channel: r.channel } : {}), ...(r.notes ? { notes: r.notes } : {}) }));
  }
}
