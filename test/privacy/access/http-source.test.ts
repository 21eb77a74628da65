import assert from 'node:assert/strict';
import { RECORD_CATEGORY_KEY } from '../../../src/privacy/access/access-types';
import { forEachBackend } from '../../ledger/support/ledger-backends';
import { FanOut, openCase, startFanOut, storedRecords } from './support/source-fixtures';

const HOUR = 3_600_000;

/** The shop (orders: answers now), the help desk (support: answers later), and a source with a short timeout. */
const SOURCES = (url: string): Record<string, unknown>[] => [
  { id: 'shop', kind: 'http', categories: ['orders'], url, secretEnv: 'TEST_SOURCE_SECRET', maxAttempts: 3, maxBytes: 4096 },
  { id: 'desk', kind: 'http', categories: ['support'], url, secretEnv: 'TEST_SOURCE_SECRET', maxAttempts: 2, resultsWithinMs: HOUR },
  { id: 'slow', kind: 'http', categories: ['contact'], url, secretEnv: 'TEST_SOURCE_SECRET', timeoutMs: 300 },
];

forEachBackend('http data source', (ctx) => {
  let fanOut: FanOut;
  afterEach(() => fanOut?.close());

  /** The job's state as the privacy team sees it. */
  async function jobOf(requestId: string, sourceId: string): Promise<{ status: string; attempts: number; lastError: string | null; nextAttemptAt: string | null }> {
    const summary = (await fanOut.store.summaries(requestId)).find((s) => s.sourceId === sourceId)!;
    return { status: summary.status, attempts: summary.attempts, lastError: summary.lastError, nextAttemptAt: summary.nextAttemptAt?.toISOString() ?? null };
  }

  const at = (ms: number): string => new Date(ctx.clock.now().getTime() + ms).toISOString();

  it('answers now: a signed POST with the reference and identifiers, the records stored and the case told', async () => {
    fanOut = await startFanOut(ctx, SOURCES);
    fanOut.endpoint.answer({ kind: 'records', records: [{ orderNumber: 'A-1', total: '12.50', category: 'books' }, { [RECORD_CATEGORY_KEY]: 'orders', orderNumber: 'A-2' }] });
    const opened = await openCase(fanOut.ledger, fanOut.store, ['shop'], { categories: ['orders', 'contact'] });

    assert.deepEqual(await fanOut.worker.runPass(), { done: 1, failed: 0, retrying: 0, waiting: 0, lost: 0 });
    const [request] = fanOut.endpoint.requests;
    assert.equal(request.signatureValid, true, 'signed with the source secret (Standard Webhooks)');
    assert.deepEqual(request.json, {
      reference: opened.reference,
      sourceId: 'shop',
      categories: ['orders'],
      identifiers: { customer_number: opened.customerNumber, email: opened.email },
      resultsUrl: `${fanOut.baseUrl}/api/sources/shop/results/${opened.reference}`,
    });
    assert.deepEqual(await storedRecords(fanOut.store, opened.requestId, 'shop'), [
      { [RECORD_CATEGORY_KEY]: 'orders', orderNumber: 'A-1', total: '12.50', category: 'books' },
      { [RECORD_CATEGORY_KEY]: 'orders', orderNumber: 'A-2' },
    ]);
    assert.deepEqual(fanOut.settled.calls, [{ requestId: opened.requestId, outcome: 'done', sourceId: 'shop' }]);
    assert.ok(!fanOut.logs.text.includes(opened.email) && !fanOut.logs.text.includes(opened.customerNumber) && !fanOut.logs.text.includes('A-1'), 'logs carry ids, never identifiers or records');
  });

  it('answers later: 202, then the records come signed to the results route, and the job is done', async () => {
    fanOut = await startFanOut(ctx, SOURCES);
    fanOut.endpoint.answer({ kind: 'later', records: [{ ticket: 'TCK-1', subject: 'Parcel arrived damaged' }] });
    const opened = await openCase(fanOut.ledger, fanOut.store, ['desk']);

    const report = await fanOut.worker.runPass();
    assert.equal(report.waiting + report.done, 1, 'the results may already be in by the time the pass ends');
    await fanOut.settled.settled(opened.requestId, 'desk');
    await fanOut.endpoint.postBacksAtLeast(1);
    assert.deepEqual(fanOut.endpoint.postBacks.map((p) => [p.status, JSON.parse(p.body)]), [[200, { accepted: true, records: 1 }]]);
    assert.deepEqual(await storedRecords(fanOut.store, opened.requestId, 'desk'), [{ [RECORD_CATEGORY_KEY]: 'support', ticket: 'TCK-1', subject: 'Parcel arrived damaged' }]);
    assert.deepEqual(await jobOf(opened.requestId, 'desk'), { status: 'done', attempts: 1, lastError: null, nextAttemptAt: null });
    assert.deepEqual(fanOut.settled.calls, [{ requestId: opened.requestId, outcome: 'done', sourceId: 'desk' }]);
  });

  it('asks a source again when announced results do not come in time, and gives up after its attempts', async () => {
    fanOut = await startFanOut(ctx, SOURCES);
    fanOut.endpoint.answer({ kind: 'status', status: 202 });
    const opened = await openCase(fanOut.ledger, fanOut.store, ['desk']);

    assert.equal((await fanOut.worker.runPass()).waiting, 1);
    assert.deepEqual(await jobOf(opened.requestId, 'desk'), { status: 'waiting', attempts: 1, lastError: null, nextAttemptAt: at(HOUR) });
    assert.equal((await fanOut.worker.runPass()).waiting, 0, 'nothing to do while it waits');
    ctx.clock.advance(HOUR);
    assert.equal((await fanOut.worker.runPass()).waiting, 1, 'asked again');
    ctx.clock.advance(HOUR);
    assert.equal((await fanOut.worker.runPass()).failed, 1);
    assert.equal(fanOut.endpoint.requests.length, 2, 'maxAttempts 2: two requests, then no more');
    assert.deepEqual(fanOut.settled.calls, [{ requestId: opened.requestId, outcome: 'failed', sourceId: 'desk', error: 'no results within 1 h' }]);
  });

  it('retries a source that fails (503) after the back-off, then takes its answer', async () => {
    fanOut = await startFanOut(ctx, SOURCES);
    fanOut.endpoint.answer({ kind: 'status', status: 503 }, { kind: 'records', records: [{ orderNumber: 'B-1' }] });
    const opened = await openCase(fanOut.ledger, fanOut.store, ['shop']);

    assert.equal((await fanOut.worker.runPass()).retrying, 1);
    assert.deepEqual(await jobOf(opened.requestId, 'shop'), { status: 'retrying', attempts: 1, lastError: 'HTTP 503', nextAttemptAt: at(30_000) });
    assert.equal((await fanOut.worker.runPass()).done, 0, 'not before the back-off');
    ctx.clock.advance(30_000);
    assert.equal((await fanOut.worker.runPass()).done, 1);
    assert.deepEqual(await jobOf(opened.requestId, 'shop'), { status: 'done', attempts: 2, lastError: null, nextAttemptAt: null });
    assert.deepEqual((await storedRecords(fanOut.store, opened.requestId, 'shop')).map((r) => r.orderNumber), ['B-1']);
    assert.deepEqual(fanOut.settled.calls.map((c) => c.outcome), ['done']);
  });

  it('fails the job after maxAttempts with capped exponential back-off, and tells the case why', async () => {
    fanOut = await startFanOut(ctx, SOURCES);
    fanOut.endpoint.answer({ kind: 'status', status: 503 });
    const opened = await openCase(fanOut.ledger, fanOut.store, ['shop']);

    const retryTimes: (string | null)[] = [];
    for (const wait of [0, 30_000, 60_000]) {
      ctx.clock.advance(wait);
      await fanOut.worker.runPass();
      retryTimes.push((await jobOf(opened.requestId, 'shop')).nextAttemptAt);
    }
    assert.deepEqual(retryTimes.slice(0, 2), [new Date(ctx.clock.now().getTime() - 90_000 + 30_000).toISOString(), new Date(ctx.clock.now().getTime() - 60_000 + 60_000).toISOString()], '30 s, then 60 s');
    assert.deepEqual(await jobOf(opened.requestId, 'shop'), { status: 'failed', attempts: 3, lastError: 'HTTP 503', nextAttemptAt: null });
    assert.deepEqual(fanOut.settled.calls, [{ requestId: opened.requestId, outcome: 'failed', sourceId: 'shop', error: 'HTTP 503' }]);
    ctx.clock.advance(24 * HOUR);
    assert.deepEqual(await fanOut.worker.runPass(), { done: 0, failed: 0, retrying: 0, waiting: 0, lost: 0 }, 'a failed job stays failed until re-run');
    assert.equal(fanOut.endpoint.requests.length, 3);
  });

  const failures: readonly { name: string; source: string; answer: Parameters<FanOut['endpoint']['answer']>[0]; kind: string }[] = [
    { name: 'does not answer in time', source: 'slow', answer: { kind: 'hang' }, kind: 'timeout' },
    { name: 'answers with an HTML page', source: 'shop', answer: { kind: 'text', text: '<html>Service Unavailable</html>' }, kind: 'invalid response (not JSON)' },
    { name: 'answers JSON of another shape', source: 'shop', answer: { kind: 'text', text: '{"rows": []}' }, kind: 'invalid response (expected {"records": [...]})' },
    { name: 'answers records that are not objects', source: 'shop', answer: { kind: 'records', records: ['A-1'] }, kind: 'invalid response (a record is not a JSON object)' },
    { name: 'answers a record of a category it does not hold', source: 'shop', answer: { kind: 'records', records: [{ [RECORD_CATEGORY_KEY]: 'support' }] }, kind: `invalid response (a record's "${RECORD_CATEGORY_KEY}" is not one of the source's categories: orders)` },
    { name: 'streams a body over its limit', source: 'shop', answer: { kind: 'stream', bytes: 64 * 1024 }, kind: 'answer over 4 KB' },
    { name: 'declares a body over its limit', source: 'shop', answer: { kind: 'records', records: [{ blob: 'x'.repeat(8192) }] }, kind: 'answer over 4 KB' },
    { name: 'redirects elsewhere', source: 'shop', answer: { kind: 'status', status: 302, headers: { location: 'http://127.0.0.1:9/steal' } }, kind: 'HTTP 302 (redirects are refused)' },
  ];
  for (const { name, source, answer, kind } of failures) {
    it(`fails a run whose source ${name}: "${kind}", retried later`, async () => {
      fanOut = await startFanOut(ctx, SOURCES);
      fanOut.endpoint.answer(answer);
      const opened = await openCase(fanOut.ledger, fanOut.store, [source]);
      assert.equal((await fanOut.worker.runPass()).retrying, 1);
      assert.deepEqual(await jobOf(opened.requestId, source), { status: 'retrying', attempts: 1, lastError: kind, nextAttemptAt: at(30_000) });
      assert.deepEqual(await storedRecords(fanOut.store, opened.requestId, source), []);
      assert.equal(fanOut.endpoint.requests.length, 1, 'one request: no redirect followed');
    });
  }
});
