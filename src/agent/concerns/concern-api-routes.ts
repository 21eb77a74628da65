import type { Request, Server } from 'restify';
import type { Logger } from '../../log/logger';
import { TEAM_TEXT_LIMIT } from '../../privacy/concerns/concern-rules';
import { Body, flagParam, MAX_REASON_CHARS, MAX_REFERENCE_CHARS, pathParam, readBody, reasonOf, reply, requiredString, sessionGuard } from '../agent-api-support';
import { invalidRequest } from '../agent-errors';
import type { AgentSessions } from '../sessions/agent-sessions';
import type { BreachConfirmation, ConcernDesk } from './concern-desk';

export interface ConcernApiDeps {
  readonly desk: ConcernDesk;
  readonly sessions: AgentSessions;
  /** Largest request body, bytes. */
  readonly bodyLimitBytes: number;
  readonly logger: Logger;
}

/** Longest incident title. */
export const MAX_TITLE_CHARS = 200;

function referenceOf(req: Request): string {
  return pathParam(req, 'reference', 'concern reference', MAX_REFERENCE_CHARS).trim();
}

function optionalString(body: Body, field: string, maxChars: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw invalidRequest(field, `"${field}" must be a non-empty string`);
  if (Array.from(value).length > maxChars) throw invalidRequest(field, `"${field}" holds at most ${maxChars} characters`);
  return value.trim();
}

/**
 * `{awarenessAt?, awarenessReason?, incidentReference?, title?}`: awareness is an ISO instant (with its
 * offset). Whether it may be so (not later than now; earlier only with a reason) is the service's rule.
 */
function confirmationOf(body: Body): BreachConfirmation {
  const at = optionalString(body, 'awarenessAt', 40);
  let awarenessAt: Date | undefined;
  if (at !== undefined) {
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:\d\d)$/.test(at) || Number.isNaN(Date.parse(at))) {
      throw invalidRequest('awarenessAt', '"awarenessAt" must be an ISO 8601 instant with its offset, e.g. 2026-03-10T09:00:00Z');
    }
    awarenessAt = new Date(at);
  }
  const awarenessReason = optionalString(body, 'awarenessReason', MAX_REASON_CHARS);
  const incidentReference = optionalString(body, 'incidentReference', MAX_REFERENCE_CHARS);
  const title = optionalString(body, 'title', MAX_TITLE_CHARS);
  return {
    ...(awarenessAt !== undefined ? { awarenessAt } : {}),
    ...(awarenessReason !== undefined ? { awarenessReason } : {}),
    ...(incidentReference !== undefined ? { incidentReference } : {}),
    ...(title !== undefined ? { title } : {}),
  };
}

/**
 * The Concerns view's JSON API under `/agent/api/concerns`, for the `supervisor` and `privacy` roles
 * (403 `PSB_AGENT_FORBIDDEN` for others). Every POST needs `X-CSRF-Token`. Opening a concern (its
 * description) is audited by the service as the agent; the actions answer the concern as it now is
 * (`{now, concern}`), confirming answers the incident (`{now, incident}`). Refusals: 400 a missing or
 * bad field (`field`), 404 an unknown concern or incident, 409 a change the service refuses in its state.
 */
export function concernApiRoutes(deps: ConcernApiDeps): (server: Server) => void {
  const logger = deps.logger.child({ module: 'agent-api' });
  const authed = sessionGuard(deps.sessions, logger);
  const { desk } = deps;

  const list = authed(async (req, res) => {
    reply(res, 200, await desk.list({ includeClosed: flagParam(req, 'includeClosed') }));
  }, false, 'concerns');

  const open = authed(async (req, res, session) => {
    reply(res, 200, await desk.open(session, referenceOf(req)));
  }, false, 'concerns');

  const confirm = authed(async (req, res, session) => {
    const reference = referenceOf(req);
    const confirmation = confirmationOf(await readBody(req, deps.bodyLimitBytes, true));
    reply(res, 200, await desk.confirm(session, reference, confirmation));
  }, true, 'concerns');

  const dismiss = authed(async (req, res, session) => {
    const reference = referenceOf(req);
    const reason = reasonOf(await readBody(req, deps.bodyLimitBytes, true));
    reply(res, 200, await desk.dismiss(session, reference, reason));
  }, true, 'concerns');

  const merge = authed(async (req, res, session) => {
    const reference = referenceOf(req);
    const body = await readBody(req, deps.bodyLimitBytes);
    const incidentReference = requiredString(body, 'incidentReference', MAX_REFERENCE_CHARS).trim();
    const reason = body.reason === undefined || body.reason === '' ? undefined : reasonOf(body);
    reply(res, 200, await desk.merge(session, reference, incidentReference, reason));
  }, true, 'concerns');

  const answer = authed(async (req, res, session) => {
    const reference = referenceOf(req);
    const text = requiredString(await readBody(req, deps.bodyLimitBytes, true), 'text', TEAM_TEXT_LIMIT).trim();
    reply(res, 200, await desk.reply(session, reference, text));
  }, true, 'concerns');

  return (server: Server) => {
    server.get('/agent/api/concerns', list);
    server.get('/agent/api/concerns/:reference', open);
    server.post('/agent/api/concerns/:reference/confirm', confirm);
    server.post('/agent/api/concerns/:reference/dismiss', dismiss);
    server.post('/agent/api/concerns/:reference/merge', merge);
    server.post('/agent/api/concerns/:reference/reply', answer);
  };
}
