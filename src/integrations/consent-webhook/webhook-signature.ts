import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signature scheme version, the prefix of each `Webhook-Signature` entry (Standard Webhooks). */
const VERSION = 'v1';
/** A receiver refuses a timestamp further than this from its clock (replayed or badly delayed posts). @default 5 min */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/**
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed with the UTF-8 bytes of the secret
 * (Standard Webhooks, except that the key is the secret as written rather than base64-decoded).
 */
export function webhookSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  return `${VERSION},${createHmac('sha256', secret).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

export interface SignedRequest {
  /** `Webhook-Id` */
  readonly id: string;
  /** `Webhook-Timestamp`, Unix seconds as sent. */
  readonly timestamp: string;
  /** `Webhook-Signature`: one or more space-separated `v1,<base64>` entries. */
  readonly signature: string;
  /** The raw body, byte for byte as received (before any JSON parsing). */
  readonly body: string;
}

/**
 * What a receiver does with a delivery: recompute the signature over the raw body and compare in
 * constant time; refuse stale timestamps. Here for our tests and as the reference for receivers.
 */
export function verifyWebhookSignature(secret: string, request: SignedRequest, now: Date = new Date(), toleranceSeconds = DEFAULT_SIGNATURE_TOLERANCE_SECONDS): boolean {
  if (!/^\d{1,12}$/.test(request.timestamp)) return false;
  const timestamp = Number(request.timestamp);
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(webhookSignature(secret, request.id, timestamp, request.body));
  return request.signature.split(' ').some((entry) => {
    const given = Buffer.from(entry);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
