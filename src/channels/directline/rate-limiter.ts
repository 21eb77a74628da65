import type { Redis } from 'ioredis';
import { AppError } from '../../errors/app-error';

/** The answer to "may this key do one more?". */
export interface RateDecision {
  readonly allowed: boolean;
  /** Whole seconds until the window resets (at least 1); what `Retry-After` says. */
  readonly retryAfterSeconds: number;
}

/** Fixed-window counter: at most `limit` hits per key and window. */
export interface RateLimiter {
  hit(key: string): Promise<RateDecision>;
  /** Forgets the key's window (e.g. a sign-in succeeded): the next hit starts afresh. */
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}

/** The error to throw when Redis does not answer; by default Direct Line's. */
export type UnavailableError = (cause: unknown) => Error;

const directLineUnavailable: UnavailableError = (cause) => new AppError('PSB_DL_UNAVAILABLE', 'the Direct Line rate limiter (Redis) does not answer; try again shortly', {}, { cause });

export interface RateLimitOptions {
  readonly limit: number;
  readonly windowMs: number;
}

function decision(count: number, limit: number, remainingMs: number): RateDecision {
  return { allowed: count <= limit, retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)) };
}

/** Counters in this process (no `REDIS_URL`). */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly options: RateLimitOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => {
      const at = this.now();
      for (const [key, window] of this.windows) if (window.resetAt <= at) this.windows.delete(key);
    }, Math.max(options.windowMs, 1000));
    this.sweeper.unref();
  }

  async hit(key: string): Promise<RateDecision> {
    const at = this.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= at) {
      window = { count: 0, resetAt: at + this.options.windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return decision(window.count, this.options.limit, window.resetAt - at);
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }
}

/** KEYS: counter. ARGV: window ms. Returns {count, ms left}. */
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}`;

interface RateCommands {
  psbDlRateHitV1(numKeys: number, key: string, windowMs: number): Promise<[number, number]>;
}

/** Counters in Redis, shared by every instance: a client gains nothing by switching instance. */
export class RedisRateLimiter implements RateLimiter {
  private readonly client: Redis & RateCommands;

  constructor(
    client: Redis,
    private readonly prefix: string,
    private readonly options: RateLimitOptions,
    private readonly unavailable: UnavailableError = directLineUnavailable,
  ) {
    const withCommands = client as Redis & Partial<RateCommands>;
    if (typeof withCommands.psbDlRateHitV1 !== 'function') withCommands.defineCommand('psbDlRateHitV1', { lua: HIT_SCRIPT });
    this.client = withCommands as Redis & RateCommands;
  }

  async hit(key: string): Promise<RateDecision> {
    let result: [number, number];
    try {
      result = await this.client.psbDlRateHitV1(1, `${this.prefix}${key}`, this.options.windowMs);
    } catch (err) {
      throw this.unavailable(err);
    }
    return decision(result[0], this.options.limit, result[1]);
  }

  async reset(key: string): Promise<void> {
    try {
      await this.client.del(`${this.prefix}${key}`);
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  async close(): Promise<void> {
    // The client belongs to the caller.
  }
}
