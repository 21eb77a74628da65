import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { MemoryStorage } from 'botbuilder';
import Redis from 'ioredis';
import { isAppError } from '../../src/errors/app-error';
import { createLogger } from '../../src/log/logger';
import { createRedisClient, describeRedisUrl, pingRedis, REDIS_CLIENT_TIMINGS, waitForRedis } from '../../src/state/redis-client';
import { isStateConflict, RedisStorage, StateUnavailableError } from '../../src/state/redis-storage';
import { eventually, hangGuard } from '../support/hang-guard';
import { PrivateRedis, startPrivateRedis } from '../support/private-redis';
import { deleteKeysWithPrefix, requireRedis, uniqueRedisPrefix } from '../support/services';
import { describeStorageConformance } from './storage-conformance';

const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';
const silent = createLogger({ level: 'silent' });
/** Hang guard for what takes well under a second (a MONITOR line, a key expiring, a log line), in ms. */
const QUICK_HANG_GUARD_MS = 10_000;
/** Hang guard for what waits out a client timing (2 s command timeout, backoff capped at 2 s), in ms. */
const TIMING_HANG_GUARD_MS = 10 * REDIS_CLIENT_TIMINGS.commandTimeoutMs;

/** A client as the bot builds it, once connected. */
async function readyClient(url: string, logger = silent): Promise<Redis> {
  const client = createRedisClient(url, logger);
  assert.ok(await waitForRedis(client, 5000), `redis at ${url} did not become ready`);
  return client;
}

/** The error `operation` rejected with (undefined when it resolved). */
async function failureOf(operation: () => Promise<unknown>): Promise<unknown> {
  try {
    await operation();
    return undefined;
  } catch (err) {
    return err;
  }
}

/** Asserts PSB_STATE_UNAVAILABLE and answers the Redis error attached as its cause. */
function assertUnavailable(err: unknown, operation: string): Error {
  assert.ok(err instanceof StateUnavailableError, `expected StateUnavailableError from ${operation}, got ${String(err)}`);
  assert.ok(isAppError(err, 'PSB_STATE_UNAVAILABLE'));
  assert.ok(err.cause instanceof Error, 'the Redis error is attached as cause');
  return err.cause;
}

/*
 * Which ioredis error a failure carries tells how it failed, with no stopwatch: the command
 * timeout fired (Redis hung), the connection closed under a command in flight (Redis killed),
 * or the command was refused before it was sent (no offline queue: fail fast).
 */
const COMMAND_TIMED_OUT = 'Command timed out';
/** What ioredis flushes the commands in flight with when their connection closes (maxRetriesPerRequest 0: never resent). */
const FLUSHED_ON_CLOSE = 'MaxRetriesPerRequestError';
const NOT_SENT = /^Stream isn't writeable and enableOfflineQueue options is false$/;

interface ConnectionWatch {
  /** The commands `client` sent while `operation` ran (lower-case names), scripts' own commands left out. */
  commandsOf(operation: () => Promise<unknown>): Promise<string[]>;
  stop(): void;
}

/**
 * MONITOR on a connection of its own, keeping what one client's connection sends: deterministic,
 * because Redis reports commands in the order it runs them and ECHO markers from that same
 * connection frame the operation. Commands run inside a script show up as source "lua" and so
 * are not counted: they cost no round trip.
 */
async function watchConnection(url: string, client: Redis): Promise<ConnectionWatch> {
  const source = `127.0.0.1:${client.stream.localPort}`;
  const seen: string[] = [];
  const waiters = new Set<() => void>();
  const watcher = new Redis(url, { retryStrategy: () => null });
  watcher.on('error', () => undefined);
  const monitor = await watcher.monitor();
  monitor.on('error', () => undefined);
  monitor.on('monitor', (_time: string, args: string[], from: string) => {
    if (from !== source) return;
    seen.push(args.join(' '));
    for (const wake of [...waiters]) wake();
  });
  /** The position of `line` once MONITOR reported it (MONITOR starts and reports asynchronously). */
  const waitFor = (line: string): Promise<number> => {
    let wake = (): void => undefined;
    const shown = new Promise<number>((resolve) => {
      wake = () => {
        const at = seen.indexOf(line);
        if (at < 0) return;
        waiters.delete(wake);
        resolve(at);
      };
      waiters.add(wake);
      wake();
    });
    return hangGuard(shown, `MONITOR showing "${line}"`, QUICK_HANG_GUARD_MS).finally(() => waiters.delete(wake));
  };
  return {
    async commandsOf(operation) {
      const marker = randomBytes(6).toString('hex');
      await client.echo(`begin-${marker}`);
      const begin = await waitFor(`echo begin-${marker}`);
      await operation();
      await client.echo(`end-${marker}`);
      const end = await waitFor(`echo end-${marker}`);
      return seen.slice(begin + 1, end).map((line) => line.split(' ')[0].toLowerCase());
    },
    stop() {
      monitor.disconnect();
      watcher.disconnect();
    },
  };
}

describe('RedisStorage', () => {
  describe('on the shared Redis', () => {
    let client: Redis;
    const prefix = uniqueRedisPrefix();
    const ttlSecondsForKey = (key: string): number => (key.includes('/users/') ? 5000 : 50);

    before(async () => {
      await requireRedis(SHARED_REDIS_URL);
      client = await readyClient(SHARED_REDIS_URL);
    });
    after(async () => {
      if (!client) return;
      await deleteKeysWithPrefix(client, prefix);
      client.disconnect();
    });

    describeStorageConformance('RedisStorage', () => new RedisStorage({ client, prefix, ttlSecondsForKey }));

    it('stores the document without its eTag, next to the eTag it hands out', async () => {
      const storage = new RedisStorage({ client, prefix, ttlSecondsForKey });
      await storage.write({ 'raw/doc': { v: 1, eTag: '*' } });
      const { eTag } = (await storage.read(['raw/doc']))['raw/doc'];
      const raw = await client.hgetall(`${prefix}raw/doc`);
      assert.deepEqual(raw, { e: eTag, d: JSON.stringify({ v: 1 }) });
    });

    it('gives each key the TTL of its kind on write, and a read slides it', async () => {
      const storage = new RedisStorage({ client, prefix, ttlSecondsForKey });
      await storage.write({ 'ttl/conversations/c1': { v: 1 }, 'ttl/users/u1': { v: 1 } });
      const conversationTtl = await client.pttl(`${prefix}ttl/conversations/c1`);
      const userTtl = await client.pttl(`${prefix}ttl/users/u1`);
      assert.ok(conversationTtl > 45_000 && conversationTtl <= 50_000, `conversation TTL ${conversationTtl} ms`);
      assert.ok(userTtl > 4_995_000 && userTtl <= 5_000_000, `user TTL ${userTtl} ms`);

      await client.pexpire(`${prefix}ttl/conversations/c1`, 1000);
      await client.pexpire(`${prefix}ttl/users/u1`, 1000);
      await storage.read(['ttl/conversations/c1', 'ttl/users/u1', 'ttl/conversations/missing']);
      assert.ok((await client.pttl(`${prefix}ttl/conversations/c1`)) > 45_000, 'the read slid the conversation TTL');
      assert.ok((await client.pttl(`${prefix}ttl/users/u1`)) > 4_995_000, 'the read slid the user TTL');
      assert.equal(await client.exists(`${prefix}ttl/conversations/missing`), 0, 'a read creates nothing');
    });

    it('refuses a TTL that is not a positive number of seconds, writing nothing', async () => {
      for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        const storage = new RedisStorage({ client, prefix, ttlSecondsForKey: () => bad });
        await assert.rejects(storage.write({ 'ttl/bad': { v: 1 } }), (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.message.includes('ttlSecondsForKey'));
      }
      assert.equal(await client.exists(`${prefix}ttl/bad`), 0);
    });

    it('refuses an empty prefix when built', () => {
      assert.throws(() => new RedisStorage({ client, prefix: '' }), (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.message.includes('prefix'));
    });

    it('two storages with different prefixes on one client do not see each other', async () => {
      const first = new RedisStorage({ client, prefix: `${prefix}one:`, ttlSecondsForKey });
      const second = new RedisStorage({ client, prefix: `${prefix}two:`, ttlSecondsForKey });
      await first.write({ same: { who: 'one' } });
      assert.deepEqual(await second.read(['same']), {});
      await second.write({ same: { who: 'two' } });
      assert.equal((await first.read(['same'])).same?.who, 'one');
    });
  });

  describe('round trips, counted on a private redis-server with MONITOR', () => {
    let redis: PrivateRedis;
    let client: Redis;
    let storage: RedisStorage;
    let watch: ConnectionWatch;

    before(async () => {
      redis = await startPrivateRedis();
      client = await readyClient(redis.url);
      watch = await watchConnection(redis.url, client);
      storage = new RedisStorage({ client, prefix: 'count:', ttlSecondsForKey: () => 60 });
    });
    after(async () => {
      watch?.stop();
      client?.disconnect();
      await redis?.close();
    });

    it('a read of two keys is one command, also when the keys exist', async () => {
      assert.equal((await watch.commandsOf(() => storage.read(['rt/a', 'rt/b']))).length, 1);
      await storage.write({ 'rt/a': { v: 1 }, 'rt/b': { v: 1 } });
      const commands = await watch.commandsOf(() => storage.read(['rt/a', 'rt/b']));
      assert.deepEqual(commands, ['evalsha'], `commands: ${commands.join(', ')}`);
    });

    it('a write of two keys is one command, conditional or not, committed or in conflict', async () => {
      const items = await storage.read(['rt/a', 'rt/b']);
      assert.deepEqual(await watch.commandsOf(() => storage.write({ 'rt/a': { ...items['rt/a'], v: 2 }, 'rt/b': { ...items['rt/b'], v: 2 } })), ['evalsha']);
      assert.deepEqual(await watch.commandsOf(() => storage.write({ 'rt/a': { v: 3, eTag: '*' }, 'rt/c': { v: 3 } })), ['evalsha']);
      const stale = (): Promise<void> => storage.write({ 'rt/a': { ...items['rt/a'], v: 4 }, 'rt/b': { v: 4 } });
      assert.deepEqual(await watch.commandsOf(() => assert.rejects(stale(), isStateConflict)), ['evalsha']);
    });

    it('a delete of two keys is one command', async () => {
      assert.deepEqual(await watch.commandsOf(() => storage.delete(['rt/a', 'rt/b'])), ['del']);
    });

    it('on a new connection the first script call is one EVAL, not a failed EVALSHA and a retry', async () => {
      const reconnected = once(client, 'ready');
      client.disconnect(true);
      await reconnected;
      watch.stop();
      watch = await watchConnection(redis.url, client);
      assert.deepEqual(await watch.commandsOf(() => storage.read(['rt/c', 'rt/d'])), ['eval']);
      assert.deepEqual(await watch.commandsOf(() => storage.write({ 'rt/c': { v: 5 }, 'rt/d': { v: 5 } })), ['eval']);
      assert.deepEqual(await watch.commandsOf(() => storage.read(['rt/c', 'rt/d'])), ['evalsha']);
    });
  });

  describe('expiry, on a private redis-server that announces expired keys', () => {
    let redis: PrivateRedis;
    let client: Redis;
    let subscriber: Redis;
    const expired: string[] = [];
    const waiters = new Set<() => void>();

    before(async () => {
      // Keyspace events (E: keyevent, x: expired) on a server of our own: the shared Redis keeps its config.
      redis = await startPrivateRedis({ args: ['--notify-keyspace-events', 'Ex'] });
      client = await readyClient(redis.url);
      subscriber = await readyClient(redis.url);
      subscriber.on('message', (_channel: string, key: string) => {
        expired.push(key);
        for (const wake of [...waiters]) wake();
      });
      await subscriber.subscribe('__keyevent@0__:expired');
    });
    after(async () => {
      subscriber?.disconnect();
      client?.disconnect();
      await redis?.close();
    });

    /** Resolves when Redis announces that `key` expired. */
    const expiryOf = (key: string): Promise<void> => {
      let wake = (): void => undefined;
      const announced = new Promise<void>((resolve) => {
        wake = () => {
          if (!expired.includes(key)) return;
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
        wake();
      });
      return hangGuard(announced, `Redis announcing that ${key} expired`, QUICK_HANG_GUARD_MS).finally(() => waiters.delete(wake));
    };

    it('forgets a key once its TTL has passed without a read', async () => {
      const storage = new RedisStorage({ client, prefix: 'expiry:', ttlSecondsForKey: () => 0.1 });
      await storage.write({ 'ttl/short': { v: 1 } });
      assert.ok((await storage.read(['ttl/short']))['ttl/short']);
      await expiryOf('expiry:ttl/short');
      assert.deepEqual(await storage.read(['ttl/short']), {});
    });
  });

  describe('when Redis goes away', function () {
    this.timeout(30_000);
    let redis: PrivateRedis;
    let client: Redis;
    let storage: RedisStorage;

    before(async () => {
      redis = await startPrivateRedis();
      client = await readyClient(redis.url);
      storage = new RedisStorage({ client, prefix: 'outage:', ttlSecondsForKey: () => 60 });
    });
    after(async () => {
      client?.disconnect();
      await redis?.close();
    });

    it('a hung Redis: the operation fails with PSB_STATE_UNAVAILABLE by the command timeout, not never', async () => {
      await storage.write({ doc: { v: 1 } });
      redis.pause();
      try {
        const err = await hangGuard(failureOf(() => storage.read(['doc'])), 'a read from a frozen Redis failing', TIMING_HANG_GUARD_MS);
        assert.equal(assertUnavailable(err, 'read').message, COMMAND_TIMED_OUT, 'the command timeout ended the wait');
        assert.equal(await pingRedis(client, 200), false, 'readiness says no while Redis hangs');
      } finally {
        redis.resume();
      }
    });

    it('Redis killed: an operation in flight fails when the connection drops, and new ones fail without being sent', async () => {
      redis.pause();
      const inFlight = failureOf(() => storage.write({ doc: { v: 2 } }));
      await eventually(() => client.commandQueue.length > 0, 'the write being sent to the frozen Redis', QUICK_HANG_GUARD_MS);
      await redis.stop();
      const inFlightErr = await hangGuard(inFlight, 'the write in flight failing after the kill', TIMING_HANG_GUARD_MS);
      const inFlightCause = assertUnavailable(inFlightErr, 'write in flight');
      // Flushed when the connection closed; or, auto-pipelined, refused when its pipeline went out after the close.
      assert.ok(inFlightCause.name === FLUSHED_ON_CLOSE || NOT_SENT.test(inFlightCause.message), `it failed because the connection closed, not by waiting out the command timeout: ${inFlightCause.name}: ${inFlightCause.message}`);

      for (const [operation, run] of [
        ['read', () => storage.read(['doc'])],
        ['write', () => storage.write({ doc: { v: 3 } })],
        ['delete', () => storage.delete(['doc'])],
      ] as const) {
        const err = await hangGuard(failureOf(run), `${operation} failing while Redis is down`, TIMING_HANG_GUARD_MS);
        assert.match(assertUnavailable(err, operation).message, NOT_SENT, `${operation} was refused before it was sent (fail fast)`);
      }
      assert.equal(await pingRedis(client), false);
    });

    it('Redis back on the same port: the same client and storage work again once the client reconnects by itself', async () => {
      // Not events.once: it rejects on the first 'error', and a reconnect attempt before the server is up is one.
      const reconnected = client.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => client.once('ready', () => resolve()));
      await redis.start();
      await hangGuard(reconnected, 'the client reconnecting (backoff capped at 2 s)', TIMING_HANG_GUARD_MS);
      await storage.write({ doc: { v: 4 } });
      const read = await storage.read(['doc']);
      assert.equal(read.doc?.v, 4);
      await storage.write({ doc: { ...read.doc, v: 5 } });
      assert.equal((await storage.read(['doc'])).doc?.v, 5);
      assert.equal(await pingRedis(client), true);
    });
  });

  describe('createRedisClient logging', function () {
    this.timeout(30_000);
    const password = `pw-${randomBytes(8).toString('hex')}`;
    let redis: PrivateRedis;

    before(async () => {
      redis = await startPrivateRedis({ args: ['--requirepass', password] });
    });
    after(async () => {
      await redis?.close();
    });

    it('logs ready, the outage and the recovery at their levels, never the password', async () => {
      const raw: string[] = [];
      const waiters = new Set<() => void>();
      const destination = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          for (const wake of [...waiters]) wake();
          callback();
        },
      });
      const lines = (): { level: string; msg: string; redis?: string }[] => raw.map((line) => JSON.parse(line) as { level: string; msg: string; redis?: string });
      /** Resolves once a logged line matches. */
      const logged = (match: (line: { level: string; msg: string }) => boolean, what: string): Promise<void> => {
        let wake = (): void => undefined;
        const seen = new Promise<void>((resolve) => {
          wake = () => {
            if (!lines().some(match)) return;
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
          wake();
        });
        return hangGuard(seen, `the log line "${what}"`, TIMING_HANG_GUARD_MS).finally(() => waiters.delete(wake));
      };
      const url = `redis://:${password}@127.0.0.1:${redis.port}`;
      const client = await readyClient(url, createLogger({ level: 'debug', destination }));
      try {
        await redis.stop();
        await logged((l) => l.level === 'error', 'redis unavailable');
        await redis.start();
        // The end of the outage: every line of it was written before this one.
        await logged((l) => l.msg === 'redis is back', 'redis is back');
      } finally {
        client.disconnect();
      }
      const levelOf = (msg: string): string | undefined => lines().find((l) => l.msg.startsWith(msg))?.level;
      assert.equal(levelOf('redis ready'), 'info');
      assert.equal(levelOf('redis connection lost'), 'warn');
      assert.equal(levelOf('redis unavailable'), 'error');
      assert.equal(levelOf('redis is back'), 'info');
      assert.equal(lines().filter((l) => l.level === 'error').length, 1, 'one error per outage, repeats at debug');
      assert.ok(raw.length > 0 && raw.every((line) => !line.includes(password)), 'the password is never logged');
      assert.ok(lines().some((l) => l.redis === `redis://:***@127.0.0.1:${redis.port}`), 'the URL is logged without its password');
    });

    it('describeRedisUrl hides the password and secret query parameters', () => {
      assert.equal(describeRedisUrl('redis://user:hunter2@cache.example:6380/2'), 'redis://user:***@cache.example:6380/2');
      assert.equal(describeRedisUrl('rediss://cache.example?password=hunter2&family=6'), 'rediss://cache.example?password=***&family=6');
      assert.equal(describeRedisUrl('not a url hunter2'), '<invalid url>');
    });
  });
});

/*
 * botbuilder's own in-process storage, held to the same contract. Where it does not keep it,
 * the case is pinned as a known divergence (it must keep failing until botbuilder changes).
 */
describeStorageConformance('botbuilder MemoryStorage', () => new MemoryStorage(), {
  knownDivergences: {
    'conflict-is-state-conflict-error': 'it rejects with a plain Error("Storage: error writing \"<key>\" due to eTag conflict.")',
    'etag-on-missing-key-conflicts': 'a key that does not exist is written whatever eTag the change carries',
    'etag-from-before-delete-conflicts': 'a deleted key is written again whatever eTag the change carries',
    'multi-key-atomic': 'it writes key by key: the keys before and after the stale one are written, then it rejects',
    'caller-object-gets-new-etag': "it stores a clone with the new eTag and leaves the caller's object with the old one",
  },
});
