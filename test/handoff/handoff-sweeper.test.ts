import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { isAppError } from '../../src/errors/app-error';
import type { HandoffHub } from '../../src/handoff/handoff-hub';
import { HandoffError } from '../../src/handoff/handoff-errors';
import { HandoffSweeper } from '../../src/handoff/handoff-sweeper';
import type { HandoffTicket } from '../../src/handoff/handoff-types';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import { createLogger, Logger } from '../../src/log/logger';
import { FakeClock, newHandoff, sleep } from './hub-support';

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

async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
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
    sweeper = new HandoffSweeper({ hub, logger, intervalMs: 10, now: clock.now, onTimedOut: (ticket) => void told.push(ticket) });
    sweeper.start();
    const [a, b] = [(await hub.enqueue(newHandoff(1))).ticket, (await hub.enqueue(newHandoff(2))).ticket];
    await sleep(40);
    assert.equal(told.length, 0, 'nothing is stale yet');
    clock.advance(60);
    await until(() => told.length === 2, 'two timed-out tickets');
    assert.deepEqual(
      told.map((t) => [t.id, t.status]),
      [
        [a.id, 'timed_out'],
        [b.id, 'timed_out'],
      ],
    );
    await sleep(40);
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
        await sleep(5);
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
    let calls = 0;
    const hub: Pick<HandoffHub, 'expireStale'> = {
      expireStale: async () => {
        calls += 1;
        throw new HandoffError('PSB_HANDOFF_UNAVAILABLE', 'handoff queue (Redis) unavailable during expireStale: connection is closed');
      },
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      sweeper = new HandoffSweeper({ hub, logger, intervalMs: 5, onTimedOut: () => assert.fail('nothing timed out') });
      sweeper.start();
      await until(() => calls >= 3, 'three sweeps');
      await sweeper.stop();
      assert.deepEqual(unhandled, []);
      assert.ok(lines.filter((line) => line.level === 'error' && line.msg.includes('handoff sweep failed')).length >= 3);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('stops cleanly: waits for the sweep in progress, then sweeps no more', async () => {
    const { logger } = capturingLogger();
    let calls = 0;
    let inFlight = false;
    const hub: Pick<HandoffHub, 'expireStale'> = {
      expireStale: async () => {
        calls += 1;
        inFlight = true;
        await sleep(30);
        inFlight = false;
        return [];
      },
    };
    sweeper = new HandoffSweeper({ hub, logger, intervalMs: 5, onTimedOut: () => undefined });
    sweeper.start();
    sweeper.start(); // twice changes nothing
    await until(() => inFlight, 'a sweep in progress');
    await sweeper.stop();
    assert.equal(inFlight, false, 'stop() waited for the sweep');
    const after = calls;
    await sleep(50);
    assert.equal(calls, after, 'no sweep after stop()');
    await sweeper.stop(); // twice is safe
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
