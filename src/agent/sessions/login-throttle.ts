import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { MemoryRateLimiter, RateLimiter, RedisRateLimiter } from '../../channels/directline/rate-limiter';
import { AgentError } from '../agent-errors';
import { AccountBackoffStore, MemoryAccountBackoffStore, RedisAccountBackoffStore } from './account-backoff-store';

/** Which limit refused an attempt (logged, never shown to the client). */
export type ThrottleReason = 'address' | 'pair' | 'account';

/** The verdict on one sign-in attempt. */
export interface ThrottleVerdict {
  readonly allowed: boolean;
  /** Seconds until the attempt may be made (for `Retry-After`), at least 1. */
  readonly retryAfterSeconds: number;
  readonly reason?: ThrottleReason;
}

export interface LoginThrottleOptions {
  /** Attempts per username and client address per window; also the failures an account takes before it backs off. */
  readonly maxAttempts: number;
  readonly windowSeconds: number;
  /** Attempts per client address per window, whatever the usernames. */
  readonly addressMaxAttempts: number;
  /** Longest account back-off after a failure, seconds. */
  readonly backoffMaxSeconds: number;
}

/** How long an account's failures are remembered after the latest one: 1 h. */
export const FAILURE_MEMORY_MS = 60 * 60 * 1000;
/** How long an address that signed in to an account stays exempt from its back-off: 30 days. */
export const KNOWN_ADDRESS_MS = 30 * 24 * 60 * 60 * 1000;

/** Keys are hashes, so neither usernames nor addresses sit in Redis. */
function hashed(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

function account(username: string): string {
  return username.trim().toLowerCase();
}

/**
 * Sign-in limits, checked before the password is hashed:
 *
 * 1. per client address, across usernames (one address cannot try many accounts);
 * 2. per username and address in fixed windows (a success starts the pair afresh);
 * 3. per account, a back-off that grows with failures from anywhere: after `maxAttempts` failures
 *    the next attempt waits 1 s after the latest failure, then 2, 4… up to `backoffMaxSeconds`. An
 *    address that signed in to the account within {@link KNOWN_ADDRESS_MS} is exempt, so an attacker
 *    on other addresses cannot keep the real owner out; a new address waits at most the cap after
 *    the latest failure. A success clears the account's failures.
 *
 * Attempts count when they start (parallel guesses cannot slip past limits 1 and 2); the back-off
 * counts failures, which the route reports with `failed`.
 */
export class LoginThrottle {
  constructor(
    private readonly limits: { readonly addresses: RateLimiter; readonly pairs: RateLimiter; readonly accounts: AccountBackoffStore },
    private readonly options: LoginThrottleOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async attempt(username: string, address: string): Promise<ThrottleVerdict> {
    const name = account(username);
    const byAddress = await this.limits.addresses.hit(hashed('address', address));
    if (!byAddress.allowed) return { ...byAddress, reason: 'address' };
    const byPair = await this.limits.pairs.hit(hashed(name, address));
    if (!byPair.allowed) return { ...byPair, reason: 'pair' };
    const waitMs = await this.backoffMs(name, address);
    if (waitMs > 0) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), reason: 'account' };
    return { allowed: true, retryAfterSeconds: 1 };
  }

  /** The password was wrong: the account backs off a little more. */
  async failed(username: string): Promise<void> {
    await this.limits.accounts.recordFailure(hashed('account', account(username)), this.now(), FAILURE_MEMORY_MS);
  }

  /** The password was right: the pair starts afresh, the account's failures are cleared, the address is known. */
  async succeeded(username: string, address: string): Promise<void> {
    const name = account(username);
    await Promise.all([
      this.limits.pairs.reset(hashed(name, address)),
      this.limits.accounts.clear(hashed('account', name)),
      this.limits.accounts.remember(hashed('known', name, address), KNOWN_ADDRESS_MS),
    ]);
  }

  /** Milliseconds this address must still wait before trying this account; 0 when it may try now. */
  private async backoffMs(name: string, address: string): Promise<number> {
    const failures = await this.limits.accounts.read(hashed('account', name));
    if (!failures || failures.failures < this.options.maxAttempts) return 0;
    if (await this.limits.accounts.isKnown(hashed('known', name, address))) return 0;
    const delayMs = Math.min(this.options.backoffMaxSeconds, 2 ** (failures.failures - this.options.maxAttempts)) * 1000;
    return Math.max(0, failures.lastFailureMs + delayMs - this.now());
  }

  close(): Promise<void> {
    return Promise.all([this.limits.addresses.close(), this.limits.pairs.close()]).then(() => undefined);
  }
}

const unavailable = (cause: unknown): Error => new AgentError('PSB_AGENT_UNAVAILABLE', 'sign-in attempt counters (Redis) unavailable', { operation: 'throttle' }, { cause });

function windows(options: LoginThrottleOptions): { address: { limit: number; windowMs: number }; pair: { limit: number; windowMs: number } } {
  const windowMs = options.windowSeconds * 1000;
  return { address: { limit: options.addressMaxAttempts, windowMs }, pair: { limit: options.maxAttempts, windowMs } };
}

/** In-process limits (no REDIS_URL); `now` drives the windows and the back-off. */
export function memoryLoginThrottle(options: LoginThrottleOptions, now: () => number = Date.now): LoginThrottle {
  const w = windows(options);
  return new LoginThrottle({ addresses: new MemoryRateLimiter(w.address, now), pairs: new MemoryRateLimiter(w.pair, now), accounts: new MemoryAccountBackoffStore(now) }, options, now);
}

/**
 * Limits shared by every instance under `prefix` (e.g. 'psb:agent:login:'). Windows run on Redis's
 * clock; the back-off compares failure times from `now` (the instances' clocks).
 */
export function redisLoginThrottle(client: Redis, prefix: string, options: LoginThrottleOptions, now: () => number = Date.now): LoginThrottle {
  const w = windows(options);
  return new LoginThrottle(
    {
      addresses: new RedisRateLimiter(client, `${prefix}address:`, w.address, unavailable),
      pairs: new RedisRateLimiter(client, `${prefix}pair:`, w.pair, unavailable),
      accounts: new RedisAccountBackoffStore(client, prefix),
    },
    options,
    now,
  );
}
