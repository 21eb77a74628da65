import { createPublicKey, createHmac, hkdfSync, KeyObject, sign } from 'node:crypto';
import { encodeSegment, RECEIPT_JWS_ALG, RECEIPT_JWS_TYP, ReceiptJwsHeader } from './compact-jws';
import { jwkThumbprint, PublicJwk, publicJwkOf } from './receipt-key';
import type { ConsentReceipt } from './receipt-types';

/** A public key as a JWK Set entry (RFC 7517), for `GET /receipts/keys`. */
export interface ReceiptJwk extends PublicJwk {
  readonly kid: string;
  readonly alg: typeof RECEIPT_JWS_ALG;
  readonly use: 'sig';
}

/** Labels of the link-token key derivation: a new label is a new key (every link changes). */
const LINK_KEY_SALT = 'psb consent receipt links';
const LINK_KEY_INFO = 'link token v1';

/**
 * Signs receipts with the company's Ed25519 key as compact JWS (`alg: EdDSA`, `kid` = RFC 7638
 * thumbprint) over the receipt's canonical JSON, and derives the receipts' link tokens.
 */
export class ReceiptSigner {
  readonly alg = RECEIPT_JWS_ALG;
  readonly kid: string;
  readonly publicJwk: PublicJwk;
  readonly publicKey: KeyObject;
  private readonly signingKey: KeyObject;
  private readonly linkKey: Buffer;

  /** Takes the key itself, or what holds it (`ReceiptConfig`, the result of `loadReceiptSigningKey`). */
  constructor(key: KeyObject | { readonly signingKey: KeyObject }) {
    const signingKey = key instanceof KeyObject ? key : key.signingKey;
    this.signingKey = signingKey;
    if (signingKey.type !== 'private' || signingKey.asymmetricKeyType !== 'ed25519') throw new Error('ReceiptSigner needs an Ed25519 private key');
    this.publicKey = createPublicKey(signingKey);
    this.publicJwk = publicJwkOf(this.publicKey);
    this.kid = jwkThumbprint(this.publicJwk);
    // A separate key for links, derived from the signing key: one secret to manage, and a leaked
    // link key would not let anyone sign.
    const secret = signingKey.export({ format: 'der', type: 'pkcs8' });
    this.linkKey = Buffer.from(hkdfSync('sha256', secret, LINK_KEY_SALT, LINK_KEY_INFO, 32));
  }

  /** The compact JWS of a receipt. */
  sign(receipt: ConsentReceipt): string {
    const header: ReceiptJwsHeader = { alg: this.alg, kid: this.kid, typ: RECEIPT_JWS_TYP };
    const signingInput = `${encodeSegment(header)}.${encodeSegment(receipt)}`;
    const signature = sign(null, Buffer.from(signingInput, 'ascii'), this.signingKey);
    return `${signingInput}.${signature.toString('base64url')}`;
  }

  /**
   * The link token of a receipt: base64url HMAC-SHA256 of its id (256 bits, unguessable without the
   * key), the same every time, so a re-run of a turn shows the same link.
   */
  linkToken(receiptId: string): string {
    return createHmac('sha256', this.linkKey).update(receiptId).digest('base64url');
  }

  /** The JWK Set a customer verifies receipts with. */
  jwks(): { keys: ReceiptJwk[] } {
    return { keys: [{ ...this.publicJwk, kid: this.kid, alg: this.alg, use: 'sig' }] };
  }
}
