import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { isAppError } from '../../src/errors/app-error';
import { ChainReport } from '../../src/ledger/chain/chain-verifier';
import { readMigrations } from '../../src/ledger/db/migrator';
import { DEMO_CUSTOMERS } from '../../src/ledger/demo/seed-demo';
import { SubjectExport } from '../../src/ledger/export/subject-export';
import { ConsentImportReport } from '../../src/ledger/import/consent-import';
import { DEFAULT_LEDGER_DIR } from '../../src/ledger/ledger';
import { DEVELOPMENT_HASH_KEY, loadLedgerConfig } from '../../src/ledger/ledger-config';

const ROOT = path.resolve(__dirname, '../..');
const HASH_KEY = 'ledger-cli-test-key-0123456789';
const ENCRYPTION_KEY = randomBytes(32).toString('base64');

/** `node --require tsx/cjs src/cli/ledger.ts ARGS` from the project root, on the embedded database in `ledgerDir`. */
function runCli(args: readonly string[], ledgerDir: string, env: Record<string, string | undefined> = {}): SpawnSyncReturns<string> {
  const { DATABASE_URL: _db, LEDGER_SCHEMA: _schema, LEDGER_HASH_KEY: _key, LEDGER_ENCRYPTION_KEY: _encryptionKey, LEDGER_ENCRYPTION_OLD_KEYS: _oldKeys, NODE_ENV: _env, ...inherited } = process.env;
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...inherited, LEDGER_DIR: ledgerDir, LEDGER_HASH_KEY: HASH_KEY, LEDGER_ENCRYPTION_KEY: ENCRYPTION_KEY, ...env })) if (value !== undefined) merged[name] = value;
  return spawnSync(process.execPath, ['--require', 'tsx/cjs', 'src/cli/ledger.ts', ...args], { cwd: ROOT, env: merged, encoding: 'utf8', timeout: 90_000 });
}

function ok(run: SpawnSyncReturns<string>): unknown {
  assert.equal(run.status, 0, `exit ${String(run.status)}; stderr: ${run.stderr}`);
  return JSON.parse(run.stdout) as unknown;
}

describe('npm run ledger -- <command>', function () {
  this.timeout(120_000);
  let dir: string;
  let ledgerDir: string;
  const cli = (args: readonly string[], env?: Record<string, string | undefined>): SpawnSyncReturns<string> => runCli(args, ledgerDir, env);

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ledger-cli-'));
    ledgerDir = path.join(dir, 'ledger');
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('on an embedded ledger in a temporary LEDGER_DIR', () => {
    it('migrate applies the migrations once; a second run is a no-op', () => {
      const first = ok(cli(['migrate'])) as { backend: string; applied: string[]; alreadyApplied: number };
      const all = readMigrations().map((m) => m.name);
      assert.ok(all.includes('001_ledger.sql'));
      assert.deepEqual(first.applied, all);
      assert.match(first.backend, /^PGlite \(embedded\) in .*ledger \(schema public\)$/);
      const second = ok(cli(['migrate'])) as { applied: string[]; alreadyApplied: number };
      assert.deepEqual(second.applied, []);
      assert.equal(second.alreadyApplied, all.length);
    });

    it('seed-demo adds the demo customers once', () => {
      const first = ok(cli(['seed-demo'])) as { customers: { email: string; created: boolean; eventsRecorded: number }[] };
      assert.deepEqual(first.customers.map((c) => c.email), DEMO_CUSTOMERS.map((c) => c.email));
      assert.ok(first.customers.every((c) => c.created && c.eventsRecorded > 0));
      const second = ok(cli(['seed-demo'])) as typeof first;
      assert.ok(second.customers.every((c) => !c.created && c.eventsRecorded === 0), 'running twice adds nothing');
    });

    it('export prints everything about a demo customer, found by email, phone or customer number', () => {
      const [giulia] = DEMO_CUSTOMERS;
      const byEmail = ok(cli(['export', '--subject', giulia.email.toUpperCase()])) as SubjectExport;
      assert.equal(byEmail.subject.regime, 'gdpr');
      assert.deepEqual(byEmail.identifiers.map((i) => i.kind), ['customer_number', 'email', 'phone']);
      assert.equal(byEmail.consentHistory.length, giulia.history.reduce((n, step) => n + step.changes.length, 0));
      assert.equal(byEmail.consents.find((c) => c.purpose.id === 'marketing_offers' && c.channel === 'sms')?.state, 'withdrawn');
      assert.equal(byEmail.consents.find((c) => c.purpose.id === 'marketing_offers')?.purpose.label, 'Offerte e promozioni');
      assert.ok(byEmail.audit.some((a) => a.action === 'subject.registered'));
      const byPhone = ok(cli(['export', '--subject', '+39 347 123 4567'])) as SubjectExport;
      assert.equal(byPhone.subject.id, byEmail.subject.id);
      const byNumber = ok(cli(['export', '--subject', giulia.customerNumber.toLowerCase(), '--kind', 'customer_number'])) as SubjectExport;
      assert.equal(byNumber.subject.id, byEmail.subject.id);
    });

    it('export of an unknown person exits 2 with one line naming the problem', () => {
      const run = cli(['export', '--subject', 'nobody@example.com']);
      assert.equal(run.status, 2);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, 'ledger export: no subject has this email [PSB_LEDGER_UNKNOWN_SUBJECT]\n');
    });

    it('import of a file with bad rows exits 2, prints every bad row and imports nothing', () => {
      const run = cli(['import', 'test/ledger/fixtures/consents-bad-rows.csv']);
      assert.equal(run.status, 2);
      assert.equal(run.stdout, '');
      const lines = run.stderr.trimEnd().split('\n');
      assert.match(lines[0], /^ledger import: consents-bad-rows\.csv: 9 of 12 rows are invalid; nothing was imported \[PSB_LEDGER_IMPORT_INVALID\]$/);
      assert.deepEqual(lines.slice(1).map((l) => /^ {2}row (\d+): /.exec(l)?.[1]), ['3', '5', '6', '7', '8', '9', '10', '12', '13']);
      // The file's good rows were not imported either.
      assert.equal(cli(['export', '--subject', 'dora.neri@example.com']).status, 2);
    });

    it('import of a good file prints the report; again records nothing new', () => {
      const first = ok(cli(['import', 'test/ledger/fixtures/consents-good.csv'])) as ConsentImportReport;
      assert.deepEqual([first.source, first.subjectsCreated, first.eventsRecorded], ['consents-good.csv', 3, 6]);
      const again = ok(cli(['import', 'test/ledger/fixtures/consents-good.csv'])) as ConsentImportReport;
      assert.deepEqual([again.eventsRecorded, again.eventsAlreadyPresent], [0, 6]);
    });

    it('verify exits 0 with a JSON summary', () => {
      const report = ok(cli(['verify'])) as ChainReport;
      assert.equal(report.ok, true);
      assert.ok(report.consentEventsChecked > 20);
      assert.ok(report.auditEntriesChecked > 10);
    });

    it('verify exits 1 naming the first broken link after an event is changed behind the code\'s back', async () => {
      const db = new PGlite(ledgerDir);
      let subjectId: string;
      try {
        await db.exec('ALTER TABLE consent_event DISABLE TRIGGER consent_event_append_only');
        const target = (await db.query<{ id: string; subject_id: string }>("SELECT id, subject_id FROM consent_event WHERE subject_seq = 2 AND state = 'given' ORDER BY recorded_at LIMIT 1")).rows[0];
        subjectId = target.subject_id;
        await db.query("UPDATE consent_event SET state = 'refused' WHERE id = $1", [target.id]);
        await db.exec('ALTER TABLE consent_event ENABLE TRIGGER consent_event_append_only');
      } finally {
        await db.close();
      }
      const run = cli(['verify']);
      assert.equal(run.status, 1, run.stderr);
      const report = JSON.parse(run.stdout) as ChainReport;
      assert.deepEqual(report.broken && [report.broken.chain, report.broken.owner, report.broken.position, report.broken.problem], ['consent', subjectId, 2, 'hash mismatch']);
      assert.equal(run.stderr, `ledger: verify: the consent chain of subject ${subjectId} is broken at entry ${report.broken?.entry} (position 2): hash mismatch\n`);
    });
  });

  describe('deadline (no database needed)', () => {
    const cases: [string, string[], Record<string, unknown>][] = [
      [
        'GDPR access received on 31 January: end of February, extension to end of April',
        ['--regime', 'gdpr', '--type', 'access', '--received', '2027-01-31T10:00:00Z'],
        { regime: 'gdpr', type: 'access', receivedAt: '2027-01-31T10:00:00.000Z', acknowledgeBy: null, due: '2027-02-28T22:59:59.999Z', extendedDue: '2027-04-30T21:59:59.999Z' },
      ],
      [
        'CCPA access: 10 business days to confirm, 45 days to answer, 90 with the extension (across the DST change)',
        ['--regime', 'ccpa', '--type', 'access', '--received', '2027-01-31T10:00:00Z'],
        { regime: 'ccpa', type: 'access', receivedAt: '2027-01-31T10:00:00.000Z', acknowledgeBy: '2027-02-13T07:59:59.999Z', due: '2027-03-18T06:59:59.999Z', extendedDue: '2027-05-02T06:59:59.999Z' },
      ],
      [
        'a breach: 72 hours of real time from awareness, across the spring DST change',
        ['--type', 'breach', '--awareness', '2027-03-27T22:30:00+01:00'],
        { type: 'breach', awarenessAt: '2027-03-27T21:30:00.000Z', due: '2027-03-30T21:30:00.000Z' },
      ],
    ];
    for (const [what, args, expected] of cases) {
      it(what, () => {
        const printed = ok(runCli(['deadline', ...args], path.join(dir, 'unused'))) as Record<string, unknown>;
        for (const [key, value] of Object.entries(expected)) assert.deepEqual(printed[key], value, key);
      });
    }
  });

  describe('usage and configuration errors exit 2 with a message', () => {
    const usage: [string, string[], RegExp][] = [
      ['no command', [], /^ledger: missing command/],
      ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
      ['import without a file', ['import'], /needs a FILE/],
      ['an unreadable import file', ['import', 'test/ledger/fixtures/no-such-file.csv'], /cannot read .*ENOENT/],
      ['export without --subject', ['export'], /needs --subject/],
      ['export with an unknown --kind', ['export', '--subject', 'x@example.com', '--kind', 'passport'], /--kind must be one of email, phone, customer_number, aad_object_id/],
      ['export of a malformed identifier', ['export', '--subject', 'x@y', '--kind', 'email'], /malformed email/],
      ['an option the command does not take', ['verify', '--fast', 'yes'], /does not take --fast/],
      ['deadline without a zone in the instant', ['deadline', '--regime', 'gdpr', '--type', 'access', '--received', '2027-01-31'], /--received must be an ISO 8601 instant with a zone/],
      ['deadline for an unknown regime', ['deadline', '--regime', 'hipaa', '--type', 'access', '--received', '2027-01-31T10:00:00Z'], /regime must be one of gdpr, uk-gdpr, ccpa, lgpd, pipeda/],
      ['deadline without --type', ['deadline', '--regime', 'gdpr'], /--type is required/],
      ['a breach deadline given --received', ['deadline', '--type', 'breach', '--received', '2027-01-31T10:00:00Z'], /does not take --received/],
    ];
    for (const [what, args, message] of usage) {
      it(what, () => {
        const run = runCli(args, path.join(dir, 'unused'));
        assert.equal(run.status, 2, run.stderr);
        assert.equal(run.stdout, '');
        assert.match(run.stderr, message);
        assert.equal(run.stderr.trimEnd().split('\n').length, 1, 'one line');
      });
    }

    it('refuses to start in production without LEDGER_HASH_KEY', () => {
      const run = runCli(['verify'], path.join(dir, 'prod'), { LEDGER_HASH_KEY: undefined, NODE_ENV: 'production' });
      assert.equal(run.status, 2);
      assert.match(run.stderr, /LEDGER_HASH_KEY must be set when NODE_ENV=production/);
    });

    it('refuses to start in production without LEDGER_ENCRYPTION_KEY', () => {
      const run = runCli(['verify'], path.join(dir, 'prod'), { LEDGER_ENCRYPTION_KEY: undefined, NODE_ENV: 'production' });
      assert.equal(run.status, 2);
      assert.match(run.stderr, /LEDGER_ENCRYPTION_KEY must be set when NODE_ENV=production/);
    });

    it('rotate-key moves a development ledger onto a real key; afterwards the development key is refused, naming LEDGER_ENCRYPTION_KEY', function () {
      this.timeout(240_000); // four CLI runs, each opening the embedded ledger
      const rotated = path.join(dir, 'rotated');
      const realKey = randomBytes(32).toString('base64');
      ok(runCli(['seed-demo'], rotated, { LEDGER_ENCRYPTION_KEY: undefined }));
      const report = ok(runCli(['rotate-key'], rotated, { LEDGER_ENCRYPTION_KEY: realKey, LEDGER_ENCRYPTION_OLD_KEYS: 'development' })) as { reEncrypted: number; alreadyCurrent: number };
      assert.ok(report.reEncrypted >= DEMO_CUSTOMERS.length, `every demo identifier was re-encrypted: ${JSON.stringify(report)}`);
      assert.equal(report.alreadyCurrent, 0);
      const [giulia] = DEMO_CUSTOMERS;
      const exported = ok(runCli(['export', '--subject', giulia.email], rotated, { LEDGER_ENCRYPTION_KEY: realKey })) as SubjectExport;
      assert.ok(exported.identifiers.some((i) => i.kind === 'email' && i.value === giulia.email), 'the export decrypts with the new key alone');
      const refused = runCli(['export', '--subject', giulia.email], rotated, { LEDGER_ENCRYPTION_KEY: undefined });
      assert.equal(refused.status, 2, refused.stderr);
      assert.match(refused.stderr, /LEDGER_ENCRYPTION_KEY.*\[PSB_LEDGER_ENCRYPTION_KEY\]/);
      assert.equal(refused.stdout, '', 'nothing undecryptable is printed');
    });

    it('warns on stderr when it falls back to the development hash key', () => {
      const run = runCli(['migrate'], ledgerDir, { LEDGER_HASH_KEY: undefined });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, /warning: LEDGER_HASH_KEY is not set/);
      assert.ok(JSON.parse(run.stdout));
    });

    it('help prints the usage on stdout and exits 0', () => {
      const run = runCli(['help'], path.join(dir, 'unused'));
      assert.equal(run.status, 0);
      assert.match(run.stdout, /^usage: npm run ledger -- <command>/);
      for (const command of ['migrate', 'import FILE', 'export --subject', 'verify', 'deadline --regime', 'seed-demo']) assert.ok(run.stdout.includes(command), command);
    });
  });
});

describe('loadLedgerConfig (the CLI\'s and the bot\'s ledger settings)', () => {
  it('defaults to PGlite in data/ledger, schema public, and the development key with a warning', () => {
    const config = loadLedgerConfig({});
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.ledgerDir, DEFAULT_LEDGER_DIR);
    assert.equal(config.schema, 'public');
    assert.equal(config.hashKey, DEVELOPMENT_HASH_KEY);
    assert.equal(config.usesDevelopmentHashKey, true);
    assert.match(config.warnings.join(), /LEDGER_HASH_KEY is not set/);
    assert.equal(config.backendDescription, `PGlite (embedded) in ${DEFAULT_LEDGER_DIR} (schema public)`);
    assert.ok(Object.isFrozen(config));
  });

  it('describes PostgreSQL without the password', () => {
    const config = loadLedgerConfig({ DATABASE_URL: 'postgres://ledger:s3cret@db.internal:6432/privacy', LEDGER_SCHEMA: 'ledger_eu', LEDGER_HASH_KEY: HASH_KEY, LEDGER_ENCRYPTION_KEY: randomBytes(32).toString('base64'), NODE_ENV: 'production' });
    assert.equal(config.databaseUrl, 'postgres://ledger:s3cret@db.internal:6432/privacy');
    assert.equal(config.ledgerDir, undefined);
    assert.equal(config.backendDescription, 'PostgreSQL at db.internal:6432/privacy (schema ledger_eu)');
    assert.deepEqual([config.hashKey, config.usesDevelopmentHashKey, config.warnings], [HASH_KEY, false, []]);
  });

  it('keeps memory:// for tests', () => {
    assert.equal(loadLedgerConfig({ LEDGER_DIR: 'memory://', LEDGER_HASH_KEY: HASH_KEY }).backendDescription, 'PGlite (embedded) in memory (schema public)');
  });

  const invalid: [string, Record<string, string>, string, RegExp][] = [
    ['production without a hash key', { NODE_ENV: 'production' }, 'LEDGER_HASH_KEY', /LEDGER_HASH_KEY must be set when NODE_ENV=production/],
    ['a short hash key', { LEDGER_HASH_KEY: 'short' }, 'LEDGER_HASH_KEY', /LEDGER_HASH_KEY must be at least 16 characters/],
    ['a non-postgres DATABASE_URL', { DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL', /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
    ['an unparseable DATABASE_URL', { DATABASE_URL: 'not a url' }, 'DATABASE_URL', /DATABASE_URL must be/],
    ['a schema that is not an identifier', { LEDGER_SCHEMA: 'Robert"; DROP' }, 'LEDGER_SCHEMA', /LEDGER_SCHEMA must be a lower-case SQL identifier/],
  ];
  for (const [what, env, variable, message] of invalid) {
    it(`refuses ${what}, naming ${variable}`, () => {
      assert.throws(() => loadLedgerConfig(env), (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.details.variable === variable && message.test(err.message));
    });
  }
});
