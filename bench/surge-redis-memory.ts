/**
 * What a surge left in Redis (bench/surge.ts): every key under the run's prefix, its `MEMORY USAGE` (all
 * elements counted: SAMPLES 0), summed by kind of key — the ids in a key replaced by placeholders — so the
 * cost of a conversation is seen by part (Direct Line log, session state, codes, rate counters…).
 */
import Redis from 'ioredis';
import { keysUnder } from '../test/support/services';

export interface KeyGroup {
  /** The key with the prefix dropped and its ids replaced: `dl:{<id>}:log`. */
  readonly pattern: string;
  readonly keys: number;
  readonly bytes: number;
}

export interface RedisMemory {
  readonly keys: number;
  readonly bytes: number;
  /** Largest first. */
  readonly groups: readonly KeyGroup[];
}

const BATCH = 500;

/** A key without the prefix, its ids (anything long and id-like between separators) as `<id>`. */
function patternOf(key: string, prefix: string): string {
  return key
    .slice(prefix.length)
    .split(/([:{}|])/)
    .map((part) => (part.length >= 16 || /^[0-9a-f-]{8,}$/i.test(part) || /\d{3,}/.test(part) ? '<id>' : part))
    .join('');
}

/** Sums MEMORY USAGE over the keys under `prefix` (glob characters in it taken literally). */
export async function redisMemoryUnder(url: string, prefix: string): Promise<RedisMemory> {
  if (prefix === '') throw new Error('redisMemoryUnder needs the run\'s own prefix: the Redis is shared');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    const groups = new Map<string, { keys: number; bytes: number }>();
    for await (const keys of keysUnder(redis, prefix, BATCH)) {
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
      const answers = (await pipeline.exec()) ?? [];
      keys.forEach((key, i) => {
        const bytes = Number(answers[i]?.[1] ?? 0);
        const group = groups.get(patternOf(key, prefix)) ?? { keys: 0, bytes: 0 };
        group.keys += 1;
        group.bytes += bytes;
        groups.set(patternOf(key, prefix), group);
      });
    }
    const all = [...groups.entries()].map(([pattern, group]) => ({ pattern, ...group })).sort((a, b) => b.bytes - a.bytes);
    return { keys: all.reduce((sum, group) => sum + group.keys, 0), bytes: all.reduce((sum, group) => sum + group.bytes, 0), groups: all };
  } finally {
    redis.disconnect();
  }
}
