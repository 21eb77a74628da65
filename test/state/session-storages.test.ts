import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { createLogger } from '../../src/log/logger';
import { MemorySessionStorage } from '../../src/state/memory-session-storage';
import { createRedisClient, waitForRedis } from '../../src/state/redis-client';
import { RedisStorage } from '../../src/state/redis-storage';
import { startPrivateRedis } from '../support/private-redis';
import { deleteKeysWithPrefix, requireRedis, uniqueRedisPrefix } from '../support/services';
import { describeStorageConformance } from './storage-conformance';

const REDIS_URL = 'redis://127.0.0.1:6379';

describe('session storages', () => {
  describeStorageConformance('MemorySessionStorage', async () => new MemorySessionStorage({ ttlSecondsForKey: () => 60 }));

  describe('MemorySessionStorage expiry', () => {
    it('expires a key after its TTL, and reading slides it', async () => {
      let now = 0;
      const storage = new MemorySessionStorage({ ttlSecondsForKey: () => 10, now: () => now });
      await storage.write({ k: { v: 1 } });
      now = 9_000;
      assert.ok((await storage.read(['k'])).k, 'alive before its TTL');
      now = 18_000; // 9 s after the read that slid it
      assert.ok((await storage.read(['k'])).k, 'the read slid the TTL');
      now = 40_000;
      assert.deepEqual(await storage.read(['k']), {});
    });
  });

  describe('RedisStorage on the shared Redis', () => {
    let client: Redis;
    const prefixes: string[] = [];
    before(async () => {
      await requireRedis(REDIS_URL);
      client = new Redis(REDIS_URL);
    });
    after(async () => {
      for (const prefix of prefixes) await deleteKeysWithPrefix(client, prefix);
      client?.disconnect();
    });

    describeStorageConformance('RedisStorage', async () => {
      const prefix = uniqueRedisPrefix();
      prefixes.push(prefix);
      return new RedisStorage({ client, prefix, ttlSecondsForKey: () => 60 });
    });

    it('sets the TTL of each key by its kind, and a read slides it', async () => {
      const prefix = uniqueRedisPrefix();
      prefixes.push(prefix);
      const storage = new RedisStorage({ client, prefix, ttlSecondsForKey: (key) => (key.startsWith('user') ? 5000 : 50) });
      await storage.write({ conv: { v: 1 }, user: { v: 1 } });
      const convTtl = await client.pttl(`${prefix}conv`);
      assert.ok(convTtl > 40_000 && convTtl <= 50_000, `conversation ttl ${convTtl}`);
      assert.ok((await client.pttl(`${prefix}user`)) > 4_000_000);
      await client.pexpire(`${prefix}conv`, 1000);
      await storage.read(['conv']);
      assert.ok((await client.pttl(`${prefix}conv`)) > 40_000, 'read refreshed the TTL');
    });
  });

  describe('RedisStorage when Redis goes away', function () {
    this.timeout(30_000);
    it('fails fast with PSB_STATE_UNAVAILABLE and recovers on the same client', async () => {
      const redis = await startPrivateRedis();
      const client = createRedisClient(redis.url, createLogger({ level: 'silent' }));
      try {
        const storage = new RedisStorage({ client, prefix: 't:', ttlSecondsForKey: () => 60 });
        assert.ok(await waitForRedis(client));
        await storage.write({ k: { v: 1 } });
        await redis.stop();
        const started = Date.now();
        await assert.rejects(storage.read(['k']), (err: unknown) => err instanceof Error && (err as { code?: string }).code === 'PSB_STATE_UNAVAILABLE');
        assert.ok(Date.now() - started < 5000, 'the failure is quick, not a hang');
        await redis.start();
        let recovered = false;
        for (let i = 0; i < 100 && !recovered; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          recovered = await storage.write({ k: { v: 2 } }).then(() => true, () => false);
        }
        assert.ok(recovered, 'writes work again once Redis is back');
        assert.equal((await storage.read(['k'])).k?.v, 2);
      } finally {
        client.disconnect();
        await redis.stop();
      }
    });
  });
});
