import { Pool, PoolClient } from 'pg';
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
      const result = await client.query(sql, params as unknown[]);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
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
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    isReady: () => answersTrivialQuery(direct),
    close: () => pool.end(),
  };
}
