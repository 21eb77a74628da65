/**
 * Source jobs of access requests: one row per request × data source (`data_request_source`), run by
 * any instance under a lease (FOR UPDATE SKIP LOCKED, like the consent webhook's outbox), and the
 * records each source gave, in sealed pages (`data_request_record_page`). Record types only: when to
 * retry, when to give up and what a case does next are the worker's and the case service's rules.
 */
import type { SourceJobStatus, SourceJobSummary, SourceRecord } from '../../privacy/access/access-types';
import { SqlDatabase, SqlExecutor } from '../db/sql-database';
import { BlobCipher } from './blob-cipher';

/** Most records in one page; a page is also closed once its JSON passes PAGE_BYTES. */
export const RECORDS_PER_PAGE = 1000;
/** A page's JSON closes past this size, so reading one back never needs more (4 MiB). */
const PAGE_BYTES = 4 * 1024 * 1024;

export const SOURCE_JOB_STATUSES: readonly SourceJobStatus[] = Object.freeze(['pending', 'running', 'waiting', 'retrying', 'done', 'failed']);

/** A job an instance has leased and is about to run. */
export interface ClaimedSourceJob {
  readonly requestId: string;
  readonly sourceId: string;
  /** The case's reference (PRV-…), which the source is given. */
  readonly reference: string;
  readonly subjectId: string | null;
  /** Categories the request asked for; null = everything. */
  readonly categories: readonly string[] | null;
  /** Runs started, this one included; fences the report of a run whose lease ran out (see complete). */
  readonly attempts: number;
  /**
   * What the job was before this claim: `pending` or `retrying` (due), `waiting` (a 202's results did
   * not come in time) or `running` (the last run's lease ran out: its instance crashed or stalled).
   */
  readonly claimedFrom: 'pending' | 'retrying' | 'waiting' | 'running';
  /** The last run's failure kind, if any. */
  readonly lastError: string | null;
}

/** What became of results a source POSTed back. */
export type SourceResultsOutcome =
  | { readonly kind: 'accepted'; readonly records: number }
  /** No job of this source for this request. */
  | { readonly kind: 'unknown' }
  /** This Webhook-Id was received before (within the replay window). */
  | { readonly kind: 'replayed' }
  /** The job is not expecting results (done, failed, or not started): late or duplicate. */
  | { readonly kind: 'not-expected'; readonly status: SourceJobStatus };

interface SealedPage {
  readonly page: number;
  readonly count: number;
  readonly sealed: Buffer;
  readonly keyId: string;
}

interface JobRow {
  source_id: string;
  status: SourceJobStatus;
  attempts: number;
  record_count: number | null;
  last_error: string | null;
  next_attempt_at: Date | string;
  waiting_until: Date | string | null;
  finished_at: Date | string | null;
}

/** `data_request.categories` (jsonb, a list of ids or NULL) as read by either backend. */
function categoriesOf(value: unknown): readonly string[] | null {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  return Array.isArray(parsed) ? parsed.map(String) : null;
}

const asDate = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));
const pageContext = (requestId: string, sourceId: string, page: number): string => `records:${requestId}:${sourceId}:${page}`;

/**
 * The jobs' store. Times come from the caller's clock (tests drive retries and leases with a fake
 * one). Every report of a run (complete, markWaiting, markRetry, markFailed) is fenced by the
 * attempt it belongs to: once a lease ran out and another instance claimed the job, the first
 * one's late report changes nothing.
 */
export class SourceJobStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly blobs: BlobCipher,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** One pending job per source, due at `at`, in the caller's transaction (the case's). A job already there is kept. */
  async enqueue(tx: SqlExecutor, requestId: string, sourceIds: readonly string[], at: Date): Promise<void> {
    for (const sourceId of sourceIds) {
      await tx.query(
        `INSERT INTO data_request_source (request_id, source_id, status, next_attempt_at) VALUES ($1, $2, 'pending', $3)
         ON CONFLICT (request_id, source_id) DO NOTHING`,
        [requestId, sourceId, at],
      );
    }
  }

  /**
   * Leases up to `limit` jobs that need a run, for `leaseMs`, and counts the attempt: pending and
   * retrying jobs that are due, running jobs whose lease ran out, waiting jobs past `waiting_until`.
   * `next_attempt_at` holds "when to look again" for all four (the lease's end while running, the
   * wait's end while waiting), so one indexed condition finds them. Rows another instance holds are
   * skipped, so no two instances run one job at once.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedSourceJob[]> {
    const now = this.now();
    const leaseEnd = new Date(now.getTime() + leaseMs);
    const result = await this.db.transaction((tx) =>
      tx.query<{ request_id: string; source_id: string; attempts: number; last_error: string | null; claimed_from: ClaimedSourceJob['claimedFrom']; reference: string; subject_id: string | null; categories: unknown; next_attempt_at: Date | string }>(
        `WITH due AS (
           SELECT j.request_id, j.source_id, j.status AS claimed_from, j.next_attempt_at AS was_due FROM data_request_source j
           WHERE j.status IN ('pending', 'retrying', 'running', 'waiting') AND j.next_attempt_at <= $1
           ORDER BY j.next_attempt_at, j.request_id, j.source_id
           LIMIT $2
           FOR UPDATE OF j SKIP LOCKED
         )
         UPDATE data_request_source s
         SET status = 'running', attempts = s.attempts + 1, locked_until = $3, next_attempt_at = $3, waiting_until = NULL, started_at = COALESCE(s.started_at, $1)
         FROM due, data_request r
         WHERE s.request_id = due.request_id AND s.source_id = due.source_id AND r.id = s.request_id
         RETURNING s.request_id, s.source_id, s.attempts, s.last_error, due.claimed_from, due.was_due AS next_attempt_at, r.reference, r.subject_id, r.categories`,
        [now, limit, leaseEnd],
      ),
    );
    return result.rows
      .sort((a, b) => new Date(a.next_attempt_at).getTime() - new Date(b.next_attempt_at).getTime())
      .map((r) => ({
        requestId: r.request_id,
        sourceId: r.source_id,
        reference: r.reference,
        subjectId: r.subject_id,
        categories: categoriesOf(r.categories),
        attempts: Number(r.attempts),
        claimedFrom: r.claimed_from,
        lastError: r.last_error,
      }));
  }

  /**
   * The run gave its records: they are sealed into pages first (outside any transaction, so a
   * slow source never holds a ledger transaction open; memory holds the sealed pages, bounded by the
   * source's size limit), then written with status `done` in one transaction. False, writing
   * nothing, when the run no longer holds the job (its lease ran out and another run took it, or
   * results were POSTed meanwhile).
   */
  async complete(job: ClaimedSourceJob, records: AsyncIterable<SourceRecord> | Iterable<SourceRecord>): Promise<boolean> {
    const pages = await this.sealPages(job.requestId, job.sourceId, records);
    return this.db.transaction(async (tx) => {
      const fenced = await tx.query(
        `UPDATE data_request_source SET status = 'done', locked_until = NULL, waiting_until = NULL, last_error = NULL, record_count = $4, finished_at = $5
         WHERE request_id = $1 AND source_id = $2 AND attempts = $3 AND status = 'running'`,
        [job.requestId, job.sourceId, job.attempts, pages.reduce((n, p) => n + p.count, 0), this.now()],
      );
      if (fenced.rowCount === 0) return false;
      await this.writePages(tx, job.requestId, job.sourceId, pages);
      return true;
    });
  }

  /** The source answered 202: its results are expected by `until`; after that the job is due again. */
  async markWaiting(job: ClaimedSourceJob, until: Date): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE data_request_source SET status = 'waiting', waiting_until = $4, next_attempt_at = $4, locked_until = NULL, last_error = NULL
       WHERE request_id = $1 AND source_id = $2 AND attempts = $3 AND status = 'running'`,
      [job.requestId, job.sourceId, job.attempts, until],
    );
    return result.rowCount > 0;
  }

  /** The run failed and will be tried again at `at`. `error` is the failure's kind, never data. */
  async markRetry(job: ClaimedSourceJob, at: Date, error: string): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE data_request_source SET status = 'retrying', next_attempt_at = $4, locked_until = NULL, last_error = $5
       WHERE request_id = $1 AND source_id = $2 AND attempts = $3 AND status = 'running'`,
      [job.requestId, job.sourceId, job.attempts, at, error.slice(0, 200)],
    );
    return result.rowCount > 0;
  }

  /** The job gave up; it stays failed until re-run. */
  async markFailed(job: ClaimedSourceJob, error: string): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE data_request_source SET status = 'failed', locked_until = NULL, waiting_until = NULL, last_error = $4, finished_at = $5
       WHERE request_id = $1 AND source_id = $2 AND attempts = $3 AND status = 'running'`,
      [job.requestId, job.sourceId, job.attempts, error.slice(0, 200), this.now()],
    );
    return result.rowCount > 0;
  }

  /** The request behind a results URL (`reference` exactly as stored), its categories asked for (null = all) and the job's status; undefined when there is no such job. */
  async findJob(reference: string, sourceId: string): Promise<{ requestId: string; categories: readonly string[] | null; status: SourceJobStatus } | undefined> {
    const row = (
      await this.db.query<{ request_id: string; categories: unknown; status: SourceJobStatus }>(
        'SELECT j.request_id, r.categories, j.status FROM data_request_source j JOIN data_request r ON r.id = j.request_id WHERE r.reference = $1 AND j.source_id = $2',
        [reference, sourceId],
      )
    ).rows[0];
    return row ? { requestId: row.request_id, categories: categoriesOf(row.categories), status: row.status } : undefined;
  }

  /**
   * Results a source POSTed after answering 202, taken only while its job expects them (waiting, or
   * retrying/running after the wait ran out): stored like a run's records, status `done`, in one
   * transaction. `deliveryId` (Webhook-Id) is remembered for `replayWindowMs`: the same id again
   * within it is `replayed`, on any instance.
   */
  async acceptResults(requestId: string, sourceId: string, records: readonly SourceRecord[], options: { deliveryId?: string; replayWindowMs?: number } = {}): Promise<SourceResultsOutcome> {
    const pages = await this.sealPages(requestId, sourceId, records);
    const now = this.now();
    return this.db.transaction(async (tx): Promise<SourceResultsOutcome> => {
      const job = (await tx.query<{ status: SourceJobStatus }>('SELECT status FROM data_request_source WHERE request_id = $1 AND source_id = $2 FOR UPDATE', [requestId, sourceId])).rows[0];
      if (!job) return { kind: 'unknown' };
      if (options.deliveryId !== undefined) {
        await tx.query('DELETE FROM data_source_delivery WHERE received_at < $1', [new Date(now.getTime() - (options.replayWindowMs ?? 0))]);
        const fresh = await tx.query('INSERT INTO data_source_delivery (source_id, webhook_id, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [sourceId, options.deliveryId, now]);
        if (fresh.rowCount === 0) return { kind: 'replayed' };
      }
      if (job.status !== 'waiting' && job.status !== 'retrying' && job.status !== 'running') return { kind: 'not-expected', status: job.status };
      // A run in flight (the wait ran out and the source is being asked again) finds the job done and reports nothing.
      await tx.query(
        `UPDATE data_request_source SET status = 'done', locked_until = NULL, waiting_until = NULL, last_error = NULL, record_count = $3, finished_at = $4
         WHERE request_id = $1 AND source_id = $2`,
        [requestId, sourceId, records.length, now],
      );
      await this.writePages(tx, requestId, sourceId, pages);
      return { kind: 'accepted', records: records.length };
    });
  }

  /**
   * Makes a job pending again with a fresh count of attempts (the privacy team's "re-run"), its
   * pages dropped, in the caller's transaction. A job being run is left alone (false): its run
   * reports soon, and a count reset under it could let its late report pass the fence.
   */
  async rerun(tx: SqlExecutor, requestId: string, sourceId: string): Promise<boolean> {
    const result = await tx.query(
      `UPDATE data_request_source SET status = 'pending', attempts = 0, next_attempt_at = $3, locked_until = NULL, waiting_until = NULL, last_error = NULL,
         record_count = NULL, started_at = NULL, finished_at = NULL
       WHERE request_id = $1 AND source_id = $2 AND status <> 'running'`,
      [requestId, sourceId, this.now()],
    );
    if (result.rowCount === 0) return false;
    await tx.query('DELETE FROM data_request_record_page WHERE request_id = $1 AND source_id = $2', [requestId, sourceId]);
    return true;
  }

  /**
   * Every unfinished job of a case is failed with `reason` (the case was refused or withdrawn:
   * nothing more is asked of the company's systems), in the caller's transaction. Returns how many.
   */
  async cancelUnfinished(tx: SqlExecutor, requestId: string, reason: string): Promise<number> {
    const result = await tx.query(
      `UPDATE data_request_source SET status = 'failed', locked_until = NULL, waiting_until = NULL, last_error = $2, finished_at = $3
       WHERE request_id = $1 AND status IN ('pending', 'running', 'waiting', 'retrying')`,
      [requestId, reason.slice(0, 200), this.now()],
    );
    return result.rowCount;
  }

  /** Each source's job of a request, by source id, as the privacy team sees it. */
  async summaries(requestId: string, executor: SqlExecutor = this.db): Promise<SourceJobSummary[]> {
    const rows = (
      await executor.query<JobRow>(
        'SELECT source_id, status, attempts, record_count, last_error, next_attempt_at, waiting_until, finished_at FROM data_request_source WHERE request_id = $1 ORDER BY source_id',
        [requestId],
      )
    ).rows;
    return rows.map((r) => ({
      sourceId: r.source_id,
      status: r.status,
      attempts: Number(r.attempts),
      recordCount: r.record_count === null ? null : Number(r.record_count),
      lastError: r.last_error,
      // When it is next tried: due (pending, retrying), or once the wait for a 202's results runs out.
      nextAttemptAt: r.status === 'pending' || r.status === 'retrying' ? asDate(r.next_attempt_at) : r.status === 'waiting' ? asDate(r.waiting_until) : null,
      finishedAt: asDate(r.finished_at),
    }));
  }

  /** How many jobs of a request are in each status (every status present, zeros included). */
  async progress(requestId: string, executor: SqlExecutor = this.db): Promise<Record<SourceJobStatus, number>> {
    const counts = Object.fromEntries(SOURCE_JOB_STATUSES.map((s) => [s, 0])) as Record<SourceJobStatus, number>;
    const rows = (await executor.query<{ status: SourceJobStatus; n: string | number }>('SELECT status, count(*) AS n FROM data_request_source WHERE request_id = $1 GROUP BY status', [requestId])).rows;
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  /** A done source's records, one page (≤ RECORDS_PER_PAGE) at a time, opened as read: never the whole answer in memory. */
  async *readPages(requestId: string, sourceId: string): AsyncIterable<SourceRecord[]> {
    const pages = (await this.db.query<{ page: number }>('SELECT page FROM data_request_record_page WHERE request_id = $1 AND source_id = $2 ORDER BY page', [requestId, sourceId])).rows;
    for (const { page } of pages) {
      const row = (
        await this.db.query<{ sealed: Uint8Array; key_id: string }>('SELECT sealed, key_id FROM data_request_record_page WHERE request_id = $1 AND source_id = $2 AND page = $3', [requestId, sourceId, page])
      ).rows[0];
      if (!row) continue;
      const json = this.blobs.open({ sealed: Buffer.from(row.sealed), keyId: row.key_id }, pageContext(requestId, sourceId, page));
      yield JSON.parse(json.toString('utf8')) as SourceRecord[];
    }
  }

  /** Seals records into pages of at most RECORDS_PER_PAGE records and about PAGE_BYTES of JSON. */
  private async sealPages(requestId: string, sourceId: string, records: AsyncIterable<SourceRecord> | Iterable<SourceRecord>): Promise<SealedPage[]> {
    const pages: SealedPage[] = [];
    let parts: string[] = [];
    let bytes = 0;
    const close = (): void => {
      const page = pages.length;
      const blob = this.blobs.seal(Buffer.from(`[${parts.join(',')}]`, 'utf8'), pageContext(requestId, sourceId, page));
      pages.push({ page, count: parts.length, sealed: blob.sealed, keyId: blob.keyId });
      parts = [];
      bytes = 0;
    };
    for await (const record of records) {
      const json = JSON.stringify(record);
      parts.push(json);
      bytes += json.length;
      if (parts.length >= RECORDS_PER_PAGE || bytes >= PAGE_BYTES) close();
    }
    if (parts.length > 0) close();
    return pages;
  }

  private async writePages(tx: SqlExecutor, requestId: string, sourceId: string, pages: readonly SealedPage[]): Promise<void> {
    await tx.query('DELETE FROM data_request_record_page WHERE request_id = $1 AND source_id = $2', [requestId, sourceId]);
    for (const page of pages) {
      await tx.query('INSERT INTO data_request_record_page (request_id, source_id, page, record_count, sealed, key_id) VALUES ($1, $2, $3, $4, $5, $6)', [
        requestId,
        sourceId,
        page.page,
        page.count,
        page.sealed,
        page.keyId,
      ]);
    }
  }
}
