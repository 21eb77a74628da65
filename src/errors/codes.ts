/**
 * The registry of stable error codes. A code is never reused or renamed: logs, tests and the
 * HTTP API branch on codes, never on message text. Messages say what to fix.
 */
export const ERROR_CODES = {
  PSB_CONFIG_INVALID: 'A configuration variable has an invalid value',
  PSB_CONFIG_UNSAFE: 'The configuration would expose the bot without authentication',
  PSB_HTTP_BAD_JSON: 'The request body is not valid JSON',
  PSB_HTTP_BODY_TOO_LARGE: 'The request body exceeds the size limit',
  PSB_HTTP_BAD_CONTENT_TYPE: 'The request body must be application/json',
  PSB_ACTIVITY_INVALID: 'The activity is missing a required field or has a wrong type',
  PSB_ACTIVITY_TYPE_UNKNOWN: 'The activity type is not one the bot accepts',
  PSB_UNAUTHORIZED: 'The request did not carry a valid Bot Framework token',
  PSB_NOT_FOUND: 'No such route',
  PSB_METHOD_NOT_ALLOWED: 'The route does not accept this method',
  PSB_STATE_CONFLICT: 'Session state was changed by another turn since it was read',
  PSB_STATE_UNAVAILABLE: 'The session state store does not answer',
  PSB_TURN_BUSY: 'The turn could not be committed after repeated conflicts',
  PSB_INTERNAL: 'An unexpected error occurred',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
