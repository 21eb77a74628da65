import type { Redis } from 'ioredis';
import { keysUnder } from './services';

/** One key under a test's prefix, its type, TTL (seconds; -1 none) and every value it holds as text. */
export interface StoredKey {
  readonly key: string;
  readonly type: string;
  readonly ttl: number;
  readonly values: readonly string[];
}

/**
 * Everything stored under `prefix` on the shared Redis, read directly (not through the code
 * under test), so a test can assert what is kept: strings, hashes (fields and values), lists,
 * sets, sorted sets and streams. Glob characters in the prefix are taken literally.
 */
export async function storedUnder(client: Redis, prefix: string): Promise<StoredKey[]> {
  const keys: string[] = [];
  for await (const found of keysUnder(client, prefix)) keys.push(...found);
  const stored: StoredKey[] = [];
  for (const key of keys.sort()) {
    const [type, ttl] = await Promise.all([client.type(key), client.ttl(key)]);
    stored.push({ key, type, ttl, values: await valuesOf(client, key, type) });
  }
  return stored;
}

async function valuesOf(client: Redis, key: string, type: string): Promise<string[]> {
  switch (type) {
    case 'string':
      return [(await client.get(key)) ?? ''];
    case 'hash':
      return Object.entries(await client.hgetall(key)).flat();
    case 'list':
      return client.lrange(key, 0, -1);
    case 'set':
      return client.smembers(key);
    case 'zset':
      return client.zrange(key, 0, -1);
    case 'stream':
      return (await client.xrange(key, '-', '+')).flatMap(([id, fields]) => [id, ...fields]);
    default:
      return [];
  }
}
