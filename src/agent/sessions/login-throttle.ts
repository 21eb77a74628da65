import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AgentError } from '../agent-errors';

/** The verdict on one sign-in attempt. */
export interface ThrottleVerdict {
  readonly allowed: boolean;
  /** Seconds until the window ends (for `Retry-After`), at least 1. */
  readonly retryAfterSeconds: number;
}

/**
 * Counts sign-in attempts per username and client address in fixed windows: the attempt past
 * `maxAttempts` is refused before the password is even hashed. Every attempt counts when it
 * starts (parallel guesses cannot slip past the limit); a successful sign-in clears the count.
 * Counted per pair, so an attacker cannot lock a real agent out from another address.
 */
export interface LoginThrottle {
  attempt(username: string, address: string): Promise<ThrottleVerdict>;
  /** The password was right: the pair starts afresh. */
  succeeded(username: string, address: string): Promise<void>;
}

export interface LoginThrottleOptions {
  readonly maxAttempts: number;
  readonly windowSeconds: number;
}

/** The counter's key: a hash, so neither usernames nor addresses sit in Redis. */
function throttleKey(username: string, address: string): string {
  return createHash('sha256').update(`${username.trim().toLowerCase()}\n${address}`).digest('hex');
}

/** In-process counters (no REDIS_URL). */
export class MemoryLoginThrottle implements LoginThrottle {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(
    private readonly options: LoginThrottleOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async attempt(username: string, address: string): Promise<ThrottleVerdict> {
    const now = this.now();
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    const key = throttleKey(username, address);
    const window = this.windows.get(key) ?? { count: 0, endsAt: now + this.options.windowSeconds * 1000 };
    window.count += 1;
    this.windows.set(key, window);
    return { allowed: window.count <= this.options.maxAttempts, retryAfterSeconds: Math.max(1, Math.ceil((window.endsAt - now) / 1000)) };
  }

  async succeeded(username: string, address: string): Promise<void> {
    this.windows.delete(throttleKey(username, address));
  }
}

/** INCR, and PEXPIRE on the first attempt of a window, in one step; answers the count and the time left. */
const ATTEMPT_LUA = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { count, ttl }
`;

/** Counters shared by every instance, under `${prefix}<hash>`. */
export class RedisLoginThrottle implements LoginThrottle {
  constructor(
    private readonly client: Redis,
    /** E.g. 'psb:agent:login:'. */
    private readonly prefix: string,
    private readonly options: LoginThrottleOptions,
  ) {}

  async attempt(username: string, address: string): Promise<ThrottleVerdict> {
    let reply: unknown;
    try {
      reply = await this.client.eval(ATTEMPT_LUA, 1, this.prefix + throttleKey(username, address), this.options.windowSeconds * 1000);
    } catch (err) {
      throw new AgentError('PSB_AGENT_UNAVAILABLE', 'sign-in attempt counters (Redis) unavailable', { operation: 'throttle' }, { cause: err });
    }
    const [count, ttlMs] = Array.isArray(reply) ? reply.map(Number) : [Number.NaN, Number.NaN];
    if (!Number.isFinite(count)) throw new AgentError('PSB_AGENT_UNAVAILABLE', 'sign-in attempt counters (Redis) gave an unexpected answer', { operation: 'throttle' });
    return { allowed: count <= this.options.maxAttempts, retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
  }

  async succeeded(username: string, address: string): Promise<void> {
    try {
      await this.client.del(this.prefix + throttleKey(username, address));
    } catch (err) {
      throw new AgentError('PSB_AGENT_UNAVAILABLE', 'sign-in attempt counters (Redis) unavailable', { operation: 'throttle' }, { cause: err });
    }
  }
}
