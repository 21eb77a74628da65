import { randomUUID } from 'node:crypto';
import { computeRequestDeadlines } from '../../privacy/clocks/deadlines';
import { Regime, RequestType, isRegime, isRequestType } from '../../privacy/clocks/regimes';
import { appendAudit, WriteContext } from '../audit/audit-log';
import { SqlDatabase, SqlExecutor } from '../db/sql-database';
import { LedgerError } from '../ledger-errors';
import { newReference, parseReference } from '../references/reference';

export const REQUEST_STATUSES = ['received', 'awaiting_verification', 'verified', 'in_progress', 'blocked', 'awaiting_review', 'extended', 'fulfilled', 'rejected', 'withdrawn'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Statuses of a request still being worked on: one such access request per subject at a time (a unique index). */
export const OPEN_REQUEST_STATUSES: readonly RequestStatus[] = Object.freeze(['received', 'awaiting_verification', 'verified', 'in_progress', 'blocked', 'awaiting_review']);

/**
 * Which status may follow which (DESIGN.md: received → awaiting_verification → verified → in_progress →
 * fulfilled | rejected | withdrawn; an access request also waits on a source (blocked) or on the
 * privacy team's review). `extended` is not a status a request is in: it is an event in its history,
 * written by `recordExtension`.
 */
const NEXT: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  received: ['awaiting_verification', 'verified', 'in_progress', 'rejected', 'withdrawn'],
  awaiting_verification: ['verified', 'rejected', 'withdrawn'],
  verified: ['in_progress', 'fulfilled', 'rejected', 'withdrawn'],
  in_progress: ['blocked', 'awaiting_review', 'fulfilled', 'rejected', 'withdrawn'],
  blocked: ['in_progress', 'rejected', 'withdrawn'],
  awaiting_review: ['in_progress', 'fulfilled', 'rejected', 'withdrawn'],
  extended: [],
  fulfilled: [],
  rejected: [],
  withdrawn: [],
};
const NEEDS_REASON: ReadonlySet<RequestStatus> = new Set(['rejected', 'blocked']);

export const REQUEST_REFERENCE_PREFIX = 'PRV';

export interface DataRequest {
  readonly id: string;
  readonly reference: string;
  readonly subjectId: string | null;
  readonly type: RequestType;
  readonly regime: Regime;
  readonly receivedAt: Date;
  readonly acknowledgeBy: Date | null;
  readonly dueAt: Date;
  /** The latest deadline the extension allows (set at receipt; in force only once `extensionReason` is set). */
  readonly extendedDueAt: Date | null;
  /** Why the request was extended; null while it is not. */
  readonly extensionReason: string | null;
  readonly status: RequestStatus;
  /** Why it cannot move on (status blocked), or why it was refused. */
  readonly blockedReason: string | null;
  readonly channel: string | null;
  /** How to reach the conversation again (opaque to the ledger). */
  readonly conversation: Record<string, unknown> | null;
  readonly locale: string | null;
  readonly timeZone: string | null;
  /** Categories asked for; null = everything. */
  readonly categories: readonly string[] | null;
  readonly contactKind: string | null;
  readonly history: readonly { status: RequestStatus; reason: string | null; actor: string; at: Date }[];
}

export interface OpenRequest {
  readonly subjectId?: string;
  readonly type: RequestType;
  readonly regime: Regime;
  /** Receipt instant (UTC); defaults to now. */
  readonly receivedAt?: Date;
  /** The first status after `received` when the requester is already verified (a self-service case starts `in_progress`). */
  readonly startAs?: 'verified' | 'in_progress';
  readonly channel?: string;
  readonly conversation?: Record<string, unknown> | null;
  readonly locale?: string;
  readonly timeZone?: string;
  readonly categories?: readonly string[] | null;
  readonly contactKind?: string | null;
}

/** What `openOrReuse` did. */
export interface OpenedRequest {
  readonly request: DataRequest;
  /** The subject already had an open request of this type: it is given back, nothing written. */
  readonly reused: boolean;
}

interface RequestRow {
  id: string;
  reference: string;
  subject_id: string | null;
  type: RequestType;
  regime: Regime;
  received_at: Date | string;
  acknowledge_by: Date | string | null;
  due_at: Date | string;
  extended_due_at: Date | string | null;
  status: RequestStatus;
  extension_reason: string | null;
  blocked_reason: string | null;
  channel: string | null;
  conversation: Record<string, unknown> | string | null;
  locale: string | null;
  time_zone: string | null;
  categories: string[] | string | null;
  contact_kind: string | null;
}

const parsedJson = <T>(value: T | string | null): T | null => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

/** PostgreSQL's unique_violation (both pg and PGlite carry the SQLSTATE as `code`). */
const isUniqueViolation = (err: unknown): boolean => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';

const optionalDate = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

/** Data-subject requests with their statutory clocks and an append-only status history. */
export class RequestService {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => Date,
  ) {}

  async open(input: OpenRequest, context: WriteContext): Promise<DataRequest> {
    return (await this.openOrReuse(input, context)).request;
  }

  /**
   * Opens a request, or gives back the subject's open request of the same type (asking twice, or two
   * instances racing: the unique index keeps one). `alsoInTransaction` writes what must commit with
   * it (e.g. the jobs that gather the data); it runs only for a new request.
   */
  async openOrReuse(input: OpenRequest, context: WriteContext, alsoInTransaction?: (tx: SqlExecutor, request: DataRequest) => Promise<void>): Promise<OpenedRequest> {
    if (!isRegime(input.regime)) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `unknown regime "${String(input.regime)}"`, { field: 'regime' });
    if (!isRequestType(input.type)) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `unknown request type "${String(input.type)}"`, { field: 'type' });
    const receivedAt = input.receivedAt ?? this.now();
    const clocks = computeRequestDeadlines({ regime: input.regime, type: input.type, receivedAt });
    const attempt = () =>
      this.db.transaction(async (tx): Promise<OpenedRequest> => {
        if (context.idempotencyKey) {
          const earlier = await tx.query<{ reference: string }>('SELECT reference FROM data_request WHERE idempotency_key = $1', [context.idempotencyKey]);
          if (earlier.rows[0]) return { request: await this.requireIn(tx, earlier.rows[0].reference), reused: true };
        }
        if (input.subjectId && (await tx.query('SELECT 1 FROM subject WHERE id = $1', [input.subjectId])).rows.length === 0) {
          throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', 'no subject with this id', { field: 'subjectId' });
        }
        const open = input.subjectId ? await this.openOf(tx, input.subjectId, input.type) : undefined;
        if (open) return { request: open, reused: true };
        const id = randomUUID();
        const reference = newReference(REQUEST_REFERENCE_PREFIX, receivedAt);
        await tx.query(
          `INSERT INTO data_request (id, reference, subject_id, type, regime, received_at, acknowledge_by, due_at, extended_due_at, status, idempotency_key,
             channel, conversation, locale, time_zone, categories, contact_kind)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
          [
            id, reference, input.subjectId ?? null, input.type, input.regime, receivedAt, clocks.acknowledgeBy, clocks.due, clocks.extendedDue, input.startAs ?? 'received', context.idempotencyKey ?? null,
            input.channel ?? null, input.conversation ? JSON.stringify(input.conversation) : null, input.locale ?? null, input.timeZone ?? null,
            input.categories ? JSON.stringify(input.categories) : null, input.contactKind ?? null,
          ],
        );
        const statuses: RequestStatus[] = input.startAs === 'in_progress' ? ['received', 'verified', 'in_progress'] : input.startAs === 'verified' ? ['received', 'verified'] : ['received'];
        for (const status of statuses) await tx.query('INSERT INTO data_request_status (request_id, status, reason, actor, at) VALUES ($1, $2, $3, $4, $5)', [id, status, null, context.actor, receivedAt]);
        await appendAudit(tx, context, { action: 'request.opened', entity: 'data_request', entityId: id, details: { reference, type: input.type, regime: input.regime, due: clocks.due.toISOString(), status: input.startAs ?? 'received' } }, this.now());
        const request = await this.requireIn(tx, reference);
        await alsoInTransaction?.(tx, request);
        return { request: await this.requireIn(tx, reference), reused: false };
      });
    try {
      return await attempt();
    } catch (err) {
      // Another instance opened this subject's request between our check and our insert: theirs stands.
      if (input.subjectId && isUniqueViolation(err)) {
        const open = await this.openOf(this.db, input.subjectId, input.type);
        if (open) return { request: open, reused: true };
      }
      throw err;
    }
  }

  /** The subject's open request of this type, if any. */
  async openOf(executor: SqlExecutor, subjectId: string, type: RequestType): Promise<DataRequest | undefined> {
    const row = (await executor.query<RequestRow>(`SELECT * FROM data_request WHERE subject_id = $1 AND type = $2 AND status = ANY($3::text[]) LIMIT 1`, [subjectId, type, OPEN_REQUEST_STATUSES])).rows[0];
    return row ? this.withHistory(executor, row) : undefined;
  }

  /** Moves a request on; refuses transitions the process does not allow and missing reasons. */
  async changeStatus(reference: string, status: RequestStatus, reason: string | null, context: WriteContext): Promise<DataRequest> {
    return this.db.transaction((tx) => this.changeStatusIn(tx, reference, status, reason, context));
  }

  /** `changeStatus` inside the caller's transaction (with what must commit with it). */
  async changeStatusIn(tx: SqlExecutor, reference: string, status: RequestStatus, reason: string | null, context: WriteContext): Promise<DataRequest> {
    const row = await this.lockIn(tx, reference);
    if (status === 'extended') throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'extended is not a status: an extension is recorded with its new deadline and reason (extend)', { field: 'status' });
    if (!NEXT[row.status].includes(status)) {
      throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `a ${row.status} request cannot become ${status} (allowed: ${NEXT[row.status].join(', ') || 'none'})`, { field: 'status' });
    }
    if (NEEDS_REASON.has(status) && !reason?.trim()) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `${status} needs a reason (the customer is told it)`, { field: 'reason' });
    const at = this.now();
    // The reason a case is blocked or refused stays on the row for the privacy team; moving on clears it.
    const blockedReason = status === 'blocked' || status === 'rejected' ? reason : null;
    await tx.query('UPDATE data_request SET status = $2, blocked_reason = $3 WHERE id = $1', [row.id, status, blockedReason]);
    await tx.query('INSERT INTO data_request_status (request_id, status, reason, actor, at) VALUES ($1, $2, $3, $4, $5)', [row.id, status, reason, context.actor, at]);
    await appendAudit(tx, context, { action: 'request.status', entity: 'data_request', entityId: row.id, details: { reference: row.reference, from: row.status, to: status } }, at);
    return this.requireIn(tx, row.reference);
  }

  /**
   * Records an extension: the deadline in force becomes `extended_due_at`, with the reason the customer
   * is told. The rules (whether and until when) are the caller's (src/privacy/access).
   */
  async recordExtension(tx: SqlExecutor, reference: string, reason: string, context: WriteContext): Promise<DataRequest> {
    const row = await this.lockIn(tx, reference);
    if (!reason.trim()) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'an extension needs a reason (the customer is told it)', { field: 'reason' });
    const at = this.now();
    await tx.query('UPDATE data_request SET extension_reason = $2 WHERE id = $1', [row.id, reason]);
    await tx.query('INSERT INTO data_request_status (request_id, status, reason, actor, at) VALUES ($1, $2, $3, $4, $5)', [row.id, 'extended', reason, context.actor, at]);
    await appendAudit(tx, context, { action: 'request.extended', entity: 'data_request', entityId: row.id, details: { reference: row.reference, extendedDue: row.extendedDueAt?.toISOString() ?? null } }, at);
    return this.requireIn(tx, row.reference);
  }

  /** The request, locked for the rest of the caller's transaction. */
  async lockIn(tx: SqlExecutor, reference: string): Promise<DataRequest> {
    const row = (await tx.query<RequestRow>('SELECT * FROM data_request WHERE reference = $1 FOR UPDATE', [reference])).rows[0];
    if (!row) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'no request with this reference', { field: 'reference' });
    return this.withHistory(tx, row);
  }

  /** A request by the reference a customer typed (check symbol verified), or undefined. */
  async find(typedReference: string, executor: SqlExecutor = this.db): Promise<DataRequest | undefined> {
    const reference = parseReference(typedReference, REQUEST_REFERENCE_PREFIX);
    if (!reference) return undefined;
    const row = (await executor.query<RequestRow>('SELECT * FROM data_request WHERE reference = $1', [reference])).rows[0];
    return row ? this.withHistory(executor, row) : undefined;
  }

  /** A request by its ledger id (jobs and notices refer to requests by id). */
  async byId(id: string, executor: SqlExecutor = this.db): Promise<DataRequest | undefined> {
    const row = (await executor.query<RequestRow>('SELECT * FROM data_request WHERE id = $1', [id])).rows[0];
    return row ? this.withHistory(executor, row) : undefined;
  }

  async forSubject(subjectId: string, executor: SqlExecutor = this.db): Promise<DataRequest[]> {
    const rows = (await executor.query<RequestRow>('SELECT * FROM data_request WHERE subject_id = $1 ORDER BY received_at', [subjectId])).rows;
    return Promise.all(rows.map((row) => this.withHistory(executor, row)));
  }

  private async requireIn(tx: SqlExecutor, reference: string): Promise<DataRequest> {
    const row = (await tx.query<RequestRow>('SELECT * FROM data_request WHERE reference = $1', [reference])).rows[0];
    return this.withHistory(tx, row);
  }

  private async withHistory(executor: SqlExecutor, row: RequestRow): Promise<DataRequest> {
    const history = (await executor.query<{ status: RequestStatus; reason: string | null; actor: string; at: Date | string }>('SELECT status, reason, actor, at FROM data_request_status WHERE request_id = $1 ORDER BY id', [row.id])).rows;
    return {
      id: row.id,
      reference: row.reference,
      subjectId: row.subject_id,
      type: row.type,
      regime: row.regime,
      receivedAt: new Date(row.received_at),
      acknowledgeBy: optionalDate(row.acknowledge_by),
      dueAt: new Date(row.due_at),
      extendedDueAt: optionalDate(row.extended_due_at),
      extensionReason: row.extension_reason,
      status: row.status,
      blockedReason: row.blocked_reason,
      channel: row.channel,
      conversation: parsedJson(row.conversation),
      locale: row.locale,
      timeZone: row.time_zone,
      categories: parsedJson(row.categories),
      contactKind: row.contact_kind,
      history: history.map((h) => ({ status: h.status, reason: h.reason, actor: h.actor, at: new Date(h.at) })),
    };
  }
}
