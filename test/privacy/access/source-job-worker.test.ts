import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { SourceJobStore } from '../../../src/ledger/access/source-jobs';
import { Ledger } from '../../../src/ledger/ledger';
import { ReceiptService } from '../../../src/ledger/receipts/receipt-service';
import { RECORD_CATEGORY_KEY, RECORD_KIND_KEY, SourceRecord } from '../../../src/privacy/access/access-types';
import { DataSourceCatalog } from '../../../src/privacy/access/data-sources';
import { SourceJobWorker } from '../../../src/privacy/access/source-job-worker';
import { subjectOfRequest } from '../../../src/privacy/access/source-subject';
import { LedgerSourceRunner } from '../../../src/privacy/access/sources/ledger-source';
import { SourceRunError } from '../../../src/privacy/access/sources/source-run-error';
import type { SourceRunInput, SourceRunner, SourceRunOutcome } from '../../../src/privacy/access/sources/source-runner';
import { loadController } from '../../../src/privacy/receipts/controller';
import { ReceiptSigner } from '../../../src/privacy/receipts/receipt-signer';
import { forEachBackend } from '../../ledger/support/ledger-backends';
import { LogCapture } from '../../support/test-app';
import { failUnfinishedJobs, openCase, SettledLog, storedRecords, TEST_JOB_CONFIG, testCatalog } from './support/source-fixtures';

const SOURCE_IDS = ['crm', 'shop', 'desk'];

/** Sources whose runs are scripted in the test (their kind and URL are never called). */
function scriptedCatalog(): DataSourceCatalog {
  return testCatalog([
    { id: 'crm', kind: 'http', categories: ['contact'], url: 'http://127.0.0.1:9/crm', secretEnv: 'TEST_SOURCE_SECRET', maxAttempts: 2 },
    { id: 'shop', kind: 'http', categories: ['orders'], url: 'http://127.0.0.1:9/shop', secretEnv: 'TEST_SOURCE_SECRET' },
    { id: 'desk', kind: 'http', categories: ['support'], url: 'http://127.0.0.1:9/desk', secretEnv: 'TEST_SOURCE_SECRET' },
  ]);
}

/**
 * Runs that record who ran which job and how many ran each job at once. A run waits until `open()`
 * (so that runs of two workers overlap), then answers one record naming the worker.
 */
class Recorder {
  readonly runs = new Map<string, string[]>();
  readonly active = new Map<string, number>();
  maxActivePerJob = 0;
  private gate: Promise<void>;
  private release: () => void = () => undefined;
  private started = new Set<string>();
  private waiters: (() => void)[] = [];

  constructor() {
    this.gate = new Promise<void>((resolve) => (this.release = resolve));
  }

  runnersFor(worker: string): ReadonlyMap<string, SourceRunner> {
    const runner: SourceRunner = { run: (input) => this.run(worker, input) };
    return new Map(SOURCE_IDS.map((id) => [id, { run: (input: SourceRunInput) => runner.run({ ...input, reference: `${input.reference}|${id}` }) }]));
  }

  open(): void {
    this.release();
  }

  /** Resolves once each of `workers` has started a run. */
  async startedBy(...workers: string[]): Promise<void> {
    while (!workers.every((w) => this.started.has(w))) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private async run(worker: string, input: SourceRunInput): Promise<SourceRunOutcome> {
    const key = input.reference;
    this.runs.set(key, [...(this.runs.get(key) ?? []), worker]);
    this.active.set(key, (this.active.get(key) ?? 0) + 1);
    this.maxActivePerJob = Math.max(this.maxActivePerJob, this.active.get(key)!);
    this.started.add(worker);
    for (const wake of this.waiters.splice(0)) wake();
    await this.gate;
    this.active.set(key, this.active.get(key)! - 1);
    return { kind: 'records', records: [{ worker }] };
  }
}

forEachBackend('source job worker', (ctx) => {
  // Tests share the block's ledger (opening one is slow); none leaves a job for the next.
  afterEach(() => failUnfinishedJobs(ctx.ledger));

  /** Two instances on one database: two ledgers on one schema (PostgreSQL), or one ledger's single connection (PGlite). */
  async function twoInstances(): Promise<[Ledger, Ledger]> {
    if (ctx.backend === 'pglite') return [ctx.ledger, ctx.ledger];
    const { schema } = ctx.options();
    return [await ctx.open({ schema }), await ctx.open({ schema })];
  }

  it('two workers on one database never run one job twice at once, and share the work', async () => {
    const [a, b] = await twoInstances();
    const catalog = scriptedCatalog();
    const recorder = new Recorder();
    const settled = new SettledLog();
    const logs = new LogCapture();
    const worker = (ledger: Ledger, name: string): SourceJobWorker =>
      new SourceJobWorker({
        store: new SourceJobStore(ledger.db, ledger.blobs, ctx.clock.now),
        catalog,
        runners: recorder.runnersFor(name),
        subjectOf: subjectOfRequest(ledger.db, ledger.subjects),
        onSettled: settled.onSettled,
        logger: logs.logger,
        config: { ...TEST_JOB_CONFIG, concurrency: 3 },
        now: ctx.clock.now,
      });
    const store = new SourceJobStore(a.db, a.blobs, ctx.clock.now);
    const cases = [];
    for (let i = 0; i < 4; i += 1) cases.push(await openCase(a, store, SOURCE_IDS));

    const passes = Promise.all([worker(a, 'A').runPass(), worker(b, 'B').runPass()]);
    await recorder.startedBy('A', 'B');
    recorder.open();
    const [reportA, reportB] = await passes;

    assert.equal(reportA.done + reportB.done, 12);
    assert.equal(recorder.maxActivePerJob, 1, 'no job ran twice at once');
    assert.deepEqual([...recorder.runs.values()].map((workers) => workers.length), Array(12).fill(1), 'each job ran exactly once');
    assert.ok(reportA.done > 0 && reportB.done > 0, `both instances ran jobs (A ${reportA.done}, B ${reportB.done})`);
    for (const opened of cases) {
      assert.deepEqual(await store.progress(opened.requestId), { pending: 0, running: 0, waiting: 0, retrying: 0, done: 3, failed: 0 });
      const ran = (await storedRecords(store, opened.requestId, 'shop'))[0].worker;
      assert.equal(recorder.runs.get(`${opened.reference}|shop`)![0], ran, 'the records stored are those of the run that held the job');
    }
    assert.equal(settled.calls.length, 12);
  });

  it('picks up a run whose instance crashed once its lease ran out, and ignores the crashed run’s late report', async () => {
    const ledger = ctx.ledger;
    const store = new SourceJobStore(ledger.db, ledger.blobs, ctx.clock.now);
    const recorder = new Recorder();
    recorder.open();
    const settled = new SettledLog();
    const worker = new SourceJobWorker({ store, catalog: scriptedCatalog(), runners: recorder.runnersFor('survivor'), subjectOf: subjectOfRequest(ledger.db, ledger.subjects), onSettled: settled.onSettled, logger: new LogCapture().logger, config: TEST_JOB_CONFIG, now: ctx.clock.now });
    const opened = await openCase(ledger, store, ['shop']);
    // The instance that crashed: it claimed the job (lease = longest timeout + 60 s) and never reported.
    const [crashed] = await store.claimDue(10, 10_000 + 60_000);

    assert.equal((await worker.runPass()).done, 0, 'the lease still holds');
    ctx.clock.advance(70_000);
    assert.equal((await worker.runPass()).done, 1);
    assert.deepEqual((await store.summaries(opened.requestId)).map((s) => [s.status, s.attempts]), [['done', 2]]);

    assert.equal(await store.complete(crashed, [{ worker: 'crashed' }]), false);
    assert.deepEqual(await storedRecords(store, opened.requestId, 'shop'), [{ [RECORD_CATEGORY_KEY]: 'orders', worker: 'survivor' }]);
    assert.deepEqual(settled.calls.map((c) => [c.sourceId, c.outcome]), [['shop', 'done']]);
  });

  it('fails a job whose last allowed run crashed, and one whose source is no longer configured', async () => {
    const ledger = ctx.ledger;
    const store = new SourceJobStore(ledger.db, ledger.blobs, ctx.clock.now);
    const settled = new SettledLog();
    const failing: SourceRunner = {
      run: async () => {
        throw new SourceRunError('HTTP 500');
      },
    };
    const worker = new SourceJobWorker({ store, catalog: scriptedCatalog(), runners: new Map([['crm', failing]]), subjectOf: subjectOfRequest(ledger.db, ledger.subjects), onSettled: settled.onSettled, logger: new LogCapture().logger, config: TEST_JOB_CONFIG, now: ctx.clock.now });
    const opened = await openCase(ledger, store, ['crm', 'retired']);

    await worker.runPass();
    assert.deepEqual(settled.calls, [{ requestId: opened.requestId, outcome: 'failed', sourceId: 'retired', error: 'source no longer configured' }]);
    ctx.clock.advance(30_000);
    // The second (last) run of crm is claimed by an instance that crashes.
    const [claimed] = await store.claimDue(10, 70_000);
    assert.equal(claimed.attempts, 2);
    ctx.clock.advance(70_000);
    await worker.runPass();
    assert.deepEqual((await store.summaries(opened.requestId)).map((s) => [s.sourceId, s.status, s.attempts, s.lastError]), [
      ['crm', 'failed', 3, 'HTTP 500'],
      ['retired', 'failed', 1, 'source no longer configured'],
    ]);
    assert.deepEqual(settled.calls[1], { requestId: opened.requestId, outcome: 'failed', sourceId: 'crm', error: 'HTTP 500' });
  });

  it('start polls, stop waits for the runs in flight, and a failing onSettled does not lose the job', async () => {
    const ledger = ctx.ledger;
    const store = new SourceJobStore(ledger.db, ledger.blobs, ctx.clock.now);
    const recorder = new Recorder();
    const logs = new LogCapture();
    const worker = new SourceJobWorker({
      store,
      catalog: scriptedCatalog(),
      runners: recorder.runnersFor('poller'),
      subjectOf: subjectOfRequest(ledger.db, ledger.subjects),
      onSettled: () => {
        throw new Error('the case service is down');
      },
      logger: logs.logger,
      config: TEST_JOB_CONFIG,
      now: ctx.clock.now,
    });
    const opened = await openCase(ledger, store, ['desk']);
    worker.start();
    await recorder.startedBy('poller');
    const stopped = worker.stop();
    recorder.open();
    await stopped;
    assert.deepEqual((await store.summaries(opened.requestId)).map((s) => s.status), ['done'], 'stop waited for the run and its record');
    assert.match(logs.text, /recorded, but telling the case failed/);
  });

  it('the ledger source gives everything the ledger holds, tagged by category and kind, or only what was asked', async () => {
    const ledger = ctx.ledger;
    const store = new SourceJobStore(ledger.db, ledger.blobs, ctx.clock.now);
    const opened = await openCase(ledger, store, ['ledger'], { categories: ['consents', 'requests'] });
    const who = { actor: 'system:test', reason: 'ledger source test' };
    const receipts = new ReceiptService({ db: ledger.db, catalog: ledger.catalog, signer: new ReceiptSigner(generateKeyPairSync('ed25519').privateKey), controller: loadController(), publicBaseUrl: 'http://localhost', now: ctx.clock.now });
    await ledger.db.transaction(async (tx) => {
      const { events } = await ledger.consent.record(opened.subjectId, [{ purposeId: 'newsletter', channel: 'email', state: 'given' }], { collectionMethod: 'web_chat', language: 'en' }, who, tx);
      await receipts.issue(tx, { subjectId: opened.subjectId, regime: 'gdpr', language: 'en', collectionMethod: 'web_chat', changed: events, current: [], disclosure: 'change_only' });
    });
    const runner = new LedgerSourceRunner(ledger, ctx.clock.now);
    const subject = await subjectOfRequest(ledger.db, ledger.subjects)(opened.requestId);
    assert.deepEqual(subject, { subjectId: opened.subjectId, identifiers: { customer_number: opened.customerNumber, email: opened.email } });

    const all = await runner.run({ reference: opened.reference, subject, categories: null, signal: new AbortController().signal });
    assert.equal(all.kind, 'records');
    const records = all.kind === 'records' ? [...(all.records as SourceRecord[])] : [];
    const kinds = new Set(records.map((r) => `${String(r[RECORD_CATEGORY_KEY])}/${String(r[RECORD_KIND_KEY])}`));
    for (const kind of ['identity/subject', 'identity/identifier', 'identity/audit', 'consents/consent', 'consents/consentEvent', 'consents/consentChain', 'consents/receipt', 'consents/audit', 'requests/request', 'requests/audit']) {
      assert.ok(kinds.has(kind), `has ${kind} (got ${[...kinds].join(', ')})`);
    }
    assert.ok(records.some((r) => r[RECORD_KIND_KEY] === 'identifier' && r.value === opened.email), 'identifiers decrypted');

    const asked = await runner.run({ reference: opened.reference, subject, categories: ['requests'], signal: new AbortController().signal });
    const requestsOnly = asked.kind === 'records' ? [...(asked.records as SourceRecord[])] : [];
    assert.ok(requestsOnly.length > 0 && requestsOnly.every((r) => r[RECORD_CATEGORY_KEY] === 'requests'));
    assert.ok(requestsOnly.some((r) => r[RECORD_KIND_KEY] === 'request' && r.reference === opened.reference));
  });
});
