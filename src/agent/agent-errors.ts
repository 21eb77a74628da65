import { AppError } from '../errors/app-error';
import type { ErrorCode } from '../errors/codes';

/** The registry's agent console codes (PSB_AGENT_*); statuses in `src/server/error-status.ts`. */
export type AgentErrorCode = Extract<ErrorCode, `PSB_AGENT_${string}`>;

/**
 * What the agent console refuses, with a stable code: UNAUTHENTICATED (no valid session),
 * LOGIN_FAILED (wrong username or password: one answer for both), CSRF (a state change without
 * the session's token), RATE_LIMITED (too many sign-in attempts; `details.retryAfterSeconds`),
 * INVALID_REQUEST (`details.field` names the field), NO_RECORD (nothing on record to compare),
 * UNAVAILABLE (the session store does not answer; its error is the `cause`). Ticket refusals
 * (not found, not yours, already claimed) are the hub's HandoffError codes.
 */
export class AgentError extends AppError {
  declare readonly code: AgentErrorCode;

  constructor(code: AgentErrorCode, message?: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}

export function invalidRequest(field: string, message: string): AgentError {
  return new AgentError('PSB_AGENT_INVALID_REQUEST', message, { field });
}

/** 403 `PSB_AGENT_FORBIDDEN`: the role does not hold what is asked (`grant`: a view, `identity`, or a ticket outside its scope). */
export function forbidden(role: string, grant: string): AgentError {
  return new AgentError('PSB_AGENT_FORBIDDEN', undefined, { view: grant, role });
}
