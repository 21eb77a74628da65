import assert from 'node:assert/strict';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { messageActivity, postActivity, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';
import { sampledNames, sampleValue } from './prometheus-text';

const TOKEN = 'metrics-test-token-0123456789abcdef';

const scrape = (url: string, headers: Record<string, string> = {}): Promise<Response> => fetch(url, { headers });

async function errorCodeOf(response: Response): Promise<string> {
  assert.match(String(response.headers.get('content-type')), /application\/json/);
  return ((await response.json()) as { error: { code: string } }).error.code;
}

/**
 * GET /metrics over HTTP against the real app: not exposed without configuration, behind
 * METRICS_TOKEN on the main port, or on a port of its own with METRICS_PORT.
 */
describe('GET /metrics', () => {
  describe('with neither METRICS_PORT nor METRICS_TOKEN', () => {
    let running: RunningApp;
    before(async function () {
      this.timeout(HEAVY_HOOK_TIMEOUT_MS);
      running = await startTestApp();
    });
    after(() => running?.close());

    it('is not exposed: 404 like any unknown path', async () => {
      const response = await scrape(`${running.baseUrl}/metrics`, { authorization: `Bearer ${TOKEN}` });
      assert.equal(response.status, 404);
      assert.equal(await errorCodeOf(response), 'PSB_NOT_FOUND');
      assert.equal(running.app.metricsPort(), undefined);
    });
  });

  describe('with METRICS_TOKEN on the main port', () => {
    let running: RunningApp;
    let url: string;
    const withToken = { authorization: `Bearer ${TOKEN}` };
    before(async function () {
      this.timeout(HEAVY_HOOK_TIMEOUT_MS);
      running = await startTestApp({ METRICS_TOKEN: TOKEN });
      url = `${running.baseUrl}/metrics`;
    });
    after(() => running?.close());

    it('answers 401 with a JSON reason without a token', async () => {
      const response = await scrape(url);
      assert.equal(response.status, 401);
      assert.match(String(response.headers.get('www-authenticate')), /^Bearer/);
      assert.equal(await errorCodeOf(response), 'PSB_METRICS_UNAUTHORIZED');
    });

    it('answers 401 to a wrong token, a token of another length and another scheme', async () => {
      for (const authorization of [`Bearer ${TOKEN.slice(0, -1)}x`, `Bearer ${TOKEN}0`, 'Bearer short', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, TOKEN]) {
        const response = await scrape(url, { authorization });
        assert.equal(response.status, 401, authorization);
        assert.equal(await errorCodeOf(response), 'PSB_METRICS_UNAUTHORIZED');
      }
    });

    it('never logs the token', () => {
      assert.ok(!running.logs.text.includes(TOKEN));
    });

    it('answers 200 in the Prometheus text format with the token, process metrics included', async () => {
      const response = await scrape(url, withToken);
      assert.equal(response.status, 200);
      assert.match(String(response.headers.get('content-type')), /^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      const names = sampledNames(text);
      for (const name of ['process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'psb_turns_total', 'psb_state_conflicts_total', 'psb_metrics_read_errors_total']) assert.ok(names.has(name), `${name} is sampled`);
      // Read at the scrape: the in-process handoff queue and the ledger's backlogs (PGlite in memory here).
      assert.equal(sampleValue(text, 'psb_handoff_queue_depth'), 0);
      assert.equal(sampleValue(text, 'psb_outbox_backlog', { outbox: 'consent_webhook' }), 0);
      assert.equal(sampleValue(text, 'psb_source_jobs_backlog', { status: 'pending' }), 0);
      assert.equal(sampleValue(text, 'psb_open_access_requests', { days_left: 'overdue' }), 0);
      assert.equal(sampleValue(text, 'psb_metrics_read_errors_total', { source: 'ledger' }), 0);
    });

    it('counts turns by outcome — a redelivered activity as a duplicate — and observes their durations', async () => {
      const before = await (await scrape(url, withToken)).text();
      const conversation = uniqueConversationId('metrics');
      const first = messageActivity(conversation, 'hi');
      for (const activity of [first, messageActivity(conversation, 'help'), messageActivity(conversation, 'cancel')]) {
        assert.equal((await postActivity(running.baseUrl, activity)).status, 200);
      }
      // The channel delivers the first message again: recognised, not processed twice.
      const redelivered = await postActivity(running.baseUrl, first);
      assert.equal(redelivered.status, 200);
      assert.deepEqual(redelivered.texts, []);

      const after = await (await scrape(url, withToken)).text();
      const delta = (name: string, labels: Record<string, string> = {}): number => (sampleValue(after, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);
      assert.equal(delta('psb_turns_total', { outcome: 'committed' }), 3);
      assert.equal(delta('psb_turns_total', { outcome: 'duplicate' }), 1);
      assert.equal(delta('psb_turns_total', { outcome: 'failed' }), 0);
      assert.equal(delta('psb_turns_total', { outcome: 'busy' }), 0);
      assert.equal(delta('psb_turn_duration_seconds_count'), 4);
      assert.equal(delta('psb_turn_duration_seconds_bucket', { le: '+Inf' }), 4);
      assert.ok(delta('psb_turn_duration_seconds_sum') > 0);
    });
  });

  describe('with METRICS_PORT', () => {
    let running: RunningApp;
    let metricsUrl: string;
    before(async function () {
      this.timeout(HEAVY_HOOK_TIMEOUT_MS);
      running = await startTestApp({ METRICS_PORT: '0' });
      const port = running.app.metricsPort();
      assert.ok(port !== undefined && port !== Number(new URL(running.baseUrl).port));
      metricsUrl = `http://127.0.0.1:${port}`;
    });
    after(() => running?.close());

    it('serves /metrics on its own port without a token', async () => {
      const response = await scrape(`${metricsUrl}/metrics`);
      assert.equal(response.status, 200);
      assert.ok(sampledNames(await response.text()).has('psb_turns_total'));
    });

    it('does not serve it on the main port', async () => {
      const response = await scrape(`${running.baseUrl}/metrics`);
      assert.equal(response.status, 404);
      assert.equal(await errorCodeOf(response), 'PSB_NOT_FOUND');
    });

    it('serves nothing else on the metrics port', async () => {
      const unknown = await scrape(`${metricsUrl}/api/messages`);
      assert.equal(unknown.status, 404);
      assert.equal(await errorCodeOf(unknown), 'PSB_NOT_FOUND');
      const posted = await fetch(`${metricsUrl}/metrics`, { method: 'POST' });
      assert.equal(posted.status, 405);
      assert.equal(await errorCodeOf(posted), 'PSB_METHOD_NOT_ALLOWED');
    });

    it('counts the turns of its own app only (a registry per app)', async () => {
      const other = await startTestApp({ METRICS_PORT: '0' });
      try {
        const conversation = uniqueConversationId('metrics-other');
        assert.equal((await postActivity(other.baseUrl, messageActivity(conversation, 'hi'))).status, 200);
        const ours = await (await scrape(`${metricsUrl}/metrics`)).text();
        const theirs = await (await scrape(`http://127.0.0.1:${other.app.metricsPort()}/metrics`)).text();
        assert.equal(sampleValue(theirs, 'psb_turns_total', { outcome: 'committed' }), 1);
        assert.equal(sampleValue(ours, 'psb_turns_total', { outcome: 'committed' }), 0);
      } finally {
        await other.close();
      }
    });
  });

  describe('with METRICS_PORT and METRICS_TOKEN', () => {
    let running: RunningApp;
    before(async function () {
      this.timeout(HEAVY_HOOK_TIMEOUT_MS);
      running = await startTestApp({ METRICS_PORT: '0', METRICS_TOKEN: TOKEN });
    });
    after(() => running?.close());

    it('asks the token on the metrics port too, and still serves nothing on the main port', async () => {
      const url = `http://127.0.0.1:${running.app.metricsPort()}/metrics`;
      assert.equal((await scrape(url)).status, 401);
      assert.equal((await scrape(url, { authorization: `Bearer ${TOKEN}` })).status, 200);
      assert.equal((await scrape(`${running.baseUrl}/metrics`, { authorization: `Bearer ${TOKEN}` })).status, 404);
    });
  });
});
