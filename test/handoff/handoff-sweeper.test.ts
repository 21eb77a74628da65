import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { isAppError } from '../../src/errors/app-error';
import type { HandoffHub } from '../../src/handoff/handoff-hub';
import { HandoffError } from '../../src/handoff/handoff-errors';
import { HandoffSweeper } from '../../src/handoff/handoff-sweeper';
import type { HandoffTicket } from '../../src/handoff/handoff-types';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import { createLogger, Logger } from '../../src/log/logger';
import { eventually, hangGuard } from '../support/hang-guard';
import { FakeClock, newHandoff } from './hub-support';

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly module?: string;
  readonly ticketId?: string;
}

/** A logger whose JSON lines land in `lines`. */
function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text.trim() !== '') lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

/** Hang guard for a few sweeps 5–10 ms apart, or a callback: each normally takes milliseconds. */
const HANG_GUARD_MS = 5_000;

/**
 * Counts the hub reads a sweeper starts, by wrapping the hub's expireStale: one per ticket a sweep
 * times out, plus the one that finds nothing more. Sweeps never overlap (the next is scheduled
 * when one ends), so while nothing is stale, read n+1 starting proves sweep n completed —
 * onTimedOut calls included. That is the event a "nothing (more) happened" check waits for.
 */
function countingSweeps(hub: Pick<HandoffHub, 'expireStale'>): { hub: Pick<HandoffHub, 'expireStale'>; started(): number; untilStarted(count: number): Promise<void> } {
  let started = 0;
  const waiters = new Set<() => void>();
  return {
    hub: {
      expireStale: (now, limit) => {
        started += 1;
        for (const wake of [...waiters]) wake();
        return hub.expireStale(now, limit);
      },
    },
    started: () => started,
    untilStarted(count) {
      let wake = (): void => undefined;
      const reached = new Promise<void>((resolve) => {
        wake = () => {
          if (started < count) return;
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
        wake();
      });
      return hangGuard(reached, `sweep number ${count} starting`, HANG_GUARD_MS).finally(() => waiters.delete(wake));
    },
  };
}

describe('HandoffSweeper', () => {
  let sweeper: HandoffSweeper | undefined;
  afterEach(async () => {
    await sweeper?.stop();
    sweeper = undefined;
  });

  it('times out stale tickets every interval and hands each to onTimedOut once', async () => {
    const clock = new FakeClock();
    const hub = new MemoryHandoffHub({ timeoutSeconds: 60, now: clock.now });
    const { logger } = capturingLogger();
    const told: HandoffTicket[] = [];
    const sweeps = countingSweeps(hub);
    sweeper = new HandoffSweeper({ hub: sweeps.hub, logger, intervalMs: 10, now: clock.now, onTimedOut: (ticket) => void told.push(ticket) });
    const [a, b] = [(await hub.enqueue(newHandoff(1))).ticket, (await hub.enqueue(newHandoff(2))).ticket];
    sweeper.start();
    await sweeps.untilStarted(2); // the first sweep, with both tickets queued, has completed
    assert.equal(told.length, 0, 'nothing is stale yet');
    clock.advance(60);
    await eventually(() => told.length >= 2, 'both stale tickets told', HANG_GUARD_MS);
    assert.deepEqual(
      told.map((t) => [t.id, t.status]),
      [
        [a.id, 'timed_out'],
        [b.id, 'timed_out'],
      ],
    );
    await sweeps.untilStarted(sweeps.started() + 2); // at least one more whole sweep since
    assert.equal(told.length, 2, 'each ticket is reported once');
  });

  it('awaits an async onTimedOut; one that fails is logged and the others are still told', async () => {
    const clock = new FakeClock();
    const hub = new MemoryHandoffHub({ timeoutSeconds: 60, now: clock.now });
    const { logger, lines } = capturingLogger();
    const first = (await hub.enqueue(newHandoff(1))).ticket;
    const second = (await hub.enqueue(newHandoff(2))).ticket;
    clock.advance(60);
    const told: string[] = [];
    sweeper = new HandoffSweeper({
      hub,
      logger,
      now: clock.now,
      onTimedOut: async (ticket) => {
        await new Promise((resolve) => setImmediate(resolve)); // really asynchronous
        if (ticket.id === first.id) throw new Error('the customer channel is gone');
        told.push(ticket.id);
      },
    });
    const swept = await sweeper.sweepOnce();
    assert.deepEqual(
      swept.map((t) => t.id),
      [first.id, second.id],
    );
    assert.deepEqual(told, [second.id]);
    const failure = lines.find((line) => line.level === 'error');
    assert.equal(failure?.module, 'handoff-sweeper');
    // Only its presence: the central redaction reads a UUID with 7+ digits in a row as a phone number.
    assert.equal(typeof failure?.ticketId, 'string');
  });

  it('never throws out of the timer: a failing hub is logged and the next sweep runs', async () => {
    const { logger, lines } = capturingLogger();
    const sweeps = countingSweeps({
      expireStale: async () => {
        throw new HandoffError('PSB_HANDOFF_UNAVAILABLE', 'handoff queue (Redis) unavailable during expireStale: connection is closed');
      },
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      sweeper = new HandoffSweeper({ hub: sweeps.hub, logger, intervalMs: 5, onTimedOut: () => assert.fail('nothing timed out') });
      sweeper.start();
      await sweeps.untilStarted(4); // three failed sweeps have completed
      await sweeper.stop();
      assert.deepEqual(unhandled, []);
      assert.ok(lines.filter((line) => line.level === 'error' && line.msg.includes('handoff sweep failed')).length >= 3);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('stops cleanly: waits for the sweep in progress, then sweeps no more', async () => {
    const { logger } = capturingLogger();
    const order: string[] = [];
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sweeps = countingSweeps({
      expireStale: async () => {
        await gate; // the first sweep stays in progress until the test lets it finish
        order.push('sweep finished');
        return [];
      },
    });
    sweeper = new HandoffSweeper({ hub: sweeps.hub, logger, intervalMs: 5, onTimedOut: () => undefined });
    sweeper.start();
    sweeper.start(); // twice changes nothing
    await sweeps.untilStarted(1);
    const stopped = sweeper.stop().then(() => void order.push('stop() resolved'));
    release();
    await stopped;
    assert.deepEqual(order, ['sweep finished', 'stop() resolved'], 'stop() waited for the sweep in progress');
    const after = sweeps.started();
    // A marker sweeper with the same interval, started after stop(): a timer the stopped one had
    // left would have been set earlier with the same delay, and Node fires those in order — so it
    // would have swept before the marker's second sweep starts.
    const marker = countingSweeps({ expireStale: async () => [] });
    const markerSweeper = new HandoffSweeper({ hub: marker.hub, logger, intervalMs: 5, onTimedOut: () => undefined });
    markerSweeper.start();
    try {
      await marker.untilStarted(2);
    } finally {
      await markerSweeper.stop();
    }
    assert.equal(sweeps.started(), after, 'no sweep after stop()');
    await sweeper.stop(); // twice is safe
  });

  it('stops between two notices: the ticket being told finishes, the other stale ones stay queued for the next sweep', async () => {
    const clock = new FakeClock();
    const hub = new MemoryHandoffHub({ timeoutSeconds: 60, now: clock.now });
    const { logger } = capturingLogger();
    const queued = [(await hub.enqueue(newHandoff(1))).ticket, (await hub.enqueue(newHandoff(2))).ticket, (await hub.enqueue(newHandoff(3))).ticket];
    clock.advance(60);
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let noticeStarted = (): void => undefined;
    const firstNotice = new Promise<void>((resolve) => (noticeStarted = resolve));
    const told: string[] = [];
    sweeper = new HandoffSweeper({
      hub,
      logger,
      intervalMs: 5,
      now: clock.now,
      onTimedOut: async (ticket) => {
        noticeStarted();
        await gate; // the first notice is still being sent when the stop comes
        told.push(ticket.id);
      },
    });
    sweeper.start();
    await hangGuard(firstNotice, 'the first timeout notice starting', HANG_GUARD_MS);
    const stopped = sweeper.stop();
    release();
    await hangGuard(stopped, 'stop() after the notice in progress', HANG_GUARD_MS);
    assert.deepEqual(told, [queued[0].id], 'the notice in progress was finished, and no other was started');
    assert.deepEqual(
      (await hub.queue()).map((t) => t.id),
      [queued[1].id, queued[2].id],
      'the others are still queued, not closed without their customer being told',
    );
    // Another instance's sweeper (or this one's next start) takes them over.
    const next = new HandoffSweeper({ hub, logger, now: clock.now, onTimedOut: (ticket) => void told.push(ticket.id) });
    assert.deepEqual(
      (await next.sweepOnce()).map((t) => t.id),
      [queued[1].id, queued[2].id],
    );
    assert.deepEqual(told, queued.map((t) => t.id));
  });

  it('refuses an interval that is not a positive number of milliseconds', () => {
    const { logger } = capturingLogger();
    const hub = new MemoryHandoffHub({ timeoutSeconds: 60 });
    for (const intervalMs of [0, -5, Number.NaN]) {
      assert.throws(
        () => new HandoffSweeper({ hub, logger, intervalMs, onTimedOut: () => undefined }),
        (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.details.option === 'intervalMs',
      );
    }
  });
});
