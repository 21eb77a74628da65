import type { Redis } from 'ioredis';
import { AgentError } from '../agent-errors';

/** An account's failed sign-ins since its last success. */
export interface AccountFailures {
  readonly failures: number;
  /** Epoch ms of the latest failure. */
  readonly lastFailureMs: number;
}

/**
 * Where the per-account back-off and the addresses that proved an account's password are kept.
 * Keys are hashes the throttle computes (no usernames or addresses in the store).
 */
export interface AccountBackoffStore {
  read(account: string): Promise<AccountFailures | undefined>;
  /** One more failure at `atMs`; the count is forgotten `keepMs` after the latest failure. */
  recordFailure(account: string, atMs: number, keepMs: number): Promise<void>;
  clear(account: string): Promise<void>;
  isKnown(pair: string): Promise<boolean>;
  /** This (account, address) signed in: remembered for `keepMs`. */
  remember(pair: string, keepMs: number): Promise<void>;
}

/** In-process (no REDIS_URL); entries die lazily, on read, by the throttle's clock. */
export class MemoryAccountBackoffStore implements AccountBackoffStore {
  private readonly failures = new Map<string, AccountFailures & { expiresAt: number }>();
  private readonly known = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  async read(account: string): Promise<AccountFailures | undefined> {
    const entry = this.failures.get(account);
    if (entry && entry.expiresAt <= this.now()) this.failures.delete(account);
    return this.failures.get(account);
  }

  async recordFailure(account: string, atMs: number, keepMs: number): Promise<void> {
    const failures = ((await this.read(account))?.failures ?? 0) + 1;
    this.failures.set(account, { failures, lastFailureMs: atMs, expiresAt: atMs + keepMs });
  }

  async clear(account: string): Promise<void> {
    this.failures.delete(account);
  }

  async isKnown(pair: string): Promise<boolean> {
    const expiresAt = this.known.get(pair);
    if (expiresAt !== undefined && expiresAt <= this.now()) this.known.delete(pair);
    return this.known.has(pair);
  }

  async remember(pair: string, keepMs: number): Promise<void> {
    this.known.set(pair, this.now() + keepMs);
  }
}

/** Shared by every instance: `${prefix}fail:<hash>` (a hash: n, at) and `${prefix}known:<hash>`. */
export class RedisAccountBackoffStore implements AccountBackoffStore {
  constructor(
    private readonly client: Redis,
    /** E.g. 'psb:agent:login:'. */
    private readonly prefix: string,
  ) {}

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      throw new AgentError('PSB_AGENT_UNAVAILABLE', 'sign-in attempt counters (Redis) unavailable', { operation: 'throttle' }, { cause: err });
    }
  }

  async read(account: string): Promise<AccountFailures | undefined> {
    const [n, at] = await this.call(() => this.client.hmget(`${this.prefix}fail:${account}`, 'n', 'at'));
    const failures = Number(n);
    const lastFailureMs = Number(at);
    return failures > 0 && Number.isFinite(lastFailureMs) ? { failures, lastFailureMs } : undefined;
  }

  async recordFailure(account: string, atMs: number, keepMs: number): Promise<void> {
    const key = `${this.prefix}fail:${account}`;
    await this.call(() => this.client.multi().hincrby(key, 'n', 1).hset(key, 'at', String(atMs)).pexpire(key, keepMs).exec());
  }

  async clear(account: string): Promise<void> {
    await this.call(() => this.client.del(`${this.prefix}fail:${account}`));
  }

  async isKnown(pair: string): Promise<boolean> {
    return (await this.call(() => this.client.exists(`${this.prefix}known:${pair}`))) === 1;
  }

  async remember(pair: string, keepMs: number): Promise<void> {
    await this.call(() => this.client.set(`${this.prefix}known:${pair}`, '1', 'PX', keepMs));
  }
}
