import type { Request, Response, Server } from 'restify';
import type { Logger } from '../../log/logger';
import type { AccessCaseQuery } from '../../privacy/access/access-requests';
import { Body, pathParam, readBody, reply, requiredString, sessionGuard } from '../agent-api-support';
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

/** Longest reason the team may give (it is told to the customer and kept in the audit). */
export const MAX_REASON_CHARS = 2000;
/** Longest `dueWithinDays` filter: ten years. */
const MAX_DUE_WITHIN_DAYS = 3650;
/** A reference as typed (`PRV-2026-7KQ4ZD-Q`, spaces or lower case allowed), with room to spare. */
const MAX_REFERENCE_CHARS = 64;

/**
 * How the copy's report.html is served for the preview frame: its own sandbox (scripts, forms, plugins
 * and same-origin access all off, even when opened on its own), nothing fetched from anywhere (the
 * report is self-contained: inline styles and data: images only), framed by the console only.
 */
export const PREVIEW_CSP = [
  'sandbox',
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  'font-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

function queryOf(req: Request): AccessCaseQuery {
  const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const days = params.get('dueWithinDays');
  const closed = params.get('includeClosed');
  let dueWithinDays: number | undefined;
  if (days !== null && days !== '') {
    if (!/^\d{1,4}$/.test(days) || Number(days) > MAX_DUE_WITHIN_DAYS) throw invalidRequest('dueWithinDays', `"dueWithinDays" must be a whole number of days from 0 to ${MAX_DUE_WITHIN_DAYS}`);
    dueWithinDays = Number(days);
  }
  if (closed !== null && !['', '0', '1', 'true', 'false'].includes(closed)) throw invalidRequest('includeClosed', '"includeClosed" must be 1 or 0');
  const includeClosed = closed === '1' || closed === 'true';
  return { ...(dueWithinDays !== undefined ? { dueWithinDays } : {}), ...(includeClosed ? { includeClosed } : {}) };
}

function referenceOf(req: Request): string {
  return pathParam(req, 'reference', 'request reference', MAX_REFERENCE_CHARS);
}

function reasonOf(body: Body): string {
  return requiredString(body, 'reason', MAX_REASON_CHARS).trim();
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
    const html = Buffer.from(await desk.preview(session, referenceOf(req)), 'utf8');
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(html.length),
      'Content-Security-Policy': PREVIEW_CSP,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'SAMEORIGIN',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    res.end(html);
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
