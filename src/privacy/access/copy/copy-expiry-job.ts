import { AppError } from '../../../errors/app-error';
import type { DataCopies } from '../../../ledger/access/data-copies';
import { PeriodicWorker } from '../../../jobs/periodic-worker';
import type { Logger } from '../../../log/logger';

export interface CopyExpiryJobOptions {
  /** The store whose expired copies are deleted. */
  readonly copies: Pick<DataCopies, 'deleteExpired'>;
  /** Logs each run that deleted something, and failures; the job takes a child `{ module: 'copy-expiry' }`. */
  readonly logger: Logger;
  /** Pause between the end of one run and the start of the next, ms. @default 900000 (15 min) */
  readonly intervalMs?: number;
}

export const DEFAULT_COPY_EXPIRY_INTERVAL_MS = 15 * 60 * 1000; // 15 min

/**
 * Deletes expired data copies every `intervalMs` (their chunks erased, the row kept as evidence;
 * see DataCopies.deleteExpired). Runs never overlap, errors are logged and retried at the next
 * interval, and the timer does not keep the process alive. Every instance may run it: each copy is
 * deleted once, in its own transaction.
 */
export class CopyExpiryJob extends PeriodicWorker {
  private readonly copies: Pick<DataCopies, 'deleteExpired'>;
  private readonly log: Logger;

  constructor(options: CopyExpiryJobOptions) {
    const intervalMs = options.intervalMs ?? DEFAULT_COPY_EXPIRY_INTERVAL_MS;
    if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw new AppError('PSB_CONFIG_INVALID', `CopyExpiryJob option "intervalMs" must be a positive number of milliseconds (got ${String(intervalMs)})`, { option: 'intervalMs' });
    }
    const log = options.logger.child({ module: 'copy-expiry' });
    super({ pollMs: intervalMs, logger: log, name: 'deleting expired data copies' });
    this.copies = options.copies;
    this.log = log;
  }

  /** One run now: how many copies it deleted. A failure is logged and retried at the next interval. */
  async runDue(): Promise<number> {
    try {
      const deleted = await this.copies.deleteExpired();
      if (deleted > 0) this.log.info({ deleted }, 'expired data copies deleted');
      return deleted;
    } catch (err) {
      this.log.error({ err }, 'deleting expired data copies failed; retrying at the next interval');
      return 0;
    }
  }
}
