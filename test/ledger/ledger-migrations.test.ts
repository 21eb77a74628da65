import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ledger } from '../../src/ledger/ledger';
import { Migration, migrate, readMigrations, splitStatements } from '../../src/ledger/db/migrator';
import { assertLedgerError, forEachBackend, registerSubject, requireLedgerPostgres } from './support/ledger-backends';

const SHIPPED = readMigrations();
const SHIPPED_VERSIONS = SHIPPED.map((m) => m.version);
const NEXT = SHIPPED.length + 1;
const NEXT_NAME = (label: string): string => `${String(NEXT).padStart(3, '0')}_${label}.sql`;
const BROKEN: Migration = { version: NEXT, name: NEXT_NAME('broken'), sql: 'CREATE TABLE x_ok (a int); CREATE TABLE x_ok (a int);', checksum: 'x' };

async function tableExists(ledger: Ledger, table: string): Promise<boolean> {
  return (await ledger.db.query('SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1', [table])).rows.length === 1;
}

async function appliedVersions(ledger: Ledger): Promise<number[]> {
  return (await ledger.db.query<{ version: number }>('SELECT version FROM ledger_migration ORDER BY version')).rows.map((r) => Number(r.version));
}

forEachBackend('migrations', (ctx) => {
  it('applies every shipped migration on a new database, and nothing the second time', async () => {
    const { ledger } = ctx;
    assert.deepEqual(ledger.migration, { applied: SHIPPED.map((m) => m.name), alreadyApplied: 0 });
    const subject = await registerSubject(ledger);
    assert.deepEqual(await migrate(ledger.db), { applied: [], alreadyApplied: SHIPPED.length });
    assert.deepEqual(await appliedVersions(ledger), SHIPPED_VERSIONS);
    assert.ok(await ledger.subjects.byId(subject.id), 'data survives a re-run');
    const stored = (await ledger.db.query<{ name: string; checksum: string }>('SELECT name, checksum FROM ledger_migration')).rows;
    assert.deepEqual(stored, readMigrations().map((m) => ({ name: m.name, checksum: m.checksum })));
    assert.equal((await ledger.verify()).ok, true);
  });

  it('re-opens an existing ledger without applying anything', async () => {
    if (ctx.backend === 'postgresql') {
      const schema = (await ctx.ledger.db.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0].schema;
      const again = await ctx.open({ schema });
      assert.deepEqual(again.migration, { applied: [], alreadyApplied: SHIPPED.length });
      assert.equal((await again.verify()).ok, true);
      return;
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-test-'));
    try {
      const first = await ctx.open({ ledgerDir: dir });
      const subject = await registerSubject(first);
      await first.close();
      const again = await ctx.open({ ledgerDir: dir });
      assert.deepEqual(again.migration, { applied: [], alreadyApplied: SHIPPED.length });
      assert.ok(await again.subjects.byId(subject.id), 'the embedded ledger persisted in its folder');
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rolls a failing migration back whole and names its file', async () => {
    const { ledger } = ctx;
    const err = await assertLedgerError(migrate(ledger.db, [...SHIPPED, BROKEN]), 'PSB_LEDGER_MIGRATION', new RegExp(BROKEN.name.replace('.', '\\.')), /failed and was rolled back/, /x_ok/);
    assert.equal(err.details.file, BROKEN.name);
    assert.equal(await tableExists(ledger, 'x_ok'), false, 'the statement that succeeded was rolled back too');
    assert.deepEqual(await appliedVersions(ledger), SHIPPED_VERSIONS, 'the broken version is not recorded');
    assert.deepEqual(await migrate(ledger.db), { applied: [], alreadyApplied: SHIPPED.length }, 'the ledger is as it was');
    await registerSubject(ledger);
    assert.equal((await ledger.verify()).ok, true);
  });

  it('applies a new migration once, with its row', async () => {
    const { ledger } = ctx;
    const added: Migration = { version: NEXT, name: NEXT_NAME('extra'), sql: "-- a test table; dropped below\nCREATE TABLE x_extra (a text DEFAULT 'x;y');", checksum: 'c2' };
    assert.deepEqual(await migrate(ledger.db, [...SHIPPED, added]), { applied: [added.name], alreadyApplied: SHIPPED.length });
    assert.deepEqual(await migrate(ledger.db, [...SHIPPED, added]), { applied: [], alreadyApplied: SHIPPED.length + 1 });
    assert.equal(await tableExists(ledger, 'x_extra'), true);
    // Leave the block's ledger as other tests expect it.
    await ledger.db.transaction(async (tx) => {
      await tx.query('DROP TABLE x_extra');
      await tx.query('DELETE FROM ledger_migration WHERE version = $1', [NEXT]);
    });
  });

  it('refuses an applied migration whose file changed', async () => {
    const { ledger } = ctx;
    const [original] = readMigrations();
    const sql = `${original.sql}\n-- edited after release\n`;
    const edited: Migration = { ...original, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    const err = await assertLedgerError(migrate(ledger.db, [edited]), 'PSB_LEDGER_MIGRATION', /001_ledger\.sql was changed after it was applied; add a new migration instead/);
    assert.equal(err.details.file, '001_ledger.sql');
    assert.deepEqual(await appliedVersions(ledger), SHIPPED_VERSIONS);
  });
});

describe('readMigrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-migrations-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the shipped migrations in order with their checksums', () => {
    const migrations = readMigrations();
    assert.deepEqual(migrations.slice(0, 2).map((m) => [m.version, m.name]), [[1, '001_ledger.sql'], [2, '002_agents.sql']]);
    assert.deepEqual(migrations.map((m) => m.version), migrations.map((_, i) => i + 1));
    assert.match(migrations[0].checksum, /^[0-9a-f]{64}$/);
  });

  it('refuses a gap in the numbering, naming the file', () => {
    writeFileSync(path.join(dir, '001_a.sql'), 'SELECT 1;');
    writeFileSync(path.join(dir, '003_c.sql'), 'SELECT 1;');
    assert.throws(() => readMigrations(dir), (err: unknown) => err instanceof Error && /003_c\.sql/.test(err.message) && /without gaps/.test(err.message));
  });

  it('refuses a file not named NNN_name.sql', () => {
    writeFileSync(path.join(dir, '1-Init.sql'), 'SELECT 1;');
    assert.throws(() => readMigrations(dir), /migration file "1-Init\.sql" must be named NNN_name\.sql/);
  });
});

describe('splitStatements', () => {
  const cases: readonly { why: string; sql: string; statements: string[] }[] = [
    { why: 'plain statements, with or without a final semicolon', sql: 'SELECT 1; SELECT 2;\nSELECT 3', statements: ['SELECT 1', 'SELECT 2', 'SELECT 3'] },
    { why: 'empty statements and blank space', sql: ' ;;\n ; \n', statements: [] },
    {
      why: 'a $$ body with semicolons and quotes inside',
      sql: "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RAISE EXCEPTION 'no; never'; -- not a comment split\nEND\n$$;\nCREATE TRIGGER t BEFORE DELETE ON x FOR EACH ROW EXECUTE FUNCTION f();",
      statements: [
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RAISE EXCEPTION 'no; never'; -- not a comment split\nEND\n$$",
        'CREATE TRIGGER t BEFORE DELETE ON x FOR EACH ROW EXECUTE FUNCTION f()',
      ],
    },
    { why: 'a tagged $body$ holding $$ and semicolons', sql: 'DO $body$ BEGIN PERFORM $$a;b$$; END $body$; SELECT 2', statements: ['DO $body$ BEGIN PERFORM $$a;b$$; END $body$', 'SELECT 2'] },
    { why: 'a tag with digits, as PostgreSQL allows', sql: 'DO $fn1$ BEGIN PERFORM 1; END $fn1$; SELECT 2', statements: ['DO $fn1$ BEGIN PERFORM 1; END $fn1$', 'SELECT 2'] },
    { why: 'positional parameters are not dollar quotes', sql: 'SELECT $1; SELECT $2', statements: ['SELECT $1', 'SELECT $2'] },
    { why: 'semicolons and dashes inside quotes, doubled quotes', sql: "INSERT INTO t VALUES ('a;b', 'it''s; -- fine'); SELECT ';'", statements: ["INSERT INTO t VALUES ('a;b', 'it''s; -- fine')", "SELECT ';'"] },
    { why: 'a quoted identifier with a semicolon', sql: 'CREATE TABLE "odd;name" (a int); SELECT 1', statements: ['CREATE TABLE "odd;name" (a int)', 'SELECT 1'] },
    { why: 'comments with semicolons and apostrophes', sql: "-- header; don't split here\nSELECT 1; -- trailing; comment\n-- another 'one\nSELECT 2;", statements: ['SELECT 1', 'SELECT 2'] },
  ];
  for (const row of cases) {
    it(`splits ${row.why}`, () => assert.deepEqual(splitStatements(row.sql), row.statements));
  }

  it('splits the shipped migration into whole statements', () => {
    const statements = splitStatements(readMigrations()[0].sql);
    const fn = statements.filter((s) => s.startsWith('CREATE FUNCTION'));
    assert.equal(fn.length, 1);
    assert.match(fn[0], /RAISE EXCEPTION .*;\nEND\n\$\$$/s, 'the function body is one statement');
    assert.equal(statements.filter((s) => s.startsWith('CREATE TRIGGER')).length, 5);
    for (const statement of statements) assert.match(statement, /^(CREATE|INSERT)/, statement.slice(0, 60));
  });
});

describe('ledger test backends', () => {
  it('fail with the start command when PostgreSQL does not answer', async () => {
    await assert.rejects(requireLedgerPostgres('postgres://postgres@127.0.0.1:1/test'), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /PostgreSQL refused the connection at 127\.0\.0\.1:1: nothing listens there/);
      assert.ok(err.message.includes('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'), err.message);
      return true;
    });
  });
});
