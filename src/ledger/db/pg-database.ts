import { Client, Pool, PoolClient } from 'pg';
import { TaskSlots } from '../../concurrency/task-slots';
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
  /** How long a query or transaction waits in line for a connection before it fails. @default 20000 */
  maxWaitMs?: number;
  /** A connection attempt (not a wait in line) longer than this means the database does not answer. @default 5000 */
  connectTimeoutMs?: number;
}

function executor(client: Pool | PoolClient | Client): SqlExecutor {
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

/**
 * PostgreSQL through a pg pool; every connection's search_path is the ledger schema. Queries and
 * transactions wait in line here for one of the pool's connections (in arrival order, up to
 * `maxWaitMs`), so the pool itself never makes anyone wait: its connect timeout then measures a
 * connection attempt only. Without this, a burst of writes queued behind the audit chain's lock
 * filled the pool, and a turn waiting 5 s for a free connection was told the database was down.
 */
export function createPgDatabase(options: PgDatabaseOptions): SqlDatabase {
  const schema = options.schema ?? 'public';
  const max = options.maxConnections ?? 10;
  const maxWaitMs = options.maxWaitMs ?? 20_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const pool = new Pool({
    connectionString: options.connectionString,
    max,
    options: `-c search_path=${JSON.stringify(schema)}`,
    connectionTimeoutMillis: connectTimeoutMs,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const line = new TaskSlots(max);
  const wait = {
    limitMs: maxWaitMs,
    error: () => new LedgerError('PSB_LEDGER_UNAVAILABLE', `the ledger database (DATABASE_URL) is too busy: no connection came free within ${maxWaitMs / 1000} s; try again shortly`, { waitedMs: maxWaitMs }),
  };
  const pooled = executor(pool);
  const direct: SqlExecutor = { query: (sql, params) => line.run(() => pooled.query(sql, params), wait) };
  return {
    backend: 'postgresql',
    query: direct.query,
    transaction: (work) => line.run(() => transaction(pool, work), wait),
    // Not through the line: a probe queued behind a burst of writes would say "not ready" about a busy
    // database that answers, and a load balancer would take the instance out just when it is needed.
    isReady: () => answersOnItsOwnConnection(options.connectionString, connectTimeoutMs),
    close: () => pool.end(),
  };
}

/** Readiness: `SELECT 1` on a connection opened for it (within the connect timeout, the query as long), then closed. */
async function answersOnItsOwnConnection(connectionString: string, timeoutMs: number): Promise<boolean> {
  const client = new Client({ connectionString, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await answersTrivialQuery(executor(client));
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** One transaction on a connection of its own, rolled back on any error; a broken connection is discarded. */
async function transaction<T>(pool: Pool, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
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
}
