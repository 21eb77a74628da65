import { randomUUID } from 'node:crypto';
import { ConsentEvent } from '../consent/consent-types';
import { SqlDatabase, SqlExecutor } from '../db/sql-database';
import { CONSENT_CHANGED, consentChangedPayload } from './consent-changed-payload';

/** A delivery a dispatcher has leased and is about to post. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly seq: number;
  readonly topic: string;
  /** The subject of a `consent.changed` delivery; null for topics about no one person (`dpo.alert`). */
  readonly subjectId: string | null;
  /** The stored body, as an object (serialised canonically when posted, so every retry sends the same bytes). */
  readonly payload: Record<string, unknown>;
  /** Posts started so far, this one included; it also fences a late failure report (see markFailed). */
  readonly attempts: number;
  readonly createdAt: Date;
}

/** Why a post did not count as delivered; kept on the row for operators, never personal data. */
export interface DeliveryFailure {
  /** The receiver's HTTP status, when it answered. */
  readonly statusCode?: number;
  /** "HTTP 503", "ECONNREFUSED", "timeout"… */
  readonly error: string;
}

export interface WebhookOutboxStats {
  readonly pending: number;
  readonly delivered: number;
  /** Pending deliveries that failed at least once. */
  readonly retrying: number;
  /** Enqueue time of the oldest pending delivery; null when nothing waits. */
  readonly oldestPendingAt: Date | null;
}

/**
 * Enqueues one `consent.changed` delivery for a recorded batch, inside the caller's transaction:
 * committed with the events or rolled back with them. Due at once. Returns the delivery id.
 */
export async function enqueueConsentChanged(tx: SqlExecutor, subjectId: string, events: readonly ConsentEvent[], at: Date): Promise<string> {
  const id = randomUUID();
  await tx.query(
    `INSERT INTO webhook_delivery (id, topic, subject_id, payload, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $5)`,
    [id, CONSENT_CHANGED, subjectId, JSON.stringify(consentChangedPayload(id, subjectId, events)), at],
  );
  return id;
}

interface DeliveryRow {
  id: string;
  seq: string | number;
  topic: string;
  subject_id: string | null;
  payload: Record<string, unknown> | string;
  attempts: number;
  created_at: Date | string;
}

/**
 * The outbox a dispatcher drains: the deliveries of one topic (`consent.changed` unless told otherwise,
 * so the consent webhook never posts another topic's rows to its receiver; the DPO alert's dispatcher
 * names `dpo.alert`). Times come from the caller's clock (like every ledger write), not the database's,
 * so tests drive retries with a fake clock.
 */
export class WebhookOutbox {
  private readonly topic: string;

  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => Date = () => new Date(),
    options: { readonly topic?: string } = {},
  ) {
    this.topic = options.topic ?? CONSENT_CHANGED;
  }

  /**
   * Leases up to `limit` due deliveries of this outbox's topic for `leaseMs` and counts the attempt.
   * Only the oldest pending delivery of each subject is ever due (head of line): a subject's later
   * change never overtakes an earlier one, even while the earlier one waits out a backoff (deliveries
   * without a subject are independent). Rows another dispatcher holds (a row lock or an unexpired
   * lease) are skipped, so no two post one row at once.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const now = this.now();
    const result = await this.db.transaction((tx) =>
      tx.query<DeliveryRow>(
        `WITH due AS (
           SELECT d.id FROM webhook_delivery d
           WHERE d.topic = $4 AND d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.locked_until IS NULL OR d.locked_until <= $1)
             AND NOT EXISTS (SELECT 1 FROM webhook_delivery e WHERE e.subject_id = d.subject_id AND e.status = 'pending' AND e.seq < d.seq)
           ORDER BY d.seq
           LIMIT $2
           FOR UPDATE OF d SKIP LOCKED
         )
         UPDATE webhook_delivery w SET locked_until = $3, attempts = w.attempts + 1, last_attempt_at = $1
         FROM due WHERE w.id = due.id
         RETURNING w.id, w.seq, w.topic, w.subject_id, w.payload, w.attempts, w.created_at`,
        [now, limit, new Date(now.getTime() + leaseMs), this.topic],
      ),
    );
    return result.rows
      .map((r) => ({
        id: r.id,
        seq: Number(r.seq),
        topic: r.topic,
        subjectId: r.subject_id,
        payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as Record<string, unknown>) : r.payload,
        attempts: Number(r.attempts),
        createdAt: new Date(r.created_at),
      }))
      .sort((a, b) => a.seq - b.seq);
  }

  /** The receiver took it (2xx). Recorded even when the lease ran out meanwhile: it *was* delivered. */
  async markDelivered(delivery: ClaimedDelivery, statusCode: number): Promise<void> {
    await this.db.query(
      `UPDATE webhook_delivery SET status = 'delivered', delivered_at = $2, locked_until = NULL, last_status_code = $3, last_error = NULL WHERE id = $1`,
      [delivery.id, this.now(), statusCode],
    );
  }

  /**
   * The post failed: due again at `nextAttemptAt`; never dropped. Ignored when the row was
   * delivered meanwhile or claimed again after this attempt's lease ran out (its attempts moved on),
   * so a late failure cannot reopen or unlock someone else's work.
   */
  async markFailed(delivery: ClaimedDelivery, nextAttemptAt: Date, failure: DeliveryFailure): Promise<void> {
    await this.db.query(
      `UPDATE webhook_delivery SET next_attempt_at = $2, locked_until = NULL, last_status_code = $3, last_error = $4
       WHERE id = $1 AND status = 'pending' AND attempts = $5`,
      [delivery.id, nextAttemptAt, failure.statusCode ?? null, failure.error.slice(0, 200), delivery.attempts],
    );
  }

  async stats(): Promise<WebhookOutboxStats> {
    const row = (
      await this.db.query<{ pending: string | number; delivered: string | number; retrying: string | number; oldest_pending_at: Date | string | null }>(
        `SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
                count(*) FILTER (WHERE status = 'delivered') AS delivered,
                count(*) FILTER (WHERE status = 'pending' AND attempts > 0) AS retrying,
                min(created_at) FILTER (WHERE status = 'pending') AS oldest_pending_at
         FROM webhook_delivery WHERE topic = $1`,
        [this.topic],
      )
    ).rows[0];
    return {
      pending: Number(row.pending),
      delivered: Number(row.delivered),
      retrying: Number(row.retrying),
      oldestPendingAt: row.oldest_pending_at === null ? null : new Date(row.oldest_pending_at),
    };
  }
}
