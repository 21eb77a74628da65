import type { Request, Response } from 'restify';
import { Activity, TurnContext } from 'botbuilder';
import { BotAdapter } from '../../adapter/create-adapter';
import { isAppError } from '../../errors/app-error';
import type { Logger } from '../../log/logger';
import { assertActivityShape } from '../activity-guard';
import { readJsonBody } from '../json-body';
import { sendError } from '../send-error';
import { ServiceUrlPolicy } from '../service-url-policy';

export interface MessagesRouteDeps {
  adapter: BotAdapter;
  bodyLimitBytes: number;
  logger: Logger;
  runTurn(context: TurnContext): Promise<void>;
  /** Which serviceUrls replies may go to (ALLOWED_SERVICE_URLS in production without authentication). */
  serviceUrls: ServiceUrlPolicy;
}

/**
 * `POST /api/messages`: the Bot Framework endpoint. Reads and checks the activity ourselves
 * (clear 4xx JSON errors) and calls the adapter's processActivity, which authenticates the
 * caller, runs the turn and, for `deliveryMode: expectReplies`, returns the replies.
 */
export function messagesRoute(deps: MessagesRouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    let activity: Activity;
    try {
      const body = await readJsonBody(req, deps.bodyLimitBytes);
      assertActivityShape(body);
      activity = body as Activity;
      // Before the adapter builds a connector client for it: a host the deployment did not choose is never contacted.
      if (activity.serviceUrl !== undefined) deps.serviceUrls.assertAllowed(activity.serviceUrl);
    } catch (err) {
      sendError(res, err, deps.logger);
      return;
    }
    const authHeader = String(req.headers.authorization ?? '');
    try {
      const invokeResponse = await deps.adapter.processIncoming(authHeader, activity, (context) => deps.runTurn(context));
      res.status(invokeResponse?.status ?? 200);
      if (invokeResponse?.body !== undefined) res.send(invokeResponse.body);
      res.end();
    } catch (err) {
      if (isAppError(err, 'PSB_BOT_KEYS_UNAVAILABLE') && typeof err.details.retryAfterSeconds === 'number' && !res.headersSent) {
        res.header('Retry-After', String(err.details.retryAfterSeconds));
      }
      sendError(res, err, deps.logger);
    }
  };
}
