import { AppError } from '../errors/app-error';
import type { ErrorCode } from '../errors/codes';

/** The registry's handoff codes (PSB_HANDOFF_*); statuses in `src/server/error-status.ts`. */
export type HandoffErrorCode = Extract<ErrorCode, `PSB_HANDOFF_${string}`>;

/**
 * What the hub refuses, with a stable code: NOT_FOUND (no such ticket), ALREADY_CLAIMED (another
 * agent won the claim), NOT_YOURS (an agent acting on a ticket someone else holds), CLOSED (the
 * ticket is completed, cancelled or timed out), NOT_CLAIMED (an agent action on a ticket still in
 * the queue), INVALID (bad input: `details.field` names it), UNAVAILABLE (Redis does not answer;
 * the Redis error is the `cause`). Details carry the ticket id and status, never personal data.
 */
export class HandoffError extends AppError {
  declare readonly code: HandoffErrorCode;

  constructor(code: HandoffErrorCode, message?: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}

export function isHandoffError(err: unknown, code?: HandoffErrorCode): err is HandoffError {
  return err instanceof HandoffError && (code === undefined || err.code === code);
}
