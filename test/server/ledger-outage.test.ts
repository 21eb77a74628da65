import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { CuttableTcpProxy } from '../support/cuttable-tcp-proxy';
import { RunningApp, startTestApp } from '../support/test-app';
import { dropTestSchema } from '../support/services';
import { requireLedgerPostgres, TEST_DATABASE_URL } from '../ledger/support/ledger-backends';
import { addTestAgents, PASSWORDS } from '../agent/agent-harness';
import { openLedger } from '../../src/ledger/ledger';
import { DEVELOPMENT_HASH_KEY } from '../../src/ledger/ledger-config';

/**
 * The app on a PostgreSQL ledger reached through a proxy the test cuts: while the database is
 * unreachable, receipt links and agent sign-in answer 503 with a JSON reason (not 500). Only the
 * proxy's connections are cut: the shared server and other tests' connections are never touched.
 */
describe('PostgreSQL outage at the HTTP edge', () => {
  const schema = `psb_outage_${process.pid}_${randomBytes(4).toString('hex')}`;
  let proxy: CuttableTcpProxy;
  let running: RunningApp;
  const receiptLink = (): string => `/receipts/${randomBytes(32).toString('base64url')}`;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await requireLedgerPostgres();
    proxy = await CuttableTcpProxy.start('127.0.0.1', Number(new URL(TEST_DATABASE_URL).port));
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(proxy.port);
    running = await startTestApp({ DATABASE_URL: viaProxy.toString(), LEDGER_SCHEMA: schema });
    const ledger = await openLedger({ databaseUrl: TEST_DATABASE_URL, schema, hashKey: DEVELOPMENT_HASH_KEY });
    try {
      await addTestAgents(ledger);
    } finally {
      await ledger.close();
    }
  });

  after(async () => {
    await running?.close();
    await proxy?.close();
    await dropTestSchema(TEST_DATABASE_URL, schema);
  });

  const signIn = (username: string, password: string): Promise<Response> =>
    fetch(`${running.baseUrl}/agent/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });

  it('with the database up, an unknown receipt link is 404 and an agent signs in', async () => {
    assert.equal((await fetch(`${running.baseUrl}${receiptLink()}`, { headers: { accept: 'application/json' } })).status, 404);
    assert.equal((await signIn('alice', PASSWORDS.alice)).status, 200);
  });

  describe('with the link to PostgreSQL cut', () => {
    before(() => proxy.cut());

    it('a receipt link answers 503 with a JSON reason', async () => {
      const response = await fetch(`${running.baseUrl}${receiptLink()}`, { headers: { accept: 'application/json' } });
      assert.equal(response.status, 503);
      assert.match(String(response.headers.get('content-type')), /application\/json/);
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'PSB_LEDGER_UNAVAILABLE');
    });

    it('a receipt link opened in a browser answers 503 too, not 500', async () => {
      const response = await fetch(`${running.baseUrl}${receiptLink()}`, { headers: { accept: 'text/html' } });
      assert.equal(response.status, 503);
    });

    it('agent sign-in answers 503 with a JSON reason', async () => {
      const response = await signIn('bob', PASSWORDS.bob);
      assert.equal(response.status, 503);
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'PSB_LEDGER_UNAVAILABLE');
    });
  });
});
