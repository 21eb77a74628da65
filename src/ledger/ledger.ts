import path from 'node:path';
import { PROJECT_ROOT } from '../paths';
import { BlobCipher } from './access/blob-cipher';
import { AgentService } from './agents/agent-service';
import { verifyChains, ChainReport } from './chain/chain-verifier';
import { ConcernStore } from './concerns/concern-store';
import { IncidentStore } from './concerns/incident-store';
import { ConsentService } from './consent/consent-service';
import { migrate, MigrationReport } from './db/migrator';
import { createPgDatabase } from './db/pg-database';
import { createPgliteDatabase } from './db/pglite-database';
import { seedFromTemplate } from './db/pglite-template';
import { SqlDatabase } from './db/sql-database';
import { loadPurposeCatalog, PurposeCatalog, DEFAULT_PURPOSES_FILE } from './purposes/purpose-catalog';
import { syncPurposes } from './purposes/sync-purposes';
import { RequestService } from './requests/request-service';
import { DEVELOPMENT_KEYRING, IdentifierCipher, LedgerKeyring } from './subjects/identifier-cipher';
import { checkIdentifierKeys, sealClearIdentifiers } from './subjects/identifier-encryption';
import { IdentifierHasher } from './subjects/identifiers';
import { SubjectService } from './subjects/subject-service';
import { VerificationService } from './verifications/verification-service';

export interface LedgerOptions {
  /** postgres:// URL; empty = embedded PGlite in `ledgerDir`. */
  databaseUrl?: string;
  /** Folder of the embedded database. @default './data/ledger'; `memory://` keeps it in memory. */
  ledgerDir?: string;
  /** Schema the tables live in (tests use one per run). @default 'public' */
  schema?: string;
  /** Key of the identifier lookup hash (LEDGER_HASH_KEY). */
  hashKey: string;
  /**
   * Keys sealing identifier values (LEDGER_ENCRYPTION_KEY, LEDGER_ENCRYPTION_OLD_KEYS; see
   * ledger-encryption-config.ts). @default the built-in development key: `loadLedgerConfig` always
   * sets this, and refuses to go without a real key in production.
   */
  encryptionKeys?: LedgerKeyring;
  /** @default config/purposes.json */
  purposesFile?: string;
  /** Clock; tests pass a fixed one. @default () => new Date() */
  now?: () => Date;
  /**
   * What this process is, recorded in the embedded folder's lock so a refused second opener can name it
   * (e.g. `ledger seed-demo`); never arguments that may name a customer. @default the script, e.g. `node dist/src/main.js`
   */
  openedBy?: string;
  /**
   * Where migrated empty PGlite folders are kept (db/pglite-template.ts); a new embedded ledger folder starts
   * as a copy of one. `false`: initdb and migrations in the folder itself. @default data/pglite-template
   */
  pgliteTemplates?: string | false;
}

export const DEFAULT_LEDGER_DIR = path.join(PROJECT_ROOT, 'data', 'ledger');

/** The privacy ledger: every service over one database, plain TypeScript, no bot types. */
export interface Ledger {
  readonly db: SqlDatabase;
  readonly catalog: PurposeCatalog;
  readonly subjects: SubjectService;
  readonly consent: ConsentService;
  readonly requests: RequestService;
  /** Concerns as records (free text sealed); the rules are src/privacy/concerns/concern-service.ts. */
  readonly concerns: ConcernStore;
  /** Breach incidents as records: phases, notice, affected subjects. */
  readonly incidents: IncidentStore;
  readonly verifications: VerificationService;
  readonly agents: AgentService;
  readonly migration: MigrationReport;
  /**
   * A new embedded folder: whether it was filled from the migrated template, or why not (the copy failed, so
   * initdb and the migrations filled it: slower, same result). Undefined for an existing folder or PostgreSQL.
   */
  readonly template?: { readonly seeded: true } | { readonly seeded: false; readonly failure: string };
  /** Identifiers found in clear text at open (rows from before migration 006) and sealed then. */
  readonly identifiersEncryptedAtOpen: number;
  /** Seals identifier values; `ledger rotate-key` uses it. */
  readonly cipher: IdentifierCipher;
  /** Seals binary content the ledger keeps (a source's records, a data copy's chunks) under the same keys. */
  readonly blobs: BlobCipher;
  verify(): Promise<ChainReport>;
  close(): Promise<void>;
}

/**
 * How a new embedded ledger folder is filled: from the migrated template (its tables live in public), unless
 * turned off. `seeded` learns the migrations the copy brought, which this ledger reports as applied at open.
 */
function pgliteSeed(options: LedgerOptions, seeded: (names: string[]) => void, failed: (err: unknown) => void): ((dataDir: string) => Promise<void>) | undefined {
  const templates = options.pgliteTemplates;
  if (templates === false || (options.schema ?? 'public') !== 'public') return undefined;
  return async (dataDir) => {
    try {
      const names = await seedFromTemplate(dataDir, templates);
      if (names) seeded(names);
    } catch (err) {
      // A read-only project folder, a full disk: the folder stays empty and initdb fills it instead.
      failed(err);
    }
  };
}

/**
 * Opens the database, applies migrations, checks every identifier is sealed under a key it holds and
 * seals any still in clear text, loads and syncs the purposes catalog.
 * @throws LedgerError `PSB_LEDGER_ENCRYPTION_KEY` when identifiers are sealed under a key not given.
 */
export async function openLedger(options: LedgerOptions): Promise<Ledger> {
  const now = options.now ?? (() => new Date());
  // The catalog is checked before the database is touched: a bad file stops start-up cleanly.
  const catalog = loadPurposeCatalog(options.purposesFile ?? DEFAULT_PURPOSES_FILE);
  const hasher = new IdentifierHasher(options.hashKey);
  const cipher = new IdentifierCipher(options.encryptionKeys ?? DEVELOPMENT_KEYRING);
  let fromTemplate: string[] = [];
  let seedFailure: string | undefined;
  const db = options.databaseUrl
    ? createPgDatabase({ connectionString: options.databaseUrl, schema: options.schema })
    : await createPgliteDatabase({
        dataDir: options.ledgerDir === 'memory://' ? undefined : (options.ledgerDir ?? DEFAULT_LEDGER_DIR),
        schema: options.schema,
        openedBy: options.openedBy,
        // A new folder starts as a copy of the migrated template instead of initdb + migrations.
        seed: pgliteSeed(
          options,
          (names) => (fromTemplate = names),
          (err) => (seedFailure = err instanceof Error ? err.message : String(err)),
        ),
      });
  try {
    if (options.databaseUrl && options.schema) await db.query(`CREATE SCHEMA IF NOT EXISTS ${JSON.stringify(options.schema)}`);
    const migrated = await migrate(db);
    // A new folder copied from the template got its migrations with the copy: they were applied to it now all the same.
    const migration: MigrationReport = { applied: [...fromTemplate, ...migrated.applied], alreadyApplied: Math.max(0, migrated.alreadyApplied - fromTemplate.length) };
    await checkIdentifierKeys(db, cipher);
    const identifiersEncryptedAtOpen = await sealClearIdentifiers(db, cipher);
    await syncPurposes(db, catalog, now);
    const blobs = new BlobCipher(cipher);
    return {
      db,
      catalog,
      subjects: new SubjectService(db, hasher, now, cipher),
      consent: new ConsentService(db, catalog, now),
      requests: new RequestService(db, now),
      concerns: new ConcernStore(db, blobs),
      incidents: new IncidentStore(db),
      verifications: new VerificationService(db, now),
      agents: new AgentService(db, now),
      migration,
      ...(fromTemplate.length > 0 ? { template: { seeded: true } as const } : seedFailure !== undefined ? { template: { seeded: false, failure: seedFailure } as const } : {}),
      identifiersEncryptedAtOpen,
      cipher,
      blobs,
      verify: () => verifyChains(db),
      close: () => db.close(),
    };
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}
