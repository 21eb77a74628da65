import { claimLeased, markLeasedChatDelivered, markLeasedRetry, markLeasedSent } from '../db/outbox-rows';
import { SqlDatabase, SqlExecutor } from '../db/sql-database';

/** An Art. 34 notice an instance has leased and is about to send. */
export interface ClaimedSubjectNotice {
  readonly id: string;
  readonly incidentId: string;
  readonly incidentReference: string;
  readonly subjectId: string;
  /** The subject's preferred language, when the ledger knows it. */
  readonly locale: string | null;
  /**
   * The latest conversation the subject reached us in (an access request or a concern of theirs),
   * to tell them in their chat as well; null when none is known.
   */
  readonly conversation: Record<string, unknown> | null;
  /** Sends started, this one included; fences a late report of an expired lease. */
  readonly attempts: number;
  /** Already told in the conversation by an earlier attempt: not said twice. */
  readonly chatDelivered: boolean;
}

/** Where an incident's Art. 34 notices stand (the console, the tests). */
export interface SubjectNoticeCounts {
  readonly pending: number;
  readonly sent: number;
  /** Pending notices that failed at least once. */
  readonly retrying: number;
}

interface ClaimedRow {
  id: string;
  incident_id: string;
  reference: string;
  subject_id: string;
  preferred_locale: string | null;
  conversation: Record<string, unknown> | string | null;
  attempts: number;
  chat_delivered: boolean;
}

/**
 * The outbox of Art. 34 notices (GDPR: communication of a breach to the people it affects): one row
 * per incident × affected subject (UNIQUE, so each is sent once), written in the transaction that
 * imported the subject, sent afterwards by any instance — only while the incident's notice is
 * published (the notice is what they are told) — and retried until the contact on file took it.
 * The sender is src/privacy/concerns/incident-notice-sender.ts.
 */
export class IncidentSubjectNotices {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Queues one notice per subject inside the caller's transaction (a subject already queued is left as it is); returns how many were queued. */
  async enqueue(tx: SqlExecutor, incidentId: string, subjectIds: readonly string[], at: Date): Promise<number> {
    if (subjectIds.length === 0) return 0;
    const result = await tx.query<{ id: string }>(
      `INSERT INTO incident_subject_notice (id, incident_id, subject_id, next_attempt_at, created_at)
       SELECT gen_random_uuid(), $1, s, $3, $3 FROM unnest($2::uuid[]) AS s
       ON CONFLICT (incident_id, subject_id) DO NOTHING
       RETURNING id`,
      [incidentId, [...new Set(subjectIds)], at],
    );
    return result.rows.length;
  }

  /**
   * Leases up to `limit` due notices for `leaseMs`, of incidents whose notice is published; rows
   * another instance holds are skipped.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedSubjectNotice[]> {
    const rows = await claimLeased<ClaimedRow>(
      this.db,
      this.now(),
      limit,
      leaseMs,
      `WITH due AS (
         SELECT n.id FROM incident_subject_notice n
         JOIN incident_notice p ON p.incident_id = n.incident_id AND p.published_at IS NOT NULL AND p.withdrawn_at IS NULL
         WHERE n.status = 'pending' AND n.next_attempt_at <= $1 AND (n.locked_until IS NULL OR n.locked_until <= $1)
         ORDER BY n.next_attempt_at, n.id LIMIT $2 FOR UPDATE OF n SKIP LOCKED
       )
       UPDATE incident_subject_notice n SET locked_until = $3, attempts = n.attempts + 1
       FROM due, incident i, subject s
       WHERE n.id = due.id AND i.id = n.incident_id AND s.id = n.subject_id
       RETURNING n.id, n.incident_id, i.reference, n.subject_id, s.preferred_locale, n.attempts, n.chat_delivered,
         (SELECT conversation FROM (
            SELECT r.conversation, r.received_at AS at FROM data_request r WHERE r.subject_id = n.subject_id AND r.conversation IS NOT NULL
            UNION ALL
            SELECT c.conversation, c.reported_at AS at FROM concern c WHERE c.subject_id = n.subject_id AND c.conversation IS NOT NULL
          ) known ORDER BY at DESC LIMIT 1) AS conversation`,
    );
    return rows.map((row) => ({
      id: row.id,
      incidentId: row.incident_id,
      incidentReference: row.reference,
      subjectId: row.subject_id,
      locale: row.preferred_locale,
      conversation: typeof row.conversation === 'string' ? (JSON.parse(row.conversation) as Record<string, unknown>) : row.conversation,
      attempts: Number(row.attempts),
      chatDelivered: row.chat_delivered,
    }));
  }

  /** Told in the conversation: remembered so a retry for the contact on file does not say it twice. */
  async markChatDelivered(notice: ClaimedSubjectNotice): Promise<void> {
    await markLeasedChatDelivered(this.db, 'incident_subject_notice', notice);
  }

  /** Done (`contactDelivered`: the contact on file took it; false when the subject has none on file). */
  async markSent(notice: ClaimedSubjectNotice, contactDelivered: boolean): Promise<void> {
    await markLeasedSent(this.db, 'incident_subject_notice', notice, this.now(), contactDelivered);
  }

  /** Not sent (the transport is down): due again at `retryAt`; the error is a kind, never an address. */
  async markRetry(notice: ClaimedSubjectNotice, retryAt: Date, error: string): Promise<void> {
    await markLeasedRetry(this.db, 'incident_subject_notice', notice, retryAt, error);
  }

  async counts(incidentId: string): Promise<SubjectNoticeCounts> {
    const row = (
      await this.db.query<{ pending: string | number; sent: string | number; retrying: string | number }>(
        `SELECT count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'sent') AS sent,
                count(*) FILTER (WHERE status = 'pending' AND attempts > 0) AS retrying
         FROM incident_subject_notice WHERE incident_id = $1`,
        [incidentId],
      )
    ).rows[0];
    return { pending: Number(row.pending), sent: Number(row.sent), retrying: Number(row.retrying) };
  }
}
