import { randomUUID } from 'node:crypto';
import { claimLeased, markLeasedChatDelivered, markLeasedRetry, markLeasedSent } from '../db/outbox-rows';
import { SqlDatabase, SqlExecutor } from '../db/sql-database';
import { BlobCipher } from './blob-cipher';

/** What a customer is told about an access request after the ledger committed it. */
export type RequestNoticeKind = 'ready' | 'extended' | 'refused';

/** A notice an instance has leased and is about to send. */
export interface ClaimedNotice {
  readonly id: string;
  readonly requestId: string;
  readonly kind: RequestNoticeKind;
  /** `ready`: the download link's token, opened from its seal for this send only. */
  readonly linkToken: string | null;
  /** Sends started, this one included; fences a late report of an expired lease. */
  readonly attempts: number;
  /** Already told in the conversation by an earlier attempt: not said twice. */
  readonly chatDelivered: boolean;
}

interface NoticeRow {
  id: string;
  request_id: string;
  kind: RequestNoticeKind;
  link_token_sealed: Buffer | Uint8Array | null;
  key_id: string | null;
  attempts: number;
  chat_delivered: boolean;
}

const tokenContext = (noticeId: string): string => `notice:${noticeId}`;

/**
 * The outbox of customer notices about access requests: written in the transaction that decided them
 * (released, extended, refused), sent afterwards by any instance, retried until the contact on file
 * took it. The download token lives here sealed only until the notice went out.
 */
export class RequestNotices {
  constructor(
    private readonly db: SqlDatabase,
    private readonly blobs: BlobCipher,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Queues a notice inside the caller's transaction; due at once. */
  async enqueue(tx: SqlExecutor, requestId: string, kind: RequestNoticeKind, linkToken: string | null = null): Promise<string> {
    const id = randomUUID();
    const sealed = linkToken === null ? null : this.blobs.seal(Buffer.from(linkToken, 'utf8'), tokenContext(id));
    const at = this.now();
    await tx.query('INSERT INTO data_request_notice (id, request_id, kind, link_token_sealed, key_id, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $6)', [
      id,
      requestId,
      kind,
      sealed?.sealed ?? null,
      sealed?.keyId ?? null,
      at,
    ]);
    return id;
  }

  /** Leases up to `limit` due notices for `leaseMs`; rows another instance holds are skipped. */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedNotice[]> {
    const rows = await claimLeased<NoticeRow>(
      this.db,
      this.now(),
      limit,
      leaseMs,
      `WITH due AS (
         SELECT id FROM data_request_notice
         WHERE status = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
         ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       UPDATE data_request_notice n SET locked_until = $3, attempts = n.attempts + 1
       FROM due WHERE n.id = due.id
       RETURNING n.id, n.request_id, n.kind, n.link_token_sealed, n.key_id, n.attempts, n.chat_delivered`,
    );
    return rows.map((row) => ({
      id: row.id,
      requestId: row.request_id,
      kind: row.kind,
      linkToken: row.link_token_sealed && row.key_id ? this.blobs.open({ sealed: Buffer.from(row.link_token_sealed), keyId: row.key_id }, tokenContext(row.id)).toString('utf8') : null,
      attempts: Number(row.attempts),
      chatDelivered: row.chat_delivered,
    }));
  }

  /** Told in the conversation: remembered so a retry for the contact on file does not say it twice. */
  async markChatDelivered(notice: ClaimedNotice): Promise<void> {
    await markLeasedChatDelivered(this.db, 'data_request_notice', notice);
  }

  /** Done: the token's seal is erased (only its hash stays, with the copy). */
  async markSent(notice: ClaimedNotice, contactDelivered: boolean): Promise<void> {
    await markLeasedSent(this.db, 'data_request_notice', notice, this.now(), contactDelivered, ['link_token_sealed', 'key_id']);
  }

  /** Not sent (the mail transport is down): due again at `retryAt`; the error is a kind, never an address. */
  async markRetry(notice: ClaimedNotice, retryAt: Date, error: string): Promise<void> {
    await markLeasedRetry(this.db, 'data_request_notice', notice, retryAt, error);
  }

  /** The notices of a request, oldest first (the console and the tests read them). */
  async forRequest(requestId: string): Promise<{ kind: RequestNoticeKind; status: 'pending' | 'sent'; chatDelivered: boolean; contactDelivered: boolean; sentAt: Date | null }[]> {
    const rows = (
      await this.db.query<{ kind: RequestNoticeKind; status: 'pending' | 'sent'; chat_delivered: boolean; contact_delivered: boolean; sent_at: Date | string | null }>(
        'SELECT kind, status, chat_delivered, contact_delivered, sent_at FROM data_request_notice WHERE request_id = $1 ORDER BY created_at, id',
        [requestId],
      )
    ).rows;
    return rows.map((r) => ({ kind: r.kind, status: r.status, chatDelivered: r.chat_delivered, contactDelivered: r.contact_delivered, sentAt: r.sent_at === null ? null : new Date(r.sent_at) }));
  }
}
