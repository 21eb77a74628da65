import type { Redis } from 'ioredis';
import { AppError } from '../errors/app-error';
import type { Logger } from '../log/logger';

/** What every hub needs: the timeout, the clock, how long closed tickets and transcripts last. */
export interface HandoffHubOptions {
  /**
   * A queued ticket nobody claimed within this many seconds is closed as 'timed_out' by
   * `expireStale` (`HANDOFF_TIMEOUT_SECONDS`). Required: a positive number of seconds.
   */
  readonly timeoutSeconds: number;
  /** The clock for createdAt, claimedAt, closedAt and transcript lines. @default () => new Date() */
  readonly now?: () => Date;
  /**
   * A closed ticket (with its transcript) stays readable this many seconds, then is forgotten;
   * the ledger keeps what must last.
   * @default 86400 (24 h)
   */
  readonly ticketTtlSeconds?: number;
  /** A transcript keeps its last this-many lines; older ones drop off. @default 200 */
  readonly transcriptMaxLines?: number;
  /**
   * Where a listener that throws and (Redis) a broken event or a failed subscription are
   * logged; the hub takes a child `{ module: 'handoff' }`.
   * @default none (such problems are dropped silently)
   */
  readonly logger?: Logger;
}

/** The Redis hub's connections and key prefix, on top of the common options. */
export interface RedisHandoffHubOptions extends HandoffHubOptions {
  /**
   * The ioredis client for commands, connected or connecting; build it with `createRedisClient`
   * so commands fail fast while Redis is down. The hub never closes it.
   */
  readonly client: Redis;
  /**
   * A second connection for SUBSCRIBE (a subscribed connection takes no other command). When
   * given, the caller closes it; when absent the hub makes one with `client.duplicate()` and
   * closes it in `close()`.
   * @default client.duplicate()
   */
  readonly subscriber?: Redis;
  /**
   * Starts every key and the event channel (`${prefix}events`). All instances of one bot share
   * it; tests use a unique one. Must not be empty.
   * @default 'psb:handoff:'
   */
  readonly prefix?: string;
}

export const DEFAULT_HANDOFF_HUB_OPTIONS = Object.freeze({
  now: (): Date => new Date(),
  ticketTtlSeconds: 24 * 60 * 60, // 24 h
  transcriptMaxLines: 200,
  prefix: 'psb:handoff:',
});

export interface ResolvedHandoffHubOptions {
  readonly timeoutSeconds: number;
  readonly now: () => Date;
  readonly ticketTtlSeconds: number;
  readonly transcriptMaxLines: number;
  readonly logger?: Logger;
}

export interface ResolvedRedisHandoffHubOptions extends ResolvedHandoffHubOptions {
  readonly client: Redis;
  readonly subscriber?: Redis;
  readonly prefix: string;
}

function invalid(option: string, expected: string): AppError {
  return new AppError('PSB_CONFIG_INVALID', `handoff hub option "${option}" must be ${expected}`, { option });
}

function positive(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(option, `a positive number (got ${String(value)})`);
  return value;
}

/** Merges the defaults in and checks the options once, when a hub is built. */
export function resolveHandoffHubOptions(options: HandoffHubOptions): ResolvedHandoffHubOptions {
  const timeoutSeconds = positive('timeoutSeconds', options.timeoutSeconds);
  const ticketTtlSeconds = positive('ticketTtlSeconds', options.ticketTtlSeconds ?? DEFAULT_HANDOFF_HUB_OPTIONS.ticketTtlSeconds);
  const transcriptMaxLines = positive('transcriptMaxLines', options.transcriptMaxLines ?? DEFAULT_HANDOFF_HUB_OPTIONS.transcriptMaxLines);
  if (!Number.isInteger(transcriptMaxLines)) throw invalid('transcriptMaxLines', `a whole number (got ${transcriptMaxLines})`);
  const now = options.now ?? DEFAULT_HANDOFF_HUB_OPTIONS.now;
  if (typeof now !== 'function') throw invalid('now', 'a function returning a Date');
  return Object.freeze({ timeoutSeconds, now, ticketTtlSeconds, transcriptMaxLines, ...(options.logger ? { logger: options.logger } : {}) });
}

export function resolveRedisHandoffHubOptions(options: RedisHandoffHubOptions): ResolvedRedisHandoffHubOptions {
  if (!options.client || typeof options.client.defineCommand !== 'function') throw invalid('client', 'an ioredis client');
  if (options.subscriber !== undefined && typeof options.subscriber.subscribe !== 'function') throw invalid('subscriber', 'an ioredis client');
  if (options.subscriber !== undefined && options.subscriber === options.client) throw invalid('subscriber', 'a second connection, not the command client');
  const prefix = options.prefix ?? DEFAULT_HANDOFF_HUB_OPTIONS.prefix;
  if (typeof prefix !== 'string' || prefix === '') throw invalid('prefix', 'a non-empty string, e.g. "psb:handoff:"');
  return Object.freeze({
    ...resolveHandoffHubOptions(options),
    client: options.client,
    ...(options.subscriber ? { subscriber: options.subscriber } : {}),
    prefix,
  });
}
