import { randomUUID } from 'node:crypto';
import { computeRequestDeadlines } from '../../privacy/clocks/deadlines';
import { Regime, RequestType, isRegime, isRequestType } from '../../privacy/clocks/regimes';
import { appendAudit, WriteContext } from '../audit/audit-log';
import { SqlDatabase, SqlExecutor } from '../db/sql-database';
import { LedgerError } from '../ledger-errors';
import { newReference, parseReference } from '../references/reference';

export const REQUEST_STATUSES = ['received', 'awaiting_verification', 'verified', 'in_progress', 'extended', 'fulfilled', 'rejected', 'withdrawn'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Which status may follow which (DESIGN.md: received → awaiting_verification → verified → in_progress → fulfilled | rejected | withdrawn). */
const NEXT: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  received: ['awaiting_verification', 'verified', 'rejected', 'withdrawn'],
  awaiting_verification: ['verified', 'rejected', 'withdrawn'],
  verified: ['in_progress', 'extended', 'fulfilled', 'rejected', 'withdrawn'],
  in_progress: ['extended', 'fulfilled', 'rejected', 'withdrawn'],
  extended: ['in_progress', 'fulfilled', 'rejected', 'withdrawn'],
  fulfilled: [],
  rejected: [],
  withdrawn: [],
};
const NEEDS_REASON: ReadonlySet<RequestStatus> = new Set(['rejected', 'extended']);

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
  readonly extendedDueAt: Date | null;
  readonly status: RequestStatus;
  readonly history: readonly { status: RequestStatus; reason: string | null; actor: string; at: Date }[];
}

export interface OpenRequest {
  readonly subjectId?: string;
  readonly type: RequestType;
  readonly regime: Regime;
  /** Receipt instant (UTC); defaults to now. */
  readonly receivedAt?: Date;
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
}

const optionalDate = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

/** Data-subject requests with their statutory clocks and an append-only status history. */
export class RequestService {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => Date,
  ) {}

  async open(input: OpenRequest, context: WriteContext): Promise<DataRequest> {
    if (!isRegime(input.regime)) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `unknown regime "${String(input.regime)}"`, { field: 'regime' });
    if (!isRequestType(input.type)) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `unknown request type "${String(input.type)}"`, { field: 'type' });
    const receivedAt = input.receivedAt ?? this.now();
    const clocks = computeRequestDeadlines({ regime: input.regime, type: input.type, receivedAt });
    return this.db.transaction(async (tx) => {
      if (context.idempotencyKey) {
        const earlier = await tx.query<{ reference: string }>('SELECT reference FROM data_request WHERE idempotency_key = $1', [context.idempotencyKey]);
        if (earlier.rows[0]) return this.requireIn(tx, earlier.rows[0].reference);
      }
      if (input.subjectId && (await tx.query('SELECT 1 FROM subject WHERE id = $1', [input.subjectId])).rows.length === 0) {
        throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', 'no subject with this id', { field: 'subjectId' });
      }
      const id = randomUUID();
      const reference = newReference(REQUEST_REFERENCE_PREFIX, receivedAt);
      await tx.query(
        'INSERT INTO data_request (id, reference, subject_id, type, regime, received_at, acknowledge_by, due_at, extended_due_at, status, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
        [id, reference, input.subjectId ?? null, input.type, input.regime, receivedAt, clocks.acknowledgeBy, clocks.due, clocks.extendedDue, 'received', context.idempotencyKey ?? null],
      );
      await tx.query('INSERT INTO data_request_status (request_id, status, reason, actor, at) VALUES ($1, $2, $3, $4, $5)', [id, 'received', null, context.actor, receivedAt]);
      await appendAudit(tx, context, { action: 'request.opened', entity: 'data_request', entityId: id, details: { reference, type: input.type, regime: input.regime, due: clocks.due.toISOString() } }, this.now());
      return this.requireIn(tx, reference);
    });
  }

  /** Moves a request on; refuses transitions the process does not allow and missing reasons. */
  async changeStatus(reference: string, status: RequestStatus, reason: string | null, context: WriteContext): Promise<DataRequest> {
    return this.db.transaction(async (tx) => {
      const row = (await tx.query<RequestRow>('SELECT * FROM data_request WHERE reference = $1 FOR UPDATE', [reference])).rows[0];
      if (!row) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'no request with this reference', { field: 'reference' });
      if (!NEXT[row.status].includes(status)) {
        throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `a ${row.status} request cannot become ${status} (allowed: ${NEXT[row.status].join(', ') || 'none'})`, { field: 'status' });
      }
      if (NEEDS_REASON.has(status) && !reason?.trim()) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `${status} needs a reason (the customer is told it)`, { field: 'reason' });
      const at = this.now();
      await tx.query('UPDATE data_request SET status = $2 WHERE id = $1', [row.id, status]);
      await tx.query('INSERT INTO data_request_status (request_id, status, reason, actor, at) VALUES ($1, $2, $3, $4, $5)', [row.id, status, reason, context.actor, at]);
      await appendAudit(tx, context, { action: 'request.status', entity: 'data_request', entityId: row.id, details: { reference, from: row.status, to: status } }, at);
      return this.requireIn(tx, reference);
    });
  }

  /** A request by the reference a customer typed (check symbol verified), or undefined. */
  async find(typedReference: string, executor: SqlExecutor = this.db): Promise<DataRequest | undefined> {
    const reference = parseReference(typedReference, REQUEST_REFERENCE_PREFIX);
    if (!reference) return undefined;
    const row = (await executor.query<RequestRow>('SELECT * FROM data_request WHERE reference = $1', [reference])).rows[0];
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
      status: row.status,
      history: history.map((h) => ({ status: h.status, reason: h.reason, actor: h.actor, at: new Date(h.at) })),
    };
  }
}
