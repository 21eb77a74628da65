import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { isAppError } from '../../src/errors/app-error';
import { ClaimedSourceJob, RECORDS_PER_PAGE, SourceJobStore } from '../../src/ledger/access/source-jobs';
import { Ledger } from '../../src/ledger/ledger';
import { RECORD_CATEGORY_KEY, SourceRecord } from '../../src/privacy/access/access-types';
import { openCase, storedRecords } from '../privacy/access/support/source-fixtures';
import { FIXED_NOW, forEachBackend } from './support/ledger-backends';

const LEASE_MS = 60_000;

const orders = (count: number, from = 0): SourceRecord[] => Array.from({ length: count }, (_, i) => ({ [RECORD_CATEGORY_KEY]: 'orders', orderNumber: `ORD-${from + i}`, total: (from + i) / 10 }));

async function* slowly(records: readonly SourceRecord[]): AsyncGenerator<SourceRecord> {
  for (const record of records) yield record;
}

async function pageRows(ledger: Ledger, requestId: string): Promise<{ source_id: string; page: number; record_count: number }[]> {
  return (await ledger.db.query<{ source_id: string; page: number; record_count: number }>('SELECT source_id, page, record_count FROM data_request_record_page WHERE request_id = $1 ORDER BY source_id, page', [requestId])).rows;
}

forEachBackend('source jobs store', (ctx) => {
  let ledger: Ledger;
  let store: SourceJobStore;

  before(async () => {
    // A ledger of its own: claimDue sees every due job of the database.
    ledger = await ctx.open();
    store = new SourceJobStore(ledger.db, ledger.blobs, ctx.clock.now);
  });

  /** Claims everything due and returns the jobs of this case only (other tests' leftovers are leased away too). */
  async function claim(requestId: string): Promise<ClaimedSourceJob[]> {
    return (await store.claimDue(100, LEASE_MS)).filter((j) => j.requestId === requestId);
  }

  it('queues one pending job per source in the case transaction and hands each out once, under a lease', async () => {
    const opened = await openCase(ledger, store, ['ledger', 'crm'], { categories: ['orders'] });
    assert.deepEqual(await store.progress(opened.requestId), { pending: 2, running: 0, waiting: 0, retrying: 0, done: 0, failed: 0 });
    const claimed = (await claim(opened.requestId)).sort((a, b) => a.sourceId.localeCompare(b.sourceId));
    assert.deepEqual(
      claimed.map((j) => [j.sourceId, j.reference, j.subjectId, j.categories, j.attempts, j.claimedFrom]),
      [
        ['crm', opened.reference, opened.subjectId, ['orders'], 1, 'pending'],
        ['ledger', opened.reference, opened.subjectId, ['orders'], 1, 'pending'],
      ],
    );
    assert.deepEqual(await claim(opened.requestId), [], 'a leased job is not handed out again');
    assert.equal((await store.progress(opened.requestId)).running, 2);

    await assert.rejects(
      ledger.db.transaction(async (tx) => {
        await store.enqueue(tx, opened.requestId, ['other'], FIXED_NOW);
        throw new Error('the case transaction failed later');
      }),
      /failed later/,
    );
    assert.deepEqual((await store.summaries(opened.requestId)).map((s) => s.sourceId), ['crm', 'ledger'], 'the rolled-back job is not there');
  });

  it('stores records in sealed pages of at most 1000, done in one step, read back one page at a time', async () => {
    const opened = await openCase(ledger, store, ['crm']);
    const [job] = await claim(opened.requestId);
    const records = orders(2500);
    assert.equal(await store.complete(job, slowly(records)), true);

    assert.deepEqual((await pageRows(ledger, opened.requestId)).map((p) => [p.page, Number(p.record_count)]), [[0, RECORDS_PER_PAGE], [1, RECORDS_PER_PAGE], [2, 500]]);
    const pages: number[] = [];
    for await (const page of store.readPages(opened.requestId, 'crm')) pages.push(page.length);
    assert.deepEqual(pages, [1000, 1000, 500]);
    assert.deepEqual(await storedRecords(store, opened.requestId, 'crm'), records);

    const sealed = (await ledger.db.query<{ sealed: Uint8Array }>('SELECT sealed FROM data_request_record_page WHERE request_id = $1 AND page = 0', [opened.requestId])).rows[0].sealed;
    assert.ok(!Buffer.from(sealed).toString('latin1').includes('ORD-1'), 'the records are encrypted at rest');

    const [summary] = await store.summaries(opened.requestId);
    assert.deepEqual(summary, { sourceId: 'crm', status: 'done', attempts: 1, recordCount: 2500, lastError: null, nextAttemptAt: null, finishedAt: FIXED_NOW });
  });

  it('binds each page to its request, source and number: a page moved elsewhere does not open', async () => {
    const a = await openCase(ledger, store, ['crm']);
    const b = await openCase(ledger, store, ['crm']);
    const jobs = await store.claimDue(100, LEASE_MS);
    for (const opened of [a, b]) await store.complete(jobs.find((j) => j.requestId === opened.requestId)!, orders(3));
    // Someone with database access swaps b's page for a's: the tag no longer matches.
    await ledger.db.query(
      'UPDATE data_request_record_page SET sealed = (SELECT sealed FROM data_request_record_page WHERE request_id = $1 AND source_id = $3), key_id = (SELECT key_id FROM data_request_record_page WHERE request_id = $1 AND source_id = $3) WHERE request_id = $2',
      [a.requestId, b.requestId, 'crm'],
    );
    await assert.rejects(storedRecords(store, b.requestId, 'crm'), (err: unknown) => isAppError(err, 'PSB_LEDGER_ENCRYPTION_KEY') && /altered or moved/.test((err as Error).message));
  });

  it('fences every report by its attempt: after the lease ran out and another run took the job, the first run changes nothing', async () => {
    const opened = await openCase(ledger, store, ['crm']);
    const [first] = await claim(opened.requestId);
    ctx.clock.advance(LEASE_MS);
    const [second] = await claim(opened.requestId);
    assert.deepEqual([second.attempts, second.claimedFrom], [2, 'running'], 'the expired lease is taken over, counted as a new attempt');

    assert.equal(await store.complete(first, orders(5)), false);
    assert.equal(await store.markRetry(first, ctx.clock.now(), 'HTTP 503'), false);
    assert.equal(await store.markFailed(first, 'timeout'), false);
    assert.equal(await store.markWaiting(first, ctx.clock.now()), false);
    assert.deepEqual(await pageRows(ledger, opened.requestId), [], 'the stale run wrote no page');
    assert.equal((await store.summaries(opened.requestId))[0].status, 'running');

    assert.equal(await store.complete(second, orders(2)), true);
    assert.equal((await storedRecords(store, opened.requestId, 'crm')).length, 2);
  });

  it('retries when due, waits for announced results until waiting_until, and fails for good', async () => {
    const opened = await openCase(ledger, store, ['crm', 'desk']);
    const jobs = await claim(opened.requestId);
    const crm = jobs.find((j) => j.sourceId === 'crm')!;
    const desk = jobs.find((j) => j.sourceId === 'desk')!;
    assert.equal(await store.markRetry(crm, new Date(FIXED_NOW.getTime() + 30_000), 'HTTP 503'), true);
    assert.equal(await store.markWaiting(desk, new Date(FIXED_NOW.getTime() + 3_600_000)), true);
    const summaries = await store.summaries(opened.requestId);
    assert.deepEqual(
      summaries.map((s) => [s.sourceId, s.status, s.lastError, s.nextAttemptAt?.toISOString()]),
      [
        ['crm', 'retrying', 'HTTP 503', new Date(FIXED_NOW.getTime() + 30_000).toISOString()],
        ['desk', 'waiting', null, new Date(FIXED_NOW.getTime() + 3_600_000).toISOString()],
      ],
    );
    assert.deepEqual(await claim(opened.requestId), [], 'nothing is due yet');

    ctx.clock.advance(30_000);
    const [retry] = await claim(opened.requestId);
    assert.deepEqual([retry.sourceId, retry.attempts, retry.claimedFrom, retry.lastError], ['crm', 2, 'retrying', 'HTTP 503']);
    assert.equal(await store.markFailed(retry, 'HTTP 503'), true);

    ctx.clock.advance(3_600_000);
    const [again] = await claim(opened.requestId);
    assert.deepEqual([again.sourceId, again.attempts, again.claimedFrom], ['desk', 2, 'waiting'], 'results that never came: the source is asked again');
    assert.deepEqual(await store.progress(opened.requestId), { pending: 0, running: 1, waiting: 0, retrying: 0, done: 0, failed: 1 });
  });

  it('takes posted results only while the job expects them, remembers delivery ids, and refuses late or duplicate ones', async () => {
    const opened = await openCase(ledger, store, ['desk', 'crm']);
    const jobs = await claim(opened.requestId);
    await store.markWaiting(jobs.find((j) => j.sourceId === 'desk')!, new Date(FIXED_NOW.getTime() + 3_600_000));
    const tickets = [{ [RECORD_CATEGORY_KEY]: 'support', ticket: 'TCK-1' }];

    assert.deepEqual(await store.acceptResults(opened.requestId, 'nowhere', tickets, { deliveryId: 'd-0' }), { kind: 'unknown' });
    assert.deepEqual(await store.acceptResults(opened.requestId, 'desk', tickets, { deliveryId: 'd-1', replayWindowMs: 600_000 }), { kind: 'accepted', records: 1 });
    assert.deepEqual(await storedRecords(store, opened.requestId, 'desk'), tickets);
    assert.deepEqual(await store.acceptResults(opened.requestId, 'desk', tickets, { deliveryId: 'd-1', replayWindowMs: 600_000 }), { kind: 'replayed' });
    assert.deepEqual(await store.acceptResults(opened.requestId, 'desk', [], { deliveryId: 'd-2', replayWindowMs: 600_000 }), { kind: 'not-expected', status: 'done' });
    assert.deepEqual(await storedRecords(store, opened.requestId, 'desk'), tickets, 'the late duplicate changed nothing');

    // A running job (the wait ran out and the source is asked again) takes them; the run in flight then reports nothing.
    const crm = jobs.find((j) => j.sourceId === 'crm')!;
    assert.deepEqual(await store.acceptResults(opened.requestId, 'crm', orders(1), { deliveryId: 'd-3' }), { kind: 'accepted', records: 1 });
    assert.equal(await store.complete(crm, orders(9)), false);
    assert.equal((await storedRecords(store, opened.requestId, 'crm')).length, 1);

    // Delivery ids are forgotten after the window: the table does not grow for ever.
    ctx.clock.advance(600_001);
    const other = await openCase(ledger, store, ['desk']);
    const [job] = await claim(other.requestId);
    await store.markWaiting(job, new Date(ctx.clock.now().getTime() + 1000));
    assert.equal((await store.acceptResults(other.requestId, 'desk', [], { deliveryId: 'd-9', replayWindowMs: 600_000 })).kind, 'accepted');
    const kept = (await ledger.db.query<{ webhook_id: string }>("SELECT webhook_id FROM data_source_delivery WHERE webhook_id IN ('d-1', 'd-9') ORDER BY webhook_id")).rows;
    assert.deepEqual(kept.map((r) => r.webhook_id), ['d-9']);
  });

  it('re-runs a finished or failed job from scratch, but never one being run; cancels what is unfinished', async () => {
    const opened = await openCase(ledger, store, ['crm', 'desk', 'ledger']);
    const jobs = await claim(opened.requestId);
    await store.complete(jobs.find((j) => j.sourceId === 'crm')!, orders(4));
    await store.markFailed(jobs.find((j) => j.sourceId === 'desk')!, 'HTTP 500');

    const rerun = await ledger.db.transaction(async (tx) => [await store.rerun(tx, opened.requestId, 'crm'), await store.rerun(tx, opened.requestId, 'desk'), await store.rerun(tx, opened.requestId, 'ledger'), await store.rerun(tx, opened.requestId, 'unknown')]);
    assert.deepEqual(rerun, [true, true, false, false]);
    assert.deepEqual(
      (await store.summaries(opened.requestId)).map((s) => [s.sourceId, s.status, s.attempts, s.recordCount, s.lastError]),
      [
        ['crm', 'pending', 0, null, null],
        ['desk', 'pending', 0, null, null],
        ['ledger', 'running', 1, null, null],
      ],
    );
    assert.deepEqual(await storedRecords(store, opened.requestId, 'crm'), [], "the earlier run's pages are gone");

    const cancelled = await ledger.db.transaction((tx) => store.cancelUnfinished(tx, opened.requestId, 'case refused'));
    assert.equal(cancelled, 3);
    assert.deepEqual(await store.progress(opened.requestId), { pending: 0, running: 0, waiting: 0, retrying: 0, done: 0, failed: 3 });
    assert.deepEqual(await claim(opened.requestId), []);
  });

  it('finds the job behind a results URL by reference and source', async () => {
    const opened = await openCase(ledger, store, ['desk'], { categories: ['support'] });
    assert.deepEqual(await store.findJob(opened.reference, 'desk'), { requestId: opened.requestId, categories: ['support'], status: 'pending' });
    assert.equal(await store.findJob(opened.reference, 'crm'), undefined);
    assert.equal(await store.findJob(`PRV-${randomUUID()}`, 'desk'), undefined);
  });
});
