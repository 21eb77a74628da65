import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { HandoffError } from '../../src/handoff/handoff-errors';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import { RedisHandoffHub } from '../../src/handoff/redis-handoff-hub';
import type { HandoffEvent } from '../../src/handoff/handoff-types';
import { createLogger } from '../../src/log/logger';
import { createRedisClient, REDIS_CLIENT_TIMINGS, waitForRedis } from '../../src/state/redis-client';
import { eventually, hangGuard } from '../support/hang-guard';
import { PrivateRedis, startPrivateRedis } from '../support/private-redis';
import { deleteKeysWithPrefix, requireRedis, uniqueRedisPrefix } from '../support/services';
import { describeHubContract } from './hub-contract';
import { assertHandoffError, FakeClock, newHandoff, recordEvents, ticketIdOf } from './hub-support';

const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';
const silent = createLogger({ level: 'silent' });

/** A client as the bot builds it (fail-fast), once connected. */
async function readyClient(url: string): Promise<Redis> {
  const client = createRedisClient(url, silent);
  assert.ok(await waitForRedis(client, 5000), `redis at ${url} did not become ready`);
  return client;
}

describe('MemoryHandoffHub', () => {
  describeHubContract('MemoryHandoffHub', async (options) => new MemoryHandoffHub(options));

  it('forgets a closed ticket once its TTL has passed, by its clock', async () => {
    const clock = new FakeClock();
    const hub = new MemoryHandoffHub({ timeoutSeconds: 60, now: clock.now, ticketTtlSeconds: 3600 });
    const { ticket } = await hub.enqueue(newHandoff(1));
    await hub.cancel(ticket.id);
    clock.advance(3599);
    assert.equal((await hub.get(ticket.id))?.status, 'cancelled');
    clock.advance(1);
    assert.equal(await hub.get(ticket.id), undefined);
    await assertHandoffError(hub.cancel(ticket.id), 'PSB_HANDOFF_NOT_FOUND');
  });
});

describe('RedisHandoffHub', () => {
  describe('on the shared Redis', () => {
    const runPrefix = uniqueRedisPrefix('psb-test-handoff');
    let client: Redis;
    let hubCount = 0;

    before(async () => {
      await requireRedis(SHARED_REDIS_URL);
      client = await readyClient(SHARED_REDIS_URL);
    });
    after(async () => {
      if (!client) return;
      await deleteKeysWithPrefix(client, runPrefix);
      client.disconnect();
    });

    describeHubContract('RedisHandoffHub', async (options) => {
      hubCount += 1;
      const hub = new RedisHandoffHub({ ...options, client, prefix: `${runPrefix}contract-${hubCount}:` });
      await hub.ready();
      return hub;
    });

    describe('two instances on separate connections, one prefix (two bot instances)', () => {
      const prefix = `${runPrefix}pair:`;
      const clock = new FakeClock();
      let clientA: Redis;
      let clientB: Redis;
      let hubA: RedisHandoffHub;
      let hubB: RedisHandoffHub;

      beforeEach(async () => {
        clientA = await readyClient(SHARED_REDIS_URL);
        clientB = await readyClient(SHARED_REDIS_URL);
        hubA = new RedisHandoffHub({ client: clientA, prefix, timeoutSeconds: 60, now: clock.now, ticketTtlSeconds: 600 });
        hubB = new RedisHandoffHub({ client: clientB, prefix, timeoutSeconds: 60, now: clock.now, ticketTtlSeconds: 600 });
        await Promise.all([hubA.ready(), hubB.ready()]);
      });
      afterEach(async () => {
        await Promise.all([hubA.close(), hubB.close()]);
        await deleteKeysWithPrefix(client, prefix);
        clientA.disconnect();
        clientB.disconnect();
      });

      it('a ticket queued on A is listed, placed and claimable on B; A sees the claim', async () => {
        const onA = recordEvents(hubA);
        const { ticket, position } = await hubA.enqueue(newHandoff(1));
        assert.equal(position, 1);
        assert.deepEqual(await hubB.queue(), [ticket]);
        assert.equal(await hubB.position(ticket.id), 1);
        const claimed = await hubB.claim(ticket.id, 'agent.luca');
        assert.deepEqual(await hubA.get(ticket.id), claimed);
        assert.deepEqual(await hubA.claimedBy('agent.luca'), [claimed]);
        assert.deepEqual(await onA.waitFor((e) => e.type === 'claimed', 'claimed on B, heard on A'), { type: 'claimed', ticket: claimed });
      });

      it("events published on either instance reach both instances' listeners, the publisher's own included", async () => {
        const onA = recordEvents(hubA);
        const onB = recordEvents(hubB);
        const { ticket } = await hubA.enqueue(newHandoff(1));
        await hubB.claim(ticket.id, 'agent.luca');
        const fromAgent = await hubB.postAgentMessage(ticket.id, 'agent.luca', 'Buongiorno!');
        const fromCustomer = await hubA.postCustomerMessage(ticket.id, 'Buongiorno a lei');
        for (const recorder of [onA, onB]) {
          await recorder.waitFor((e) => e.type === 'queued', 'queued');
          await recorder.waitFor((e) => e.type === 'claimed', 'claimed');
          assert.deepEqual(await recorder.waitFor((e) => e.type === 'agent.message', 'agent.message'), { type: 'agent.message', ticketId: ticket.id, agent: 'agent.luca', line: fromAgent });
          assert.deepEqual(await recorder.waitFor((e) => e.type === 'customer.message', 'customer.message'), { type: 'customer.message', ticketId: ticket.id, line: fromCustomer });
        }
      });

      it('two agents on two instances claim at once: exactly one wins', async () => {
        for (let i = 0; i < 10; i++) {
          const { ticket } = await hubA.enqueue(newHandoff(i));
          const results = await Promise.allSettled([hubA.claim(ticket.id, 'agent.anna'), hubB.claim(ticket.id, 'agent.bruno')]);
          const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
          assert.equal(lost.length, 1, `round ${i}: exactly one claim loses`);
          assert.ok(lost[0].reason instanceof HandoffError && lost[0].reason.code === 'PSB_HANDOFF_ALREADY_CLAIMED', String(lost[0].reason));
        }
      });

      it('both instances sweeping at once time each stale ticket out once, with one closed event each', async () => {
        const onA = recordEvents(hubA);
        const tickets = await Promise.all(Array.from({ length: 12 }, (_, i) => hubA.enqueue(newHandoff(i))));
        clock.advance(61);
        const [fromA, fromB] = await Promise.all([hubA.expireStale(clock.now()), hubB.expireStale(clock.now())]);
        const closedIds = [...fromA, ...fromB].map((t) => t.id).sort();
        assert.deepEqual(closedIds, tickets.map((r) => r.ticket.id).sort(), 'every ticket timed out, none twice');
        for (const r of tickets) await onA.waitFor((e) => e.type === 'closed' && ticketIdOf(e) === r.ticket.id, 'closed');
        // A marker published after both sweeps returned: pub/sub keeps order, so a second 'closed'
        // for any ticket would have reached A before it.
        const { ticket: marker } = await hubB.enqueue(newHandoff(99));
        await onA.waitFor((e) => e.type === 'queued' && ticketIdOf(e) === marker.id, 'the marker queued after the sweeps');
        const closedEvents = onA.events.filter((e: HandoffEvent) => e.type === 'closed');
        assert.equal(closedEvents.length, 12, 'one closed event per ticket');
        assert.deepEqual((await hubB.queue()).map((t) => t.id), [marker.id], 'only the marker still waits');
      });

      it('keeps the layout in Redis: a hash and a list per ticket, ordered sets as indexes, TTLs once closed', async () => {
        const [queued, claimed, cancelled, completed, stale] = await Promise.all([1, 2, 3, 4, 5].map(async (i) => (await hubA.enqueue(newHandoff(i))).ticket));
        await hubB.claim(claimed.id, 'agent.luca');
        await hubB.claim(completed.id, 'agent.luca');
        await hubA.cancel(cancelled.id);
        await hubB.complete(completed.id, 'agent.luca', { verification: 'verified', method: 'agent_check' });
        await client.zadd(`${prefix}waiting`, 0, stale.id); // queued long ago
        assert.deepEqual(
          (await hubA.expireStale(clock.now())).map((t) => t.id),
          [stale.id],
        );

        const raw = await client.hgetall(`${prefix}ticket:${queued.id}`);
        assert.deepEqual(Object.keys(raw).sort(), ['doc', 'status']);
        assert.equal(raw.status, 'queued');
        assert.equal((await client.lrange(`${prefix}transcript:${queued.id}`, 0, -1)).length, 2);
        assert.deepEqual(await client.zrange(`${prefix}queue`, 0, -1), [queued.id]);
        assert.deepEqual(await client.zrange(`${prefix}waiting`, 0, -1), [queued.id]);
        assert.deepEqual(await client.zrange(`${prefix}claimed`, 0, -1), [claimed.id]);

        for (const open of [queued, claimed]) {
          assert.equal(await client.ttl(`${prefix}ticket:${open.id}`), -1, 'open tickets do not expire');
        }
        for (const closed of [cancelled, completed, stale]) {
          for (const key of [`${prefix}ticket:${closed.id}`, `${prefix}transcript:${closed.id}`]) {
            const ttl = await client.ttl(key);
            assert.ok(ttl > 590 && ttl <= 600, `${key} expires in ticketTtlSeconds (ttl ${ttl})`);
          }
        }
      });

      it('forgets a closed ticket when its keys expire', async () => {
        const subscriber = clientB.duplicate();
        const shortLived = new RedisHandoffHub({ client: clientA, subscriber, prefix, timeoutSeconds: 60, ticketTtlSeconds: 1 });
        const { ticket } = await shortLived.enqueue(newHandoff(1));
        await shortLived.cancel(ticket.id);
        assert.equal((await shortLived.get(ticket.id))?.status, 'cancelled');
        // Redis itself expires the keys (its clock, 1 s): wait until it has, then ask the hub.
        await eventually(async () => (await clientA.exists(`${prefix}ticket:${ticket.id}`, `${prefix}transcript:${ticket.id}`)) === 0, "Redis expiring the closed ticket's keys (1 s TTL)", 10_000);
        assert.equal(await shortLived.get(ticket.id), undefined);
        await assertHandoffError(shortLived.cancel(ticket.id), 'PSB_HANDOFF_NOT_FOUND');
        await shortLived.close();
        subscriber.disconnect();
      });
    });
  });

  describe('when Redis fails (a private redis-server)', () => {
    let redis: PrivateRedis;
    let client: Redis;
    let hub: RedisHandoffHub;

    before(async () => {
      redis = await startPrivateRedis();
      client = await readyClient(redis.url);
      hub = new RedisHandoffHub({ client, prefix: 'psb:handoff:', timeoutSeconds: 60 });
      await hub.ready();
    });
    after(async () => {
      await hub?.close();
      client?.disconnect();
      await redis?.close();
    });

    const operations = (ticketId: string): [string, () => Promise<unknown>][] => [
      ['enqueue', () => hub.enqueue(newHandoff(1))],
      ['position', () => hub.position(ticketId)],
      ['get', () => hub.get(ticketId)],
      ['queue', () => hub.queue()],
      ['claimedBy', () => hub.claimedBy(undefined)],
      ['claim', () => hub.claim(ticketId, 'agent.luca')],
      ['postCustomerMessage', () => hub.postCustomerMessage(ticketId, 'ciao')],
      ['postAgentMessage', () => hub.postAgentMessage(ticketId, 'agent.luca', 'ciao')],
      ['complete', () => hub.complete(ticketId, 'agent.luca', { verification: 'none' })],
      ['cancel', () => hub.cancel(ticketId)],
      ['expireStale', () => hub.expireStale(new Date(Date.now() + 3600_000))],
    ];

    /*
     * How each failed, read from the ioredis error underneath rather than a stopwatch: refused
     * before it was sent (Redis down, no offline queue: fail fast), or ended by the command
     * timeout (Redis frozen: never a hang).
     */
    const NOT_SENT = /^Stream isn't writeable and enableOfflineQueue options is false$/;
    const TIMED_OUT = /^Command timed out$/;
    /** A hang guard per operation: ten times the client's 2 s command timeout. */
    const OPERATION_HANG_GUARD_MS = 10 * REDIS_CLIENT_TIMINGS.commandTimeoutMs;

    async function assertAllUnavailable(ticketId: string, cause: RegExp, only?: readonly string[]): Promise<void> {
      for (const [name, operation] of operations(ticketId).filter(([name]) => only === undefined || only.includes(name))) {
        const failed = operation().then(
          () => assert.fail(`${name} succeeded while Redis was unavailable`),
          (err: unknown) => err,
        );
        const err = await hangGuard(failed, `${name} failing while Redis is unavailable`, OPERATION_HANG_GUARD_MS);
        assert.ok(err instanceof HandoffError, `${name}: expected a HandoffError, got ${String(err)}`);
        assert.equal(err.code, 'PSB_HANDOFF_UNAVAILABLE', `${name}: ${err.message}`);
        assert.match(err.message, /handoff queue \(Redis\) unavailable during/);
        assert.ok(err.cause instanceof Error, `${name}: the Redis error is the cause`);
        assert.match(err.cause.message, cause, `${name}: how it failed`);
      }
    }

    it('rejects every operation at once (not even sent) with PSB_HANDOFF_UNAVAILABLE while Redis is down, and works again when it is back', async () => {
      const { ticket } = await hub.enqueue(newHandoff(1));
      await redis.stop();
      await assertAllUnavailable(ticket.id, NOT_SENT);
      await redis.start();
      assert.ok(await waitForRedis(client, 10000), 'the client reconnects');
      const events = recordEvents(hub);
      // The restarted Redis is empty; the hub resubscribes by itself: Redis counts its subscriber again.
      const subscribers = async (): Promise<number> => Number(((await client.pubsub('NUMSUB', 'psb:handoff:events')) as [string, number])[1]);
      await eventually(async () => (await subscribers()) === 1, "the hub's subscriber back on the event channel", OPERATION_HANG_GUARD_MS);
      const { ticket: queued } = await hub.enqueue(newHandoff(2));
      await events.waitFor((e) => e.type === 'queued' && ticketIdOf(e) === queued.id, 'queued after the outage');
      const fresh = queued.id;
      assert.equal((await hub.claim(fresh, 'agent.luca')).status, 'claimed');
    });

    it('rejects (never hangs) while Redis is frozen: each operation fails by the command timeout', async function () {
      this.timeout(60000);
      const { ticket } = await hub.enqueue(newHandoff(1));
      redis.pause();
      try {
        // Each waits out the client's 2 s command timeout: a read, a script and the sweep are enough.
        await assertAllUnavailable(ticket.id, TIMED_OUT, ['get', 'claim', 'enqueue', 'expireStale']);
      } finally {
        redis.resume();
      }
    });
  });
});
