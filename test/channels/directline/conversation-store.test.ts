import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import {
  ConversationEvent,
  ConversationStore,
  MAX_ACTIVITIES_PER_CONVERSATION,
  seqOfActivityId,
} from '../../../src/channels/directline/conversation-store';
import { MemoryConversationStore } from '../../../src/channels/directline/memory-conversation-store';
import { MemoryRateLimiter, RedisRateLimiter } from '../../../src/channels/directline/rate-limiter';
import { RedisConversationStore } from '../../../src/channels/directline/redis-conversation-store';
import { isAppError } from '../../../src/errors/app-error';
import { createRedisClient } from '../../../src/state/redis-client';
import { eventually, hangGuard } from '../../support/hang-guard';
import { deleteKeysWithPrefix, requireRedis, uniqueRedisPrefix } from '../../support/services';
import { LogCapture } from '../../support/test-app';

const REDIS_URL = 'redis://127.0.0.1:6379';
const TTL_SECONDS = 600;

interface StoreFixture {
  /** Two stores over one backend, as two instances would have (the same one twice in-process). */
  readonly first: ConversationStore;
  readonly second: ConversationStore;
}

let sequence = 0;
const newId = (): string => `conv${process.pid}x${++sequence}x${Math.random().toString(36).slice(2, 8)}`;
const record = (conversationId: string) => ({ conversationId, userId: 'dl_user', createdAt: new Date(0).toISOString() });
const message = (text: string) => ({ type: 'message', text });

/** Waits for `predicate` (events arrive in milliseconds; 10 s is only a hang guard). */
function until(predicate: () => boolean, what: string): Promise<void> {
  return eventually(predicate, what, 10_000);
}

/** What every conversation store must do, run on the in-process one and on Redis. */
function conversationStoreContract(name: string, setUp: () => Promise<StoreFixture>, tearDown: () => Promise<void>): void {
  describe(`conversation store contract: ${name}`, () => {
    let first: ConversationStore;
    let second: ConversationStore;
    before(async () => {
      ({ first, second } = await setUp());
    });
    after(tearDown);

    it('creates a conversation once; a second create answers the stored record', async () => {
      const id = newId();
      assert.deepEqual(await first.create(record(id)), { created: true, record: record(id) });
      const again = await second.create({ ...record(id), userId: 'dl_other' });
      assert.deepEqual(again, { created: false, record: record(id) });
      assert.deepEqual(await second.get(id), record(id));
      assert.equal(await first.get(newId()), undefined);
    });

    it('appends with seq 1, 2, 3… and ids <conversationId>|0000001 (id first), reads after a watermark', async () => {
      const id = newId();
      await first.create(record(id));
      const results = [];
      for (const text of ['one', 'two', 'three']) results.push(await (results.length % 2 ? second : first).append(id, message(text)));
      assert.deepEqual(
        results.map((r) => [r?.seq, r?.id, r?.duplicate]),
        [
          [1, `${id}|0000001`, false],
          [2, `${id}|0000002`, false],
          [3, `${id}|0000003`, false],
        ],
      );
      const all = await second.read(id, 0, 100);
      assert.deepEqual(all?.activities.map((a) => [Object.keys(a)[0], a.id, a.text]), [
        ['id', `${id}|0000001`, 'one'],
        ['id', `${id}|0000002`, 'two'],
        ['id', `${id}|0000003`, 'three'],
      ]);
      assert.equal(all?.watermark, 3);
      assert.deepEqual((await first.read(id, 1, 1))?.activities.map((a) => a.text), ['two']);
      assert.deepEqual(await first.read(id, 3, 100), { activities: [], watermark: 3 });
      assert.equal(seqOfActivityId(id, `${id}|0000003`), 3);
    });

    it('an unknown conversation: append, read and replace say so', async () => {
      const id = newId();
      assert.equal(await first.append(id, message('x')), undefined);
      assert.equal(await first.read(id, 0, 10), undefined);
      assert.equal(await first.replace(id, 1, message('x')), 'no-conversation');
    });

    it('a clientActivityId seen before is not appended again', async () => {
      const id = newId();
      await first.create(record(id));
      const once = await first.append(id, message('hi'), 'client-1');
      const twice = await second.append(id, message('hi'), 'client-1');
      assert.deepEqual(twice, { seq: once?.seq, id: once?.id, duplicate: true });
      assert.equal((await first.read(id, 0, 10))?.activities.length, 1);
    });

    it('replace keeps the id and position; an unknown seq is refused', async () => {
      const id = newId();
      await first.create(record(id));
      await first.append(id, message('draft'));
      await first.append(id, message('after'));
      assert.equal(await second.replace(id, 1, { ...message('final'), id: 'ignored' }), 'replaced');
      assert.deepEqual((await first.read(id, 0, 10))?.activities.map((a) => [a.id, a.text]), [
        [`${id}|0000001`, 'final'],
        [`${id}|0000002`, 'after'],
      ]);
      assert.equal(await first.replace(id, 3, message('x')), 'no-activity');
      assert.equal(await first.replace(id, 0, message('x')), 'no-activity');
    });

    it("a subscriber hears appends and updates made through either store (another instance's too), until it unsubscribes", async () => {
      const id = newId();
      await first.create(record(id));
      const heard: ConversationEvent[] = [];
      const unsubscribe = first.subscribe(id, (event) => heard.push(event));
      const other = second.subscribe(newId(), () => assert.fail('another conversation heard nothing of this one'));
      await second.append(id, message('a'));
      await first.append(id, message('b'));
      await second.replace(id, 1, message('a2'));
      await until(() => heard.length >= 3, 'three events');
      assert.deepEqual(
        heard.filter((event) => event.kind !== 'resync'),
        [
          { kind: 'appended', seq: 1 },
          { kind: 'appended', seq: 2 },
          { kind: 'updated', seq: 1 },
        ],
      );
      unsubscribe();
      other();
      // A listener subscribed after the unsubscribe hears the next append; an event reaches every
      // listener of the conversation at once, so the unsubscribed one would have heard it by then.
      const later: ConversationEvent[] = [];
      const stopLater = first.subscribe(id, (event) => later.push(event));
      await second.append(id, message('c'));
      await until(() => later.some((event) => event.kind === 'appended' && event.seq === 3), "the later listener hearing the append of 'c'");
      stopLater();
      assert.equal(heard.filter((event) => event.kind !== 'resync').length, 3);
    });

    it('concurrent appends from two stores get distinct seqs, stored in seq order', async () => {
      const id = newId();
      await first.create(record(id));
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? first : second).append(id, message(`m${i}`))));
      const seqs = results.map((r) => r?.seq ?? 0).sort((x, y) => x - y);
      assert.deepEqual(seqs, Array.from({ length: 40 }, (_, i) => i + 1));
      const stored = await first.read(id, 0, 100);
      assert.deepEqual(
        stored?.activities.map((a) => a.id),
        Array.from({ length: 40 }, (_, i) => `${id}|${String(i + 1).padStart(7, '0')}`),
      );
    });

    it(`refuses activity ${MAX_ACTIVITIES_PER_CONVERSATION + 1} of a conversation (PSB_DL_CONVERSATION_FULL)`, async function () {
      this.timeout(30_000);
      const id = newId();
      await first.create(record(id));
      await Promise.all(Array.from({ length: MAX_ACTIVITIES_PER_CONVERSATION }, () => first.append(id, { type: 'typing' })));
      await assert.rejects(first.append(id, message('one too many')), (err: unknown) => isAppError(err, 'PSB_DL_CONVERSATION_FULL'));
    });
  });
}

let now = Date.now();
const clock = (): number => now;
const memory = new MemoryConversationStore({ ttlSeconds: TTL_SECONDS, now: clock });
conversationStoreContract(
  'in-process',
  async () => ({ first: memory, second: memory }),
  () => memory.close(),
);

describe('in-process conversation store: sliding expiry', () => {
  it('forgets a conversation TTL seconds after its last write, not before', async () => {
    const store = new MemoryConversationStore({ ttlSeconds: 60, now: clock });
    const id = newId();
    await store.create(record(id));
    now += 50_000;
    await store.append(id, message('still here'));
    now += 50_000;
    assert.ok(await store.get(id), 'the append slid the expiry');
    now += 11_000;
    assert.equal(await store.get(id), undefined);
    await store.close();
  });
});

const prefix = uniqueRedisPrefix('psb-dl-store-test');
const logs = new LogCapture('warn');
const clients: Redis[] = [];
const redisStores: RedisConversationStore[] = [];

function redisStore(): RedisConversationStore {
  const client = createRedisClient(REDIS_URL, logs.logger);
  const subscriber = client.duplicate();
  clients.push(client, subscriber);
  const store = new RedisConversationStore({ client, subscriber, prefix, ttlSeconds: TTL_SECONDS, logger: logs.logger });
  redisStores.push(store);
  return store;
}

/** Resolves on the store's first resync: its subscription is in place. Call before its connection is ready. */
function subscribed(store: RedisConversationStore): Promise<void> {
  return new Promise((resolve) => {
    const stop = store.subscribe(`subscription-probe-${newId()}`, (event) => {
      if (event.kind !== 'resync') return;
      stop();
      resolve();
    });
  });
}

async function ready(client: Redis): Promise<void> {
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
}

describe('Direct Line on Redis', () => {
  before(async () => requireRedis(REDIS_URL));
  after(async () => {
    for (const store of redisStores) await store.close();
    const cleaner = createRedisClient(REDIS_URL, logs.logger);
    await ready(cleaner);
    await deleteKeysWithPrefix(cleaner, prefix);
    assert.equal(await deleteKeysWithPrefix(cleaner, prefix), 0, 'nothing of ours is left in the shared Redis');
    cleaner.disconnect();
    for (const client of clients) client.disconnect();
  });

  conversationStoreContract(
    'Redis (two stores on separate connections, as two instances)',
    async () => {
      const first = redisStore();
      const second = redisStore();
      // Both subscriptions take effect before anything is published: a store tells its listeners
      // to read again (resync) once its SUBSCRIBE has succeeded.
      const subscriptions = [first, second].map((store) => hangGuard(subscribed(store), 'a store subscribing to conversation events', 10_000));
      await Promise.all(clients.map(ready));
      await Promise.all(subscriptions);
      return { first, second };
    },
    async () => undefined,
  );

  it('keeps one conversation under one hash tag, every key with the conversation TTL', async () => {
    const store = redisStore();
    const client = clients[clients.length - 2];
    await ready(client);
    const id = newId();
    await store.create(record(id));
    await store.append(id, message('x'), 'client-x');
    const keys = (await client.keys(`${prefix}dl:{${id}}:*`)).sort();
    assert.deepEqual(keys, [`${prefix}dl:{${id}}:clients`, `${prefix}dl:{${id}}:log`, `${prefix}dl:{${id}}:meta`]);
    for (const key of keys) {
      const ttl = await client.pttl(key);
      assert.ok(ttl > (TTL_SECONDS - 5) * 1000 && ttl <= TTL_SECONDS * 1000, `${key}: ${ttl} ms`);
    }
  });

  it('rate limiter: the count is shared by every instance', async () => {
    const a = createRedisClient(REDIS_URL, logs.logger);
    const b = createRedisClient(REDIS_URL, logs.logger);
    clients.push(a, b);
    await Promise.all([ready(a), ready(b)]);
    const options = { limit: 3, windowMs: 10_000 };
    const first = new RedisRateLimiter(a, prefix, options);
    const second = new RedisRateLimiter(b, prefix, options);
    const decisions = [await first.hit('rate:x'), await second.hit('rate:x'), await first.hit('rate:x'), await second.hit('rate:x')];
    assert.deepEqual(decisions.map((d) => d.allowed), [true, true, true, false]);
    assert.ok(decisions[3].retryAfterSeconds >= 9 && decisions[3].retryAfterSeconds <= 10);
    const ttl = await a.pttl(`${prefix}rate:x`);
    assert.ok(ttl > 0 && ttl <= 10_000);
  });
});

describe('Direct Line rate limiters', () => {
  it('in-process: N per window, then refusals with Retry-After, then a fresh window', async () => {
    let at = 0;
    const limiter = new MemoryRateLimiter({ limit: 2, windowMs: 10_000 }, () => at);
    assert.deepEqual((await Promise.all([limiter.hit('k'), limiter.hit('k')])).map((d) => d.allowed), [true, true]);
    assert.deepEqual(await limiter.hit('k'), { allowed: false, retryAfterSeconds: 10 });
    assert.equal((await limiter.hit('other')).allowed, true);
    at = 7_500;
    assert.deepEqual(await limiter.hit('k'), { allowed: false, retryAfterSeconds: 3 });
    at = 10_000;
    assert.equal((await limiter.hit('k')).allowed, true);
    await limiter.close();
  });
});
