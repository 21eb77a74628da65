import { Client, DatabaseError } from 'pg';
import type { DataSourceConfig, SourceRecord } from '../access-types';
import { failureKind, SourceRunError, tooLarge } from './source-run-error';
import type { SourceRunInput, SourceRunner, SourceRunOutcome } from './source-runner';

export interface PostgresSourceOptions {
  readonly source: Pick<DataSourceConfig, 'id' | 'query' | 'timeoutMs' | 'maxBytes'>;
  /** SourceCredentials.connectionString (from the variable `connectionEnv` names). */
  readonly connectionString: string;
  /** Rows per FETCH: what is held in memory at once, besides the sealed pages. @default 500 */
  readonly fetchRows?: number;
}

/** The failure kinds of PostgreSQL error codes worth naming; others say their SQLSTATE. */
const KIND_BY_SQLSTATE: Readonly<Record<string, string>> = {
  '57014': 'statement timeout',
  '25006': 'the query writes (refused: read-only transaction)',
  '42501': 'permission denied (PostgreSQL 42501)',
  '28000': 'login refused (PostgreSQL 28000)',
  '28P01': 'login refused (PostgreSQL 28P01)',
  '3D000': 'database does not exist (PostgreSQL 3D000)',
};

function asRunError(err: unknown, signal: AbortSignal): SourceRunError {
  if (err instanceof SourceRunError) return err;
  if (signal.aborted) return new SourceRunError('timeout', { cause: err });
  // The server's message may quote a value (an identifier in a cast error): only the code is kept.
  if (err instanceof DatabaseError && err.code) return new SourceRunError(KIND_BY_SQLSTATE[err.code] ?? `PostgreSQL error ${err.code}`, { cause: err });
  if (err instanceof Error && err.message === 'timeout expired') return new SourceRunError('timeout (connecting)', { cause: err });
  return new SourceRunError(failureKind(err), { cause: err });
}

/** A row as a plain JSON-ready record: dates as ISO strings, binary as base64. */
function plainRow(row: Record<string, unknown>): SourceRecord {
  const record: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    record[column] = value instanceof Date ? value.toISOString() : Buffer.isBuffer(value) ? value.toString('base64') : value;
  }
  return record;
}

/**
 * A company database read with one parameterised query: the subject's identifiers are `$1`, a JSON
 * object (`$1::jsonb->>'email'`), never text spliced into SQL. Each run opens its own connection, in a
 * READ ONLY transaction with `statement_timeout` = the source's `timeoutMs`, and reads through a
 * server-side cursor (plain DECLARE/FETCH, no extra package) `fetchRows` rows at a time, counting the
 * bytes of the records against `maxBytes`: memory holds one fetch, never the whole answer.
 */
export class PostgresSourceRunner implements SourceRunner {
  private readonly fetchRows: number;
  private readonly sql: string;

  constructor(private readonly options: PostgresSourceOptions) {
    this.fetchRows = options.fetchRows ?? 500;
    // Checked at start (read-only-query.ts): one statement; a trailing ";" cannot stay inside DECLARE.
    this.sql = options.source.query!.trim().replace(/;\s*$/, '');
  }

  async run(input: SourceRunInput): Promise<SourceRunOutcome> {
    return { kind: 'records', records: this.rows(input) };
  }

  private async *rows(input: SourceRunInput): AsyncGenerator<SourceRecord> {
    const { source, connectionString } = this.options;
    const client = new Client({ connectionString, connectionTimeoutMillis: source.timeoutMs, application_name: `privacy-bot source ${source.id}` });
    // A connection dropping between two queries must not crash the process; the next query fails instead.
    client.on('error', () => undefined);
    const abort = (): void => void client.end().catch(() => undefined);
    input.signal.addEventListener('abort', abort, { once: true });
    try {
      if (input.signal.aborted) throw new SourceRunError('timeout');
      await client.connect();
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // A whole number checked at start, so it may be written into the statement (SET takes no parameters).
      await client.query(`SET LOCAL statement_timeout = ${Math.trunc(source.timeoutMs)}`);
      await client.query(`DECLARE psb_source_rows NO SCROLL CURSOR FOR ${this.sql}`, [JSON.stringify(input.subject.identifiers)]);
      let bytes = 0;
      for (;;) {
        const batch = await client.query<Record<string, unknown>>(`FETCH ${this.fetchRows} FROM psb_source_rows`);
        for (const row of batch.rows) {
          const record = plainRow(row);
          bytes += Buffer.byteLength(JSON.stringify(record), 'utf8');
          if (bytes > source.maxBytes) throw tooLarge(source.maxBytes);
          yield record;
        }
        if (batch.rows.length < this.fetchRows) break;
      }
      await client.query('COMMIT');
    } catch (err) {
      throw asRunError(err, input.signal);
    } finally {
      input.signal.removeEventListener('abort', abort);
      await client.end().catch(() => undefined);
    }
  }
}
