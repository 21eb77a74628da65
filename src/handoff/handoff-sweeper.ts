import { AppError } from '../errors/app-error';
import type { Logger } from '../log/logger';
import type { HandoffHub } from './handoff-hub';
import type { HandoffTicket } from './handoff-types';

export interface HandoffSweeperOptions {
  /** The hub whose queue is swept. */
  readonly hub: Pick<HandoffHub, 'expireStale'>;
  /**
   * Told about each ticket this sweep timed out (on this instance only: several instances may
   * sweep, each ticket times out once), so the bot can tell its customer. May be async; a
   * failure is logged and does not stop the others.
   */
  readonly onTimedOut: (ticket: HandoffTicket) => void | Promise<void>;
  /** Logs a failed sweep or callback; the sweeper takes a child `{ module: 'handoff-sweeper' }`. */
  readonly logger: Logger;
  /** Pause between the end of one sweep and the start of the next, in ms. @default 5000 (5 s) */
  readonly intervalMs?: number;
  /** The clock passed to `expireStale`. @default () => new Date() */
  readonly now?: () => Date;
}

export const DEFAULT_HANDOFF_SWEEPER_OPTIONS = Object.freeze({
  intervalMs: 5000, // 5 s
  now: (): Date => new Date(),
});

/**
 * Calls `hub.expireStale` every `intervalMs` and hands each timed-out ticket to `onTimedOut`, one
 * ticket at a time (see sweepOnce).
 * Sweeps never overlap (the next is scheduled when one ends), nothing escapes the timer (errors
 * are logged: Redis down, a callback that throws), and the timer does not keep the process alive.
 */
export class HandoffSweeper {
  private readonly hub: Pick<HandoffHub, 'expireStale'>;
  private readonly onTimedOut: (ticket: HandoffTicket) => void | Promise<void>;
  private readonly log: Logger;
  private readonly intervalMs: number;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private started = false;
  /** Set by stop(): a sweep in progress ends after the notice being sent. */
  private stopping = false;

  constructor(options: HandoffSweeperOptions) {
    const intervalMs = options.intervalMs ?? DEFAULT_HANDOFF_SWEEPER_OPTIONS.intervalMs;
    if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw new AppError('PSB_CONFIG_INVALID', `HandoffSweeper option "intervalMs" must be a positive number of milliseconds (got ${String(intervalMs)})`, { option: 'intervalMs' });
    }
    this.hub = options.hub;
    this.onTimedOut = options.onTimedOut;
    this.log = options.logger.child({ module: 'handoff-sweeper' });
    this.intervalMs = intervalMs;
    this.now = options.now ?? DEFAULT_HANDOFF_SWEEPER_OPTIONS.now;
  }

  /** Starts sweeping (first sweep after one interval). Calling it twice changes nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.schedule();
  }

  /**
   * Stops the timer; a sweep in progress stops after the notice being sent (it does not work
   * through the rest of the stale tickets: they stay queued, for another instance's sweeper or
   * this one's next start). Resolves once that notice is done. Safe to call twice.
   */
  async stop(): Promise<void> {
    this.started = false;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * One sweep now: the tickets it timed out, after `onTimedOut` was called for each. One ticket at
   * a time — closed, then its customer told — so that a stop between two notices loses none: a
   * ticket is closed only when its notice follows at once. Never rejects (a failed sweep is logged
   * and ends with what it timed out so far). A sweep the timer started also ends when stop() is
   * called; one called directly (tests, an operator) runs through.
   */
  async sweepOnce(interruptible = false): Promise<HandoffTicket[]> {
    const timedOut: HandoffTicket[] = [];
    while (!(interruptible && this.stopping)) {
      let tickets: HandoffTicket[];
      try {
        tickets = await this.hub.expireStale(this.now(), 1);
      } catch (err) {
        this.log.error({ err }, 'handoff sweep failed; retrying at the next interval');
        break;
      }
      if (tickets.length === 0) break;
      for (const ticket of tickets) {
        try {
          await this.onTimedOut(ticket);
        } catch (err) {
          this.log.error({ err, ticketId: ticket.id }, 'handoff sweep: telling the customer about a timeout failed');
        }
      }
      timedOut.push(...tickets);
    }
    if (timedOut.length > 0) this.log.info({ timedOut: timedOut.length }, 'handoff sweep timed out queued tickets');
    return timedOut;
  }

  private schedule(): void {
    if (!this.started) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const sweep = this.sweepOnce(true).then(() => undefined);
      this.running = sweep;
      void sweep.finally(() => {
        if (this.running === sweep) this.running = undefined;
        this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }
}
