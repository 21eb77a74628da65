/** A query result: rows as plain objects, and how many rows a write touched. */
export interface SqlResult<Row> {
  readonly rows: Row[];
  readonly rowCount: number;
}

/** What a use case may do inside a transaction (or outside, for single reads). */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<SqlResult<Row>>;
}

/**
 * The ledger's database: PostgreSQL through a pg pool, or PGlite in-process. The same SQL runs on
 * both; the ledger never sees which one it has (only the start-up log says).
 */
export interface SqlDatabase extends SqlExecutor {
  readonly backend: 'postgresql' | 'pglite';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Resolves true when the database answers a trivial query; never rejects. */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}

/** Readiness probe shared by both backends: a trivial query that must answer. */
export async function answersTrivialQuery(executor: SqlExecutor): Promise<boolean> {
  try {
    await executor.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
