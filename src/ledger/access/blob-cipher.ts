import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { LedgerError } from '../ledger-errors';
import { IdentifierCipher } from '../subjects/identifier-cipher';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed blob as stored: iv ‖ GCM tag ‖ ciphertext, and the id of the key that sealed it. */
export interface SealedBlob {
  readonly sealed: Buffer;
  readonly keyId: string;
}

/**
 * AES-256-GCM over binary content the ledger keeps for a while (a source's records, a copy's chunks,
 * a link token until its notice went out), under the same keyring as identifiers (LEDGER_ENCRYPTION_KEY,
 * rotation included). `context` names where the blob sits ("copy:<request id>:3") and is bound into
 * the tag, so a chunk moved to another row or another copy does not open.
 */
export class BlobCipher {
  constructor(private readonly keys: Pick<IdentifierCipher, 'currentKeyId' | 'keyFor'>) {}

  seal(content: Buffer, context: string): SealedBlob {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.keyFor(this.keys.currentKeyId)!, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(content), cipher.final()]);
    return { sealed: Buffer.concat([iv, cipher.getAuthTag(), body]), keyId: this.keys.currentKeyId };
  }

  /** @throws LedgerError `PSB_LEDGER_ENCRYPTION_KEY` when the key is unknown or the blob does not authenticate in `context`. */
  open(blob: SealedBlob, context: string): Buffer {
    const key = this.keys.keyFor(blob.keyId);
    if (!key) throw new LedgerError('PSB_LEDGER_ENCRYPTION_KEY', `a blob is sealed under key ${blob.keyId}, which this process was not given`, { keyId: blob.keyId });
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, blob.sealed.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(blob.sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(blob.sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (err) {
      throw new LedgerError('PSB_LEDGER_ENCRYPTION_KEY', `a blob sealed under key ${blob.keyId} does not decrypt: it was altered or moved`, { keyId: blob.keyId }, { cause: err });
    }
  }
}
