import type { Request, Response, Server } from 'restify';
import { AppError } from '../../errors/app-error';
import type { Logger } from '../../log/logger';
import { DirectLineService } from './direct-line-service';
import { DirectLineTokens } from './direct-line-tokens';
import { readOptionalJsonBody, sendDirectLineError } from './http-helpers';

export interface ConnectorRouteDeps {
  service: DirectLineService;
  tokens: DirectLineTokens;
  bodyLimitBytes: number;
  logger: Logger;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Where these routes live: a graceful shutdown still serves them while turns in flight reply. */
export const CONNECTOR_ROUTES_PREFIX = '/v3/conversations/';

/**
 * The Bot Connector routes our Direct Line conversations' `serviceUrl` points at — where the
 * bot's replies, proactive messages and updates arrive, exactly as they would at Azure:
 *
 * - `POST /v3/conversations/:conversationId/activities` (sendToConversation)
 * - `POST /v3/conversations/:conversationId/activities/:activityId` (replyToActivity)
 * - `PUT  /v3/conversations/:conversationId/activities/:activityId` (updateActivity: replaces it)
 *
 * Not an open relay: only a connector token our own BotBridge minted for that conversation
 * (HMAC, a key derived for this purpose alone, 2 minutes) is accepted; checked before the body is read.
 */
export function connectorRoutes(deps: ConnectorRouteDeps): (server: Server) => void {
  const { service, logger } = deps;

  const authorize = (req: Request): string => {
    const conversationId = String(req.params.conversationId ?? '');
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (!match) throw new AppError('PSB_DL_CONNECTOR_UNAUTHORIZED', 'only the bot itself may post to the connector routes (Authorization: Bearer <connector credential>)');
    deps.tokens.verifyConnectorToken(match[1], conversationId);
    return conversationId;
  };

  const handler = (act: (conversationId: string, body: unknown, req: Request) => Promise<{ id: string }>) => {
    return async (req: Request, res: Response): Promise<void> => {
      try {
        const conversationId = authorize(req);
        const body = await readOptionalJsonBody(req, deps.bodyLimitBytes);
        res.send(200, await act(conversationId, body, req));
      } catch (err) {
        sendDirectLineError(res, err, logger);
      }
    };
  };

  const activityParam = (req: Request): string => String(req.params.activityId ?? '');

  return (server: Server) => {
    server.post(
      '/v3/conversations/:conversationId/activities',
      handler((conversationId, body) => service.storeBotActivity(conversationId, body)),
    );
    server.post(
      '/v3/conversations/:conversationId/activities/:activityId',
      handler((conversationId, body, req) => service.storeBotActivity(conversationId, body, activityParam(req))),
    );
    server.put(
      '/v3/conversations/:conversationId/activities/:activityId',
      handler((conversationId, body, req) => service.replaceBotActivity(conversationId, activityParam(req), body)),
    );
  };
}
