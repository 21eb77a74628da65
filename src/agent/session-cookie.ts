import type { IncomingMessage } from 'node:http';
import type { CookieSecureMode } from './agent-console-config';

/** The session cookie's name. No `__Host-` prefix: that one demands `Path=/`, and this cookie stays under /agent. */
export const SESSION_COOKIE = 'psb_agent_session';
/** The cookie reaches the console and its API only, never the customer's pages. */
export const SESSION_COOKIE_PATH = '/agent';

/** The value of cookie `name` in a request's Cookie header. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** True when the browser reached us over https: TLS on this socket, or the TLS proxy says so. */
export function cameOverHttps(req: IncomingMessage): boolean {
  if ('encrypted' in req.socket && req.socket.encrypted === true) return true;
  const forwarded = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

/** Whether a cookie the console sets carries `Secure`, per the mode and how the request arrived. */
export function secureFlag(req: IncomingMessage, mode: CookieSecureMode): boolean {
  return mode === 'true' || (mode === 'auto' && cameOverHttps(req));
}

/**
 * `Set-Cookie` for a new session: `HttpOnly` (no script reads it), `SameSite=Strict` (no other
 * site's request carries it), `Path=/agent`, `Secure` per the mode, and no `Max-Age`: the browser
 * forgets it when closed (shared contact-centre machines), the server forgets it when idle.
 */
export function sessionCookie(req: IncomingMessage, id: string, mode: CookieSecureMode): string {
  return [`${SESSION_COOKIE}=${id}`, `Path=${SESSION_COOKIE_PATH}`, 'HttpOnly', 'SameSite=Strict', ...(secureFlag(req, mode) ? ['Secure'] : [])].join('; ');
}

/** `Set-Cookie` that removes the session cookie. */
export function clearedSessionCookie(req: IncomingMessage, mode: CookieSecureMode): string {
  return [`${SESSION_COOKIE}=`, `Path=${SESSION_COOKIE_PATH}`, 'Max-Age=0', 'HttpOnly', 'SameSite=Strict', ...(secureFlag(req, mode) ? ['Secure'] : [])].join('; ');
}
