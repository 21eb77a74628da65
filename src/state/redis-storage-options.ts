import type { Redis } from 'ioredis';
import { AppError } from '../errors/app-error';

/** How RedisStorage reaches Redis and names and ages its keys. */
export interface RedisStorageOptions {
  /**
   * An ioredis client, connected or connecting (see `createRedisClient`). The storage never
   * closes it: whoever created it does. Required, no default.
   */
  readonly client: Redis;
  /**
   * Prepended to every storage key, so the bot's keys never mix with other data in the same
   * Redis and can be found with `SCAN MATCH <prefix>*`. Must not be empty.
   * @default 'psb:state:'
   */
  readonly prefix?: string;
  /**
   * Lifetime of a storage key, in seconds, set on every write and refreshed on every read that
   * finds it (sliding expiry). The bot gives conversation keys a short lifetime
   * (`SESSION_TTL_SECONDS`) and user keys a long one (`USER_STATE_TTL_SECONDS`). Must return a
   * positive, finite number; fractions of a second are rounded to milliseconds.
   * @default () => 1800 (30 min for every key)
   */
  readonly ttlSecondsForKey?: (key: string) => number;
}

/** RedisStorageOptions with every default applied, checked and frozen. */
export interface ResolvedRedisStorageOptions {
  readonly client: Redis;
  readonly prefix: string;
  readonly ttlSecondsForKey: (key: string) => number;
}

export const DEFAULT_REDIS_STORAGE_OPTIONS = Object.freeze({
  prefix: 'psb:state:',
  ttlSecondsForKey: (): number => 1800, // 30 min
});

/** Merges the defaults in and checks the options, once, when the storage is built. */
export function resolveRedisStorageOptions(options: RedisStorageOptions): ResolvedRedisStorageOptions {
  if (!options.client || typeof options.client.defineCommand !== 'function') {
    throw new AppError('PSB_CONFIG_INVALID', 'RedisStorage option "client" must be an ioredis client', { option: 'client' });
  }
  const prefix = options.prefix ?? DEFAULT_REDIS_STORAGE_OPTIONS.prefix;
  if (typeof prefix !== 'string' || prefix === '') {
    throw new AppError('PSB_CONFIG_INVALID', 'RedisStorage option "prefix" must be a non-empty string, e.g. "psb:state:"', { option: 'prefix' });
  }
  const ttlSecondsForKey = options.ttlSecondsForKey ?? DEFAULT_REDIS_STORAGE_OPTIONS.ttlSecondsForKey;
  if (typeof ttlSecondsForKey !== 'function') {
    throw new AppError('PSB_CONFIG_INVALID', 'RedisStorage option "ttlSecondsForKey" must be a function (key) => seconds', { option: 'ttlSecondsForKey' });
  }
  return Object.freeze({ client: options.client, prefix, ttlSecondsForKey });
}
