import type { Request, Response } from 'restify';
import type { Logger } from '../log/logger';
import { readJsonBody } from '../server/json-body';
import { sendError } from '../server/send-error';
import { AgentError, forbidden, invalidRequest } from './agent-errors';
import { ConsoleGrant, mayOpen } from './console-roles';
import { readCookie, SESSION_COOKIE } from './session-cookie';
import type { ActiveSession, AgentSessions } from './sessions/agent-sessions';

/** The header a state-changing request carries the session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

export type Body = Record<string, unknown>;

function isRecord(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON object of a request; `optional`: no body at all reads as `{}`. */
export async function readBody(req: Request, limitBytes: number, optional = false): Promise<Body> {
  const length = req.headers['content-length'];
  if (optional && (length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined) return {};
  const body = await readJsonBody(req, limitBytes);
  if (!isRecord(body)) throw invalidRequest('body', 'send a JSON object');
  return body;
}

export function requiredString(body: Body, field: string, maxChars: number): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw invalidRequest(field, `"${field}" must be a non-empty string`);
  if (Array.from(value).length > maxChars) throw invalidRequest(field, `"${field}" holds at most ${maxChars} characters`);
  return value;
}

/** Longest reason the team may give (it may be told to the customer, and is kept in the audit). */
export const MAX_REASON_CHARS = 2000;
/** A reference as typed (`PRV-2026-7KQ4ZD-Q`, spaces or lower case allowed), with room to spare. */
export const MAX_REFERENCE_CHARS = 64;

/** The team's reason for an action, trimmed: required, at most {@link MAX_REASON_CHARS}. */
export function reasonOf(body: Body, field = 'reason'): string {
  return requiredString(body, field, MAX_REASON_CHARS).trim();
}

/** A yes/no query parameter (`1`/`true`, `0`/`false` or empty); absent is no. */
export function flagParam(req: Request, name: string): boolean {
  const value = new URL(req.url ?? '/', 'http://localhost').searchParams.get(name);
  if (value !== null && !['', '0', '1', 'true', 'false'].includes(value)) throw invalidRequest(name, `"${name}" must be 1 or 0`);
  return value === '1' || value === 'true';
}

/** A URL parameter that must be a short non-empty string (an id, a reference). */
export function pathParam(req: Request, name: string, what: string, maxChars = 200): string {
  const value: unknown = req.params?.[name];
  if (typeof value !== 'string' || value.trim() === '' || value.length > maxChars) throw invalidRequest(name, `the URL names no ${what}`);
  return value;
}

/** Personal data in every answer: never cached by the browser or a proxy. */
export function reply(res: Response, status: number, body: unknown): void {
  res.header('Cache-Control', 'no-store');
  res.send(status, body);
}

export type AuthedHandler = (req: Request, res: Response, session: ActiveSession) => Promise<void>;

/**
 * Wraps a handler: resolves the session (restarting its idle time), checks the role holds `grant` (a
 * view, or `identity`) (403 `PSB_AGENT_FORBIDDEN`), checks CSRF on state changes, maps errors to their JSON answers.
 */
export function sessionGuard(sessions: AgentSessions, logger: Logger) {
  return (handler: AuthedHandler, stateChanging: boolean, grant?: ConsoleGrant) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        const session = await sessions.resolve(readCookie(req, SESSION_COOKIE), true);
        if (!session) throw new AgentError('PSB_AGENT_UNAUTHENTICATED');
        if (grant !== undefined && !mayOpen(session.role, grant)) throw forbidden(session.role, grant);
        if (stateChanging) {
          const header = req.headers[CSRF_HEADER];
          sessions.checkCsrf(session, Array.isArray(header) ? header[0] : header);
        }
        await handler(req, res, session);
      } catch (err) {
        sendError(res, err, logger);
      }
    };
}

/**
 * How a document the team reads but we did not write for the console (a copy's report.html, a
 * breach notification draft) is served for its frame: its own sandbox (scripts, forms, plugins and
 * same-origin access all off, even when opened on its own), nothing fetched from anywhere (the
 * documents are self-contained: inline styles and data: images only), framed by the console only.
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

/** Answers `html` as a sandboxed page ({@link PREVIEW_CSP}), never cached. */
export function sendSandboxedHtml(res: Response, html: string): void {
  const body = Buffer.from(html, 'utf8');
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(body.length),
    'Content-Security-Policy': PREVIEW_CSP,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'SAMEORIGIN',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
  res.end(body);
}
