import assert from 'node:assert/strict';
import { MemorySessionStorage } from '../../src/state/memory-session-storage';
import { describeStorageConformance } from './storage-conformance';

// RedisStorage runs the same suite in redis-storage.test.ts; this is the in-process default.
describe('MemorySessionStorage (the in-process default)', () => {
  describeStorageConformance('MemorySessionStorage', () => new MemorySessionStorage({ ttlSecondsForKey: () => 60 }));

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
