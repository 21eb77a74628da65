import assert from 'node:assert/strict';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { startPrivateRedis } from '../support/private-redis';
import { RunningApp, startTestApp } from '../support/test-app';
import { newHandoff } from '../handoff/hub-support';
import { sampledNames, sampleValue } from './prometheus-text';

type PrivateRedis = Awaited<ReturnType<typeof startPrivateRedis>>;

/**
 * The handoff queue's depth read at each scrape from Redis (a private server the test kills), and a
 * scrape that still succeeds, without it, while Redis is down.
 */
describe('GET /metrics: the handoff queue in Redis', () => {
  let redis: PrivateRedis;
  let running: RunningApp;
  let url: string;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    redis = await startPrivateRedis();
    running = await startTestApp({ REDIS_URL: redis.url, METRICS_PORT: '0' });
    url = `http://127.0.0.1:${running.app.metricsPort()}/metrics`;
  });
  after(async () => {
    await running?.close();
    await redis?.close();
  });

  const scrape = async (): Promise<string> => {
    const response = await fetch(url);
    assert.equal(response.status, 200);
    return response.text();
  };

  it('counts the queued handoffs, not the claimed ones', async () => {
    assert.equal(sampleValue(await scrape(), 'psb_handoff_queue_depth'), 0);
    const hub = running.app.handoff.hub;
    const tickets = [];
    for (const n of [1, 2, 3]) tickets.push((await hub.enqueue(newHandoff(n))).ticket);
    await hub.claim(tickets[0].id, 'alice');
    assert.equal(sampleValue(await scrape(), 'psb_handoff_queue_depth'), 2);
  });

  it('leaves the depth out while Redis is down, counts the failed read, and still answers', async () => {
    await redis.stop();
    const text = await scrape();
    assert.ok(!sampledNames(text).has('psb_handoff_queue_depth'));
    assert.ok((sampleValue(text, 'psb_metrics_read_errors_total', { source: 'handoff' }) ?? 0) >= 1);
    assert.equal(sampleValue(text, 'psb_metrics_read_errors_total', { source: 'ledger' }), 0);
    assert.equal(sampleValue(text, 'psb_outbox_backlog', { outbox: 'consent_webhook' }), 0);
  });
});
