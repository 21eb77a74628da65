import { randomUUID } from 'node:crypto';
import restify, { Request, Response, Server, ServerOptions } from 'restify';
import { TurnContext } from 'botbuilder';
import { BotAdapter } from '../adapter/create-adapter';
import { AppError } from '../errors/app-error';
import type { Logger } from '../log/logger';
import { HttpDrain } from './http-drain';
import { ReadinessCheck } from './readiness';
import { healthRoute, readinessRoute } from './routes/health-routes';
import { messagesRoute } from './routes/messages-route';
import { sendError } from './send-error';
import { ServiceUrlPolicy } from './service-url-policy';

export interface ServerDeps {
  adapter: BotAdapter;
  runTurn(context: TurnContext): Promise<void>;
  readiness: readonly ReadinessCheck[];
  bodyLimitBytes: number;
  logger: Logger;
  /** Which serviceUrls /api/messages accepts activities (and so sends replies) for. */
  serviceUrls: ServiceUrlPolicy;
  /** Further route groups (channels such as Direct Line and the Web Chat page), registered after ours. */
  extraRoutes?: readonly ((server: Server) => void)[];
  /** Graceful shutdown: counts requests, turns /readyz 503 and refuses new work once it begins (see http-drain.ts). @default one that is never begun */
  drain?: HttpDrain;
}

/**
 * restify 11 logs through pino (its default is `pino({ name })`), but @types/restify still
 * describes a bunyan logger; a pino logger is what restify really calls.
 */
function asRestifyLog(logger: Logger): NonNullable<ServerOptions['log']> {
  return logger as unknown as NonNullable<ServerOptions['log']>;
}

/** The HTTP surface: Bot Framework endpoint, health and readiness, JSON errors everywhere. */
export function createServer(deps: ServerDeps): Server {
  const logger = deps.logger.child({ module: 'http' });
  // restify's own warnings (a formatter error logs the whole request) go through our redacting
  // logger, never restify's default one, which would print headers and cookies to stdout.
  const server = restify.createServer({ name: 'privacy-selfservice-bot', handleUncaughtExceptions: false, log: asRestifyLog(deps.logger.child({ module: 'restify' })) });
  // Before routing, so every answer (404/405 and shutdown refusals included) carries it: browsers never sniff JSON into something else.
  server.pre((_req: Request, res: Response, next: () => void) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  // First of all handlers: a request refused during shutdown does no other work.
  const drain = deps.drain ?? new HttpDrain(() => false, logger);
  server.pre(drain.pre);

  server.post('/api/messages', messagesRoute({ adapter: deps.adapter, bodyLimitBytes: deps.bodyLimitBytes, logger, runTurn: deps.runTurn, serviceUrls: deps.serviceUrls }));
  // Local tools probe the endpoint with HEAD before talking to it (Agents Playground, through
  // wait-on, on every page load): a 405 naming POST, as for any other method, but no log line
  // above debug — a probe is not a refused request worth noting each time.
  server.head('/api/messages', async (_req: Request, res: Response) => {
    logger.debug({ status: 405 }, 'HEAD probe of /api/messages');
    res.setHeader('Allow', 'POST');
    res.writeHead(405);
    res.end();
  });
  server.get('/healthz', healthRoute());
  server.get('/readyz', readinessRoute(deps.readiness, () => drain.draining));
  for (const register of deps.extraRoutes ?? []) register(server);

  // restify emits these with a callback to call once the response is sent.
  server.on('NotFound', (req: Request, res: Response, _err: Error, done: () => void) => {
    sendError(res, new AppError('PSB_NOT_FOUND', `no route for ${req.method ?? 'GET'} ${req.path()}`), logger);
    done();
  });
  server.on('MethodNotAllowed', (req: Request, res: Response, _err: Error, done: () => void) => {
    sendError(res, new AppError('PSB_METHOD_NOT_ALLOWED', `${req.method ?? ''} is not allowed on ${req.path()}`), logger);
    done();
  });
  server.on('restifyError', (_req: Request, _res: Response, err: Error, callback: () => void) => {
    // restify's own 4xx (its NotFound and MethodNotAllowed errors reach here too) were answered and logged at info above.
    const status = (err as { statusCode?: unknown }).statusCode;
    const clientError = typeof status === 'number' && status < 500;
    if (!(err instanceof AppError) && !clientError) logger.error({ err, errorId: randomUUID() }, 'unhandled route error');
    callback();
  });
  return server;
}
