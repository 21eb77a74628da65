import { retryDelayMs } from '../../integrations/consent-webhook/retry-backoff';
import { PeriodicWorker } from '../../jobs/periodic-worker';
import type { ClaimedSourceJob, SourceJobStore } from '../../ledger/access/source-jobs';
import type { Logger } from '../../log/logger';
import type { DataSourceConfig, SourceSubject } from './access-types';
import type { DataSourceCatalog } from './data-sources';
import { DEFAULT_SOURCE_JOB_CONFIG, SourceJobConfig } from './source-job-config';
import { categorizedRecords } from './sources/source-records';
import { failureKind } from './sources/source-run-error';
import type { SourceRunner } from './sources/source-runner';

/**
 * Told after a job reached `done` (its records stored) or `failed` (gave up, with the failure's
 * kind): the case service assembles the copy once every job is done, or blocks the case with the reason.
 */
export type SourceJobSettled = (requestId: string, outcome: 'done' | 'failed', sourceId: string, error?: string) => void | Promise<void>;

export interface SourceJobWorkerOptions {
  readonly store: SourceJobStore;
  readonly catalog: Pick<DataSourceCatalog, 'byId' | 'sources'>;
  /** By source id (createSourceRunners). */
  readonly runners: ReadonlyMap<string, SourceRunner>;
  /** The request's subject with its identifiers in clear (subjectOfRequest). */
  readonly subjectOf: (requestId: string) => Promise<SourceSubject>;
  readonly onSettled?: SourceJobSettled;
  readonly logger: Logger;
  /** @default DEFAULT_SOURCE_JOB_CONFIG */
  readonly config?: SourceJobConfig;
  /** The store's clock too; tests pass a fake one. @default () => new Date() */
  readonly now?: () => Date;
  /** Jitter of the back-off; tests pin it. @default Math.random */
  readonly random?: () => number;
}

/** What one pass did, job by job. */
export interface SourceJobPassReport {
  readonly done: number;
  readonly failed: number;
  readonly retrying: number;
  readonly waiting: number;
  /** Runs whose lease ran out before they reported (another run had taken the job): nothing recorded. */
  readonly lost: number;
}

type RunResult = keyof SourceJobPassReport;

/** Time on top of the longest source timeout a lease covers: sealing and writing the records. */
const LEASE_MARGIN_MS = 60_000;
/** A pass stops after this many batches, leaving the rest to the next poll (a pass never runs unbounded). */
const MAX_BATCHES_PER_PASS = 100;

/** "24 h", "90 min", "45 s": a duration in a failure kind. */
function describeDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

/**
 * Runs the source jobs of access requests: claims due jobs with a lease (any instance may run any
 * job; two never run one at once), runs each source, stores its records or its promise of results
 * (202), and on failure retries with capped exponential back-off until the source's `maxAttempts`,
 * then fails the job with the failure's kind. Logs carry ids and failure kinds, never records or
 * identifiers.
 */
export class SourceJobWorker extends PeriodicWorker {
  private readonly config: SourceJobConfig;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly leaseMs: number;
  private stopping = false;

  constructor(private readonly options: SourceJobWorkerOptions) {
    const config = options.config ?? DEFAULT_SOURCE_JOB_CONFIG;
    const logger = options.logger.child({ module: 'source-jobs' });
    super({ pollMs: config.pollMs, logger, name: 'source jobs' });
    this.config = config;
    this.logger = logger;
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.leaseMs = Math.max(...options.catalog.sources.map((s) => s.timeoutMs)) + LEASE_MARGIN_MS;
  }

  override start(): void {
    this.stopping = false;
    super.start();
  }

  /** Stops polling; resolves once the runs in flight have finished and been recorded. */
  override async stop(): Promise<void> {
    this.stopping = true;
    await super.stop();
  }

  /** One pass: runs every job due now, `concurrency` at a time. Resolves with how many jobs it ran. */
  async runDue(): Promise<number> {
    const report = await this.runPass();
    return Object.values(report).reduce((a, b) => a + b, 0);
  }

  /** The same, saying what became of the jobs. */
  async runPass(): Promise<SourceJobPassReport> {
    const report: Record<RunResult, number> = { done: 0, failed: 0, retrying: 0, waiting: 0, lost: 0 };
    for (let batch = 0; batch < MAX_BATCHES_PER_PASS && !this.stopping; batch += 1) {
      const jobs = await this.options.store.claimDue(this.config.concurrency, this.leaseMs);
      if (jobs.length === 0) break;
      for (const result of await Promise.all(jobs.map((job) => this.runJob(job)))) report[result] += 1;
    }
    return report;
  }

  private async runJob(job: ClaimedSourceJob): Promise<RunResult> {
    const source = this.options.catalog.byId(job.sourceId);
    const runner = this.options.runners.get(job.sourceId);
    // The file changed since the job was queued: say so rather than retry forever.
    if (!source || !runner) return this.fail(job, 'source no longer configured');
    if (job.attempts > source.maxAttempts) {
      // Claimed again after its last allowed run: that run crashed, or a 202's results never came.
      return this.fail(job, job.claimedFrom === 'waiting' ? `no results within ${describeDuration(source.resultsWithinMs ?? 0)}` : (job.lastError ?? 'run interrupted'));
    }
    const signal = AbortSignal.timeout(source.timeoutMs);
    const wanted = job.categories === null ? null : source.categories.filter((c) => job.categories!.includes(c));
    try {
      const subject = await this.options.subjectOf(job.requestId);
      const outcome = await runner.run({ reference: job.reference, subject, categories: wanted, signal });
      if (outcome.kind === 'later') {
        const until = new Date(this.now().getTime() + (source.resultsWithinMs ?? 0));
        if (!(await this.options.store.markWaiting(job, until))) return this.lost(job);
        this.logger.info({ requestId: job.requestId, sourceId: job.sourceId, attempts: job.attempts, waitingUntil: until.toISOString() }, 'source job: the source will post its results later');
        return 'waiting';
      }
      if (!(await this.options.store.complete(job, categorizedRecords(source, outcome.records, wanted)))) return this.lost(job);
      this.logger.info({ requestId: job.requestId, sourceId: job.sourceId, attempts: job.attempts }, 'source job: done');
      await this.settle(job.requestId, 'done', job.sourceId);
      return 'done';
    } catch (err) {
      return this.failedRun(job, source, failureKind(err, signal));
    }
  }

  private async failedRun(job: ClaimedSourceJob, source: DataSourceConfig, kind: string): Promise<RunResult> {
    if (job.attempts >= source.maxAttempts) return this.fail(job, kind);
    const delay = retryDelayMs(job.attempts, this.config.maxBackoffSeconds * 1000, this.random, this.config.firstRetrySeconds * 1000);
    const retryAt = new Date(this.now().getTime() + delay);
    if (!(await this.options.store.markRetry(job, retryAt, kind))) return this.lost(job);
    this.logger.warn({ requestId: job.requestId, sourceId: job.sourceId, attempts: job.attempts, maxAttempts: source.maxAttempts, error: kind, retryAt: retryAt.toISOString() }, 'source job: run failed; will retry');
    return 'retrying';
  }

  private async fail(job: ClaimedSourceJob, kind: string): Promise<RunResult> {
    if (!(await this.options.store.markFailed(job, kind))) return this.lost(job);
    this.logger.error({ requestId: job.requestId, sourceId: job.sourceId, attempts: job.attempts, error: kind }, 'source job: failed; the case needs the privacy team');
    await this.settle(job.requestId, 'failed', job.sourceId, kind);
    return 'failed';
  }

  private lost(job: ClaimedSourceJob): RunResult {
    this.logger.warn({ requestId: job.requestId, sourceId: job.sourceId, attempts: job.attempts }, 'source job: the job moved on during the run (its lease ran out and another run took it, or its results were posted); this outcome was not recorded');
    return 'lost';
  }

  private async settle(requestId: string, outcome: 'done' | 'failed', sourceId: string, error?: string): Promise<void> {
    try {
      await this.options.onSettled?.(requestId, outcome, sourceId, error);
    } catch (err) {
      // The job's state is recorded either way; what the case does next is the case service's to recover.
      this.logger.error({ err, requestId, sourceId, outcome }, 'source job: recorded, but telling the case failed');
    }
  }
}
