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

  describe('a busy pool', () => {
    let busy: SqlDatabase | undefined;
    afterEach(async () => busy?.close());

    /** Holds the only connection in a transaction until `release` is called. */
    function holdTheConnection(db: SqlDatabase): { held: Promise<void>; release: () => void; done: Promise<unknown> } {
      let release!: () => void;
      let held!: () => void;
      const heldPromise = new Promise<void>((resolve) => (held = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      const done = db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        held();
        await released;
      });
      return { held: heldPromise, release, done };
    }

    it('queues a query behind a transaction that holds every connection, longer than a connection attempt may take, and answers it when the connection frees', async () => {
      // A connection attempt may take 200 ms here; the query waits in line five times as long, and must not count that as the database down.
      busy = createPgDatabase({ connectionString: TEST_DATABASE_URL, maxConnections: 1, connectTimeoutMs: 200 });
      const holder = holdTheConnection(busy);
      await holder.held;
      const order: string[] = [];
      const queued = busy.query<{ one: number }>('SELECT 1 AS one').then((result) => {
        order.push('query');
        return result;
      });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      order.push('release');
      holder.release();
      await holder.done;
      assert.deepEqual((await queued).rows, [{ one: 1 }]);
      assert.deepEqual(order, ['release', 'query'], 'the query waited for the connection instead of failing');
    });

    it('a query that waits in line longer than maxWaitMs is PSB_LEDGER_UNAVAILABLE saying the ledger is busy, and never runs', async () => {
      busy = createPgDatabase({ connectionString: TEST_DATABASE_URL, maxConnections: 1, maxWaitMs: 50 });
      const holder = holdTheConnection(busy);
      await holder.held;
      await assert.rejects(busy.query('SELECT 1'), (err: unknown) => isAppError(err, 'PSB_LEDGER_UNAVAILABLE') && /too busy/.test((err as Error).message));
      holder.release();
      await holder.done;
      assert.deepEqual((await busy.query<{ one: number }>('SELECT 1 AS one')).rows, [{ one: 1 }], 'the line moves on');
    });

    it('says ready while every connection is busy (the database answers), and not ready when nothing listens', async () => {
      // Were the probe to wait in line, it would give up after 50 ms and say "not ready" about a database that answers.
      busy = createPgDatabase({ connectionString: TEST_DATABASE_URL, maxConnections: 1, maxWaitMs: 50 });
      const holder = holdTheConnection(busy);
      await holder.held;
      assert.equal(await busy.isReady(), true);
      holder.release();
      await holder.done;
      const nowhere = createPgDatabase({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
      try {
        assert.equal(await nowhere.isReady(), false);
      } finally {
        await nowhere.close();
      }
    });
  });
});

