import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { SourceJobStore } from '../../../src/ledger/access/source-jobs';
import { RECORD_CATEGORY_KEY, SourceRecord, SourceSubject } from '../../../src/privacy/access/access-types';
import { SourceJobWorker } from '../../../src/privacy/access/source-job-worker';
import { subjectOfRequest } from '../../../src/privacy/access/source-subject';
import { createSourceRunners } from '../../../src/privacy/access/sources/create-source-runners';
import { PostgresSourceRunner } from '../../../src/privacy/access/sources/postgres-source';
import { SourceRunError } from '../../../src/privacy/access/sources/source-run-error';
import { forEachBackend, TEST_DATABASE_URL } from '../../ledger/support/ledger-backends';
import { HEAVY_HOOK_TIMEOUT_MS } from '../../support/hook-timeouts';
import { connectTestPostgres } from '../../support/services';
import { LogCapture } from '../../support/test-app';
import { openCase, SettledLog, storedRecords, testCatalog } from './support/source-fixtures';

/** The identifiers of a customer whose email is an SQL injection attempt: valid as an email, harmless as a parameter. */
const TRICKY_EMAIL = "x'or'1'='1@example.com";

/**
 * A fictitious company CRM in a schema of this run: customers and their orders, two of them ours
 * (their identifiers are the test subject's), the rest someone else's.
 */
class CrmFixture {
  readonly schema = `psb_crm_${process.pid}_${randomBytes(4).toString('hex')}`;
  private client: Client | undefined;

  async create(): Promise<void> {
    this.client = await connectTestPostgres(TEST_DATABASE_URL);
    const s = `"${this.schema}"`;
    await this.client.query(`CREATE SCHEMA ${s}`);
    await this.client.query(`CREATE TABLE ${s}.customer (customer_number text PRIMARY KEY, name text NOT NULL, email text, phone text)`);
    await this.client.query(`CREATE TABLE ${s}.orders (order_number text PRIMARY KEY, customer_number text NOT NULL REFERENCES ${s}.customer, placed_at timestamptz NOT NULL, total numeric(10, 2) NOT NULL, category text NOT NULL)`);
    // A lookup that also writes (an audit row): what a read-only run must refuse.
    await this.client.query(`CREATE TABLE ${s}.lookup_log (email text, at timestamptz DEFAULT now())`);
    await this.client.query(
      `CREATE FUNCTION ${s}.logged_lookup(wanted text) RETURNS SETOF ${s}.customer LANGUAGE plpgsql AS $fn$
       BEGIN INSERT INTO ${s}.lookup_log (email) VALUES (wanted); RETURN QUERY SELECT * FROM ${s}.customer WHERE email = wanted; END $fn$`,
    );
    await this.client.query(`INSERT INTO ${s}.customer VALUES ('CUST-OTHER', 'Somebody Else', 'somebody@example.com', '+390200000000'), ('CUST-TRICKY', 'Tricky Address', $1, NULL)`, [TRICKY_EMAIL]);
    await this.client.query(
      `INSERT INTO ${s}.orders VALUES ('ORD-9', 'CUST-OTHER', '2026-01-05T10:00:00Z', 99.00, 'garden'), ('ORD-8', 'CUST-OTHER', '2026-02-05T10:00:00Z', 5.50, 'books'), ('ORD-7', 'CUST-TRICKY', '2026-03-01T10:00:00Z', 1.00, 'books')`,
    );
  }

  /** Adds a customer with these identifiers and `orders` orders. */
  async addCustomer(customerNumber: string, email: string, orders: number): Promise<void> {
    const s = `"${this.schema}"`;
    await this.client!.query(`INSERT INTO ${s}.customer VALUES ($1, 'Test Customer', $2, '+393470000000')`, [customerNumber, email]);
    for (let i = 1; i <= orders; i += 1) {
      await this.client!.query(`INSERT INTO ${s}.orders VALUES ($1, $2, $3, $4, 'books')`, [`ORD-${customerNumber}-${i}`, customerNumber, new Date(Date.UTC(2026, 0, i, 9)), 10 + i]);
    }
  }

  async count(table: string): Promise<number> {
    return Number((await this.client!.query(`SELECT count(*) AS n FROM "${this.schema}".${table}`)).rows[0].n);
  }

  async drop(): Promise<void> {
    await this.client?.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`).catch(() => undefined);
    await this.client?.end().catch(() => undefined);
  }

  contactQuery(): string {
    return `SELECT customer_number AS "customerNumber", name, email, phone FROM "${this.schema}".customer WHERE email = $1::jsonb->>'email' OR customer_number = $1::jsonb->>'customer_number'`;
  }

  ordersQuery(): string {
    return `SELECT o.order_number AS "orderNumber", o.placed_at AS "placedAt", o.total, o.category FROM "${this.schema}".orders o JOIN "${this.schema}".customer c USING (customer_number)
            WHERE c.email = $1::jsonb->>'email' OR c.customer_number = $1::jsonb->>'customer_number' ORDER BY o.placed_at`;
  }
}

function runner(query: string, overrides: { timeoutMs?: number; maxBytes?: number; fetchRows?: number } = {}): PostgresSourceRunner {
  return new PostgresSourceRunner({ source: { id: 'crm', query, timeoutMs: overrides.timeoutMs ?? 10_000, maxBytes: overrides.maxBytes ?? 1024 * 1024 }, connectionString: TEST_DATABASE_URL, fetchRows: overrides.fetchRows });
}

async function read(source: PostgresSourceRunner, subject: SourceSubject, signal = new AbortController().signal): Promise<SourceRecord[]> {
  const outcome = await source.run({ reference: 'PRV-TEST', subject, categories: null, signal });
  assert.equal(outcome.kind, 'records');
  const records: SourceRecord[] = [];
  if (outcome.kind === 'records') for await (const record of outcome.records) records.push(record);
  return records;
}

async function failureOf(promise: Promise<unknown>): Promise<string> {
  let kind = '';
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof SourceRunError, `expected a SourceRunError, got ${String(err)}`);
    kind = err.kind;
    return true;
  });
  return kind;
}

describe('postgres data source', function () {
  const crm = new CrmFixture();
  const subject: SourceSubject = { subjectId: 'subject-1', identifiers: { email: 'anna.verdi@example.com', customer_number: 'CUST-ANNA' } };

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await crm.create();
    await crm.addCustomer('CUST-ANNA', 'anna.verdi@example.com', 5);
  });
  after(() => crm.drop());

  it("returns the subject's rows only, as plain records, through a cursor read a few rows at a time", async () => {
    assert.deepEqual(await read(runner(crm.contactQuery()), subject), [{ customerNumber: 'CUST-ANNA', name: 'Test Customer', email: 'anna.verdi@example.com', phone: '+393470000000' }]);
    const orders = await read(runner(crm.ordersQuery(), { fetchRows: 2 }), subject);
    assert.deepEqual(
      orders.map((o) => [o.orderNumber, o.placedAt, o.total, o.category]),
      [1, 2, 3, 4, 5].map((i) => [`ORD-CUST-ANNA-${i}`, new Date(Date.UTC(2026, 0, i, 9)).toISOString(), `${10 + i}.00`, 'books']),
    );
  });

  it('keeps an identifier that is an SQL injection attempt a parameter: it matches only itself', async () => {
    const tricky: SourceSubject = { subjectId: 'subject-2', identifiers: { email: TRICKY_EMAIL } };
    assert.deepEqual((await read(runner(crm.ordersQuery()), tricky)).map((o) => o.orderNumber), ['ORD-7']);
    const nobody: SourceSubject = { subjectId: 'subject-3', identifiers: { email: "' OR 1=1 --@example.com" } };
    assert.deepEqual(await read(runner(crm.ordersQuery()), nobody), []);
    assert.equal(await crm.count('orders'), 8, 'nothing was changed either');
  });

  it('fails a query running past the timeout as a statement timeout', async () => {
    const slow = `SELECT pg_sleep(5), name FROM "${crm.schema}".customer WHERE email = $1::jsonb->>'email'`;
    assert.equal(await failureOf(read(runner(slow, { timeoutMs: 200 }), subject)), 'statement timeout');
  });

  it('runs read-only: a query that writes fails and writes nothing', async () => {
    const logged = `SELECT name FROM "${crm.schema}".logged_lookup($1::jsonb->>'email')`;
    assert.equal(await failureOf(read(runner(logged), subject)), 'the query writes (refused: read-only transaction)');
    assert.equal(await crm.count('lookup_log'), 0);
    const deletes = `WITH gone AS (DELETE FROM "${crm.schema}".orders WHERE customer_number = $1::jsonb->>'customer_number' RETURNING *) SELECT * FROM gone`;
    assert.match(await failureOf(read(runner(deletes), subject)), /^PostgreSQL error /);
    assert.equal(await crm.count('orders'), 8);
  });

  it('stops at the size limit, and names a database error by its code only', async () => {
    assert.equal(await failureOf(read(runner(crm.ordersQuery(), { maxBytes: 300, fetchRows: 1 }), subject)), 'answer over 300 bytes');
    const bad = `SELECT ($1::jsonb->>'email')::int AS n`;
    assert.equal(await failureOf(read(runner(bad), subject)), 'PostgreSQL error 22P02', 'the server message (it quotes the email) is not kept');
  });

  it('stops when the run is aborted (the worker’s timeout)', async () => {
    const slow = `SELECT pg_sleep(5), name FROM "${crm.schema}".customer WHERE email = $1::jsonb->>'email'`;
    assert.equal(await failureOf(read(runner(slow), subject, AbortSignal.timeout(200))), 'timeout');
  });

  forEachBackend('fan-out to the ledger and two PostgreSQL sources', (ctx) => {
    it("gathers from every source into the ledger, each record tagged, the subject's rows only", async () => {
      const ledger = ctx.ledger;
      const store = new SourceJobStore(ledger.db, ledger.blobs, ctx.clock.now);
      const catalog = testCatalog(
        [
          { id: 'crm', kind: 'postgres', categories: ['contact'], connectionEnv: 'CRM_DATABASE_URL', query: crm.contactQuery() },
          { id: 'shop', kind: 'postgres', categories: ['orders'], connectionEnv: 'CRM_DATABASE_URL', query: crm.ordersQuery() },
        ],
        { CRM_DATABASE_URL: TEST_DATABASE_URL },
      );
      const logs = new LogCapture();
      const settled = new SettledLog();
      const runners = createSourceRunners(catalog, { ledger, selfBaseUrl: () => 'http://127.0.0.1:1', resultsBaseUrl: () => 'http://127.0.0.1:1', now: ctx.clock.now });
      const worker = new SourceJobWorker({ store, catalog, runners, subjectOf: subjectOfRequest(ledger.db, ledger.subjects), onSettled: settled.onSettled, logger: logs.logger, now: ctx.clock.now });
      const opened = await openCase(ledger, store, ['ledger', 'crm', 'shop']);
      await crm.addCustomer(opened.customerNumber, `crm-${opened.email}`, 3);

      const report = await worker.runPass();
      assert.equal(report.done, 3);
      assert.deepEqual(settled.calls.filter((c) => c.requestId === opened.requestId).map((c) => [c.sourceId, c.outcome]).sort(), [['crm', 'done'], ['ledger', 'done'], ['shop', 'done']]);
      const contact = await storedRecords(store, opened.requestId, 'crm');
      assert.deepEqual(contact, [{ [RECORD_CATEGORY_KEY]: 'contact', customerNumber: opened.customerNumber, name: 'Test Customer', email: `crm-${opened.email}`, phone: '+393470000000' }], 'found by customer number');
      assert.deepEqual((await storedRecords(store, opened.requestId, 'shop')).map((o) => [o[RECORD_CATEGORY_KEY], o.orderNumber, o.category]), [1, 2, 3].map((i) => ['orders', `ORD-${opened.customerNumber}-${i}`, 'books']));
      const ledgerRecords = await storedRecords(store, opened.requestId, 'ledger');
      assert.ok(ledgerRecords.some((r) => r[RECORD_CATEGORY_KEY] === 'identity' && r.kind === 'email' && r.value === opened.email), 'the ledger gives the identifiers decrypted');
      assert.ok(!logs.text.includes(opened.email) && !logs.text.includes(opened.customerNumber), 'no identifier in the logs');
    });
  });
});
