import type { Server } from 'restify';
import type { SqlExecutor } from '../ledger/db/sql-database';
import type { Logger } from '../log/logger';
import type { TurnObserver } from '../turn/turn-runner';
import { AppMetrics } from './app-metrics';
import { MetricsListener, metricsRoutes } from './metrics-http';
import { metricsExposure, MetricsOptions } from './metrics-options';

export interface MetricsWiringDeps {
  readonly options: MetricsOptions;
  readonly ledger: SqlExecutor;
  readonly handoffQueueDepth?: () => Promise<number>;
  readonly logger: Logger;
}

/** What the app wires: the turn runner's observer, and where `/metrics` is served. */
export interface MetricsWiring {
  /** Undefined when /metrics is not exposed: then nothing is measured either. */
  readonly turnObserver?: TurnObserver;
  /** The route group for the main server (METRICS_TOKEN without METRICS_PORT). */
  readonly mainPortRoutes?: (server: Server) => void;
  /** The listener of METRICS_PORT. */
  readonly ownPort?: MetricsListener;
}

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Builds the app's metrics when `/metrics` is exposed (METRICS_PORT or METRICS_TOKEN), and says at
 * start where. With neither, nothing is built: no process monitors run and `/metrics` is a 404.
 */
export function createMetrics(deps: MetricsWiringDeps): MetricsWiring {
  const logger = deps.logger.child({ module: 'metrics' });
  const exposure = metricsExposure(deps.options);
  if (exposure === 'off') {
    logger.info({ exposure }, 'metrics: not exposed (set METRICS_PORT, or METRICS_TOKEN to serve GET /metrics on the main port)');
    return {};
  }
  const metrics = new AppMetrics({ ledger: deps.ledger, handoffQueueDepth: deps.handoffQueueDepth, logger: deps.logger });
  const handler = { metrics, token: deps.options.token, logger };
  if (exposure === 'main-port') {
    logger.info({ exposure }, 'metrics: GET /metrics on the main port with Authorization: Bearer <METRICS_TOKEN>');
    return { turnObserver: metrics, mainPortRoutes: metricsRoutes(handler) };
  }
  const { port, host, token } = deps.options;
  if (!LOOPBACK_HOSTS.has(host) && token === '') logger.warn({ host, port }, 'metrics: METRICS_HOST is not this machine only and METRICS_TOKEN is empty: anyone who reaches the port reads the metrics');
  logger.info({ exposure, host, port, token: token !== '' }, 'metrics: GET /metrics on a port of its own');
  return { turnObserver: metrics, ownPort: new MetricsListener({ ...handler, port: port ?? 0, host }) };
}
