import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestDetailView, RequestListView } from '../../../src/agent/requests/request-views';
import { openLedger } from '../../../src/ledger/ledger';
import type { Regime } from '../../../src/privacy/clocks/regimes';
import { openAccessRequests } from '../../../src/privacy/access/create-access-requests';

const ROOT = path.resolve(__dirname, '../../..');
const HASH_KEY = 'requests-cli-test-key-0123456789';
const DAY_MS = 24 * 60 * 60 * 1000;

function cliEnv(ledgerDir: string): Record<string, string> {
  const { DATABASE_URL: _db, LEDGER_SCHEMA: _schema, LEDGER_HASH_KEY: _key, NODE_ENV: _env, DATA_SOURCES_FILE: _sources, ...inherited } = process.env;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...inherited, LEDGER_DIR: ledgerDir, LEDGER_HASH_KEY: HASH_KEY })) if (value !== undefined) env[name] = value;
  return env;
}

/** `node --require tsx/cjs src/cli/ledger.ts ARGS` (what `npm run ledger` runs) on the embedded ledger in `ledgerDir`. */
function ledgerCli(args: readonly string[], ledgerDir: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--require', 'tsx/cjs', 'src/cli/ledger.ts', ...args], { cwd: ROOT, env: cliEnv(ledgerDir), encoding: 'utf8', timeout: 90_000 });
}

function ok(run: SpawnSyncReturns<string>): string {
  assert.equal(run.status, 0, `exit ${String(run.status)}; stderr: ${run.stderr}`);
  return run.stdout;
}

describe('npm run ledger -- requests list|show', function () {
  this.timeout(180_000);
  let dir: string;
  let ledgerDir: string;
  /** Overdue (GDPR, received 40 days ago), due soon (LGPD's 15 days, received 13.5 days ago), later and extended (GDPR, today). */
  const refs = { overdue: '', soon: '', extended: '' };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'requests-cli-'));
    ledgerDir = path.join(dir, 'ledger');
    const ledger = await openLedger({ ledgerDir, hashKey: HASH_KEY });
    try {
      const open = async (email: string, regime: Regime, daysAgo: number): Promise<string> => {
        const subject = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: email }], regime, preferredLocale: 'it' }, { actor: 'system:test', reason: 'test subject' });
        const receivedAt = new Date(Date.now() - daysAgo * DAY_MS);
        const outcome = await openAccessRequests(ledger, () => receivedAt).request(
          { subjectId: subject.id, categories: null, channel: 'webchat', conversation: null, locale: 'it', timeZone: 'Europe/Rome', contactKind: 'email' },
          { actor: `customer:${subject.id}`, reason: 'customer asked for a copy of their data in chat' },
        );
        return outcome.case.reference;
      };
      refs.overdue = await open('overdue@example.com', 'gdpr', 40);
      refs.soon = await open('soon@example.com', 'lgpd', 13.5);
      refs.extended = await open('later@example.com', 'gdpr', 0);
      await openAccessRequests(ledger).extend(refs.extended, 'Five systems hold the data.', { actor: 'agent:pia', reason: 'Five systems hold the data.' });
    } finally {
      await ledger.close();
    }
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists open cases as a table, most urgent first, with the urgency in words and each source', () => {
    const lines = ok(ledgerCli(['requests', 'list'], ledgerDir)).trimEnd().split('\n');
    assert.match(lines[0], /^REFERENCE\s+STATUS\s+RECEIVED\s+DUE\s+TIME LEFT\s+SOURCES$/);
    assert.deepEqual(lines.slice(1).map((line) => line.split(/\s+/)[0]), [refs.overdue, refs.soon, refs.extended]);
    const [overdue, soon, extended] = lines.slice(1);
    assert.match(overdue, / in_progress .* overdue by \d+ d \d+ h /);
    assert.match(soon, / \d d \d+ h \(due soon\) /);
    assert.match(extended, /\(extended\)/);
    // Sources in the order of the configuration, the ledger first.
    assert.match(extended, / ledger pending; demo-crm pending; demo-crm-support pending$/);
  });

  it('prints the same fields as JSON with --json, and filters with --due-within', () => {
    const all = JSON.parse(ok(ledgerCli(['requests', 'list', '--json'], ledgerDir))) as RequestListView;
    assert.deepEqual(all.requests.map((r) => [r.reference, r.urgency, r.extended]), [
      [refs.overdue, 'overdue', false],
      [refs.soon, 'soon', false],
      [refs.extended, 'later', true],
    ]);
    assert.ok(all.requests[0].timeLeftSeconds !== null && all.requests[0].timeLeftSeconds < -7 * 86_400);
    assert.deepEqual(all.requests[2].sources.map((s) => [s.sourceId, s.status]), [['ledger', 'pending'], ['demo-crm', 'pending'], ['demo-crm-support', 'pending']]);

    const due = JSON.parse(ok(ledgerCli(['requests', 'list', '--json', '--due-within', '3'], ledgerDir))) as RequestListView;
    assert.deepEqual(due.requests.map((r) => r.reference), [refs.overdue, refs.soon]);
    const none = ledgerCli(['requests', 'list', '--due-within=0'], ledgerDir);
    assert.equal(none.status, 0);
    assert.equal(none.stdout.trim().split('\n').length, 2, 'the header and the overdue case');
  });

  it('shows one case: its clock, extension, sources and history (typed as read out, lower case)', () => {
    const sheet = ok(ledgerCli(['requests', 'show', refs.extended.toLowerCase()], ledgerDir));
    assert.equal(sheet.split('\n')[0], refs.extended);
    assert.match(sheet, /\n {2}status\s+in_progress\n/);
    assert.match(sheet, /\n {2}extended to\s+\d{4}-\d\d-\d\d \d\d:\d\dZ \(Five systems hold the data\.\)\n/);
    assert.match(sheet, /\n {2}extension\s+not possible \(already extended\)\n/);
    assert.match(sheet, /\nsources\n {2}SOURCE\s+STATUS\s+ATTEMPTS\s+RECORDS\s+LAST ERROR\n {2}ledger\s+pending\s+0\s+—\s+—\n {2}demo-crm\s+pending\s+0\s+—\s+—\n/);
    assert.match(sheet, /\ncopy\n {2}not assembled yet\n/);
    assert.match(sheet, /extended by agent:pia: Five systems hold the data\.\n/);

    const lgpd = JSON.parse(ok(ledgerCli(['requests', 'show', refs.soon, '--json'], ledgerDir))) as RequestDetailView;
    assert.equal(lgpd.request.regime, 'lgpd');
    assert.deepEqual(lgpd.request.actions.extend, { allowed: false, bar: 'none_in_regime' });
    assert.ok(!JSON.stringify(lgpd).includes('soon@example.com'), 'no identifier in the output');
  });

  it('refuses bad usage and an unknown reference with exit 2 and one line on stderr', () => {
    const cases: [string[], RegExp][] = [
      [['requests'], /needs a subcommand: requests list or requests show REF/],
      [['requests', 'close'], /unknown subcommand "requests close"/],
      [['requests', 'list', '--due-within', 'soon'], /--due-within must be a whole number of days/],
      [['requests', 'list', '--due-within=-1'], /--due-within must be a whole number of days/],
      [['requests', 'show'], /needs a reference/],
      [['requests', 'show', 'PRV-2026-AAAAAA-A'], /no access request has the reference "PRV-2026-AAAAAA-A"/],
      [['requests', 'list', '--zone', 'UTC'], /does not take --zone/],
      [['verify', '--json'], /does not take --json/],
    ];
    for (const [args, message] of cases) {
      const run = ledgerCli(args, ledgerDir);
      assert.equal(run.status, 2, `${args.join(' ')}: exit ${String(run.status)}; stderr: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    }
  });
});
