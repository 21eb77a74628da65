import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { CuttableTcpProxy } from '../support/cuttable-tcp-proxy';
import { messageActivity, postActivity, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';
import { dropTestSchema } from '../support/services';
import { requireLedgerPostgres, TEST_DATABASE_URL } from '../ledger/support/ledger-backends';
import { Ledger, openLedger } from '../../src/ledger/ledger';
import { DEVELOPMENT_HASH_KEY } from '../../src/ledger/ledger-config';
import { Regime } from '../../src/privacy/clocks/regimes';
import { sampledNames, sampleValue } from './prometheus-text';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The gauges read from the ledger at each scrape, on PostgreSQL reached through a proxy the test
 * cuts: open access requests by days left, the outboxes; and a scrape that still succeeds, without
 * them, while the database is unreachable. Only the proxy's connections are cut.
 */
describe('GET /metrics: the ledger read at each scrape', () => {
  const schema = `psb_metrics_${process.pid}_${randomBytes(4).toString('hex')}`;
  let proxy: CuttableTcpProxy;
  let running: RunningApp;
  let ledger: Ledger;
  let url: string;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await requireLedgerPostgres();
    proxy = await CuttableTcpProxy.start('127.0.0.1', Number(new URL(TEST_DATABASE_URL).port));
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(proxy.port);
    running = await startTestApp({ DATABASE_URL: viaProxy.toString(), LEDGER_SCHEMA: schema, METRICS_PORT: '0' });
    url = `http://127.0.0.1:${running.app.metricsPort()}/metrics`;
    // The privacy team's side of the same ledger, reached directly: requests opened here are counted by the app.
    ledger = await openLedger({ databaseUrl: TEST_DATABASE_URL, schema, hashKey: DEVELOPMENT_HASH_KEY });
  });

  after(async () => {
    await ledger?.close();
    await running?.close();
    await proxy?.close();
    await dropTestSchema(TEST_DATABASE_URL, schema);
  });

  const scrape = async (): Promise<string> => {
    const response = await fetch(url);
    assert.equal(response.status, 200);
    return response.text();
  };
  const openRequest = (regime: Regime, daysAgo: number) =>
    ledger.requests.open({ type: 'access', regime, receivedAt: new Date(Date.now() - daysAgo * DAY_MS) }, { actor: 'system:test', reason: 'metrics test' });

  it('counts open access requests by days left before their deadline', async () => {
    const before = await scrape();
    for (const band of ['overdue', '0-7', '8-14', '15-30', '31+']) assert.equal(sampleValue(before, 'psb_open_access_requests', { days_left: band }), 0, band);
    // GDPR: one month from receipt; CCPA: 45 days. Each far from a band's edge whatever the months' lengths.
    await openRequest('gdpr', 100); // two months overdue
    await openRequest('gdpr', 27); // 1 to 4 days left
    await openRequest('gdpr', 20); // 8 to 11 days left
    await openRequest('ccpa', 0); // 45 days left
    // Extended: counted by the deadline in force (three months from receipt, some 45 days left), not the first one, passed.
    const extended = await openRequest('gdpr', 45);
    await ledger.db.transaction((tx) => ledger.requests.recordExtension(tx, extended.reference, 'many systems to search', { actor: 'system:test', reason: 'metrics test' }));
    // Closed: not counted.
    const closed = await openRequest('gdpr', 27);
    await ledger.requests.changeStatus(closed.reference, 'withdrawn', null, { actor: 'system:test', reason: 'metrics test' });

    const after = await scrape();
    const open = (band: string): number | undefined => sampleValue(after, 'psb_open_access_requests', { days_left: band });
    assert.deepEqual(
      ['overdue', '0-7', '8-14', '15-30', '31+'].map((band) => [band, open(band)]),
      [
        ['overdue', 1],
        ['0-7', 1],
        ['8-14', 1],
        ['15-30', 0],
        ['31+', 2],
      ],
    );
    assert.equal(sampleValue(after, 'psb_outbox_backlog', { outbox: 'access_notice' }), 0);
    assert.equal(sampleValue(after, 'psb_metrics_read_errors_total', { source: 'ledger' }), 0);
  });

  describe('with the link to PostgreSQL cut', () => {
    before(() => proxy.cut());

    it('still answers the scrape: the ledger gauges left out, the failed read counted, the rest there', async () => {
      const conversation = uniqueConversationId('metrics-outage');
      await postActivity(running.baseUrl, messageActivity(conversation, 'hi'));
      const text = await scrape();
      const names = sampledNames(text);
      for (const name of ['psb_open_access_requests', 'psb_outbox_backlog', 'psb_source_jobs_backlog']) assert.ok(!names.has(name), `${name} is left out`);
      assert.ok((sampleValue(text, 'psb_metrics_read_errors_total', { source: 'ledger' }) ?? 0) >= 1);
      assert.equal(sampleValue(text, 'psb_metrics_read_errors_total', { source: 'handoff' }), 0);
      assert.equal(sampleValue(text, 'psb_handoff_queue_depth'), 0);
      assert.ok((sampleValue(text, 'psb_turns_total', { outcome: 'committed' }) ?? 0) >= 1);
      assert.ok(names.has('process_resident_memory_bytes'));
    });

    it('says so once in the log, with the kind of failure', async () => {
      await scrape();
      const warnings = running.logs.lines.filter((line) => line.includes('scrape-time read failed'));
      assert.equal(warnings.length, 1);
      // The failure's kind, never its message.
      assert.match(warnings[0], /"source":"ledger","kind":"PSB_LEDGER_UNAVAILABLE"/);
    });
  });
});
