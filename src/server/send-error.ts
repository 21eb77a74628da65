import type { Response } from 'restify';
import { randomUUID } from 'node:crypto';
import { AppError, isAppError } from '../errors/app-error';
import type { Logger } from '../log/logger';
import { errorBody, httpStatusOf } from './error-status';

/**
 * Answers a failed request with its status and a JSON reason. Every 5xx is logged at error level
 * with an error id (unexpected errors also give the id to the client to quote); 4xx are info.
 */
export function sendError(res: Response, err: unknown, logger: Logger): void {
  let appError: AppError;
  if (isAppError(err)) {
    appError = err;
  } else {
    const errorId = randomUUID();
    logger.error({ err, errorId }, 'request failed');
    appError = new AppError('PSB_INTERNAL', `unexpected error; quote ${errorId} when reporting it`, { errorId });
  }
  const status = httpStatusOf(appError);
  if (status < 500) {
    // Refusals (404, 405, bad input) are the client's business: one info line, no stack.
    logger.info({ code: appError.code, field: appError.details.field, status }, 'request refused');
  } else if (appError === err) {
    // Our own 5xx (a store that does not answer): logged with an id, like an unexpected error.
    logger.error({ err: appError, code: appError.code, status, errorId: randomUUID() }, 'request failed');
  }
  if (res.headersSent) return;
  res.status(status);
  res.send(errorBody(appError));
}
