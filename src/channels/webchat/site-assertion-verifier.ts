import { createRemoteJWKSet, errors, JWTPayload, jwtVerify, JWTVerifyGetKey, JWTVerifyOptions, KeyLike } from 'jose';
import { AppError } from '../../errors/app-error';
import { LedgerError } from '../../ledger/ledger-errors';
import { normalizeIdentifier } from '../../ledger/subjects/identifiers';
import { SignedInUser } from '../directline/signed-in-user';
import { SiteIdentityConfig } from './site-identity-config';

/** Longest assertion read, characters (an ID token is 1–2 KB); longer is refused before any work. */
export const MAX_ASSERTION_LENGTH = 8192;
/** header.payload.signature; an empty signature (`alg: none`) passes here so that jose names the refusal. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Checks a company site's sign-in assertion; the answer names the customer it vouches for. */
export interface SiteAssertionVerifier {
  /**
   * @throws AppError `PSB_WEBCHAT_ASSERTION_INVALID` / `PSB_WEBCHAT_ASSERTION_EXPIRED` (401), or
   * `PSB_WEBCHAT_IDENTITY_UNAVAILABLE` (503, `retryAfterSeconds`) when the JWK Set cannot be fetched.
   */
  verify(assertion: unknown): Promise<SignedInUser>;
}

/** Why an assertion was refused: said to the site's developer, never with a claim's value. */
type Refusal = 'malformed' | 'algorithm' | 'signature' | 'unknown key' | 'issuer' | 'audience' | 'not yet valid' | 'claim missing' | 'claim unverified' | 'claim malformed';

function refused(reason: Refusal, hint: string): AppError {
  return new AppError('PSB_WEBCHAT_ASSERTION_INVALID', `the sign-in assertion was refused (${reason}): ${hint}`, { reason, field: 'assertion' });
}

/** The JWK Set could not be had (down, timeout, not 200, not a key set): a marker, mapped to 503. */
class KeySetUnavailable extends Error {}

/** Key lookups that answer about *this* assertion (no such key, unusable alg), not about the key set's host. */
function isVerdictOnAssertion(err: unknown): boolean {
  return err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported;
}

/**
 * The remote JWK Set, fetched from the configured URL only (jose follows no `jku`/`x5u` header and
 * no redirect), cached for `jwksCacheSeconds` and fetched again at most every 30 s for an unknown
 * `kid` (key rotation). A failed fetch becomes {@link KeySetUnavailable}.
 */
function remoteKeys(config: SiteIdentityConfig, jwksUrl: string): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: config.jwksTimeoutMs, cacheMaxAge: config.jwksCacheSeconds * 1000 });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      if (isVerdictOnAssertion(err)) throw err;
      throw new KeySetUnavailable('the JWK Set could not be fetched', { cause: err });
    }
  };
}

/** Maps jose's verdict to ours. */
function refusalOf(err: unknown, config: SiteIdentityConfig): AppError {
  if (err instanceof errors.JWTExpired) return new AppError('PSB_WEBCHAT_ASSERTION_EXPIRED', 'the sign-in assertion has expired: get a fresh one from the site and ask again', { reason: 'expired', field: 'assertion' });
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return refused('issuer', `"iss" must be WEBCHAT_IDENTITY_ISSUER (${config.issuer})`);
    if (err.claim === 'aud') return refused('audience', `"aud" must include WEBCHAT_IDENTITY_AUDIENCE (${config.audience})`);
    if (err.claim === 'nbf') return refused('not yet valid', '"nbf" is in the future');
    if (err.claim === 'exp') return refused('malformed', 'the assertion must carry a numeric "exp"');
    return refused('malformed', `the "${err.claim}" claim is invalid`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return refused('algorithm', `"alg" must be one of ${config.algorithms.join(', ')}`);
  }
  if (err instanceof errors.JWKSNoMatchingKey) return refused('unknown key', 'no key of the configured JWK Set matches the assertion’s "kid"/"alg"');
  if (err instanceof errors.JWSSignatureVerificationFailed) return refused('signature', 'the signature does not verify with the configured key');
  return refused('malformed', 'send a compact JWT (header.payload.signature)');
}

/** The customer the verified payload names, through the configured claim. */
function signedInUserFrom(payload: JWTPayload, config: SiteIdentityConfig): SignedInUser {
  const raw = payload[config.claim];
  const value = typeof raw === 'number' && config.claimKind === 'customer_number' && Number.isSafeInteger(raw) ? String(raw) : raw;
  if (typeof value !== 'string' || value.trim() === '') throw refused('claim missing', `the assertion must carry the "${config.claim}" claim (WEBCHAT_IDENTITY_CLAIM) as a string`);
  // OpenID Connect says whether the provider checked an address: an unchecked one proves nothing.
  if (payload[`${config.claim}_verified`] === false) throw refused('claim unverified', `"${config.claim}_verified" is false: only an identifier the site has checked can verify a customer`);
  try {
    return { kind: config.claimKind, value: normalizeIdentifier(config.claimKind, value).value, issuer: config.issuer };
  } catch (err) {
    if (err instanceof LedgerError) throw refused('claim malformed', `the "${config.claim}" claim is not a valid ${config.claimKind} (WEBCHAT_IDENTITY_CLAIM_KIND)`);
    throw err;
  }
}

/**
 * Verifies assertions with jose against the configured key source: the allowed algorithms pinned
 * (RS256/ES256/EdDSA with a JWK Set, HS256 with a secret; `none` never), `iss` and `aud` exact,
 * `exp` required and checked with a small clock tolerance, `nbf` when present.
 */
export function createSiteAssertionVerifier(config: SiteIdentityConfig): SiteAssertionVerifier {
  const source = config.keySource;
  if (!config.enabled || !source) throw new Error('signed-in Web Chat is not configured (WEBCHAT_IDENTITY_JWKS_URL or WEBCHAT_IDENTITY_SECRET)');
  const key: JWTVerifyGetKey | Uint8Array = source.kind === 'jwks' ? remoteKeys(config, source.jwksUrl) : new TextEncoder().encode(source.secret);
  const options: JWTVerifyOptions = {
    algorithms: [...config.algorithms],
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: config.clockToleranceSeconds,
    requiredClaims: ['exp'],
  };

  const verifyWith = async (assertion: string): Promise<JWTPayload> => {
    try {
      return (typeof key === 'function' ? await jwtVerify(assertion, key, options) : await jwtVerify(assertion, key, options)).payload;
    } catch (err) {
      // A JWK Set with several keys of this kind and no "kid": try each (jose leaves the loop to us).
      if (err instanceof errors.JWKSMultipleMatchingKeys) {
        for await (const candidate of err as errors.JWKSMultipleMatchingKeys & AsyncIterable<KeyLike>) {
          try {
            return (await jwtVerify(assertion, candidate, options)).payload;
          } catch (inner) {
            if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
          }
        }
        throw new errors.JWSSignatureVerificationFailed();
      }
      throw err;
    }
  };

  return {
    async verify(assertion: unknown): Promise<SignedInUser> {
      if (typeof assertion !== 'string' || assertion.length > MAX_ASSERTION_LENGTH || !COMPACT_JWS.test(assertion)) {
        throw refused('malformed', `"assertion" must be a compact JWT (header.payload.signature) of at most ${MAX_ASSERTION_LENGTH} characters`);
      }
      let payload: JWTPayload;
      try {
        payload = await verifyWith(assertion);
      } catch (err) {
        if (err instanceof KeySetUnavailable) {
          throw new AppError('PSB_WEBCHAT_IDENTITY_UNAVAILABLE', `the site's keys (WEBCHAT_IDENTITY_JWKS_URL) cannot be fetched; try again in ${config.retryAfterSeconds} s`, { retryAfterSeconds: config.retryAfterSeconds }, { cause: err.cause });
        }
        if (err instanceof errors.JOSEError) throw refusalOf(err, config);
        throw err;
      }
      return signedInUserFrom(payload, config);
    },
  };
}
