import { Pool, PoolClient } from 'pg';
import { LedgerError } from '../ledger-errors';
import { asLedgerUnavailable } from './connection-failure';
import { answersTrivialQuery, SqlDatabase, SqlExecutor, SqlResult } from './sql-database';

export interface PgDatabaseOptions {
  /** postgres:// URL (DATABASE_URL). */
  connectionString: string;
  /** Schema the ledger lives in; tests use one per run. @default 'public' */
  schema?: string;
  /** @default 10 */
  maxConnections?: number;
}

function executor(client: Pool | PoolClient): SqlExecutor {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
      try {
        const result = await client.query(sql, params as unknown[]);
        return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
      } catch (err) {
        throw asLedgerUnavailable(err);
      }
    },
  };
}

/** PostgreSQL through a pg pool; every connection's search_path is the ledger schema. */
export function createPgDatabase(options: PgDatabaseOptions): SqlDatabase {
  const schema = options.schema ?? 'public';
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    options: `-c search_path=${JSON.stringify(schema)}`,
    connectionTimeoutMillis: 5000,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const direct = executor(pool);
  return {
    backend: 'postgresql',
    query: direct.query,
    async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect().catch((err: unknown) => {
        throw asLedgerUnavailable(err);
      });
      // A checked-out client has no pool listener: its connection dropping mid-transaction would be an
      // unhandled 'error' event (a crash). The failing query reports it; this only keeps the process up.
      const ignoreDrop = (): void => undefined;
      client.on('error', ignoreDrop);
      let broken = false;
      try {
        const tx = executor(client);
        await tx.query('BEGIN');
        const result = await work(tx);
        await tx.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        // A client whose connection failed is discarded, not handed to the next use case.
        broken = err instanceof LedgerError && err.code === 'PSB_LEDGER_UNAVAILABLE';
        throw err;
      } finally {
        client.off('error', ignoreDrop);
        client.release(broken);
      }
    },
    isReady: () => answersTrivialQuery(direct),
    close: () => pool.end(),
  };
}
