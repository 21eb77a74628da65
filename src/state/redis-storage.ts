import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Storage, StoreItems } from 'botbuilder';
import { ANY_ETAG, CREATE_ONLY_ETAG } from './etag';
import { RedisStorageOptions } from './redis-storage-options';
import { StateConflictError, StateUnavailableError } from './state-errors';

/*
 * Each storage key is a Redis hash { e: eTag, d: JSON document }: Lua compares eTags with one
 * HGET and never decodes JSON. Both scripts are registered with defineCommand (EVALSHA, one
 * round trip; ioredis falls back to EVAL once after a Redis restart flushed the script cache).
 */

/** KEYS: full keys. ARGV: ttl ms per key. Returns [eTag, doc, eTag, doc, …] (false when absent); slides TTLs. */
const READ_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'e', 'd')
  out[#out + 1] = v[1]
  out[#out + 1] = v[2]
  if v[1] then redis.call('PEXPIRE', key, ARGV[i]) end
end
return out`;

/**
 * KEYS: full keys. ARGV: per key 4 values: expected eTag ('' or '*' = any, '@absent' = must not
 * exist), new eTag, JSON document, ttl ms. All checks first, then all writes: atomic.
 * Returns 0 on success, or the 1-based index of the first key whose check failed.
 */
const WRITE_SCRIPT = `
for i, key in ipairs(KEYS) do
  local expected = ARGV[(i - 1) * 4 + 1]
  if expected ~= '' and expected ~= '*' then
    local current = redis.call('HGET', key, 'e')
    if expected == '${CREATE_ONLY_ETAG}' then
      if current then return i end
    elseif current ~= expected then
      return i
    end
  end
end
for i, key in ipairs(KEYS) do
  local base = (i - 1) * 4
  redis.call('HSET', key, 'e', ARGV[base + 2], 'd', ARGV[base + 3])
  redis.call('PEXPIRE', key, ARGV[base + 4])
end
return 0`;

interface StateCommands {
  psbStateRead(numKeys: number, ...args: (string | number)[]): Promise<(string | null)[]>;
  psbStateWrite(numKeys: number, ...args: (string | number)[]): Promise<number>;
}

function newETag(): string {
  return randomBytes(9).toString('base64url');
}

/**
 * botbuilder Storage on Redis with real optimistic concurrency: a write carrying the eTag it
 * read succeeds only if the stored eTag is unchanged, for all keys of the write at once.
 * One round trip per read and per write, whatever the number of keys.
 */
export class RedisStorage implements Storage {
  private readonly client: Redis & StateCommands;

  constructor(private readonly options: RedisStorageOptions) {
    const client = options.client as Redis & Partial<StateCommands>;
    if (!client.psbStateRead) client.defineCommand('psbStateRead', { lua: READ_SCRIPT });
    if (!client.psbStateWrite) client.defineCommand('psbStateWrite', { lua: WRITE_SCRIPT });
    this.client = client as Redis & StateCommands;
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    let flat: (string | null)[];
    try {
      flat = await this.client.psbStateRead(keys.length, ...keys.map((k) => this.redisKey(k)), ...keys.map((k) => this.ttlMs(k)));
    } catch (err) {
      throw new StateUnavailableError('read', err);
    }
    const items: StoreItems = {};
    keys.forEach((key, i) => {
      const eTag = flat[i * 2];
      const doc = flat[i * 2 + 1];
      if (eTag && doc) items[key] = { ...(JSON.parse(doc) as Record<string, unknown>), eTag };
    });
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    const keys = Object.keys(changes);
    if (keys.length === 0) return;
    const args: (string | number)[] = [];
    const eTags: string[] = [];
    for (const key of keys) {
      const { eTag, ...doc } = (changes[key] ?? {}) as Record<string, unknown>;
      const expected = typeof eTag === 'string' && eTag !== ANY_ETAG ? eTag : '';
      const next = newETag();
      eTags.push(next);
      args.push(expected, next, JSON.stringify(doc), this.ttlMs(key));
    }
    let failedIndex: number;
    try {
      failedIndex = await this.client.psbStateWrite(keys.length, ...keys.map((k) => this.redisKey(k)), ...args);
    } catch (err) {
      throw new StateUnavailableError('write', err);
    }
    if (failedIndex > 0) throw new StateConflictError(keys[failedIndex - 1]);
    // Like MemoryStorage callers expect: the written objects now carry their new eTags.
    keys.forEach((key, i) => {
      const item = changes[key] as Record<string, unknown> | undefined;
      if (item && typeof item === 'object') item.eTag = eTags[i];
    });
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.client.del(...keys.map((k) => this.redisKey(k)));
    } catch (err) {
      throw new StateUnavailableError('delete', err);
    }
  }

  private redisKey(key: string): string {
    return `${this.options.prefix}${key}`;
  }

  private ttlMs(key: string): number {
    return Math.max(1, Math.round(this.options.ttlSecondsForKey(key) * 1000));
  }
}
