import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Request, Response } from 'restify';
import { isAppError } from '../../errors/app-error';
import type { Logger } from '../../log/logger';
import { readJsonBody } from '../../server/json-body';
import { sendError } from '../../server/send-error';

/** Answers an error as JSON (send-error.ts), with `Retry-After` when rate-limited. */
export function sendDirectLineError(res: Response, err: unknown, logger: Logger): void {
  if (isAppError(err, 'PSB_DL_RATE_LIMITED') && typeof err.details.retryAfterSeconds === 'number' && !res.headersSent) {
    res.header('Retry-After', String(err.details.retryAfterSeconds));
  }
  sendError(res, err, logger);
}

/** A JSON body when there is one (same limits and errors as /api/messages); undefined for an empty request. */
export async function readOptionalJsonBody(req: Request, limitBytes: number): Promise<unknown> {
  const length = req.headers['content-length'];
  const hasBody = (length !== undefined && Number(length) > 0) || req.headers['transfer-encoding'] !== undefined;
  return hasBody ? readJsonBody(req, limitBytes) : undefined;
}

/** The `watermark` (or any) query parameter of a request. */
export function queryParam(req: IncomingMessage, name: string): string | null {
  return new URL(req.url ?? '/', 'http://localhost').searchParams.get(name);
}

const HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

function first(value: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  return raw?.split(',')[0]?.trim() || undefined;
}

/**
 * The base the client reached us at, as `ws[s]://host`: from `X-Forwarded-Proto/Host` (a TLS
 * proxy in front) or the request itself. Only the caller's own answer depends on these headers.
 */
export function webSocketBase(req: IncomingMessage, fallbackHttpBase: string): string {
  const headers: IncomingHttpHeaders = req.headers;
  const proto = first(headers['x-forwarded-proto']);
  const secure = proto ? proto.toLowerCase() === 'https' : Boolean((req.socket as TLSSocket).encrypted);
  const host = [first(headers['x-forwarded-host']), first(headers.host)].find((candidate) => candidate !== undefined && HOST.test(candidate));
  if (!host) return fallbackHttpBase.replace(/^http/, 'ws');
  return `${secure ? 'wss' : 'ws'}://${host}`;
}

/** `Access-Control-Allow-Origin` for the configured origins (other sites embedding Web Chat). */
export function applyCors(req: Request, res: Response, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || !allowedOrigins.includes(origin)) return false;
  res.header('Access-Control-Allow-Origin', origin);
  res.header('Vary', 'Origin');
  res.header('Access-Control-Expose-Headers', 'Retry-After');
  return true;
}
