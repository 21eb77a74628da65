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
  PSB_LEDGER_MIGRATION: 'A ledger migration could not be applied',
  PSB_LEDGER_INVALID_INPUT: 'A ledger write was refused because its input is invalid',
  PSB_LEDGER_UNKNOWN_SUBJECT: 'No subject has this identifier',
  PSB_LEDGER_CATALOG_INVALID: 'The purposes catalog is invalid',
  PSB_LEDGER_IMMUTABLE: 'Ledger events are append-only',
  PSB_LEDGER_CHAIN_BROKEN: 'A hash chain in the ledger does not verify',
  PSB_LEDGER_UNAVAILABLE: 'The ledger database does not answer',
  PSB_LEDGER_IMPORT_INVALID: 'An import file has invalid rows; nothing was imported',
  PSB_CLOCK_INPUT: 'A deadline was asked for with an invalid regime, type, instant or time zone',
  PSB_HANDOFF_NOT_FOUND: 'No handoff has this id (never queued, or closed long enough ago to be forgotten)',
  PSB_HANDOFF_ALREADY_CLAIMED: 'Another agent has already claimed this handoff; pick another one from the queue',
  PSB_HANDOFF_NOT_YOURS: 'Only the agent holding this handoff (or a supervisor) may act on it',
  PSB_HANDOFF_CLOSED: 'The handoff is closed (completed, cancelled or timed out) and takes no more messages or changes',
  PSB_HANDOFF_NOT_CLAIMED: 'The handoff is still waiting in the queue; claim it first',
  PSB_HANDOFF_INVALID: 'A handoff input is invalid (empty text, text over 2000 characters, unknown outcome or method)',
  PSB_HANDOFF_UNAVAILABLE: 'The handoff queue (Redis) does not answer',
  PSB_INTERNAL: 'An unexpected error occurred',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
