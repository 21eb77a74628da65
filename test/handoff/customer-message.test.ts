import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { customerMessage, redactForKeeping } from '../../src/handoff/customer-message';
import type { HandoffHub } from '../../src/handoff/handoff-hub';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import { RedisHandoffHub } from '../../src/handoff/redis-handoff-hub';
import { createLogger } from '../../src/log/logger';
import { createRedisClient, waitForRedis } from '../../src/state/redis-client';
import { storedUnder } from '../support/redis-contents';
import { deleteKeysWithPrefix, requireRedis, uniqueRedisPrefix } from '../support/services';
import { FakeClock, newHandoff, recordEvents } from './hub-support';

const REDIS_URL = 'redis://127.0.0.1:6379';
const TYPED = 'my number is +39 347 123 4567, mail m.rossi@example.com, customer CUST-100001';
const KEPT = 'my number is [phone], mail [email], customer [customer number]';
/** Traces of the typed identifiers, as typed or normalised (the fixtures hold other digits and a masked m***@example.com). */
const TRACES = ['347 123', '3471234567', 'm.rossi', 'CUST-100001', '100001'];

function assertNoTrace(text: string, where: string): void {
  for (const trace of TRACES) assert.ok(!text.includes(trace), `${where} holds "${trace}": ${text}`);
}

describe('a customer message in a live handoff: typed for the live view, redacted where kept', () => {
  it('redacts emails, phone numbers and customer numbers for keeping', () => {
    assert.equal(redactForKeeping(TYPED), KEPT);
    assert.equal(redactForKeeping('grazie, a dopo'), 'grazie, a dopo');
  });

  it('puts the typed text on the event only, and only when redaction changed it', () => {
    const at = new Date('2026-03-02T09:00:00.000Z');
    const { line, event } = customerMessage('t-1', TYPED, at);
    assert.deepEqual(line, { from: 'customer', text: KEPT, at: at.toISOString() });
    assert.deepEqual(event, { type: 'customer.message', ticketId: 't-1', line, liveText: TYPED });
    assert.deepEqual(customerMessage('t-1', 'grazie', at).event, { type: 'customer.message', ticketId: 't-1', line: { from: 'customer', text: 'grazie', at: at.toISOString() } });
  });

  /** The same behaviour from both hubs; `stored` reads what the hub keeps, behind its back where it can. */
  function describeHub(name: string, setup: () => Promise<{ hub: HandoffHub; stored: () => Promise<string>; teardown: () => Promise<void> }>): void {
    describe(name, () => {
      let hub: HandoffHub;
      let stored: () => Promise<string>;
      let teardown: () => Promise<void>;
      beforeEach(async () => {
        ({ hub, stored, teardown } = await setup());
      });
      afterEach(async () => {
        await teardown();
      });

      it('keeps the line redacted and tells the live view what was typed; after close only the redacted line is left', async () => {
        const events = recordEvents(hub);
        const { ticket } = await hub.enqueue(newHandoff(1));
        await hub.claim(ticket.id, 'agent.luca');

        const line = await hub.postCustomerMessage(ticket.id, TYPED);
        assert.equal(line.text, KEPT, 'the caller gets the kept line');
        const live = await events.waitFor((e) => e.type === 'customer.message' && e.ticketId === ticket.id, 'customer.message');
        assert.deepEqual(live, { type: 'customer.message', ticketId: ticket.id, line, liveText: TYPED });
        const plain = await hub.postCustomerMessage(ticket.id, 'grazie');
        const plainEvent = await events.waitFor((e) => e.type === 'customer.message' && e.line.text === 'grazie', 'the second customer.message');
        assert.deepEqual(plainEvent, { type: 'customer.message', ticketId: ticket.id, line: plain }, 'nothing to redact: no liveText');

        assert.deepEqual((await hub.get(ticket.id))?.transcript.slice(-2), [line, plain]);
        assertNoTrace(await stored(), `${name} storage while open`);

        await hub.complete(ticket.id, 'agent.luca', { verification: 'verified', method: 'agent_check' });
        const closed = await hub.get(ticket.id);
        assert.equal(closed?.status, 'completed');
        assert.deepEqual(closed?.transcript.slice(-2).map((l) => l.text), [KEPT, 'grazie']);
        assertNoTrace(JSON.stringify(closed), `${name} closed ticket`);
        assertNoTrace(await stored(), `${name} storage after close`);
        events.stop();
      });
    });
  }

  describeHub('MemoryHandoffHub', async () => {
    const hub = new MemoryHandoffHub({ timeoutSeconds: 60, now: new FakeClock().now });
    return {
      hub,
      // No storage of its own to read: what it answers is what it keeps.
      stored: async () => JSON.stringify(await hub.claimedBy(undefined)) + JSON.stringify(await hub.queue()),
      teardown: () => hub.close(),
    };
  });

  describe('on Redis', () => {
    let client: Redis;
    const prefix = uniqueRedisPrefix('psb-test-live-text');
    before(async () => {
      await requireRedis(REDIS_URL);
      client = createRedisClient(REDIS_URL, createLogger({ level: 'silent' }));
      assert.ok(await waitForRedis(client, 5000), `Redis at ${REDIS_URL} did not become ready`);
    });
    after(async () => {
      if (!client) return;
      await deleteKeysWithPrefix(client, prefix);
      client.disconnect();
    });

    describeHub('RedisHandoffHub', async () => {
      const hub = new RedisHandoffHub({ client, prefix, timeoutSeconds: 60, ticketTtlSeconds: 600, now: new FakeClock().now });
      await hub.ready();
      return {
        hub,
        stored: async () => {
          const keys = await storedUnder(client, prefix);
          const transcripts = keys.filter((k) => k.key.startsWith(`${prefix}transcript:`));
          assert.ok(transcripts.length > 0, 'the transcript list is there to read');
          // Once closed, what is left expires.
          for (const k of keys.filter((k) => k.key.startsWith(`${prefix}ticket:`) && k.values.includes('completed'))) {
            assert.ok(k.ttl > 0, `${k.key} expires`);
            assert.ok((transcripts.find((t) => t.key === k.key.replace('ticket:', 'transcript:'))?.ttl ?? 0) > 0, 'its transcript expires');
          }
          return JSON.stringify(keys);
        },
        teardown: async () => {
          await hub.close();
          await deleteKeysWithPrefix(client, prefix);
        },
      };
    });
  });
});
