import type { Request, Response, Server } from 'restify';
import type { Logger } from '../../log/logger';
import type { AccessCaseQuery } from '../../privacy/access/access-requests';
import { flagParam, MAX_REFERENCE_CHARS, pathParam, readBody, reasonOf, reply, sendSandboxedHtml, sessionGuard } from '../agent-api-support';
import { invalidRequest } from '../agent-errors';
import type { AgentSessions } from '../sessions/agent-sessions';
import type { RequestDesk } from './request-desk';

export interface RequestApiDeps {
  readonly desk: RequestDesk;
  readonly sessions: AgentSessions;
  /** Largest request body, bytes (reasons are at most 2000 characters). */
  readonly bodyLimitBytes: number;
  readonly logger: Logger;
}

/** Longest `dueWithinDays` filter: ten years. */
const MAX_DUE_WITHIN_DAYS = 3650;

function queryOf(req: Request): AccessCaseQuery {
  const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const days = params.get('dueWithinDays');
  let dueWithinDays: number | undefined;
  if (days !== null && days !== '') {
    if (!/^\d{1,4}$/.test(days) || Number(days) > MAX_DUE_WITHIN_DAYS) throw invalidRequest('dueWithinDays', `"dueWithinDays" must be a whole number of days from 0 to ${MAX_DUE_WITHIN_DAYS}`);
    dueWithinDays = Number(days);
  }
  const includeClosed = flagParam(req, 'includeClosed');
  return { ...(dueWithinDays !== undefined ? { dueWithinDays } : {}), ...(includeClosed ? { includeClosed } : {}) };
}

function referenceOf(req: Request): string {
  return pathParam(req, 'reference', 'request reference', MAX_REFERENCE_CHARS);
}

/**
 * The Requests view's JSON API under `/agent/api/requests`, for the `supervisor` and `privacy` roles
 * (403 `PSB_AGENT_FORBIDDEN` for others). Every POST needs `X-CSRF-Token`; every action answers the
 * case as it now is: `{now, request}`. Refusals: 400 a missing reason (`field`), 404 an unknown
 * reference or a copy not there to preview, 409 a change the service refuses in the case's state.
 */
export function requestApiRoutes(deps: RequestApiDeps): (server: Server) => void {
  const logger = deps.logger.child({ module: 'agent-api' });
  const authed = sessionGuard(deps.sessions, logger);
  const { desk } = deps;

  const list = authed(async (req, res) => {
    reply(res, 200, await desk.list(queryOf(req)));
  }, false, 'requests');

  const detail = authed(async (req, res) => {
    reply(res, 200, await desk.detail(referenceOf(req)));
  }, false, 'requests');

  const preview = authed(async (req: Request, res: Response, session) => {
    sendSandboxedHtml(res, await desk.preview(session, referenceOf(req)));
  }, false, 'requests');

  const release = authed(async (req, res, session) => {
    const reference = referenceOf(req);
    await readBody(req, deps.bodyLimitBytes, true);
    reply(res, 200, await desk.release(session, reference));
  }, true, 'requests');

  const extend = authed(async (req, res, session) => {
    const reference = referenceOf(req);
    const reason = reasonOf(await readBody(req, deps.bodyLimitBytes, true));
    reply(res, 200, await desk.extend(session, reference, reason));
  }, true, 'requests');

  const refuse = authed(async (req, res, session) => {
    const reference = referenceOf(req);
    const reason = reasonOf(await readBody(req, deps.bodyLimitBytes, true));
    reply(res, 200, await desk.refuse(session, reference, reason));
  }, true, 'requests');

  const rerun = authed(async (req, res, session) => {
    const reference = referenceOf(req);
    const sourceId = pathParam(req, 'sourceId', 'data source');
    await readBody(req, deps.bodyLimitBytes, true);
    reply(res, 200, await desk.rerunSource(session, reference, sourceId));
  }, true, 'requests');

  return (server: Server) => {
    server.get('/agent/api/requests', list);
    server.get('/agent/api/requests/:reference', detail);
    server.get('/agent/api/requests/:reference/preview', preview);
    server.post('/agent/api/requests/:reference/release', release);
    server.post('/agent/api/requests/:reference/extend', extend);
    server.post('/agent/api/requests/:reference/refuse', refuse);
    server.post('/agent/api/requests/:reference/sources/:sourceId/rerun', rerun);
  };
}
