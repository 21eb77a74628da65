import type { Redis } from 'ioredis';
import type { Server } from 'restify';
import type { ConversationReference, TurnContext } from 'botbuilder';
import { BotAdapter } from '../../adapter/create-adapter';
import type { Logger } from '../../log/logger';
import { ReadinessCheck } from '../../server/readiness';
import { createRedisClient, describeRedisUrl, waitForRedis } from '../../state/redis-client';
import { ActivityStream } from './activity-stream';
import { BotBridge } from './bot-bridge';
import { connectorRoutes } from './connector-routes';
import { ConversationStore } from './conversation-store';
import { DirectLineConfig } from './direct-line-config';
import { directLineRoutes } from './direct-line-routes';
import { DirectLineService, TokenRequest, TokenResponse } from './direct-line-service';
import { baseKeyFor, deriveKeys, DirectLineTokens } from './direct-line-tokens';
import { MemoryConversationStore } from './memory-conversation-store';
import { MemoryRateLimiter, RateLimiter, RateLimitOptions, RedisRateLimiter } from './rate-limiter';
import { RedisConversationStore } from './redis-conversation-store';
import { LocalNotices } from './local-notices';

/** The bot's id in Direct Line conversations when there is no MicrosoftAppId. */
export const DEFAULT_DIRECT_LINE_BOT_ID = 'privacy-bot';

export interface DirectLineDeps {
  config: DirectLineConfig;
  adapter: BotAdapter;
  /** The turn runner: every Direct Line turn goes through it. */
  runTurn(context: TurnContext): Promise<void>;
  /** MicrosoftAppId or ''. */
  botAppId: string;
  /** REDIS_URL or '' (in-process). */
  redisUrl: string;
  redisPrefix: string;
  /** The HTTP listen host (HOST), for the default service URL. */
  listenHost: string;
  bodyLimitBytes: number;
  logger: Logger;
  /**
   * The customer's "temporarily unavailable" sentence in `locale` (or the default language): with
   * it, a post while Redis is down is answered in the chat, not with a 503 (local-notices.ts).
   */
  unavailableText?: (locale: string | undefined) => string;
}

/** The Direct Line channel, wired: routes to register, a token minter for our pages, proactive turns. */
export interface DirectLineChannel {
  /** For `ServerDeps.extraRoutes`: `/v3/directline`, the connector routes, and the WebSocket upgrade. */
  readonly routes: (server: Server) => void;
  /** Mints a token server-side (the Web Chat page's token route): the secret never reaches a browser. */
  issueToken(request?: TokenRequest): TokenResponse;
  /** A proactive turn into a Direct Line conversation; its sends reach the customer like replies. */
  continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
  /**
   * Whether the conversation store answers. Not in `/readyz` today: with Redis it is the session
   * state's Redis (already checked there), in-process it is always ready.
   */
  readonly readiness: ReadinessCheck;
  /**
   * A fixed-window limiter on this channel's backend (Redis when set: shared by every instance),
   * keys under `${redisPrefix}${name}:`; the channel closes it.
   */
  limiter(name: string, options: RateLimitOptions): RateLimiter;
  close(): Promise<void>;
}

/** Where a service URL on this host reaches us: the loopback of the address we listen on. */
export function loopbackHost(listenHost: string): string {
  if (listenHost === '' || listenHost === '0.0.0.0' || listenHost === 'localhost') return '127.0.0.1';
  if (listenHost === '::' || listenHost === '::1') return '[::1]';
  return listenHost.includes(':') ? `[${listenHost}]` : listenHost;
}

interface Backend {
  store: ConversationStore;
  rateLimiter: RateLimiter;
  limiter(name: string, options: RateLimitOptions): RateLimiter;
  close(): Promise<void>;
}

async function createBackend(deps: DirectLineDeps, logger: Logger): Promise<Backend> {
  const { config } = deps;
  const rateLimit = { limit: config.rateLimitPosts, windowMs: config.rateLimitWindowSeconds * 1000 };
  if (!deps.redisUrl) {
    logger.warn({ backend: 'in-process' }, 'direct line conversations: in-process memory — one instance only; set REDIS_URL for several');
    const store = new MemoryConversationStore({ ttlSeconds: config.conversationTtlSeconds });
    const rateLimiter = new MemoryRateLimiter(rateLimit);
    const others: MemoryRateLimiter[] = [];
    const limiter = (_name: string, options: RateLimitOptions): RateLimiter => {
      const made = new MemoryRateLimiter(options);
      others.push(made);
      return made;
    };
    return { store, rateLimiter, limiter, close: async () => void (await Promise.all([store.close(), rateLimiter.close(), ...others.map((other) => other.close())])) };
  }
  const client: Redis = createRedisClient(deps.redisUrl, logger.child({ redisRole: 'directline' }));
  const subscriber: Redis = client.duplicate();
  subscriber.on('error', (err: Error) => logger.debug({ err }, 'direct line: subscriber connection error'));
  const ready = await waitForRedis(client);
  logger.info({ backend: 'redis', redis: describeRedisUrl(deps.redisUrl), prefix: deps.redisPrefix, ready }, 'direct line conversations: Redis');
  const store = new RedisConversationStore({ client, subscriber, prefix: deps.redisPrefix, ttlSeconds: config.conversationTtlSeconds, logger });
  const rateLimiter = new RedisRateLimiter(client, deps.redisPrefix, rateLimit);
  return {
    store,
    rateLimiter,
    limiter: (name, options) => new RedisRateLimiter(client, `${deps.redisPrefix}${name}:`, options),
    close: async () => {
      await store.close();
      subscriber.disconnect();
      client.disconnect();
    },
  };
}

/**
 * Our own Direct Line 3.0 endpoint (no Azure: conversations stay on our servers). Customer
 * activities reach the bot through the adapter with `serviceUrl` = our connector routes, where
 * the bot's replies come back over HTTP and are stored for the client.
 */
export async function createDirectLine(deps: DirectLineDeps): Promise<DirectLineChannel> {
  const { config } = deps;
  const logger = deps.logger.child({ module: 'directline' });
  for (const warning of config.warnings) logger.warn(warning);

  const tokens = new DirectLineTokens(deriveKeys(baseKeyFor(config)), { secret: config.secret, tokenTtlSeconds: config.tokenTtlSeconds });
  const backend = await createBackend(deps, logger);
  let boundPort: (() => number | undefined) | undefined;
  const serviceUrl = (): string => config.serviceUrl || `http://${loopbackHost(deps.listenHost)}:${boundPort?.() ?? 0}`;
  const botAccount = { id: deps.botAppId || DEFAULT_DIRECT_LINE_BOT_ID };

  const bridge = new BotBridge({ adapter: deps.adapter, runTurn: deps.runTurn, botAppId: deps.botAppId, serviceUrl, tokens });
  const notices = new LocalNotices();
  const outage = deps.unavailableText ? { notices, unavailableText: deps.unavailableText } : undefined;
  const service = new DirectLineService({ store: backend.store, tokens, rateLimiter: backend.rateLimiter, bot: bridge, botAccount, serviceUrl, logger, outage });
  const stream = new ActivityStream({ service, store: backend.store, keepAliveMs: config.keepAliveSeconds * 1000, logger, notices });
  const registerDirectLine = directLineRoutes({ service, bodyLimitBytes: deps.bodyLimitBytes, corsOrigins: config.corsOrigins, fallbackBase: serviceUrl, logger });
  const registerConnector = connectorRoutes({ service, tokens, bodyLimitBytes: deps.bodyLimitBytes, logger });

  logger.info(
    { store: backend.store.backend, serviceUrl: config.serviceUrl || 'this instance (loopback)', keySource: config.keySource, tokenTtlSeconds: config.tokenTtlSeconds },
    'direct line endpoint at /v3/directline',
  );

  return {
    routes: (server: Server) => {
      boundPort = () => {
        const address = server.address();
        return address && typeof address.port === 'number' ? address.port : undefined;
      };
      registerDirectLine(server);
      registerConnector(server);
      stream.attach(server.server);
    },
    issueToken: (request) => service.issueToken(request),
    continueConversation: (reference, logic) => bridge.continueConversation(reference, logic),
    readiness: { name: 'directLine', backend: backend.store.backend, isReady: () => backend.store.isReady() },
    limiter: (name, options) => backend.limiter(name, options),
    close: async () => {
      await stream.close();
      await backend.close();
    },
  };
}
