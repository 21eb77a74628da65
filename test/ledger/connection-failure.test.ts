import assert from 'node:assert/strict';
import { isAppError } from '../../src/errors/app-error';
import { createPgDatabase } from '../../src/ledger/db/pg-database';
import type { SqlDatabase } from '../../src/ledger/db/sql-database';
import { requireLedgerPostgres, TEST_DATABASE_URL } from './support/ledger-backends';

/**
 * On the real PostgreSQL: a lost connection becomes `PSB_LEDGER_UNAVAILABLE` (503 at the HTTP
 * edge), the server's answers to a wrong statement stay what they are, and a broken client is
 * not handed to the next use case. Only this test's own backend is terminated; nothing is written.
 */
describe('PostgreSQL connection failures in the ledger database', () => {
  let db: SqlDatabase;
  before(async () => {
    await requireLedgerPostgres();
    db = createPgDatabase({ connectionString: TEST_DATABASE_URL, maxConnections: 1 });
  });
  after(async () => db?.close());

  it('a connection terminated under a transaction is PSB_LEDGER_UNAVAILABLE', async () => {
    await assert.rejects(
      db.transaction((tx) => tx.query('SELECT pg_terminate_backend(pg_backend_pid())')),
      (err: unknown) => isAppError(err, 'PSB_LEDGER_UNAVAILABLE'),
    );
  });

  it('the next query gets a fresh connection and answers', async () => {
    assert.deepEqual((await db.query<{ one: number }>('SELECT 1 AS one')).rows, [{ one: 1 }]);
  });

  it('a wrong statement stays the server\'s own error, not an outage', async () => {
    await assert.rejects(db.query('SELEC 1'), (err: unknown) => !isAppError(err) && (err as { code?: string }).code === '42601');
  });

  it('nothing listening is PSB_LEDGER_UNAVAILABLE', async () => {
    const nowhere = createPgDatabase({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
    try {
      await assert.rejects(nowhere.query('SELECT 1'), (err: unknown) => isAppError(err, 'PSB_LEDGER_UNAVAILABLE'));
    } finally {
      await nowhere.close();
    }
  });
});
