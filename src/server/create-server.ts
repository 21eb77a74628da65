import restify, { Request, Response, Server } from 'restify';
import { TurnContext } from 'botbuilder';
import { BotAdapter } from '../adapter/create-adapter';
import { AppError } from '../errors/app-error';
import type { Logger } from '../log/logger';
import { ReadinessCheck } from './readiness';
import { healthRoute, readinessRoute } from './routes/health-routes';
import { messagesRoute } from './routes/messages-route';
import { sendError } from './send-error';

export interface ServerDeps {
  adapter: BotAdapter;
  runTurn(context: TurnContext): Promise<void>;
  readiness: readonly ReadinessCheck[];
  bodyLimitBytes: number;
  logger: Logger;
  /** Further route groups (channels such as Direct Line and the Web Chat page), registered after ours. */
  extraRoutes?: readonly ((server: Server) => void)[];
}

/** The HTTP surface: Bot Framework endpoint, health and readiness, JSON errors everywhere. */
export function createServer(deps: ServerDeps): Server {
  const logger = deps.logger.child({ module: 'http' });
  const server = restify.createServer({ name: 'privacy-selfservice-bot', handleUncaughtExceptions: false });

  server.post('/api/messages', messagesRoute({ adapter: deps.adapter, bodyLimitBytes: deps.bodyLimitBytes, logger, runTurn: deps.runTurn }));
  server.get('/healthz', healthRoute());
  server.get('/readyz', readinessRoute(deps.readiness));
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
    if (!(err instanceof AppError)) logger.error({ err }, 'unhandled route error');
    callback();
  });
  return server;
}
