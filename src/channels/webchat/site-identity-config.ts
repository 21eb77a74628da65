import { Env, invalid, read } from '../../config/env-readers';
import { SIGNED_IN_CLAIM_KINDS, SignedInClaimKind } from '../directline/signed-in-user';

/** Algorithms accepted from a JWK Set: asymmetric only (never `none`, never HMAC with a public key). */
export const JWKS_ALGORITHMS: readonly string[] = Object.freeze(['RS256', 'ES256', 'EdDSA']);
/** The one algorithm accepted with a shared secret. */
export const SECRET_ALGORITHMS: readonly string[] = Object.freeze(['HS256']);
/** Shortest `WEBCHAT_IDENTITY_SECRET`: 32 characters, so an HS256 key has at least 256 bits. */
export const MIN_SITE_SECRET_LENGTH = 32;

/** Where the keys that sign the site's assertions come from. */
export type SiteKeySource =
  /** The site's (or its OpenID provider's) JWK Set, fetched from this URL only and cached. */
  | { readonly kind: 'jwks'; readonly jwksUrl: string }
  /** A secret the site and the bot share (HS256). */
  | { readonly kind: 'secret'; readonly secret: string };

/**
 * Signed-in Web Chat: a company site that knows its customer passes a signed assertion (an OpenID
 * Connect ID token, or a JWT it signs itself) to `POST /webchat/token`, and the conversation starts
 * verified. Off unless a key source is configured.
 */
export interface SiteIdentityConfig {
  /** True when `WEBCHAT_IDENTITY_JWKS_URL` or `WEBCHAT_IDENTITY_SECRET` is set. */
  readonly enabled: boolean;
  /** Env `WEBCHAT_IDENTITY_JWKS_URL` (https; http only to a loopback host outside production) or `WEBCHAT_IDENTITY_SECRET`. */
  readonly keySource?: SiteKeySource;
  /** The `iss` every assertion must carry. Env `WEBCHAT_IDENTITY_ISSUER`; required when enabled. */
  readonly issuer: string;
  /** The `aud` every assertion must carry (e.g. the OpenID client id). Env `WEBCHAT_IDENTITY_AUDIENCE`; required when enabled. */
  readonly audience: string;
  /** The claim that names the customer. Env `WEBCHAT_IDENTITY_CLAIM`. @default 'email' */
  readonly claim: string;
  /**
   * What the claim holds, i.e. how it is looked up in the ledger. Env `WEBCHAT_IDENTITY_CLAIM_KIND`.
   * @default 'email' for the claim `email`, 'phone' for `phone_number`; required for any other claim.
   */
  readonly claimKind: SignedInClaimKind;
  /** Accepted `alg` values: RS256/ES256/EdDSA with a JWK Set, HS256 with a secret. */
  readonly algorithms: readonly string[];
  /** Leeway for `exp`/`nbf`/`iat` between the site's clock and ours, seconds. @default 30 */
  readonly clockToleranceSeconds: number;
  /** How long a fetched JWK Set is used before it is fetched again, seconds. @default 600 (10 min) */
  readonly jwksCacheSeconds: number;
  /** Longest wait for the JWK Set, milliseconds. @default 5000 */
  readonly jwksTimeoutMs: number;
  /** The `Retry-After` of a 503 when the JWK Set cannot be fetched, seconds. @default 30 */
  readonly retryAfterSeconds: number;
}

export const DEFAULT_SITE_IDENTITY_CONFIG = Object.freeze({
  claim: 'email',
  clockToleranceSeconds: 30,
  jwksCacheSeconds: 600, // 10 min
  jwksTimeoutMs: 5000,
  retryAfterSeconds: 30,
});

const DISABLED: SiteIdentityConfig = Object.freeze({
  enabled: false,
  issuer: '',
  audience: '',
  claim: DEFAULT_SITE_IDENTITY_CONFIG.claim,
  claimKind: 'email',
  algorithms: Object.freeze([]),
  clockToleranceSeconds: DEFAULT_SITE_IDENTITY_CONFIG.clockToleranceSeconds,
  jwksCacheSeconds: DEFAULT_SITE_IDENTITY_CONFIG.jwksCacheSeconds,
  jwksTimeoutMs: DEFAULT_SITE_IDENTITY_CONFIG.jwksTimeoutMs,
  retryAfterSeconds: DEFAULT_SITE_IDENTITY_CONFIG.retryAfterSeconds,
});

/** A claim name: a JSON member name without spaces or control characters (URIs allowed, as namespaced claims are). */
const CLAIM_NAME = /^[\x21-\x7e]{1,200}$/;
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

function readJwksUrl(env: Env, production: boolean): string | undefined {
  const raw = read(env, 'WEBCHAT_IDENTITY_JWKS_URL');
  if (raw === undefined) return undefined;
  const expected = production ? 'an https:// URL of the JWK Set' : 'an https:// URL of the JWK Set (http:// only to 127.0.0.1/localhost outside production)';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('WEBCHAT_IDENTITY_JWKS_URL', expected, '<unparseable>');
  }
  const plainLoopback = url.protocol === 'http:' && !production && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !plainLoopback) throw invalid('WEBCHAT_IDENTITY_JWKS_URL', expected, `${url.protocol}//${url.host}`);
  if (url.username || url.password || url.hash) throw invalid('WEBCHAT_IDENTITY_JWKS_URL', 'a URL without credentials or fragment', url.origin);
  return url.href;
}

function readSecret(env: Env): string | undefined {
  const secret = read(env, 'WEBCHAT_IDENTITY_SECRET');
  if (secret !== undefined && secret.length < MIN_SITE_SECRET_LENGTH) {
    throw invalid('WEBCHAT_IDENTITY_SECRET', `at least ${MIN_SITE_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`, `<${secret.length} characters>`);
  }
  return secret;
}

function readClaimKind(env: Env, claim: string): SignedInClaimKind {
  const raw = read(env, 'WEBCHAT_IDENTITY_CLAIM_KIND');
  if (raw === undefined) {
    if (claim === 'email') return 'email';
    if (claim === 'phone_number') return 'phone';
    throw invalid('WEBCHAT_IDENTITY_CLAIM_KIND', `set to ${SIGNED_IN_CLAIM_KINDS.join(', ')} when WEBCHAT_IDENTITY_CLAIM is "${claim}" (what does the claim hold?)`, '');
  }
  if (!(SIGNED_IN_CLAIM_KINDS as readonly string[]).includes(raw)) throw invalid('WEBCHAT_IDENTITY_CLAIM_KIND', `one of ${SIGNED_IN_CLAIM_KINDS.join(', ')}`, raw);
  return raw as SignedInClaimKind;
}

/**
 * Reads the signed-in Web Chat settings (`WEBCHAT_IDENTITY_*`). A pure function of `env`. Off when
 * neither key source is set; then no other `WEBCHAT_IDENTITY_*` variable may be set either (a
 * half-configured sign-in would silently leave every customer anonymous).
 *
 * @throws AppError `PSB_CONFIG_INVALID` naming the variable.
 */
export function loadSiteIdentityConfig(env: Env = process.env): SiteIdentityConfig {
  const production = read(env, 'NODE_ENV') === 'production';
  const jwksUrl = readJwksUrl(env, production);
  const secret = readSecret(env);
  const issuer = read(env, 'WEBCHAT_IDENTITY_ISSUER');
  const audience = read(env, 'WEBCHAT_IDENTITY_AUDIENCE');
  if (jwksUrl && secret) throw invalid('WEBCHAT_IDENTITY_SECRET', 'unset when WEBCHAT_IDENTITY_JWKS_URL is set (one key source: a JWK Set or a shared secret)', '<set>');
  if (!jwksUrl && !secret) {
    const stray = ['WEBCHAT_IDENTITY_ISSUER', 'WEBCHAT_IDENTITY_AUDIENCE', 'WEBCHAT_IDENTITY_CLAIM', 'WEBCHAT_IDENTITY_CLAIM_KIND'].find((name) => read(env, name) !== undefined);
    if (stray) throw invalid(stray, 'set only with WEBCHAT_IDENTITY_JWKS_URL or WEBCHAT_IDENTITY_SECRET (signed-in Web Chat needs a key source)', '<set>');
    return DISABLED;
  }
  if (!issuer) throw invalid('WEBCHAT_IDENTITY_ISSUER', 'the "iss" of the site’s assertions (e.g. https://login.example.com) when signed-in Web Chat is on', '');
  if (!audience) throw invalid('WEBCHAT_IDENTITY_AUDIENCE', 'the "aud" of the site’s assertions (e.g. the OpenID client id) when signed-in Web Chat is on', '');
  const claim = read(env, 'WEBCHAT_IDENTITY_CLAIM') ?? DEFAULT_SITE_IDENTITY_CONFIG.claim;
  if (!CLAIM_NAME.test(claim)) throw invalid('WEBCHAT_IDENTITY_CLAIM', 'a claim name without spaces, at most 200 characters', '<invalid>');
  const keySource: SiteKeySource = jwksUrl ? { kind: 'jwks', jwksUrl } : { kind: 'secret', secret: secret ?? '' };
  return Object.freeze({
    ...DISABLED,
    enabled: true,
    keySource: Object.freeze(keySource),
    issuer,
    audience,
    claim,
    claimKind: readClaimKind(env, claim),
    algorithms: keySource.kind === 'jwks' ? JWKS_ALGORITHMS : SECRET_ALGORITHMS,
  });
}
