import type { Logger } from '../log/logger';

export interface PeriodicWorkerOptions {
  readonly pollMs: number;
  readonly logger: Logger;
  /** Named in the log line of a failed pass. */
  readonly name: string;
}

/**
 * A background job that works through what is due in the database: a pass at start, then every
 * `pollMs`, or at once when `kick`ed. One pass at a time per instance; `stop` waits for the pass in
 * flight. The timer never keeps the process alive. Subclasses say what a pass does (`runDue`).
 */
export abstract class PeriodicWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private started = false;
  private kickedWhileRunning = false;

  protected constructor(private readonly periodic: PeriodicWorkerOptions) {}

  /** One pass over what is due now; resolves with how many units of work it did. */
  abstract runDue(): Promise<number>;

  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  /** Something became due: look now instead of at the next poll. */
  kick(): void {
    if (!this.started) return;
    if (this.running) this.kickedWhileRunning = true;
    else this.schedule(0);
  }

  /** Stops polling; resolves once the pass in flight has finished. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), delayMs);
    this.timer.unref();
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.started || this.running) return;
    this.running = this.runDue()
      .then(
        () => undefined,
        (err: unknown) => this.periodic.logger.error({ err }, `${this.periodic.name}: a pass failed; retrying at the next poll`),
      )
      .finally(() => {
        this.running = undefined;
        if (this.started) this.schedule(this.kickedWhileRunning ? 0 : this.periodic.pollMs);
        this.kickedWhileRunning = false;
      });
  }
}
