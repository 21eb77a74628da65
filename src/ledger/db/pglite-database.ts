import { mkdirSync } from 'node:fs';
import { PGlite, Transaction } from '@electric-sql/pglite';
import { acquireLedgerFolderLock } from './ledger-folder-lock';
import { answersTrivialQuery, SqlDatabase, SqlExecutor, SqlResult } from './sql-database';

export interface PgliteDatabaseOptions {
  /** Folder the embedded database persists in (LEDGER_DIR); undefined = in memory (tests). */
  dataDir?: string;
  /** @default 'public' */
  schema?: string;
  /** What this process is, for the message a refused second opener shows. @default the script, e.g. `node dist/src/main.js` */
  openedBy?: string;
  /**
   * Fills a new (empty) `dataDir` before PGlite opens it, with the folder's lock held: the ledger copies its
   * template there (pglite-template.ts). Its failure is only a lost speed-up: PGlite then runs initdb in the
   * folder, as it does without `seed`. @default nothing: initdb
   */
  seed?: (dataDir: string) => Promise<unknown>;
}

function executor(target: PGlite | Transaction): SqlExecutor {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
      const result = await target.query<Row>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
    },
  };
}

/**
 * PGlite: PostgreSQL compiled to WASM, in this process. One connection, so transactions are
 * naturally serialised; durable in `dataDir`, which this process holds alone (a lock file beside it)
 * until `close()`.
 * @throws LedgerError `PSB_LEDGER_LOCKED` when another live process holds `dataDir`.
 */
export async function createPgliteDatabase(options: PgliteDatabaseOptions): Promise<SqlDatabase> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const lock = options.dataDir ? await acquireLedgerFolderLock(options.dataDir, options.openedBy) : undefined;
  // The seed reports its own failure (the ledger says it); one that throws still leaves the folder as it found it.
  if (options.dataDir && options.seed) await options.seed(options.dataDir).catch(() => undefined);
  const db = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
  const schema = options.schema ?? 'public';
  try {
    await db.waitReady;
    if (schema !== 'public') await db.exec(`CREATE SCHEMA IF NOT EXISTS ${JSON.stringify(schema)}; SET search_path TO ${JSON.stringify(schema)};`);
  } catch (err) {
    await db.close().catch(() => undefined);
    lock?.release();
    throw err;
  }
  const direct = executor(db);
  return {
    backend: 'pglite',
    query: direct.query,
    transaction: <T>(work: (tx: SqlExecutor) => Promise<T>) => db.transaction((tx) => work(executor(tx))),
    isReady: () => answersTrivialQuery(direct),
    close: async () => {
      try {
        await db.close();
      } finally {
        lock?.release();
      }
    },
  };
}
