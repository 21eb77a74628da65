import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_CUSTOMERS } from '../../../src/ledger/demo/seed-demo';

const ROOT = path.resolve(__dirname, '../../..');

/** The ledger CLI as a person runs it, on an embedded ledger in `ledgerDir`. */
function runCli(args: readonly string[], ledgerDir: string): SpawnSyncReturns<string> {
  const { DATABASE_URL: _db, LEDGER_SCHEMA: _schema, NODE_ENV: _env, ...inherited } = process.env;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...inherited, LEDGER_DIR: ledgerDir, LEDGER_HASH_KEY: 'webhook-cli-test-key-0123456789' })) if (value !== undefined) env[name] = value;
  return spawnSync(process.execPath, ['--require', 'tsx/cjs', 'src/cli/ledger.ts', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 90_000 });
}

describe('npm run ledger -- webhook status', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'webhook-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('shows what waits in the outbox, without any personal data', () => {
    const ledgerDir = path.join(dir, 'ledger');
    const empty = runCli(['webhook', 'status'], ledgerDir);
    assert.equal(empty.status, 0, empty.stderr);
    assert.deepEqual(JSON.parse(empty.stdout), { pending: 0, delivered: 0, retrying: 0, oldestPendingAt: null, oldestPendingAgeSeconds: null });

    const seeded = runCli(['seed-demo'], ledgerDir);
    assert.equal(seeded.status, 0, seeded.stderr);
    const run = runCli(['webhook', 'status'], ledgerDir);
    assert.equal(run.status, 0, run.stderr);
    const status = JSON.parse(run.stdout) as { pending: number; delivered: number; retrying: number; oldestPendingAt: string; oldestPendingAgeSeconds: number };
    assert.ok(status.pending > 0, 'the demo consent changes wait for a receiver (no CONSENT_WEBHOOK_URL)');
    assert.deepEqual([status.delivered, status.retrying], [0, 0]);
    assert.ok(!Number.isNaN(Date.parse(status.oldestPendingAt)));
    assert.ok(status.oldestPendingAgeSeconds >= 0);
    for (const customer of DEMO_CUSTOMERS) assert.ok(!run.stdout.includes(customer.email));
  });

  it('refuses a missing or unknown subcommand with exit 2', () => {
    const ledgerDir = path.join(dir, 'unused');
    const missing = runCli(['webhook'], ledgerDir);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /ledger webhook: needs a subcommand: webhook status/);
    const unknown = runCli(['webhook', 'purge'], ledgerDir);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown subcommand "webhook purge" \(try: webhook status\)/);
  });
});
