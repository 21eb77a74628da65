import Redis from 'ioredis';
import type { Logger } from '../log/logger';

/** The URL without its password, for logs. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}

/**
 * An ioredis client for session state that fails fast while Redis is down (no offline queue:
 * a turn gets an error at once and the customer a "temporarily unavailable" answer instead of
 * a hanging request) and reconnects by itself forever, with backoff capped at 2 s.
 */
export function createRedisClient(url: string, logger: Logger): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
  });
  const where = describeRedisUrl(url);
  let down = false;
  client.on('ready', () => {
    logger.info({ redis: where, recovered: down }, down ? 'redis is back' : 'redis ready');
    down = false;
  });
  client.on('error', (err: Error) => {
    if (!down) logger.error({ redis: where, err }, 'redis unavailable; retrying in the background');
    down = true;
  });
  return client;
}

/** True when Redis answers PING within `timeoutMs`; never throws. */
export async function pingRedis(client: Redis, timeoutMs = 1000): Promise<boolean> {
  if (client.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await Promise.race([
      client.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('ping timeout')), timeoutMs);
      }),
    ]);
    return answer === 'PONG';
  } catch {
    return false;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * Resolves once the client is ready, or false after `timeoutMs`: start-up waits for Redis a
 * little, then serves anyway (turns answer "temporarily unavailable", /readyz says 503).
 */
export function waitForRedis(client: Redis, timeoutMs = 5000): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    client.once('ready', onReady);
  });
}
