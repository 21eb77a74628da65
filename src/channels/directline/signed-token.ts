import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Compact HS256 JSON Web Tokens, just what Direct Line needs. Only one header is ever made or
 * accepted (`{"alg":"HS256","typ":"JWT"}`), so "alg: none" and algorithm confusion cannot arise;
 * the signature is compared in constant time before the payload is parsed.
 */

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
/** Longer strings are refused before any work. */
export const MAX_TOKEN_LENGTH = 4096;

export type TokenClaims = Readonly<Record<string, unknown>>;

export type TokenCheck =
  | { readonly ok: true; readonly claims: TokenClaims }
  | { readonly ok: false; readonly reason: 'malformed' | 'signature' | 'expired' };

function sign(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Signs `claims` (which should carry `exp`, seconds since the epoch). */
export function signToken(key: Buffer, claims: TokenClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${HEADER}.${payload}.${sign(key, `${HEADER}.${payload}`).toString('base64url')}`;
}

/** Checks signature, then expiry (`exp` in seconds, compared with `nowSeconds`). */
export function verifyToken(key: Buffer, token: string, nowSeconds: number): TokenCheck {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== HEADER || !/^[A-Za-z0-9_-]+$/.test(parts[1]) || !/^[A-Za-z0-9_-]+$/.test(parts[2])) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = sign(key, `${parts[0]}.${parts[1]}`);
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return { ok: false, reason: 'malformed' };
  const record = claims as Record<string, unknown>;
  if (typeof record.exp !== 'number') return { ok: false, reason: 'malformed' };
  if (record.exp <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, claims: record };
}
