import type { Response } from 'restify';
import { randomUUID } from 'node:crypto';
import { AppError, isAppError } from '../errors/app-error';
import type { Logger } from '../log/logger';
import { errorBody, httpStatusOf } from './error-status';

/** Answers a failed request with its status and a JSON reason; unexpected errors get an id to quote. */
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
  if (status < 500) logger.info({ code: appError.code, field: appError.details.field, status }, 'request refused');
  if (res.headersSent) return;
  res.status(status);
  res.send(errorBody(appError));
}
