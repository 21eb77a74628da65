import Redis from 'ioredis';
import type { Logger } from '../log/logger';

/** Timings of the session-state client, in milliseconds. */
export const REDIS_CLIENT_TIMINGS = Object.freeze({
  /** Give up on a TCP connect (and so on a turn) after this long. */
  connectTimeoutMs: 2000,
  /** A command without an answer (Redis hung, network black hole) fails after this long. */
  commandTimeoutMs: 2000,
  /** First reconnect delay; doubles on each failed attempt… */
  reconnectBaseMs: 100,
  /** …up to this cap, and reconnection never stops. */
  reconnectCapMs: 2000,
});

const SECRET_PARAM = /pass|secret|token|key/i;

/** The URL for logs: password (and secret-looking query parameters) replaced by `***`. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const name of [...parsed.searchParams.keys()]) if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, '***');
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}

/** Delay before reconnect attempt `attempt` (1-based): 200, 400, 800, 1600, then 2000 ms forever. */
export function reconnectDelayMs(attempt: number): number {
  const { reconnectBaseMs, reconnectCapMs } = REDIS_CLIENT_TIMINGS;
  return Math.min(reconnectBaseMs * 2 ** Math.min(attempt, 10), reconnectCapMs);
}

/**
 * An ioredis client for session state that fails fast while Redis is down and heals by itself:
 * - no offline queue and no retry of a request: while disconnected a command rejects at once,
 *   so a turn gets an error (and the customer a "temporarily unavailable" answer) instead of a
 *   hanging request; a command Redis does not answer fails after `commandTimeoutMs`;
 * - commands whose outcome is unknown when the connection drops are never resent later (the
 *   turn was already told they failed);
 * - reconnects forever, backoff capped at `reconnectCapMs`.
 * Logs without the URL's password: `ready` at info (with how long Redis was away), the first
 * error of an outage at error and repeats at debug, a lost connection at warn, connect and
 * reconnect attempts at debug.
 */
export function createRedisClient(url: string, logger: Logger): Redis {
  const { connectTimeoutMs, commandTimeoutMs } = REDIS_CLIENT_TIMINGS;
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    retryStrategy: reconnectDelayMs,
    // Commands issued in one event-loop pass go out in one socket write: under load each write (a
    // system call) serves many turns' reads and writes instead of one each.
    enableAutoPipelining: true,
  });
  const redis = describeRedisUrl(url);
  let wasReady = false;
  let downSince: number | undefined;
  let errorsThisOutage = 0;

  client.on('connect', () => logger.debug({ redis }, 'redis connected'));
  client.on('ready', () => {
    if (downSince === undefined) logger.info({ redis }, 'redis ready');
    else logger.info({ redis, downMs: Date.now() - downSince }, 'redis is back');
    wasReady = true;
    downSince = undefined;
    errorsThisOutage = 0;
  });
  client.on('error', (err: Error) => {
    downSince ??= Date.now();
    errorsThisOutage += 1;
    if (errorsThisOutage === 1) logger.error({ redis, err }, 'redis unavailable; turns fail fast until it is back, reconnecting in the background');
    else logger.debug({ redis, err, errors: errorsThisOutage }, 'redis still unavailable');
  });
  client.on('close', () => {
    if (wasReady) logger.warn({ redis }, 'redis connection lost; reconnecting');
    wasReady = false;
    downSince ??= Date.now();
  });
  client.on('reconnecting', (delayMs: number) => logger.debug({ redis, delayMs }, 'redis reconnecting'));
  client.on('end', () => logger.info({ redis }, 'redis connection closed for good'));
  return client;
}

/** True when Redis answers PING within `timeoutMs` (default 1000); never throws. For /readyz. */
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
 * Resolves true once the client is ready, or false after `timeoutMs` (default 5000): start-up
 * waits for Redis a little, then serves anyway (turns answer "temporarily unavailable", /readyz
 * says 503 until Redis is back).
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
