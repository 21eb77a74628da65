import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { errorKind } from '../jobs/error-kind';
import type { SqlExecutor } from '../ledger/db/sql-database';
import type { Logger } from '../log/logger';
import type { TurnEnd, TurnObserver } from '../turn/turn-runner';
import { DAYS_LEFT_BANDS, LedgerBacklogs, OUTBOXES, readLedgerBacklogs, UNFINISHED_SOURCE_JOB_STATUSES } from './ledger-backlogs';

/** Every way a turn ends, so each series exists (at 0) from the start. */
const TURN_ENDS: readonly TurnEnd[] = ['committed', 'duplicate', 'busy', 'state_unavailable', 'failed'];

/** The backends a scrape reads; a read that fails is counted under its name. */
export const SCRAPE_SOURCES = ['ledger', 'handoff'] as const;
export type ScrapeSource = (typeof SCRAPE_SOURCES)[number];

/** A scrape-time read that has not answered by then counts as failed, so a hung backend cannot hang the scrape. */
export const SCRAPE_READ_TIMEOUT_MS = 2000;

export interface AppMetricsDeps {
  /** The ledger's database: open access requests, outboxes and source jobs are counted there on each scrape. */
  readonly ledger: SqlExecutor;
  /** The built-in handoff queue's depth; undefined when handoffs go to an external hub (no queue of ours). */
  readonly handoffQueueDepth?: () => Promise<number>;
  readonly logger: Logger;
  /** The clock the days left are counted from. @default () => new Date() */
  readonly now?: () => Date;
  /** @default SCRAPE_READ_TIMEOUT_MS */
  readonly readTimeoutMs?: number;
}

/**
 * The app's Prometheus metrics, in a registry of its own (never prom-client's global one, so two
 * apps in one process do not clash): turns by how they ended and how long they took, lost state
 * races, the process's own (RSS, heap, event loop lag, GC), and — read at each scrape — the handoff
 * queue and the ledger's backlogs. A backend that does not answer leaves its gauges out of that
 * scrape and counts `psb_metrics_read_errors_total{source}`; the scrape itself still succeeds.
 */
export class AppMetrics implements TurnObserver {
  readonly registry = new Registry();
  private readonly turns: Counter<'outcome'>;
  private readonly turnSeconds: Histogram;
  private readonly conflicts: Counter;
  private readonly readErrors: Counter<'source'>;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly readTimeoutMs: number;
  /** Sources whose last read failed: an outage is logged once when it starts and once when it ends. */
  private readonly failing = new Set<ScrapeSource>();

  constructor(private readonly deps: AppMetricsDeps) {
    this.log = deps.logger.child({ module: 'metrics' });
    this.now = deps.now ?? (() => new Date());
    this.readTimeoutMs = deps.readTimeoutMs ?? SCRAPE_READ_TIMEOUT_MS;
    const registers = [this.registry];
    this.turns = new Counter({ name: 'psb_turns_total', help: 'Turns run, by how they ended: committed, duplicate (a redelivered activity, skipped), busy (PSB_TURN_BUSY: too many state conflicts), state_unavailable, failed', labelNames: ['outcome'], registers });
    this.turnSeconds = new Histogram({ name: 'psb_turn_duration_seconds', help: 'Seconds from the arrival of a turn to its end, waiting for earlier turns of the conversation and for a turn slot included', registers });
    this.conflicts = new Counter({ name: 'psb_state_conflicts_total', help: 'Turn attempts that lost a state race (optimistic concurrency) and were re-run or given up', registers });
    this.readErrors = new Counter({ name: 'psb_metrics_read_errors_total', help: 'Scrape-time reads that failed or timed out, by backend; the gauges of that backend were left out of the scrape', labelNames: ['source'], registers });
    for (const end of TURN_ENDS) this.turns.inc({ outcome: end }, 0);
    for (const source of SCRAPE_SOURCES) this.readErrors.inc({ source }, 0);
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  turnEnded(end: TurnEnd, seconds: number): void {
    this.turns.inc({ outcome: end });
    this.turnSeconds.observe(seconds);
  }

  stateConflict(): void {
    this.conflicts.inc();
  }

  /** The text a scrape gets: the app's registry, and the gauges read now from the backends that answered. */
  async scrape(): Promise<string> {
    const [backlogs, queueDepth] = await Promise.all([
      this.read('ledger', () => readLedgerBacklogs(this.deps.ledger, this.now())),
      this.deps.handoffQueueDepth ? this.read('handoff', this.deps.handoffQueueDepth) : Promise.resolve(undefined),
    ]);
    // A registry per scrape holds what was read now: a gauge whose read failed is simply not in it.
    const readThisScrape = new Registry();
    if (queueDepth !== undefined) new Gauge({ name: 'psb_handoff_queue_depth', help: 'Handoffs waiting for a person in the built-in queue', registers: [readThisScrape] }).set(queueDepth);
    if (backlogs) registerBacklogs(backlogs, readThisScrape);
    return Registry.merge([this.registry, readThisScrape]).metrics();
  }

  private async read<T>(source: ScrapeSource, work: () => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const value = await Promise.race([
        work(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${this.readTimeoutMs} ms`), { code: 'ETIMEDOUT' })), this.readTimeoutMs);
        }),
      ]);
      if (this.failing.delete(source)) this.log.info({ source }, 'metrics: scrape-time read answers again');
      return value;
    } catch (err) {
      this.readErrors.inc({ source });
      if (!this.failing.has(source)) this.log.warn({ source, kind: errorKind(err) }, 'metrics: scrape-time read failed; its gauges are left out until it answers');
      this.failing.add(source);
      return undefined;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}

function registerBacklogs(backlogs: LedgerBacklogs, registry: Registry): void {
  const registers = [registry];
  const open = new Gauge({ name: 'psb_open_access_requests', help: 'Open access requests by whole days left before the deadline in force (overdue: past it)', labelNames: ['days_left'], registers });
  for (const band of DAYS_LEFT_BANDS) open.set({ days_left: band }, backlogs.openAccessRequests[band]);
  const outbox = new Gauge({ name: 'psb_outbox_backlog', help: 'Pending rows of each outbox: consent and DPO webhooks, DPO email, concern replies, access request and incident notices', labelNames: ['outbox'], registers });
  for (const name of OUTBOXES) outbox.set({ outbox: name }, backlogs.outboxes[name]);
  const jobs = new Gauge({ name: 'psb_source_jobs_backlog', help: 'Source jobs of access requests not finished yet, by status', labelNames: ['status'], registers });
  for (const status of UNFINISHED_SOURCE_JOB_STATUSES) jobs.set({ status }, backlogs.sourceJobs[status]);
}
