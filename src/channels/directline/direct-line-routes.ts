import type { Request, Response, Server } from 'restify';
import type { Logger } from '../../log/logger';
import { parseWatermark } from './direct-line-activities';
import { ConversationAccess, DirectLineService } from './direct-line-service';
import { applyCors, queryParam, readOptionalJsonBody, sendDirectLineError, webSocketBase } from './http-helpers';

/** Where Direct Line 3.0 lives, as on directline.botframework.com. */
export const DIRECT_LINE_BASE_PATH = '/v3/directline';

export interface DirectLineRouteDeps {
  service: DirectLineService;
  bodyLimitBytes: number;
  corsOrigins: readonly string[];
  /** Our own http(s) base, for a streamUrl when the request names no usable host. */
  fallbackBase(): string;
  logger: Logger;
}

type Handler = (req: Request, res: Response) => Promise<void>;

/** The WebSocket path of a conversation (the `streamUrl` without its query). */
export function streamPath(conversationId: string): string {
  return `${DIRECT_LINE_BASE_PATH}/conversations/${encodeURIComponent(conversationId)}/stream`;
}

/**
 * The Direct Line 3.0 endpoints `botframework-directlinejs` (and so Web Chat) uses:
 *
 * - `POST /v3/directline/tokens/generate` (secret) → `{ conversationId, token, expires_in }`
 * - `POST /v3/directline/tokens/refresh` (token) → a new token, same conversation
 * - `POST /v3/directline/conversations` (secret or token) → `{ conversationId, token, expires_in, streamUrl }`
 * - `GET  /v3/directline/conversations/:id?watermark=` → the same, with a new `streamUrl` (reconnect)
 * - `POST /v3/directline/conversations/:id/activities` → `{ id }`
 * - `GET  /v3/directline/conversations/:id/activities?watermark=` → `{ activities, watermark }` (polling)
 *
 * Every answer is JSON and `Cache-Control: no-store`; errors are `{ error: { code, message } }`.
 */
export function directLineRoutes(deps: DirectLineRouteDeps): (server: Server) => void {
  const { service, logger } = deps;

  const route = (handle: (req: Request, res: Response) => Promise<{ status: number; body: unknown }>): Handler => {
    return async (req, res) => {
      applyCors(req, res, deps.corsOrigins);
      res.header('Cache-Control', 'no-store');
      try {
        const { status, body } = await handle(req, res);
        res.send(status, body);
      } catch (err) {
        sendDirectLineError(res, err, logger);
      }
    };
  };

  const conversationBody = (req: Request, access: ConversationAccess, watermark: number) => {
    const url = `${webSocketBase(req, deps.fallbackBase())}${streamPath(access.conversationId)}?watermark=${watermark === 0 ? '' : watermark}&t=${encodeURIComponent(access.streamToken)}`;
    return { conversationId: access.conversationId, token: access.token, expires_in: access.expires_in, streamUrl: url };
  };

  const param = (req: Request): string => String(req.params.conversationId ?? '');

  return (server: Server) => {
    const base = DIRECT_LINE_BASE_PATH;
    server.post(
      `${base}/tokens/generate`,
      route(async (req) => {
        const caller = service.authenticate(req.headers.authorization);
        return { status: 200, body: service.generateToken(caller, await readOptionalJsonBody(req, deps.bodyLimitBytes)) };
      }),
    );
    server.post(
      `${base}/tokens/refresh`,
      route(async (req) => ({ status: 200, body: service.refreshToken(service.authenticate(req.headers.authorization)) })),
    );
    server.post(
      `${base}/conversations`,
      route(async (req) => {
        const caller = service.authenticate(req.headers.authorization);
        const access = await service.startConversation(caller, await readOptionalJsonBody(req, deps.bodyLimitBytes));
        return { status: access.created ? 201 : 200, body: conversationBody(req, access, 0) };
      }),
    );
    server.get(
      `${base}/conversations/:conversationId`,
      route(async (req) => {
        const caller = service.authenticate(req.headers.authorization);
        const watermark = parseWatermark(queryParam(req, 'watermark'));
        const access = await service.reconnect(caller, param(req));
        return { status: 200, body: conversationBody(req, access, watermark) };
      }),
    );
    server.post(
      `${base}/conversations/:conversationId/activities`,
      route(async (req) => {
        const caller = service.authenticate(req.headers.authorization);
        return { status: 200, body: await service.postActivity(caller, param(req), () => readOptionalJsonBody(req, deps.bodyLimitBytes)) };
      }),
    );
    server.get(
      `${base}/conversations/:conversationId/activities`,
      route(async (req) => {
        const caller = service.authenticate(req.headers.authorization);
        return { status: 200, body: await service.getActivities(caller, param(req), parseWatermark(queryParam(req, 'watermark'))) };
      }),
    );
    // CORS preflight, for the origins DIRECT_LINE_CORS_ORIGINS names (others get no grant).
    const preflight = async (req: Request, res: Response): Promise<void> => {
      if (applyCors(req, res, deps.corsOrigins)) {
        res.header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        res.header('Access-Control-Allow-Headers', 'Authorization, Content-Type, x-ms-bot-agent, x-requested-with');
        res.header('Access-Control-Max-Age', '600');
      }
      res.send(204);
    };
    for (const path of ['/tokens/generate', '/tokens/refresh', '/conversations', '/conversations/:conversationId', '/conversations/:conversationId/activities']) {
      server.opts(`${base}${path}`, preflight);
    }
  };
}
