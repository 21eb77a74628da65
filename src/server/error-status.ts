import { ErrorCode } from '../errors/codes';
import { AppError } from '../errors/app-error';

/** The one place where error codes become HTTP statuses. */
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  PSB_HTTP_BAD_JSON: 400,
  PSB_HTTP_BODY_TOO_LARGE: 413,
  PSB_HTTP_BAD_CONTENT_TYPE: 415,
  PSB_HTTP_JSON_TOO_DEEP: 400,
  PSB_SERVICE_URL_NOT_ALLOWED: 403,
  PSB_ACTIVITY_INVALID: 400,
  PSB_ACTIVITY_TYPE_UNKNOWN: 400,
  PSB_UNAUTHORIZED: 401,
  PSB_BOT_KEYS_UNAVAILABLE: 503,
  PSB_NOT_FOUND: 404,
  PSB_METHOD_NOT_ALLOWED: 405,
  PSB_STATE_UNAVAILABLE: 503,
  PSB_DL_UNAUTHORIZED: 401,
  PSB_DL_TOKEN_EXPIRED: 403,
  PSB_DL_FORBIDDEN: 403,
  PSB_DL_CONVERSATION_NOT_FOUND: 404,
  PSB_DL_ACTIVITY_NOT_FOUND: 404,
  PSB_DL_INVALID_REQUEST: 400,
  PSB_DL_RATE_LIMITED: 429,
  PSB_DL_CONVERSATION_FULL: 409,
  PSB_DL_CONNECTOR_UNAUTHORIZED: 401,
  PSB_DL_UNAVAILABLE: 503,
  PSB_HANDOFF_NOT_FOUND: 404,
  PSB_HANDOFF_ALREADY_CLAIMED: 409,
  PSB_HANDOFF_NOT_YOURS: 403,
  PSB_HANDOFF_CLOSED: 409,
  PSB_HANDOFF_NOT_CLAIMED: 409,
  PSB_HANDOFF_INVALID: 400,
  PSB_HANDOFF_UNAVAILABLE: 503,
  PSB_AGENT_UNAUTHENTICATED: 401,
  PSB_AGENT_LOGIN_FAILED: 401,
  PSB_AGENT_CSRF: 403,
  PSB_AGENT_RATE_LIMITED: 429,
  PSB_AGENT_BUSY: 503,
  PSB_AGENT_INVALID_REQUEST: 400,
  PSB_AGENT_NO_RECORD: 409,
  PSB_AGENT_UNAVAILABLE: 503,
  PSB_RECEIPT_NOT_FOUND: 404,
  PSB_LEDGER_UNAVAILABLE: 503,
  PSB_WEBCHAT_ASSERTION_INVALID: 401,
  PSB_WEBCHAT_ASSERTION_EXPIRED: 401,
  PSB_WEBCHAT_SIGNIN_DISABLED: 400,
  PSB_WEBCHAT_RATE_LIMITED: 429,
  PSB_WEBCHAT_IDENTITY_UNAVAILABLE: 503,
  PSB_RECEIPT_BAD_QUERY: 400,
  PSB_SHUTTING_DOWN: 503,
};

export function httpStatusOf(err: AppError): number {
  return STATUS_BY_CODE[err.code] ?? 500;
}

/** The JSON body of every error response: a stable code, a message that says what to fix. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}

export function errorBody(err: AppError): ErrorBody {
  const field = typeof err.details.field === 'string' ? err.details.field : undefined;
  return { error: { code: err.code, message: err.message, ...(field ? { field } : {}) } };
}
