import type { Redis } from 'ioredis';

export interface RedisStorageOptions {
  /** A connected (or connecting) ioredis client; the storage never closes it. */
  client: Redis;
  /** Prepended to every storage key, e.g. 'psb:state:'. */
  prefix: string;
  /** Lifetime of a key after each read or write, seconds; refreshed on every access (sliding). */
  ttlSecondsForKey(key: string): number;
}
