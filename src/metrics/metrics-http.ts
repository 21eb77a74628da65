import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Request, Response, Server } from 'restify';
import { AppError } from '../errors/app-error';
import type { Logger } from '../log/logger';
import { errorBody, httpStatusOf } from '../server/error-status';
import type { AppMetrics } from './app-metrics';

export const METRICS_PATH = '/metrics';

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether an `Authorization` header carries `Bearer <token>`. Both sides are hashed first, so the
 * constant-time comparison also hides the token's length.
 */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const presented = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '')?.[1];
  if (presented === undefined) return false;
  return timingSafeEqual(sha256(presented), sha256(token));
}

export interface MetricsHandlerDeps {
  readonly metrics: AppMetrics;
  /** The bearer token a scraper must present; '' = none asked (the metrics port on a trusted interface). */
  readonly token: string;
  readonly logger: Logger;
}

function sendJsonError(res: ServerResponse, err: AppError, logger: Logger, headers: Record<string, string> = {}): void {
  const status = httpStatusOf(err);
  if (status < 500) logger.info({ code: err.code, status }, 'request refused');
  else logger.error({ err, code: err.code, status, errorId: randomUUID() }, 'request failed');
  if (res.headersSent) return;
  const bytes = Buffer.from(JSON.stringify(errorBody(err)), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(bytes.length), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(bytes);
}

/** `GET /metrics`: the token checked (when one is set), then the Prometheus text of a fresh scrape. Node and restify requests alike. */
export function metricsHandler(deps: MetricsHandlerDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const authorization = req.headers.authorization;
    if (deps.token !== '' && !bearerMatches(authorization, deps.token)) {
      const reason = authorization === undefined ? 'no Authorization header' : 'the bearer token does not match METRICS_TOKEN';
      sendJsonError(res, new AppError('PSB_METRICS_UNAUTHORIZED', `GET /metrics needs Authorization: Bearer <METRICS_TOKEN>: ${reason}`), deps.logger, { 'WWW-Authenticate': 'Bearer realm="metrics"' });
      return;
    }
    try {
      const bytes = Buffer.from(await deps.metrics.scrape(), 'utf8');
      res.writeHead(200, { 'Content-Type': deps.metrics.contentType, 'Content-Length': String(bytes.length), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      res.end(bytes);
    } catch (err) {
      // Scrape-time reads never throw (a backend down only leaves its gauges out): this is a bug of ours.
      const errorId = randomUUID();
      deps.logger.error({ err, errorId }, 'metrics scrape failed');
      sendJsonError(res, new AppError('PSB_INTERNAL', `unexpected error; quote ${errorId} when reporting it`, { errorId }), deps.logger);
    }
  };
}

/** `GET /metrics` on the main server (METRICS_TOKEN without METRICS_PORT), as a route group for `ServerDeps.extraRoutes`. */
export function metricsRoutes(deps: MetricsHandlerDeps): (server: Server) => void {
  const handle = metricsHandler(deps);
  return (server) => {
    // restify tells async handlers from callback ones by their kind: this one must be `async`.
    server.get(METRICS_PATH, async (req: Request, res: Response) => handle(req, res));
  };
}

/** The listener of METRICS_PORT: `GET /metrics` and nothing else (404 or 405 with a JSON reason, like the main port). */
export class MetricsListener {
  private readonly server: http.Server;

  constructor(
    private readonly deps: MetricsHandlerDeps & { readonly port: number; readonly host: string },
  ) {
    const handle = metricsHandler(deps);
    this.server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://metrics.invalid').pathname;
      if (path !== METRICS_PATH) sendJsonError(res, new AppError('PSB_NOT_FOUND', `no route for ${req.method ?? 'GET'} ${path}`), deps.logger);
      else if (req.method !== 'GET' && req.method !== 'HEAD') sendJsonError(res, new AppError('PSB_METHOD_NOT_ALLOWED', `${req.method ?? ''} is not allowed on ${METRICS_PATH}`), deps.logger, { Allow: 'GET' });
      else void handle(req, res);
    });
  }

  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.deps.port, this.deps.host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** The bound port once listening. */
  get port(): number | undefined {
    const address = this.server.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  close(): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // A scraper's idle keep-alive connection would hold the close open.
    this.server.closeAllConnections();
    return closed;
  }
}
