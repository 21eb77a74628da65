import { errorKind } from './error-kind';
import { retryDelayMs } from '../integrations/consent-webhook/retry-backoff';
import type { Logger } from '../log/logger';
import { PeriodicWorker } from './periodic-worker';

/** What every outbox sender's dependencies carry besides its own (the deps block they share). */
export interface OutboxSenderDeps {
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly random?: () => number;
  /** @default 5000 */
  readonly pollMs?: number;
  /** The longest wait between retries; the default is each sender's own. */
  readonly maxBackoffSeconds?: number;
}

/** A leased outbox row: `attempts` counts the sends started, this one included. */
export interface OutboxRow {
  readonly attempts: number;
}

/** The store a failed row is put back into. */
export interface RetryableOutbox<Row> {
  markRetry(row: Row, retryAt: Date, kind: string): Promise<void>;
}

/** What a sender says of its outbox. */
export interface OutboxOf<Row> {
  /** Named in the log line of a failed pass. */
  readonly name: string;
  /** Used when the deps leave `maxBackoffSeconds` out. */
  readonly maxBackoffSeconds: number;
  /** Leases up to `limit` due rows for `leaseMs` (SKIP LOCKED: rows another instance holds are skipped). */
  readonly claim: (limit: number, leaseMs: number) => Promise<readonly Row[]>;
  readonly outbox: RetryableOutbox<Row>;
}

const BATCH = 10;
const LEASE_MS = 2 * 60 * 1000;


/**
 * A background sender over an outbox table: claims a batch of due rows under a lease, sends each,
 * counts what went out, and stops when a batch is empty or sent nothing (the transport is down).
 * A row that failed goes back with capped, jittered backoff. Subclasses say (`OutboxOf`) how rows are
 * claimed and put back, and what sending one means.
 */
export abstract class OutboxSender<Row extends OutboxRow> extends PeriodicWorker {
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly maxBackoffMs: number;

  private readonly claim: (limit: number, leaseMs: number) => Promise<readonly Row[]>;
  private readonly outbox: RetryableOutbox<Row>;

  protected constructor(deps: OutboxSenderDeps, own: OutboxOf<Row>) {
    super({ pollMs: deps.pollMs ?? 5000, logger: deps.logger, name: own.name });
    this.now = deps.now ?? (() => new Date());
    this.random = deps.random ?? Math.random;
    this.maxBackoffMs = (deps.maxBackoffSeconds ?? own.maxBackoffSeconds) * 1000;
    this.claim = own.claim;
    this.outbox = own.outbox;
  }

  /** One row; true when it is done (sent, or nothing left to send). */
  protected abstract send(row: Row): Promise<boolean>;

  runDue(): Promise<number> {
    return this.drain((row) => this.send(row));
  }

  /** The claim-batch loop, with `send` for a pass that shares something between its rows. */
  protected async drain(send: (row: Row) => Promise<boolean>): Promise<number> {
    let sent = 0;
    for (;;) {
      const batch = await this.claim(BATCH, LEASE_MS);
      if (batch.length === 0) return sent;
      const outcomes = await Promise.all(batch.map(send));
      const ok = outcomes.filter(Boolean).length;
      sent += ok;
      if (ok === 0) return sent;
    }
  }

  /** Puts a failed row back for later (backoff from its attempts); resolves with when it is due. */
  protected async retryLater(row: Row, kind: string): Promise<Date> {
    const retryAt = new Date(this.now().getTime() + retryDelayMs(row.attempts, this.maxBackoffMs, this.random));
    await this.outbox.markRetry(row, retryAt, kind);
    return retryAt;
  }
}
