import type { SqlExecutor } from '../ledger/db/sql-database';
import { OPEN_REQUEST_STATUSES } from '../ledger/requests/request-service';
import { CONSENT_CHANGED } from '../ledger/webhooks/consent-changed-payload';
import { DPO_ALERT } from '../ledger/webhooks/dpo-alert-payload';

/** Bands of days left before an open access request's deadline in force (the extended one once extended). */
export const DAYS_LEFT_BANDS = ['overdue', '0-7', '8-14', '15-30', '31+'] as const;
export type DaysLeftBand = (typeof DAYS_LEFT_BANDS)[number];

/**
 * The outboxes whose pending rows are reported: the consent and DPO webhooks (`webhook_delivery` by
 * topic), the DPO alert email and concern replies (`concern_message` by kind), access request notices
 * and incident (Art. 34) notices.
 */
export const OUTBOXES = ['consent_webhook', 'dpo_webhook', 'dpo_email', 'concern_reply', 'access_notice', 'incident_notice'] as const;
export type OutboxName = (typeof OUTBOXES)[number];

/** Source jobs not finished yet, by status (`done` and `failed` are finished). */
export const UNFINISHED_SOURCE_JOB_STATUSES = ['pending', 'retrying', 'running', 'waiting'] as const;
export type UnfinishedSourceJobStatus = (typeof UNFINISHED_SOURCE_JOB_STATUSES)[number];

/** What the ledger holds that is still to be done, counted at one instant. */
export interface LedgerBacklogs {
  readonly openAccessRequests: Readonly<Record<DaysLeftBand, number>>;
  readonly outboxes: Readonly<Record<OutboxName, number>>;
  readonly sourceJobs: Readonly<Record<UnfinishedSourceJobStatus, number>>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/*
 * One statement, so a scrape is one round trip (on PGlite, one turn of its single connection). Every
 * count but the open requests' reads a partial index of pending rows (webhook_delivery_topic_due,
 * concern_message_due, data_request_notice_due, incident_subject_notice_due, data_request_source_due),
 * and the open requests theirs (data_request_open_due): the cost follows the backlog, not the history.
 * Days left are whole days, rounded down: a deadline 7 days and 23 hours away is in "0-7".
 */
const BACKLOGS_SQL = `
  SELECT 'open' AS series, band AS label, count(*)::int AS n FROM (
    SELECT CASE WHEN due < $1 THEN 'overdue' WHEN due < $2 THEN '0-7' WHEN due < $3 THEN '8-14' WHEN due < $4 THEN '15-30' ELSE '31+' END AS band
    FROM (SELECT CASE WHEN extension_reason IS NOT NULL AND extended_due_at IS NOT NULL THEN extended_due_at ELSE due_at END AS due
          FROM data_request WHERE type = 'access' AND status = ANY($5::text[])) AS open_request
  ) AS banded GROUP BY band
  UNION ALL SELECT 'outbox', 'consent_webhook', count(*)::int FROM webhook_delivery WHERE status = 'pending' AND topic = $6
  UNION ALL SELECT 'outbox', 'dpo_webhook', count(*)::int FROM webhook_delivery WHERE status = 'pending' AND topic = $7
  UNION ALL SELECT 'outbox', 'dpo_email', count(*)::int FROM concern_message WHERE status = 'pending' AND kind = 'dpo_email'
  UNION ALL SELECT 'outbox', 'concern_reply', count(*)::int FROM concern_message WHERE status = 'pending' AND kind = 'reply'
  UNION ALL SELECT 'outbox', 'access_notice', count(*)::int FROM data_request_notice WHERE status = 'pending'
  UNION ALL SELECT 'outbox', 'incident_notice', count(*)::int FROM incident_subject_notice WHERE status = 'pending'
  UNION ALL SELECT 'jobs', status, count(*)::int FROM data_request_source WHERE status = ANY($8::text[]) GROUP BY status`;

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;

/** Counts the ledger's backlogs as of `now` (every band, outbox and status present, 0 when empty). */
export async function readLedgerBacklogs(db: SqlExecutor, now: Date): Promise<LedgerBacklogs> {
  const after = (days: number): Date => new Date(now.getTime() + days * DAY_MS);
  const { rows } = await db.query<{ series: string; label: string; n: number | string }>(BACKLOGS_SQL, [
    now,
    after(8),
    after(15),
    after(31),
    OPEN_REQUEST_STATUSES,
    CONSENT_CHANGED,
    DPO_ALERT,
    UNFINISHED_SOURCE_JOB_STATUSES,
  ]);
  const openAccessRequests = zeros(DAYS_LEFT_BANDS);
  const outboxes = zeros(OUTBOXES);
  const sourceJobs = zeros(UNFINISHED_SOURCE_JOB_STATUSES);
  for (const row of rows) {
    const table: Record<string, number> | undefined = row.series === 'open' ? openAccessRequests : row.series === 'outbox' ? outboxes : row.series === 'jobs' ? sourceJobs : undefined;
    if (table && row.label in table) table[row.label] = Number(row.n);
  }
  return { openAccessRequests, outboxes, sourceJobs };
}
