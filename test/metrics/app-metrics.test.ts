import assert from 'node:assert/strict';
import { Activity, ActivityTypes, TestAdapter, TurnContext } from 'botbuilder';
import { loadConfig } from '../../src/config/load-config';
import type { SqlExecutor } from '../../src/ledger/db/sql-database';
import { createLogger } from '../../src/log/logger';
import { AppMetrics } from '../../src/metrics/app-metrics';
import { bearerMatches } from '../../src/metrics/metrics-http';
import { metricsExposure } from '../../src/metrics/metrics-options';
import type { DocumentChange, DocumentStorage, StoredDocument } from '../../src/state/document-storage';
import { MemorySessionStorage } from '../../src/state/memory-session-storage';
import { StateConflictError, StateUnavailableError } from '../../src/state/state-errors';
import { SessionProperty } from '../../src/turn/session-property';
import { TurnRunner } from '../../src/turn/turn-runner';
import { SessionStore } from '../../src/turn/turn-session';
import { LogCapture } from '../support/test-app';
import { sampledNames, sampleValue } from './prometheus-text';

const silent = createLogger({ level: 'silent' });
const TOKEN = 'metrics-test-token-0123456789abcdef';

/** A ledger with every backlog empty: the one statement answers no rows. */
const emptyLedger: SqlExecutor = { query: async () => ({ rows: [], rowCount: 0 }) };

/** Storage whose next writes lose a state race, or that does not answer at all. */
class UnreliableStorage implements DocumentStorage {
  conflictsLeft = 0;
  down = false;
  readonly inner = new MemorySessionStorage({ ttlSecondsForKey: () => 60 });
  async readDocuments(keys: readonly string[]): Promise<Record<string, StoredDocument>> {
    if (this.down) throw new StateUnavailableError('read', new Error('ECONNREFUSED'));
    return this.inner.readDocuments(keys);
  }
  async writeDocuments(changes: Readonly<Record<string, DocumentChange>>): Promise<Record<string, string>> {
    if (this.conflictsLeft > 0) {
      this.conflictsLeft -= 1;
      throw new StateConflictError(Object.keys(changes)[0]);
    }
    return this.inner.writeDocuments(changes);
  }
}

const counter = new SessionProperty<number>('conversation', 'counter');

function activity(id: string): Partial<Activity> {
  return { type: ActivityTypes.Message, id, text: 'hi', channelId: 'test', conversation: { id: 'conv-1', isGroup: false, conversationType: 'personal', name: '' }, from: { id: 'user-1', name: 'Customer' }, recipient: { id: 'bot', name: 'Bot' } };
}

describe('AppMetrics', () => {
  describe('as the turn runner’s observer', () => {
    let storage: UnreliableStorage;
    let metrics: AppMetrics;
    let runner: TurnRunner;
    const adapter = new TestAdapter(async () => undefined);

    beforeEach(() => {
      storage = new UnreliableStorage();
      metrics = new AppMetrics({ ledger: emptyLedger, logger: silent });
      runner = new TurnRunner({ store: new SessionStore(storage), maxAttempts: 3, logger: silent, backoffMs: () => 0, observer: metrics });
    });

    const turn = (id: string, logic: (context: TurnContext) => Promise<void> = async (context) => counter.set(context, (await counter.get(context, 0)) + 1)): Promise<void> =>
      adapter.processActivity(activity(id), async (context) => {
        await runner.run(context, logic);
      });
    const value = async (name: string, labels: Record<string, string> = {}): Promise<number | undefined> => sampleValue(await metrics.scrape(), name, labels);

    it('starts every outcome at 0', async () => {
      const text = await metrics.scrape();
      for (const outcome of ['committed', 'duplicate', 'busy', 'state_unavailable', 'failed']) assert.equal(sampleValue(text, 'psb_turns_total', { outcome }), 0, outcome);
      assert.equal(sampleValue(text, 'psb_state_conflicts_total'), 0);
    });

    it('counts a turn committed after lost state races, and each race', async () => {
      storage.conflictsLeft = 2;
      await turn('a1');
      assert.equal(await value('psb_turns_total', { outcome: 'committed' }), 1);
      assert.equal(await value('psb_state_conflicts_total'), 2);
      assert.equal(await value('psb_turn_duration_seconds_count'), 1);
    });

    it('counts a redelivery as a duplicate', async () => {
      await turn('a1');
      await turn('a1');
      assert.deepEqual([await value('psb_turns_total', { outcome: 'committed' }), await value('psb_turns_total', { outcome: 'duplicate' })], [1, 1]);
    });

    it('counts a turn given up after maxAttempts races as busy', async () => {
      storage.conflictsLeft = 3;
      await assert.rejects(turn('a1'), /not committed after 3 attempts/);
      assert.equal(await value('psb_turns_total', { outcome: 'busy' }), 1);
      assert.equal(await value('psb_state_conflicts_total'), 3);
    });

    it('tells the state store down from any other failure', async () => {
      storage.down = true;
      await assert.rejects(turn('a1'));
      storage.down = false;
      await assert.rejects(
        turn('a2', async () => {
          throw new Error('a dialog failed');
        }),
      );
      assert.deepEqual([await value('psb_turns_total', { outcome: 'state_unavailable' }), await value('psb_turns_total', { outcome: 'failed' })], [1, 1]);
      assert.equal(await value('psb_turn_duration_seconds_count'), 2);
    });
  });

  describe('scrape-time reads', () => {
    it('leave out the handoff gauge when the queue does not answer, counting it, and keep the rest', async () => {
      const metrics = new AppMetrics({ ledger: emptyLedger, handoffQueueDepth: () => Promise.reject(new Error('ECONNREFUSED')), logger: silent });
      const text = await metrics.scrape();
      assert.ok(!sampledNames(text).has('psb_handoff_queue_depth'));
      assert.equal(sampleValue(text, 'psb_metrics_read_errors_total', { source: 'handoff' }), 1);
      assert.equal(sampleValue(text, 'psb_open_access_requests', { days_left: '0-7' }), 0);
      assert.equal(sampleValue(text, 'psb_outbox_backlog', { outbox: 'dpo_email' }), 0);
    });

    it('count a read that never answers as failed instead of hanging the scrape', async () => {
      const hung: SqlExecutor = { query: () => new Promise(() => undefined) };
      const metrics = new AppMetrics({ ledger: hung, handoffQueueDepth: async () => 3, logger: silent, readTimeoutMs: 10 });
      const text = await metrics.scrape();
      assert.ok(!sampledNames(text).has('psb_open_access_requests'));
      assert.equal(sampleValue(text, 'psb_metrics_read_errors_total', { source: 'ledger' }), 1);
      assert.equal(sampleValue(text, 'psb_handoff_queue_depth'), 3);
    });

    it('log an outage once when it starts and once when it ends', async () => {
      const logs = new LogCapture();
      let down = true;
      const metrics = new AppMetrics({ ledger: emptyLedger, handoffQueueDepth: async () => (down ? Promise.reject(new Error('down')) : 0), logger: logs.logger });
      await metrics.scrape();
      await metrics.scrape();
      down = false;
      await metrics.scrape();
      assert.equal(logs.lines.filter((line) => line.includes('scrape-time read failed')).length, 1);
      assert.equal(logs.lines.filter((line) => line.includes('answers again')).length, 1);
      assert.equal(sampleValue(await metrics.scrape(), 'psb_metrics_read_errors_total', { source: 'handoff' }), 2);
    });
  });
});

describe('METRICS_* options', () => {
  it('expose nothing by default', () => {
    const options = loadConfig({}).metrics;
    assert.deepEqual(options, { port: undefined, host: '127.0.0.1', token: '' });
    assert.equal(metricsExposure(options), 'off');
  });

  it('serve on a port of their own with METRICS_PORT, else on the main port with METRICS_TOKEN', () => {
    assert.equal(metricsExposure(loadConfig({ METRICS_PORT: '9464' }).metrics), 'own-port');
    assert.equal(metricsExposure(loadConfig({ METRICS_PORT: '9464', METRICS_TOKEN: TOKEN }).metrics), 'own-port');
    assert.equal(metricsExposure(loadConfig({ METRICS_TOKEN: TOKEN }).metrics), 'main-port');
    assert.equal(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics.host, '0.0.0.0');
  });

  it('refuse a short token without echoing it, a port that is not one, and the main port', () => {
    assert.throws(() => loadConfig({ METRICS_TOKEN: 'short-secret' }), (err: Error) => /METRICS_TOKEN must be at least 32 characters/.test(err.message) && !err.message.includes('short-secret'));
    assert.throws(() => loadConfig({ METRICS_PORT: 'ninety' }), /METRICS_PORT must be an integer/);
    assert.throws(() => loadConfig({ PORT: '3978', METRICS_PORT: '3978' }), /METRICS_PORT must be a port other than PORT/);
  });

  it('match the bearer token exactly', () => {
    assert.equal(bearerMatches(`Bearer ${TOKEN}`, TOKEN), true);
    assert.equal(bearerMatches(`bearer  ${TOKEN}`, TOKEN), true);
    for (const header of [undefined, '', TOKEN, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Bearer ${TOKEN} extra`, `Basic ${TOKEN}`]) assert.equal(bearerMatches(header, TOKEN), false, String(header));
  });
});
