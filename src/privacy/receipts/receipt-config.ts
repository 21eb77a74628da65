import type { KeyObject } from 'node:crypto';
import { Env, invalid, read } from '../../config/env-readers';
import { jwkThumbprint, loadReceiptSigningKey, PublicJwk, publicJwkOf } from './receipt-key';

/** What the receipt settings resolve to. */
export interface ReceiptConfig {
  /** Ed25519 private key that signs receipts (RECEIPT_SIGNING_KEY, or generated at start outside production). */
  readonly signingKey: KeyObject;
  readonly publicJwk: PublicJwk;
  /** RFC 7638 thumbprint of `publicJwk`: the JWS `kid`. */
  readonly kid: string;
  /** Absolute base of the links sent to customers, without a trailing slash (PUBLIC_BASE_URL). */
  readonly publicBaseUrl: string;
  readonly usesEphemeralKey: boolean;
  /** Sentences the caller should log once at start. */
  readonly warnings: readonly string[];
}

const DEFAULT_PORT = '3978';

/** PUBLIC_BASE_URL: an absolute http(s) URL with no query or fragment; default http://localhost:PORT. */
function readPublicBaseUrl(env: Env): string {
  const raw = read(env, 'PUBLIC_BASE_URL');
  if (raw === undefined) {
    const port = read(env, 'PORT');
    return `http://localhost:${port !== undefined && /^\d+$/.test(port) ? port : DEFAULT_PORT}`;
  }
  const expected = 'an absolute http(s) URL without query or fragment, e.g. https://privacy.example.com';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('PUBLIC_BASE_URL', expected, raw);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || raw.includes('?') || raw.includes('#') || url.username || url.password) {
    throw invalid('PUBLIC_BASE_URL', expected, raw);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/**
 * Reads the consent receipt settings. A pure function of `env` except for the key generated when
 * none is configured (it prints nothing: the caller logs `warnings`).
 *
 * - `RECEIPT_SIGNING_KEY`: PKCS#8 PEM Ed25519 private key (literal "\n" escapes accepted). Required
 *   with `NODE_ENV=production`; elsewhere unset → a key generated at start, with a warning.
 * - `PUBLIC_BASE_URL`: absolute base of customer links. @default `http://localhost:${PORT or 3978}`
 *
 * @throws AppError `PSB_CONFIG_INVALID` naming the variable.
 */
export function loadReceiptConfig(env: Env = process.env): ReceiptConfig {
  const publicBaseUrl = readPublicBaseUrl(env);
  const key = loadReceiptSigningKey(env);
  const publicJwk = publicJwkOf(key.signingKey);
  return Object.freeze({
    signingKey: key.signingKey,
    publicJwk,
    kid: jwkThumbprint(publicJwk),
    publicBaseUrl,
    usesEphemeralKey: key.usesEphemeralKey,
    warnings: Object.freeze([...key.warnings]),
  });
}
