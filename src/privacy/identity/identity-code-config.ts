import { randomBytes } from 'node:crypto';
import { AppError } from '../../errors/app-error';
import { Env, invalid, read } from '../../config/env-readers';

/** The environment variable holding the key that hashes one-time codes. */
export const IDENTITY_CODE_KEY = 'IDENTITY_CODE_KEY';

/** Shortest accepted `IDENTITY_CODE_KEY`, characters. */
export const MIN_IDENTITY_CODE_KEY_LENGTH = 32;

/** What the one-time code settings resolve to. */
export interface IdentityCodeConfig {
  /**
   * HMAC-SHA256 key of the stored code hashes, the rate-limit keys and the claim keys. Same value
   * on every instance (a code sent by one is checked by another). Env `IDENTITY_CODE_KEY`.
   */
  readonly key: Buffer;
  /** True when none was configured and one was generated for this process. */
  readonly usesEphemeralKey: boolean;
  /** Sentences the caller logs once at start. */
  readonly warnings: readonly string[];
}

/**
 * Reads `IDENTITY_CODE_KEY` (at least 32 characters, e.g. `openssl rand -hex 32`). Unset: with
 * `NODE_ENV=production` an error; otherwise a key generated for this process, with a warning (codes
 * pending at a restart stop working, and a second instance cannot check this one's codes).
 *
 * @throws AppError `PSB_CONFIG_INVALID` naming IDENTITY_CODE_KEY.
 */
export function loadIdentityCodeConfig(env: Env = process.env): IdentityCodeConfig {
  const raw = read(env, IDENTITY_CODE_KEY);
  const expected = `at least ${MIN_IDENTITY_CODE_KEY_LENGTH} characters, e.g. \`openssl rand -hex 32\``;
  if (raw !== undefined) {
    if (raw.length < MIN_IDENTITY_CODE_KEY_LENGTH) throw invalid(IDENTITY_CODE_KEY, expected, `<${raw.length} characters>`);
    return Object.freeze({ key: Buffer.from(raw, 'utf8'), usesEphemeralKey: false, warnings: Object.freeze([]) });
  }
  if (read(env, 'NODE_ENV') === 'production') {
    throw new AppError('PSB_CONFIG_INVALID', `${IDENTITY_CODE_KEY} must be set when NODE_ENV=production: ${expected}, the same on every instance`, { variable: IDENTITY_CODE_KEY });
  }
  return Object.freeze({
    key: randomBytes(32),
    usesEphemeralKey: true,
    warnings: Object.freeze([
      `${IDENTITY_CODE_KEY} is not set: one-time codes are hashed with a key generated at start; codes pending at a restart stop working and other instances cannot check them. Set ${IDENTITY_CODE_KEY} (${expected}) before several instances or real customers.`,
    ]),
  });
}
