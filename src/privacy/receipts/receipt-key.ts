import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { AppError } from '../../errors/app-error';
import { Env, invalid, read } from '../../config/env-readers';

/** The environment variable holding the company's receipt signing key. */
export const RECEIPT_SIGNING_KEY = 'RECEIPT_SIGNING_KEY';

/** The public half of the signing key as a JWK (RFC 8037 OKP). */
export interface PublicJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
}

export interface ReceiptSigningKey {
  readonly signingKey: KeyObject;
  /** True when no key was configured and one was generated for this process. */
  readonly usesEphemeralKey: boolean;
  readonly warnings: readonly string[];
}

const EXPECTED = 'an unencrypted PKCS#8 PEM Ed25519 private key (e.g. from `openssl genpkey -algorithm ed25519`)';

/**
 * Reads a PEM Ed25519 private key. Env files often carry the PEM on one line with literal "\n"
 * escapes: those are turned back into line breaks. The key itself never appears in an error.
 */
export function parseSigningKeyPem(pem: string, variable = RECEIPT_SIGNING_KEY): KeyObject {
  const text = pem.replace(/\\r\\n|\\n/g, '\n').trim();
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw invalid(variable, EXPECTED, /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text) ? '<a PEM private key that cannot be read>' : '<not a PEM private key>');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw invalid(variable, EXPECTED, `<a private key of type ${key.asymmetricKeyType ?? 'unknown'}>`);
  return key;
}

/** A public Ed25519 key from a PEM file: a public key, or a private key whose public half is taken. */
export function parsePublicKeyPem(pem: string): KeyObject {
  const key = createPublicKey({ key: pem.replace(/\\r\\n|\\n/g, '\n').trim(), format: 'pem' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the key is ${key.asymmetricKeyType ?? 'of an unknown type'}, not Ed25519`);
  return key;
}

/** The public JWK of an Ed25519 key (private or public). */
export function publicJwkOf(key: KeyObject): PublicJwk {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
}

/** RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order, base64url. */
export function jwkThumbprint(jwk: PublicJwk): string {
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })).digest('base64url');
}

/**
 * The signing key from `RECEIPT_SIGNING_KEY`. Unset: with `NODE_ENV=production` an error; otherwise a
 * key generated for this process, with a warning for the caller to log (nothing here prints).
 *
 * @throws AppError `PSB_CONFIG_INVALID` naming RECEIPT_SIGNING_KEY.
 */
export function loadReceiptSigningKey(env: Env = process.env): ReceiptSigningKey {
  const pem = read(env, RECEIPT_SIGNING_KEY);
  if (pem !== undefined) return { signingKey: parseSigningKeyPem(pem), usesEphemeralKey: false, warnings: [] };
  if (read(env, 'NODE_ENV') === 'production') {
    throw new AppError('PSB_CONFIG_INVALID', `${RECEIPT_SIGNING_KEY} must be set when NODE_ENV=production: ${EXPECTED}`, { variable: RECEIPT_SIGNING_KEY });
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    signingKey: privateKey,
    usesEphemeralKey: true,
    warnings: [`${RECEIPT_SIGNING_KEY} is not set: consent receipts are signed with a key generated at start; receipts signed with it cannot be verified after a restart. Set ${RECEIPT_SIGNING_KEY} before giving receipts to real customers.`],
  };
}
