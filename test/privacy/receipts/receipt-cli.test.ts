import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import restify from 'restify';
import { Translations } from '../../../src/i18n/translator';
import { Ledger, openLedger } from '../../../src/ledger/ledger';
import { ReceiptService } from '../../../src/ledger/receipts/receipt-service';
import { createLogger } from '../../../src/log/logger';
import { loadController } from '../../../src/privacy/receipts/controller';
import { parseSigningKeyPem } from '../../../src/privacy/receipts/receipt-key';
import { ReceiptSigner } from '../../../src/privacy/receipts/receipt-signer';
import { receiptRoutes } from '../../../src/server/routes/receipt-routes';

const ROOT = path.resolve(__dirname, '../../..');

/** `node --require tsx/cjs src/cli/ledger.ts ARGS` with only the receipt variables we pass. */
function runCli(args: readonly string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const { RECEIPT_SIGNING_KEY: _key, NODE_ENV: _env, ...inherited } = process.env;
  return spawnSync(process.execPath, ['--require', 'tsx/cjs', 'src/cli/ledger.ts', ...args], { cwd: ROOT, env: { ...inherited, ...env }, encoding: 'utf8', timeout: 60_000 });
}

const newPem = (): string => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

describe('npm run ledger -- receipt verify FILE', function () {
  this.timeout(120_000);
  const pem = newPem();
  let dir: string;
  let ledger: Ledger;
  /** Exactly what GET /receipts/:token answered. */
  let served: string;
  let receiptId: string;
  const file = (name: string, contents: string): string => {
    const target = path.join(dir, name);
    writeFileSync(target, contents);
    return target;
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'receipt-cli-'));
    ledger = await openLedger({ ledgerDir: 'memory://', hashKey: 'receipt-cli-test-key-0123456789' });
    const signer = new ReceiptSigner(parseSigningKeyPem(pem));
    const receipts = new ReceiptService({ db: ledger.db, catalog: ledger.catalog, signer, controller: loadController(), publicBaseUrl: 'https://privacy.example.com' });
    const subject = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: 'receipt.cli@example.com' }], regime: 'lgpd', preferredLocale: 'en' }, { actor: 'system:test', reason: 'test subject' });
    const issued = await ledger.db.transaction(async (tx) => {
      const { events } = await ledger.consent.record(subject.id, [{ purposeId: 'newsletter', channel: 'email', state: 'withdrawn' }], { collectionMethod: 'web_chat', language: 'en' }, { actor: 'customer:test', reason: 'test' }, tx);
      return receipts.issue(tx, { subjectId: subject.id, regime: subject.regime, language: 'en', collectionMethod: 'web_chat', changed: events, current: await ledger.consent.current(subject.id, tx), disclosure: 'full_state' });
    });
    receiptId = issued.receiptId;
    const server = restify.createServer({ handleUncaughtExceptions: false });
    receiptRoutes({ receipts, signer, publicBaseUrl: 'https://privacy.example.com', translations: await Translations.load(), catalog: ledger.catalog, defaultLocale: 'en', logger: createLogger({ level: 'silent' }) })(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/receipts/${issued.token}`);
      assert.equal(response.status, 200);
      served = await response.text();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
  after(async () => {
    await ledger?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a receipt as served verifies with RECEIPT_SIGNING_KEY (one line, escaped): exit 0 and a JSON summary', () => {
    const run = runCli(['receipt', 'verify', file('receipt.json', served)], { RECEIPT_SIGNING_KEY: pem.trim().replace(/\n/g, '\\n') });
    assert.equal(run.status, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { valid: boolean; receiptId: string; kid: string; alg: string; jurisdiction: string; changes: { purposeId: string; state: string }[] };
    assert.equal(summary.valid, true);
    assert.equal(summary.receiptId, receiptId);
    assert.equal(summary.alg, 'EdDSA');
    assert.equal(summary.jurisdiction, 'BR');
    assert.deepEqual(summary.changes.map((c) => [c.purposeId, c.state]), [['newsletter', 'withdrawn']]);
  });

  it('a bare JWS verifies with --public-key and no RECEIPT_SIGNING_KEY', () => {
    const publicPem = createPublicKey(pem).export({ format: 'pem', type: 'spki' }).toString();
    const jws = (JSON.parse(served) as { jws: string }).jws;
    const run = runCli(['receipt', 'verify', file('receipt.jws', jws), '--public-key', file('public.pem', publicPem)]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { valid: boolean }).valid, true);
  });

  it('a tampered receipt exits 1 saying why', () => {
    const body = JSON.parse(served) as { receipt: { changes: { state: string }[] }; jws: string };
    body.receipt.changes[0].state = 'given';
    const run = runCli(['receipt', 'verify', file('edited.json', JSON.stringify(body, null, 2))], { RECEIPT_SIGNING_KEY: pem });
    assert.equal(run.status, 1);
    assert.deepEqual(JSON.parse(run.stdout), { valid: false, problem: 'copy_mismatch', reason: 'the readable copy of the receipt in the file differs from the signed receipt' });
    assert.match(run.stderr, /^ledger: receipt verify: the readable copy/);
  });

  it('a receipt checked against another company key exits 1', () => {
    const run = runCli(['receipt', 'verify', file('receipt-other.json', served)], { RECEIPT_SIGNING_KEY: newPem() });
    assert.equal(run.status, 1);
    assert.equal((JSON.parse(run.stdout) as { problem: string }).problem, 'unknown_key');
  });

  it('wrong usage exits 2 with one line: no file, an unreadable file, no key', () => {
    const noFile = runCli(['receipt', 'verify'], { RECEIPT_SIGNING_KEY: pem });
    assert.equal(noFile.status, 2);
    assert.match(noFile.stderr, /^ledger receipt: needs a FILE/);
    const missing = runCli(['receipt', 'verify', path.join(dir, 'nope.json')], { RECEIPT_SIGNING_KEY: pem });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read the receipt file .*nope\.json: ENOENT/);
    const noKey = runCli(['receipt', 'verify', file('receipt-nokey.json', served)]);
    assert.equal(noKey.status, 2);
    assert.match(noKey.stderr, /no key to verify with: set RECEIPT_SIGNING_KEY or pass --public-key PEM_FILE/);
    const help = runCli(['help']);
    assert.match(help.stdout, /receipt verify FILE \[--public-key PEM_FILE\]/);
  });
});
