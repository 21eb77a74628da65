import { canonicalJson } from '../../ledger/chain/canonical-json';

/** The JWS algorithm of receipts: Ed25519 (RFC 8037). */
export const RECEIPT_JWS_ALG = 'EdDSA';
/** Kantara CR v1.1 receipts are JWTs: their payload is a JSON object. */
export const RECEIPT_JWS_TYP = 'JWT';

export interface ReceiptJwsHeader {
  readonly alg: string;
  readonly kid: string;
  readonly typ: string;
}

export interface DecodedJws {
  readonly header: Record<string, unknown>;
  readonly payload: unknown;
  /** `header.payload` as it was signed (ASCII). */
  readonly signingInput: string;
  readonly signature: Buffer;
}

/** base64url of the canonical JSON of a value (sorted keys, no whitespace). */
export function encodeSegment(value: unknown): string {
  return Buffer.from(canonicalJson(value), 'utf8').toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Decodes a base64url segment; refuses padding, other alphabets and non-canonical encodings. */
function decodeSegment(segment: string): Buffer | undefined {
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : undefined;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Splits and decodes a compact JWS; undefined when it is not one (three base64url parts, JSON header and payload). */
export function decodeCompactJws(jws: string): DecodedJws | undefined {
  const parts = jws.split('.');
  if (parts.length !== 3) return undefined;
  const [headerPart, payloadPart, signaturePart] = parts;
  const headerBytes = decodeSegment(headerPart);
  const payloadBytes = decodeSegment(payloadPart);
  const signature = decodeSegment(signaturePart);
  if (!headerBytes || !payloadBytes || !signature) return undefined;
  const header = parseJson(headerBytes);
  const payload = parseJson(payloadBytes);
  if (typeof header !== 'object' || header === null || Array.isArray(header) || payload === undefined) return undefined;
  return { header: header as Record<string, unknown>, payload, signingInput: `${headerPart}.${payloadPart}`, signature };
}
