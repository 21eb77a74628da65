import { randomUUID } from 'node:crypto';
import { BlobCipher } from '../access/blob-cipher';
import { claimLeased, markLeasedChatDelivered, markLeasedRetry, markLeasedSent } from '../db/outbox-rows';
import { SqlDatabase, SqlExecutor } from '../db/sql-database';

/** `dpo_email`: the DPO alert's email (no free text); `reply`: the privacy team's reply to the customer (sealed). */
export type ConcernMessageKind = 'dpo_email' | 'reply';

/** A message an instance has leased and is about to send. */
export interface ClaimedConcernMessage {
  readonly id: string;
  readonly concernId: string;
  readonly kind: ConcernMessageKind;
  /** `reply`: the team's text, opened from its seal for this send only; `dpo_email`: null. */
  readonly body: string | null;
  /** Sends started, this one included; fences a late report of an expired lease. */
  readonly attempts: number;
  /** Already said in the conversation by an earlier attempt: not said twice. */
  readonly chatDelivered: boolean;
}

/** Where one message stands (the console's "DPO alert: not yet delivered"). */
export interface ConcernMessageState {
  readonly id: string;
  readonly kind: ConcernMessageKind;
  readonly status: 'pending' | 'sent';
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly sentAt: Date | null;
  readonly chatDelivered: boolean;
  readonly contactDelivered: boolean;
}

interface MessageRow {
  id: string;
  concern_id: string;
  kind: ConcernMessageKind;
  body_sealed: Buffer | Uint8Array | null;
  key_id: string | null;
  attempts: number;
  chat_delivered: boolean;
}

const bodyContext = (messageId: string): string => `concern-message:${messageId}`;

/**
 * The outbox of messages about concerns: written in the transaction that decided them (a suspected
 * breach reported, a reply written), sent afterwards by any instance, retried until the transport
 * took them. A reply's text stays sealed in the row: it is part of what happened.
 */
export class ConcernMessages {
  constructor(
    private readonly db: SqlDatabase,
    private readonly blobs: BlobCipher,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Queues a message inside the caller's transaction; due at once. */
  async enqueue(tx: SqlExecutor, concernId: string, kind: ConcernMessageKind, body: string | null, at: Date, actor: string): Promise<string> {
    const id = randomUUID();
    const sealed = body === null ? null : this.blobs.seal(Buffer.from(body, 'utf8'), bodyContext(id));
    await tx.query(
      'INSERT INTO concern_message (id, concern_id, kind, body_sealed, key_id, next_attempt_at, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)',
      [id, concernId, kind, sealed?.sealed ?? null, sealed?.keyId ?? null, at, actor],
    );
    return id;
  }

  /** Leases up to `limit` due messages of `kind` for `leaseMs`; rows another instance holds are skipped. */
  async claimDue(kind: ConcernMessageKind, limit: number, leaseMs: number): Promise<ClaimedConcernMessage[]> {
    const rows = await claimLeased<MessageRow>(
      this.db,
      this.now(),
      limit,
      leaseMs,
      `WITH due AS (
         SELECT id FROM concern_message
         WHERE kind = $4 AND status = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
         ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       UPDATE concern_message m SET locked_until = $3, attempts = m.attempts + 1
       FROM due WHERE m.id = due.id
       RETURNING m.id, m.concern_id, m.kind, m.body_sealed, m.key_id, m.attempts, m.chat_delivered`,
      [kind],
    );
    return rows.map((row) => ({
      id: row.id,
      concernId: row.concern_id,
      kind: row.kind,
      body: row.body_sealed && row.key_id ? this.blobs.open({ sealed: Buffer.from(row.body_sealed), keyId: row.key_id }, bodyContext(row.id)).toString('utf8') : null,
      attempts: Number(row.attempts),
      chatDelivered: row.chat_delivered,
    }));
  }

  async markChatDelivered(message: ClaimedConcernMessage): Promise<void> {
    await markLeasedChatDelivered(this.db, 'concern_message', message);
  }

  /** Done (`contactDelivered`: an email or SMS went out, not only the chat). */
  async markSent(message: ClaimedConcernMessage, contactDelivered: boolean): Promise<void> {
    await markLeasedSent(this.db, 'concern_message', message, this.now(), contactDelivered);
  }

  /** Not sent: due again at `retryAt`; the error is a kind ("ECONNREFUSED"), never an address. */
  async markRetry(message: ClaimedConcernMessage, retryAt: Date, error: string): Promise<void> {
    await markLeasedRetry(this.db, 'concern_message', message, retryAt, error);
  }

  /** The messages of several concerns, oldest first. */
  async forConcerns(concernIds: readonly string[], executor: SqlExecutor = this.db): Promise<Map<string, ConcernMessageState[]>> {
    const byConcern = new Map<string, ConcernMessageState[]>(concernIds.map((id) => [id, []]));
    if (concernIds.length === 0) return byConcern;
    const rows = (
      await executor.query<{
        id: string;
        concern_id: string;
        kind: ConcernMessageKind;
        status: 'pending' | 'sent';
        attempts: number;
        last_error: string | null;
        created_at: Date | string;
        sent_at: Date | string | null;
        chat_delivered: boolean;
        contact_delivered: boolean;
      }>(
        'SELECT id, concern_id, kind, status, attempts, last_error, created_at, sent_at, chat_delivered, contact_delivered FROM concern_message WHERE concern_id = ANY($1::uuid[]) ORDER BY created_at, id',
        [concernIds],
      )
    ).rows;
    for (const r of rows) {
      byConcern.get(r.concern_id)?.push({
        id: r.id,
        kind: r.kind,
        status: r.status,
        attempts: Number(r.attempts),
        lastError: r.last_error,
        createdAt: new Date(r.created_at),
        sentAt: r.sent_at === null ? null : new Date(r.sent_at),
        chatDelivered: r.chat_delivered,
        contactDelivered: r.contact_delivered,
      });
    }
    return byConcern;
  }
}
