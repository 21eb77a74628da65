import type { Redis } from 'ioredis';
import type { Server } from 'restify';
import type { CustomerChannel } from '../handoff/customer-channel';
import type { HandoffHub } from '../handoff/handoff-hub';
import { ConsoleTexts } from '../i18n/console-texts';
import type { ShippedLocale } from '../i18n/shipped-locales';
import type { Logger } from '../log/logger';
import type { AccessRequests } from '../privacy/access/access-requests';
import type { ReportPreview } from '../privacy/access/copy/copy-preview';
import type { Concerns } from '../privacy/concerns/concerns';
import { createRedisClient, describeRedisUrl, waitForRedis } from '../state/redis-client';
import { agentApiRoutes } from './agent-api-routes';
import type { AgentConsoleConfig } from './agent-console-config';
import { AgentDesk, AgentDeskLedger } from './agent-desk';
import { AgentEventStreams } from './agent-event-streams';
import { agentPageRoutes } from './agent-page-routes';
import { concernApiRoutes } from './concerns/concern-api-routes';
import { ConcernDesk } from './concerns/concern-desk';
import type { ConsoleView } from './console-roles';
import { incidentApiRoutes } from './incidents/incident-api-routes';
import { IncidentDesk } from './incidents/incident-desk';
import { requestApiRoutes } from './requests/request-api-routes';
import { RequestDesk } from './requests/request-desk';
import { AgentSessions } from './sessions/agent-sessions';
import { AgentSessionStore } from './sessions/agent-session-store';
import { ClientAddressOf } from '../server/client-address';
import { HashSlots } from './sessions/hash-slots';
import { LoginThrottle, memoryLoginThrottle, redisLoginThrottle } from './sessions/login-throttle';
import { MemoryAgentSessionStore } from './sessions/memory-agent-session-store';
import { RedisAgentSessionStore } from './sessions/redis-agent-session-store';

export interface AgentConsoleDeps {
  readonly config: AgentConsoleConfig;
  readonly hub: HandoffHub;
  /** Reaches the customers (the bot edge's proactive path). */
  readonly customerChannel: CustomerChannel;
  readonly ledger: AgentDeskLedger;
  /** Sessions and sign-in counters go to Redis when set (shared by every instance), in-process otherwise. */
  readonly redisUrl: string;
  /** Keys are `${redisPrefix}agent:session:…` and `${redisPrefix}agent:login:…`. */
  readonly redisPrefix: string;
  /** An existing client for the above instead of a new connection (the caller closes it). */
  readonly redisClient?: Redis;
  readonly bodyLimitBytes: number;
  /** The client's address of a request (`TRUST_PROXY`): what sign-in limits count by. */
  readonly clientAddress: ClientAddressOf;
  readonly logger: Logger;
  /**
   * Access requests (the Requests view, for the supervisor and privacy roles); without it the view
   * is not served and the page does not show it.
   */
  readonly accessRequests?: AccessRequests;
  /** Reads a copy's report.html for the team's review before release (`zipReportPreview(dataCopies)`); without it no preview. */
  readonly reportPreview?: ReportPreview;
  /**
   * Concerns and breach incidents (the Concerns and Incidents views, for the supervisor and privacy
   * roles; the published notice for every role working customers); without it those are not served.
   */
  readonly concerns?: Concerns;
  /** Largest affected-subjects import sent from the Incidents view, bytes. @default 8 MiB */
  readonly importLimitBytes?: number;
  /** The console's language when neither the agent's switcher nor their browser names one we ship. @default 'en' */
  readonly defaultLocale?: ShippedLocale;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** The agent console: its route group for `ServerDeps.extraRoutes`, and close. */
export interface AgentConsole {
  readonly routes: (server: Server) => void;
  readonly desk: AgentDesk;
  readonly sessions: AgentSessions;
  /** The password-hash cap (its peak shows whether it held). */
  readonly hashSlots: HashSlots;
  /** Ends the event streams (they would keep the HTTP server from closing) and the Redis connection it made. */
  close(): Promise<void>;
}

/** Largest affected-subjects import from the console by default (about 200,000 email addresses). */
export const DEFAULT_IMPORT_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * Wires the agent console: desk (use cases), sessions, sign-in throttle, event streams, routes, the
 * Requests view when access requests are given, the Concerns and Incidents views when concerns are.
 */
export async function createAgentConsole(deps: AgentConsoleDeps): Promise<AgentConsole> {
  const logger = deps.logger.child({ module: 'agent-console' });
  const now = deps.now ?? (() => new Date());
  const limits = {
    maxAttempts: deps.config.loginMaxAttempts,
    windowSeconds: deps.config.loginWindowSeconds,
    addressMaxAttempts: deps.config.loginAddressMaxAttempts,
    backoffMaxSeconds: deps.config.loginBackoffMaxSeconds,
  };
  let store: AgentSessionStore;
  let throttle: LoginThrottle;
  let client: Redis | undefined = deps.redisClient;
  const ownsClient = client === undefined && deps.redisUrl !== '';
  if (client === undefined && deps.redisUrl !== '') {
    client = createRedisClient(deps.redisUrl, deps.logger.child({ module: 'redis', use: 'agent-sessions' }));
    await waitForRedis(client);
  }
  if (client) {
    store = new RedisAgentSessionStore(client, `${deps.redisPrefix}agent:session:`);
    throttle = redisLoginThrottle(client, `${deps.redisPrefix}agent:login:`, limits, () => now().getTime());
  } else {
    store = new MemoryAgentSessionStore(() => now().getTime());
    throttle = memoryLoginThrottle(limits, () => now().getTime());
  }
  const sessions = new AgentSessions({ store, ttlSeconds: deps.config.sessionTtlSeconds, maxSeconds: deps.config.sessionMaxSeconds, now });
  const desk = new AgentDesk({ hub: deps.hub, customerChannel: deps.customerChannel, ledger: deps.ledger, logger: deps.logger, now });
  const streams = new AgentEventStreams({ hub: deps.hub, sessions, keepAliveMs: deps.config.eventsKeepAliveSeconds * 1000, logger: deps.logger, now });
  streams.start();
  const hashSlots = new HashSlots(deps.config.loginMaxConcurrentHashes);
  const views = new Set<ConsoleView>(['handoffs', ...(deps.accessRequests ? ['requests' as const] : []), ...(deps.concerns ? ['concerns' as const, 'incidents' as const] : [])]);

  const requestDesk = deps.accessRequests ? new RequestDesk({ requests: deps.accessRequests, db: deps.ledger.db, ...(deps.reportPreview ? { preview: deps.reportPreview } : {}), logger: deps.logger, now }) : undefined;
  const requestApi = requestDesk ? requestApiRoutes({ desk: requestDesk, sessions, bodyLimitBytes: deps.bodyLimitBytes, logger: deps.logger }) : undefined;
  const incidentDesk = deps.concerns ? new IncidentDesk({ concerns: deps.concerns, logger: deps.logger, now }) : undefined;
  const concernDesk = deps.concerns && incidentDesk ? new ConcernDesk({ concerns: deps.concerns, incidents: incidentDesk, logger: deps.logger, now }) : undefined;
  const concernApi = concernDesk ? concernApiRoutes({ desk: concernDesk, sessions, bodyLimitBytes: deps.bodyLimitBytes, logger: deps.logger }) : undefined;
  const incidentApi = incidentDesk
    ? incidentApiRoutes({ desk: incidentDesk, sessions, bodyLimitBytes: deps.bodyLimitBytes, importLimitBytes: deps.importLimitBytes ?? DEFAULT_IMPORT_LIMIT_BYTES, logger: deps.logger })
    : undefined;
  const api = agentApiRoutes({
    desk,
    sessions,
    throttle,
    hashSlots,
    clientAddress: deps.clientAddress,
    streams,
    config: deps.config,
    views,
    bodyLimitBytes: deps.bodyLimitBytes,
    logger: deps.logger,
    ...(incidentDesk ? { notice: incidentDesk } : {}),
  });
  const page = agentPageRoutes({ texts: await ConsoleTexts.load(), defaultLocale: deps.defaultLocale ?? 'en', cookieSecure: deps.config.cookieSecure });
  logger.info(
    { sessions: store.backend, ...(deps.redisUrl ? { redis: describeRedisUrl(deps.redisUrl) } : {}), idleSeconds: deps.config.sessionTtlSeconds, cookieSecure: deps.config.cookieSecure },
    `agent console at /agent${requestDesk ? ' (with the Requests view)' : ''}${concernDesk ? ' (with the Concerns and Incidents views)' : ''}, sessions ${store.backend === 'redis' ? 'in Redis' : 'in-process (one instance only; set REDIS_URL for several)'}`,
  );
  const redis = client;
  return {
    routes: (server) => {
      page(server);
      api(server);
      requestApi?.(server);
      concernApi?.(server);
      incidentApi?.(server);
    },
    desk,
    sessions,
    hashSlots,
    close: async () => {
      streams.close();
      await throttle.close();
      await sessions.close();
      if (ownsClient) redis?.disconnect();
    },
  };
}
