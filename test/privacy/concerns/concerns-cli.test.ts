import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConcernListItem, IncidentListItem } from '../../../src/cli/concerns-output';
import { openLedger } from '../../../src/ledger/ledger';
import { openConcerns } from '../../../src/privacy/concerns/create-concerns';
import { CUSTOMER, newConcern, TEAM } from './concern-service-support';

const ROOT = path.resolve(__dirname, '../../..');
const HASH_KEY = 'concerns-cli-test-key-0123456789';
const HOUR_MS = 60 * 60 * 1000;
/** Words of a report that the CLI must never print. */
const MARKER = 'ZEBRAQUILL';

function cliEnv(ledgerDir: string, extra: Record<string, string>): Record<string, string> {
  const { DATABASE_URL: _db, LEDGER_SCHEMA: _schema, LEDGER_HASH_KEY: _key, NODE_ENV: _env, DPO_WEBHOOK_URL: _url, DPO_WEBHOOK_SECRET: _secret, DPO_EMAIL: _email, ...inherited } = process.env;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...inherited, LEDGER_DIR: ledgerDir, LEDGER_HASH_KEY: HASH_KEY, ...extra })) if (value !== undefined) env[name] = value;
  return env;
}

/** `node --require tsx/cjs src/cli/ledger.ts ARGS` (what `npm run ledger` runs) on the embedded ledger in `ledgerDir`. */
function ledgerCli(args: readonly string[], ledgerDir: string, extra: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--require', 'tsx/cjs', 'src/cli/ledger.ts', ...args], { cwd: ROOT, env: cliEnv(ledgerDir, extra), encoding: 'utf8', timeout: 90_000 });
}

function ok(run: SpawnSyncReturns<string>): string {
  assert.equal(run.status, 0, `exit ${String(run.status)}; stderr: ${run.stderr}`);
  return run.stdout;
}

describe('npm run ledger -- concerns list | incidents list', function () {
  this.timeout(240_000);
  let dir: string;
  let ledgerDir: string;
  const refs = { breach: '', use: '', dismissed: '', incident: '', lgpdIncident: '' };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'concerns-cli-'));
    ledgerDir = path.join(dir, 'ledger');
    const ledger = await openLedger({ ledgerDir, hashKey: HASH_KEY });
    try {
      const concerns = await openConcerns(ledger);
      refs.use = (await concerns.report(newConcern({ topic: 'use', description: `${MARKER} newsletter` }), CUSTOMER)).reference;
      refs.breach = (await concerns.report(newConcern({ description: `${MARKER} invoice`, dataPhrase: `${MARKER} data` }), CUSTOMER)).reference;
      refs.dismissed = (await concerns.report(newConcern({ topic: 'other' }), CUSTOMER)).reference;
      await concerns.dismiss(refs.dismissed, 'a test message', TEAM);
      // Aware 1 h 30 min ago: about 70 h 30 min left under the GDPR.
      const confirmed = (await concerns.report(newConcern(), CUSTOMER)).reference;
      refs.incident = (await concerns.confirmBreach(confirmed, { awarenessAt: new Date(Date.now() - 1.5 * HOUR_MS), awarenessReason: 'seen in the logs' }, TEAM)).reference;
      const brazilian = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: 'cliente@example.com' }], regime: 'lgpd' }, CUSTOMER);
      const other = (await concerns.report(newConcern({ subjectId: brazilian.id }), CUSTOMER)).reference;
      refs.lgpdIncident = (await concerns.confirmBreach(other, {}, TEAM)).reference;
      const canadian = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: 'client@example.ca' }], regime: 'pipeda' }, CUSTOMER);
      await concerns.mergeInto((await concerns.report(newConcern({ subjectId: canadian.id }), CUSTOMER)).reference, refs.lgpdIncident, TEAM);
      await concerns.setNotice(refs.lgpdIncident, { en: { whatHappened: 'a', whatData: 'b', whatWeDo: 'c', whatYouShouldDo: 'd' } }, TEAM);
    } finally {
      await ledger.close();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('concerns list --json: those to triage, suspected breaches first, with the DPO alert’s state and no customer’s words', () => {
    const out = ok(ledgerCli(['concerns', 'list', '--json'], ledgerDir, { DPO_EMAIL: 'dpo@example.com' }));
    assert.ok(!out.includes(MARKER), 'the customer’s words stay sealed');
    const view = JSON.parse(out) as { now: string; concerns: ConcernListItem[] };
    assert.deepEqual(view.concerns.map((c) => c.reference), [refs.breach, refs.use]);
    assert.deepEqual(view.concerns[0].dpoAlert, { webhook: 'not_configured', email: 'pending' });
    assert.equal(view.concerns[1].dpoAlert, null);
    const all = JSON.parse(ok(ledgerCli(['concerns', 'list', '--json', '--all'], ledgerDir))) as { concerns: ConcernListItem[] };
    assert.ok(all.concerns.some((c) => c.reference === refs.dismissed && c.history.some((h) => h.reason === 'a test message')));
  });

  it('concerns list: a table', () => {
    const lines = ok(ledgerCli(['concerns', 'list'], ledgerDir)).trimEnd().split('\n');
    assert.match(lines[0], /^REFERENCE\s+TOPIC\s+STATE\s+REPORTED\s+INCIDENT\s+DPO ALERT$/);
    assert.match(lines[1], new RegExp(`^${refs.breach}\\s+breach \\(suspected breach\\)\\s+reported\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}Z\\s+—\\s+webhook not configured, email not configured$`));
    assert.match(lines[2], new RegExp(`^${refs.use}\\s+use\\s+reported`));
  });

  it('incidents list --json: the time left per regime, "as soon as feasible" shown as such', () => {
    const view = JSON.parse(ok(ledgerCli(['incidents', 'list', '--json'], ledgerDir))) as { incidents: IncidentListItem[] };
    const gdpr = view.incidents.find((i) => i.reference === refs.incident)!;
    assert.equal(gdpr.state, 'open');
    const [clock] = gdpr.clocks;
    assert.deepEqual([clock.regime, clock.rule], ['gdpr', '72 hours']);
    assert.ok(clock.timeLeftSeconds! > 70 * 3600 && clock.timeLeftSeconds! <= 70.5 * 3600, String(clock.timeLeftSeconds));
    const lgpd = view.incidents.find((i) => i.reference === refs.lgpdIncident)!;
    assert.deepEqual(lgpd.clocks.map((c) => [c.regime, c.rule, c.dueAt === null, c.timeLeftSeconds === null]), [
      ['lgpd', '3 working days', false, false],
      ['pipeda', 'as soon as feasible', true, true],
    ]);
    assert.deepEqual([lgpd.concernReferences.length, lgpd.notice], [2, { published: false, languages: ['en'] }]);
  });

  it('incidents list: a table with the time left', () => {
    const out = ok(ledgerCli(['incidents', 'list'], ledgerDir));
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0], /^REFERENCE\s+STATE\s+AWARE SINCE\s+REPORTS\s+AFFECTED\s+NOTICE\s+TIME LEFT PER REGIME$/);
    assert.match(out, new RegExp(`${refs.incident}\\s+open\\s+\\S+ \\S+\\s+1\\s+0\\s+—\\s+gdpr 2 d 22 h \\(due \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}Z\\)`));
    assert.match(out, new RegExp(`${refs.lgpdIncident}\\s+open.*draft \\(en\\)\\s+lgpd \\d d \\d+ h \\(due [^)]+\\); pipeda as soon as feasible$`, 'm'));
  });

  it('deadline --type breach --regime: that regime’s clock', () => {
    const pipeda = JSON.parse(ok(ledgerCli(['deadline', '--type', 'breach', '--regime', 'pipeda', '--awareness', '2027-03-27T22:30:00+01:00'], ledgerDir))) as Record<string, unknown>;
    assert.deepEqual([pipeda.due, pipeda.rule], [null, 'as soon as feasible']);
    const lgpd = JSON.parse(ok(ledgerCli(['deadline', '--type', 'breach', '--regime', 'lgpd', '--awareness', '2026-11-27T18:00:00Z'], ledgerDir))) as Record<string, unknown>;
    assert.deepEqual([lgpd.due, lgpd.rule], ['2026-12-03T02:59:59.999Z', '3 working days']);
  });

  it('refuses an unknown subcommand or option with exit 2', () => {
    for (const args of [['concerns'], ['concerns', 'show'], ['incidents', 'list', '--all']]) {
      const run = ledgerCli(args, ledgerDir);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stdout, '');
    }
  });
});
