import { AppError } from '../errors/app-error';
import { DEFAULT_LEDGER_DIR, LedgerOptions } from './ledger';
import { Env, invalid, read } from '../config/env-readers';
import { loadLedgerEncryptionConfig } from './ledger-encryption-config';

/**
 * The identifier hash key used when `LEDGER_HASH_KEY` is unset outside production. Its name says
 * what it is: lookup hashes made with it protect nothing, and a ledger filled with it cannot be
 * moved to a real key without re-hashing every identifier.
 */
export const DEVELOPMENT_HASH_KEY = 'INSECURE-development-only-ledger-hash-key';

/** Shortest accepted `LEDGER_HASH_KEY` (the identifier hasher refuses shorter keys). */
export const MIN_HASH_KEY_LENGTH = 16;

/** What the ledger's environment variables resolve to; pass it to `openLedger` as it is. */
export interface LedgerConfig extends LedgerOptions {
  /** For the start-up log: "PostgreSQL at db.internal:5432/privacy (schema public)"; never a password. */
  readonly backendDescription: string;
  /** True when the development key stands in for `LEDGER_HASH_KEY`. */
  readonly usesDevelopmentHashKey: boolean;
  /** True when the development key stands in for `LEDGER_ENCRYPTION_KEY`. */
  readonly usesDevelopmentEncryptionKey: boolean;
  /** Sentences the caller should print or log once at start (e.g. the development-key warning). */
  readonly warnings: readonly string[];
}

/** Host, port and database of a postgres URL, for the start-up log; the password never leaves here. */
function describePostgres(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('DATABASE_URL', 'a postgres:// or postgresql:// URL', '<unparseable>');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw invalid('DATABASE_URL', 'a postgres:// or postgresql:// URL', url.protocol);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
  return `${url.hostname || 'localhost'}:${url.port || '5432'}/${database}`;
}

/**
 * Reads the ledger's settings from the environment. A pure function of `env` (it prints nothing:
 * the caller logs `backendDescription` and `warnings`), shared by the bot's start-up and the CLI.
 *
 * - `DATABASE_URL`: postgres:// URL; unset → embedded PGlite.
 * - `LEDGER_DIR`: folder of the embedded database. @default `<project>/data/ledger`; `memory://` keeps it in memory.
 * - `LEDGER_SCHEMA`: schema of the tables. @default 'public'
 * - `LEDGER_HASH_KEY`: key of the identifier lookup hash, at least 16 characters. Unset outside
 *   production → {@link DEVELOPMENT_HASH_KEY} with a warning; unset with `NODE_ENV=production` → error.
 * - `LEDGER_ENCRYPTION_KEY`, `LEDGER_ENCRYPTION_OLD_KEYS`: keys sealing identifier values at rest
 *   (see ledger-encryption-config.ts); the same development fallback, and the same refusal in production.
 *
 * @throws AppError `PSB_CONFIG_INVALID` naming the variable.
 */
export function loadLedgerConfig(env: Env = process.env): LedgerConfig {
  const databaseUrl = read(env, 'DATABASE_URL');
  const ledgerDir = read(env, 'LEDGER_DIR');
  const schema = read(env, 'LEDGER_SCHEMA') ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw invalid('LEDGER_SCHEMA', 'a lower-case SQL identifier (a-z, 0-9, _; up to 63 characters)', schema);

  const warnings: string[] = [];
  let hashKey = env.LEDGER_HASH_KEY ?? '';
  const usesDevelopmentHashKey = hashKey === '';
  if (usesDevelopmentHashKey) {
    if (read(env, 'NODE_ENV') === 'production') {
      throw new AppError('PSB_CONFIG_INVALID', 'LEDGER_HASH_KEY must be set when NODE_ENV=production (a random secret of at least 16 characters, e.g. `openssl rand -hex 32`)', { variable: 'LEDGER_HASH_KEY' });
    }
    hashKey = DEVELOPMENT_HASH_KEY;
    warnings.push('LEDGER_HASH_KEY is not set: using the built-in development key; identifier hashes are not secret. Set LEDGER_HASH_KEY before storing real customers.');
  } else if (hashKey.length < MIN_HASH_KEY_LENGTH) {
    throw invalid('LEDGER_HASH_KEY', `at least ${MIN_HASH_KEY_LENGTH} characters`, `<${hashKey.length} characters>`);
  }
  const encryption = loadLedgerEncryptionConfig(env);
  warnings.push(...encryption.warnings);
  if (databaseUrl && ledgerDir) warnings.push('LEDGER_DIR is ignored because DATABASE_URL is set.');

  const backendDescription = databaseUrl
    ? `PostgreSQL at ${describePostgres(databaseUrl)} (schema ${schema})`
    : `PGlite (embedded) ${ledgerDir === 'memory://' ? 'in memory' : `in ${ledgerDir ?? DEFAULT_LEDGER_DIR}`} (schema ${schema})`;

  return Object.freeze({
    ...(databaseUrl ? { databaseUrl } : { ledgerDir: ledgerDir ?? DEFAULT_LEDGER_DIR }),
    schema,
    hashKey,
    encryptionKeys: encryption.keyring,
    backendDescription,
    usesDevelopmentHashKey,
    usesDevelopmentEncryptionKey: encryption.usesDevelopmentKey,
    warnings: Object.freeze(warnings),
  });
}
