import type { Request, Response } from 'restify';
import type { Logger } from '../log/logger';
import { readJsonBody } from '../server/json-body';
import { sendError } from '../server/send-error';
import { AgentError, invalidRequest } from './agent-errors';
import { ConsoleView, mayOpen } from './console-roles';
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
 * Wraps a handler: resolves the session (restarting its idle time), checks the role may open `view`
 * (403 `PSB_AGENT_FORBIDDEN`), checks CSRF on state changes, maps errors to their JSON answers.
 */
export function sessionGuard(sessions: AgentSessions, logger: Logger) {
  return (handler: AuthedHandler, stateChanging: boolean, view?: ConsoleView) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        const session = await sessions.resolve(readCookie(req, SESSION_COOKIE), true);
        if (!session) throw new AgentError('PSB_AGENT_UNAUTHENTICATED');
        if (view !== undefined && !mayOpen(session.role, view)) throw new AgentError('PSB_AGENT_FORBIDDEN', undefined, { view, role: session.role });
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
