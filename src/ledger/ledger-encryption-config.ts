import { AppError } from '../errors/app-error';
import { Env, invalid, read } from '../config/env-readers';
import { DEVELOPMENT_ENCRYPTION_KEY, ENCRYPTION_KEY_BYTES, LedgerKeyring } from './subjects/identifier-cipher';

/** The variable holding the key that seals identifiers now. */
export const LEDGER_ENCRYPTION_KEY = 'LEDGER_ENCRYPTION_KEY';
/** The variable listing keys that only open identifiers sealed before a rotation. */
export const LEDGER_ENCRYPTION_OLD_KEYS = 'LEDGER_ENCRYPTION_OLD_KEYS';
/** The word that stands for the built-in development key in LEDGER_ENCRYPTION_OLD_KEYS. */
export const DEVELOPMENT_KEY_NAME = 'development';

/** What the encryption variables resolve to. */
export interface LedgerEncryptionConfig {
  readonly keyring: LedgerKeyring;
  /** True when the development key stands in for LEDGER_ENCRYPTION_KEY. */
  readonly usesDevelopmentKey: boolean;
  /** Sentences the caller logs once at start. */
  readonly warnings: readonly string[];
}

const EXPECTED = `base64 of ${ENCRYPTION_KEY_BYTES} random bytes, e.g. \`openssl rand -base64 ${ENCRYPTION_KEY_BYTES}\``;
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$/;

function decodeKey(variable: string, raw: string): Buffer {
  if (!BASE64_32_BYTES.test(raw)) throw invalid(variable, EXPECTED, `<${raw.length} characters>`);
  return Buffer.from(raw, 'base64');
}

/**
 * Reads the keys that seal identifier values at rest (AES-256-GCM):
 *
 * - `LEDGER_ENCRYPTION_KEY`: base64 of 32 random bytes; seals every new value and, after
 *   `ledger rotate-key`, every old one. Unset outside production → the built-in development key with
 *   a warning; unset with `NODE_ENV=production` → error.
 * - `LEDGER_ENCRYPTION_OLD_KEYS`: comma-separated keys (same form, or the word `development`) that
 *   only open values sealed before a rotation. Keep them until `ledger rotate-key` has run.
 *
 * Each row stores the id of its key (a hash of the key), so no key needs a name.
 * @throws AppError `PSB_CONFIG_INVALID` naming the variable.
 */
export function loadLedgerEncryptionConfig(env: Env = process.env): LedgerEncryptionConfig {
  const raw = read(env, LEDGER_ENCRYPTION_KEY);
  const previous = (read(env, LEDGER_ENCRYPTION_OLD_KEYS) ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '')
    .map((k) => (k === DEVELOPMENT_KEY_NAME ? DEVELOPMENT_ENCRYPTION_KEY : decodeKey(LEDGER_ENCRYPTION_OLD_KEYS, k)));
  if (raw !== undefined) {
    return Object.freeze({ keyring: Object.freeze({ current: decodeKey(LEDGER_ENCRYPTION_KEY, raw), previous: Object.freeze(previous) }), usesDevelopmentKey: false, warnings: Object.freeze([]) });
  }
  if (read(env, 'NODE_ENV') === 'production') {
    throw new AppError('PSB_CONFIG_INVALID', `${LEDGER_ENCRYPTION_KEY} must be set when NODE_ENV=production: ${EXPECTED}`, { variable: LEDGER_ENCRYPTION_KEY });
  }
  return Object.freeze({
    keyring: Object.freeze({ current: DEVELOPMENT_ENCRYPTION_KEY, previous: Object.freeze(previous) }),
    usesDevelopmentKey: true,
    warnings: Object.freeze([
      `${LEDGER_ENCRYPTION_KEY} is not set: identifiers are encrypted with the built-in development key, which is public. Set ${LEDGER_ENCRYPTION_KEY} (${EXPECTED}) before storing real customers.`,
    ]),
  });
}
