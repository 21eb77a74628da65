import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger';
import type { ReadinessCheck } from '../server/readiness';
import { createRedisClient, describeRedisUrl, pingRedis, waitForRedis } from '../state/redis-client';
import type { HandoffHub } from './handoff-hub';
import { MemoryHandoffHub } from './memory-handoff-hub';
import { RedisHandoffHub } from './redis-handoff-hub';

export interface HandoffBackendOptions {
  /** REDIS_URL, or '' for the in-process hub (one instance only). */
  readonly redisUrl: string;
  /** REDIS_PREFIX: the hub's keys and event channel start with `${redisPrefix}handoff:`. */
  readonly redisPrefix: string;
  /** HANDOFF_TIMEOUT_SECONDS: a queued ticket unclaimed this long times out. */
  readonly timeoutSeconds: number;
  readonly logger: Logger;
  /** The hub's clock (created, claimed, timed out). @default () => new Date() */
  readonly now?: () => Date;
}

/** The hub the bot, the agent console and the sweeper share, with its readiness check and close. */
export interface HandoffBackend {
  readonly hub: HandoffHub;
  readonly readiness: ReadinessCheck;
  /** Closes the hub (its subscription) and the Redis connection made for it. */
  close(): Promise<void>;
}

/**
 * The built-in agent hub: Redis when REDIS_URL is set (any instance serves any agent or
 * customer), in-process otherwise. Says at start which one it is.
 */
export async function createHandoffBackend(options: HandoffBackendOptions): Promise<HandoffBackend> {
  const logger = options.logger.child({ module: 'handoff' });
  if (!options.redisUrl) {
    logger.warn({ backend: 'in-process', timeoutSeconds: options.timeoutSeconds }, 'handoff queue: in-process memory — one instance only; set REDIS_URL for several');
    const hub = new MemoryHandoffHub({ timeoutSeconds: options.timeoutSeconds, logger: options.logger, now: options.now });
    return { hub, readiness: { name: 'handoffHub', backend: 'in-process', isReady: async () => true }, close: () => hub.close() };
  }
  const client: Redis = createRedisClient(options.redisUrl, options.logger.child({ module: 'redis', use: 'handoff' }));
  await waitForRedis(client);
  const prefix = `${options.redisPrefix}handoff:`;
  const hub = new RedisHandoffHub({ client, prefix, timeoutSeconds: options.timeoutSeconds, logger: options.logger, now: options.now });
  await hub.ready();
  logger.info({ backend: 'redis', redis: describeRedisUrl(options.redisUrl), prefix, timeoutSeconds: options.timeoutSeconds }, 'handoff queue: Redis');
  return {
    hub,
    readiness: { name: 'handoffHub', backend: 'redis', isReady: () => pingRedis(client) },
    close: async () => {
      await hub.close();
      client.disconnect();
    },
  };
}
