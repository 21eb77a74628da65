import type { SqlDatabase } from './sql-database';

/**
 * The outbox tables of messages to people (migrations 007 and 009) that share the columns of a
 * leased send: status, attempts, locked_until, next_attempt_at, last_error, chat_delivered,
 * contact_delivered, sent_at. A closed list: the name goes into the SQL text.
 */
export type MessageOutboxTable = 'data_request_notice' | 'concern_message' | 'incident_subject_notice';

/** Columns a send may erase with it (the access notice's sealed download token). */
export type SealColumn = 'link_token_sealed' | 'key_id';

/** A row an instance leased: `attempts` fences a late report of an expired lease. */
export interface LeasedRow {
  readonly id: string;
  readonly attempts: number;
}

/**
 * Runs a claim statement in its own transaction, with the lease's parameters first: $1 now, $2 the
 * limit, $3 the lease's end, then `extra` from $4. The statement is each outbox's own (what is due
 * differs); it must lock with FOR UPDATE … SKIP LOCKED so instances do not claim the same rows.
 */
export async function claimLeased<Row>(db: SqlDatabase, now: Date, limit: number, leaseMs: number, sql: string, extra: readonly unknown[] = []): Promise<Row[]> {
  return db.transaction(async (tx) => (await tx.query<Row>(sql, [now, limit, new Date(now.getTime() + leaseMs), ...extra])).rows);
}

/** Told in the conversation: remembered so a retry for the contact does not say it twice. */
export async function markLeasedChatDelivered(db: SqlDatabase, table: MessageOutboxTable, row: LeasedRow): Promise<void> {
  await db.query(`UPDATE ${table} SET chat_delivered = true WHERE id = $1 AND attempts = $2`, [row.id, row.attempts]);
}

/** Done; `alsoClear` names columns erased with it (a seal kept only until the send). */
export async function markLeasedSent(db: SqlDatabase, table: MessageOutboxTable, row: LeasedRow, at: Date, contactDelivered: boolean, alsoClear: readonly SealColumn[] = []): Promise<void> {
  const clears = alsoClear.map((column) => `, ${column} = NULL`).join('');
  await db.query(
    `UPDATE ${table} SET status = 'sent', sent_at = $2, contact_delivered = $3, locked_until = NULL${clears}, last_error = NULL
       WHERE id = $1 AND status = 'pending' AND attempts = $4`,
    [row.id, at, contactDelivered, row.attempts],
  );
}

/** Not sent: due again at `retryAt`; the error is a kind, never an address. */
export async function markLeasedRetry(db: SqlDatabase, table: MessageOutboxTable, row: LeasedRow, retryAt: Date, error: string): Promise<void> {
  await db.query(`UPDATE ${table} SET next_attempt_at = $2, locked_until = NULL, last_error = $3 WHERE id = $1 AND status = 'pending' AND attempts = $4`, [
    row.id,
    retryAt,
    error.slice(0, 200),
    row.attempts,
  ]);
}
