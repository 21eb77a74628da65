import { createPublicKey, KeyObject, verify } from 'node:crypto';
import { canonicalJson } from '../../ledger/chain/canonical-json';
import { decodeCompactJws, RECEIPT_JWS_ALG, RECEIPT_JWS_TYP } from './compact-jws';
import { RECEIPT_VERSION } from './consent-receipt';
import { jwkThumbprint, publicJwkOf } from './receipt-key';
import type { ConsentReceipt } from './receipt-types';

/** Why a receipt does not verify, as a stable word for programs; `reason` says it in a sentence. */
export type ReceiptProblem = 'malformed' | 'unsupported_algorithm' | 'unknown_key' | 'bad_signature' | 'copy_mismatch';

export type ReceiptVerification =
  | { readonly valid: true; readonly receipt: ConsentReceipt; readonly alg: typeof RECEIPT_JWS_ALG; readonly kid: string }
  | { readonly valid: false; readonly problem: ReceiptProblem; readonly reason: string };

const refuse = (problem: ReceiptProblem, reason: string): ReceiptVerification => ({ valid: false, problem, reason });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The parts of a receipt file: what `GET /receipts/:token` returns, or a bare compact JWS. */
interface ReceiptFile {
  readonly jws: string;
  /** The readable, unsigned copy, when the file has one. */
  readonly copy?: unknown;
  /** The file's `verify.kid`, when it has one. */
  readonly statedKid?: unknown;
}

function readFile(contents: string): ReceiptFile | string {
  const text = contents.replace(/^\uFEFF/, '').trim();
  if (!text.startsWith('{') && !text.startsWith('"')) return { jws: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'the file is neither JSON nor a compact JWS';
  }
  if (typeof parsed === 'string') return { jws: parsed.trim() };
  if (!isRecord(parsed) || typeof parsed.jws !== 'string') return 'the file has no "jws" field holding the signed receipt';
  return { jws: parsed.jws.trim(), copy: parsed.receipt, statedKid: isRecord(parsed.verify) ? parsed.verify.kid : undefined };
}

/**
 * Verifies a receipt file against the company's public key: the JWS must be EdDSA, name this key
 * (`kid`), carry a valid signature over a Kantara receipt, and any readable copy in the file must
 * equal the signed payload, so editing the copy is detected as surely as editing the JWS.
 */
export function verifyReceipt(fileContents: string, publicKey: KeyObject): ReceiptVerification {
  const file = readFile(fileContents);
  if (typeof file === 'string') return refuse('malformed', file);
  const jws = decodeCompactJws(file.jws);
  if (!jws) return refuse('malformed', 'the signed receipt is not a compact JWS (three base64url parts: JSON header, JSON payload, signature)');
  const { header } = jws;
  if (header.alg !== RECEIPT_JWS_ALG) return refuse('unsupported_algorithm', `the signature algorithm is ${JSON.stringify(header.alg ?? null)}; receipts are signed with ${RECEIPT_JWS_ALG}`);
  if (header.crit !== undefined) return refuse('malformed', 'the JWS header has critical extensions this verifier does not know');
  if (header.typ !== RECEIPT_JWS_TYP) return refuse('malformed', `the JWS type is ${JSON.stringify(header.typ ?? null)}, expected "${RECEIPT_JWS_TYP}"`);
  const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  if (key.asymmetricKeyType !== 'ed25519') return refuse('unknown_key', `the verification key is ${key.asymmetricKeyType ?? 'of an unknown type'}, not Ed25519`);
  const kid = jwkThumbprint(publicJwkOf(key));
  if (header.kid !== kid) return refuse('unknown_key', `the receipt was signed with another key (kid ${JSON.stringify(header.kid ?? null)}, this key is ${kid})`);
  let signed = false;
  try {
    signed = verify(null, Buffer.from(jws.signingInput, 'ascii'), key, jws.signature);
  } catch {
    signed = false;
  }
  if (!signed) return refuse('bad_signature', 'the signature does not match the receipt: it was changed after signing, or not signed by this key');
  const payload = jws.payload;
  if (!isRecord(payload) || payload.version !== RECEIPT_VERSION || typeof payload.consentReceiptID !== 'string') {
    return refuse('malformed', `the signed payload is not a ${RECEIPT_VERSION} consent receipt`);
  }
  if (file.copy !== undefined && canonicalJson(file.copy) !== canonicalJson(payload)) {
    return refuse('copy_mismatch', 'the readable copy of the receipt in the file differs from the signed receipt');
  }
  if (file.statedKid !== undefined && file.statedKid !== kid) return refuse('copy_mismatch', 'the file\'s verify.kid differs from the key that signed the receipt');
  return { valid: true, receipt: payload as unknown as ConsentReceipt, alg: RECEIPT_JWS_ALG, kid };
}
