import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { LedgerError } from '../ledger-errors';

/** Length of an identifier encryption key: AES-256, bytes. */
export const ENCRYPTION_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The keys identifiers are encrypted with: `current` seals every new or re-encrypted value,
 * `previous` only opens values sealed before a rotation (LEDGER_ENCRYPTION_OLD_KEYS).
 */
export interface LedgerKeyring {
  readonly current: Buffer;
  readonly previous: readonly Buffer[];
}

/** An identifier value as stored: base64 of iv ‖ GCM tag ‖ ciphertext, and the id of the key that sealed it. */
export interface SealedValue {
  readonly ciphertext: string;
  readonly keyId: string;
}

/**
 * The id stored beside each sealed value: derived from the key itself (a one-way hash), so operators
 * never name keys and a wrong key is told apart from altered data without trying to decrypt.
 */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('psb-ledger-identifier-key-id\0').update(key).digest('hex').slice(0, 16);
}

/** Where a sealed value sits; bound into the GCM tag so a value moved to another row does not open. */
export interface IdentifierSlot {
  readonly kind: string;
  readonly lookupHash: string;
}

const aadOf = (slot: IdentifierSlot): Buffer => Buffer.from(`subject_identifier:${slot.kind}:${slot.lookupHash}`, 'utf8');

/** AES-256-GCM over identifier values, with key rotation: seals under the current key, opens under any known one. */
export class IdentifierCipher {
  readonly currentKeyId: string;
  private readonly currentKey: Buffer;
  private readonly keys = new Map<string, Buffer>();

  constructor(keyring: LedgerKeyring) {
    for (const key of [keyring.current, ...keyring.previous]) {
      if (key.length !== ENCRYPTION_KEY_BYTES) throw new Error(`an identifier encryption key must be ${ENCRYPTION_KEY_BYTES} bytes`);
      this.keys.set(keyIdOf(key), key);
    }
    this.currentKey = keyring.current;
    this.currentKeyId = keyIdOf(keyring.current);
  }

  /** The key with this id, for other sealed content of the ledger (see access/blob-cipher.ts); undefined when not given. */
  keyFor(keyId: string): Buffer | undefined {
    return this.keys.get(keyId);
  }

  /** True when values sealed under `keyId` can be opened. */
  knows(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  seal(value: string, slot: IdentifierSlot): SealedValue {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.currentKey, iv);
    cipher.setAAD(aadOf(slot));
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return { ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'), keyId: this.currentKeyId };
  }

  /**
   * The clear value of a sealed one.
   * @throws LedgerError `PSB_LEDGER_ENCRYPTION_KEY` when its key is not configured or it does not authenticate.
   */
  open(sealed: SealedValue, slot: IdentifierSlot): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw unknownKeyError([sealed.keyId]);
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(aadOf(slot));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new LedgerError(
        'PSB_LEDGER_ENCRYPTION_KEY',
        `an identifier sealed under key ${sealed.keyId} does not decrypt with that key: the stored value was altered or moved to another row`,
        { keyId: sealed.keyId },
        { cause: err },
      );
    }
  }
}

/** The error for values sealed under keys this process was not given. */
export function unknownKeyError(keyIds: readonly string[]): LedgerError {
  return new LedgerError(
    'PSB_LEDGER_ENCRYPTION_KEY',
    `identifiers in the ledger are encrypted under key id(s) ${keyIds.join(', ')}, which match neither LEDGER_ENCRYPTION_KEY nor any of LEDGER_ENCRYPTION_OLD_KEYS: ` +
      'set LEDGER_ENCRYPTION_KEY to the key the ledger was written with (or list it in LEDGER_ENCRYPTION_OLD_KEYS and run `npm run ledger -- rotate-key`)',
    { keyIds: [...keyIds] },
  );
}

/**
 * The key used when `LEDGER_ENCRYPTION_KEY` is unset outside production. It is public (derived from
 * this text), so values sealed with it are not secret; `LEDGER_ENCRYPTION_OLD_KEYS=development`
 * lets a demo ledger be re-sealed under a real key with `ledger rotate-key`.
 */
export const DEVELOPMENT_ENCRYPTION_KEY: Buffer = createHash('sha256').update('INSECURE-development-only-ledger-encryption-key').digest();

/** The keyring of a development ledger: the development key alone. */
export const DEVELOPMENT_KEYRING: LedgerKeyring = Object.freeze({ current: DEVELOPMENT_ENCRYPTION_KEY, previous: Object.freeze([]) });
