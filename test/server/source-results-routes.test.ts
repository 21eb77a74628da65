import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { webhookSignature } from '../../src/integrations/consent-webhook/webhook-signature';
import { RECORD_CATEGORY_KEY } from '../../src/privacy/access/access-types';
import { forEachBackend } from '../ledger/support/ledger-backends';
import { FanOut, OpenedCase, openCase, SOURCE_SECRET, startFanOut, storedRecords } from '../privacy/access/support/source-fixtures';

interface Answer {
  readonly status: number;
  readonly body: { accepted?: boolean; records?: number; error?: { code: string; message: string } };
}

interface Delivery {
  readonly id?: string;
  readonly timestamp?: number;
  readonly secret?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

const RECORDS = JSON.stringify({ records: [{ ticket: 'TCK-7', subject: 'Return and refund' }] });

forEachBackend('data source results route', (ctx) => {
  let fanOut: FanOut;
  let opened: OpenedCase;
  afterEach(() => fanOut?.close());

  /** A help desk that answered 202: its job waits for results. */
  beforeEach(async () => {
    fanOut = await startFanOut(ctx, (url) => [
      { id: 'desk', kind: 'http', categories: ['support'], url, secretEnv: 'TEST_SOURCE_SECRET', maxBytes: 2048 },
      { id: 'shop', kind: 'http', categories: ['orders'], url, secretEnv: 'TEST_SOURCE_SECRET' },
    ]);
    fanOut.endpoint.answer({ kind: 'status', status: 202 });
    opened = await openCase(fanOut.ledger, fanOut.store, ['desk']);
    assert.equal((await fanOut.worker.runPass()).waiting, 1);
  });

  async function post(sourceId: string, reference: string, delivery: Delivery = {}): Promise<Answer> {
    const body = delivery.body ?? RECORDS;
    const id = delivery.id ?? randomUUID();
    const timestamp = delivery.timestamp ?? Math.floor(Date.now() / 1000);
    const headers = delivery.headers ?? { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': webhookSignature(delivery.secret ?? SOURCE_SECRET, id, timestamp, body) };
    const response = await fetch(`${fanOut.baseUrl}/api/sources/${sourceId}/results/${reference}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }

  const refusal = (answer: Answer): [number, string | undefined] => [answer.status, answer.body.error?.code];

  it('takes signed results once, tells the case, and refuses the replay (401) and a late duplicate (409)', async () => {
    const id = randomUUID();
    assert.deepEqual(await post('desk', opened.reference, { id }), { status: 200, body: { accepted: true, records: 1 } });
    assert.deepEqual(await storedRecords(fanOut.store, opened.requestId, 'desk'), [{ [RECORD_CATEGORY_KEY]: 'support', ticket: 'TCK-7', subject: 'Return and refund' }]);
    assert.deepEqual(fanOut.settled.calls, [{ requestId: opened.requestId, outcome: 'done', sourceId: 'desk' }]);

    const replay = await post('desk', opened.reference, { id });
    assert.deepEqual(refusal(replay), [401, 'PSB_SOURCE_SIGNATURE_INVALID']);
    assert.match(replay.body.error!.message, /already received/);
    const late = await post('desk', opened.reference, { body: JSON.stringify({ records: [] }) });
    assert.deepEqual(refusal(late), [409, 'PSB_SOURCE_RESULTS_NOT_EXPECTED']);
    assert.match(late.body.error!.message, /is done and takes no results/);
    assert.equal((await storedRecords(fanOut.store, opened.requestId, 'desk')).length, 1, 'neither changed the stored records');
    assert.equal(fanOut.settled.calls.length, 1);
  });

  it('refuses a wrong signature, missing headers and a stale timestamp with 401 and a reason', async () => {
    const cases: readonly [Delivery, RegExp][] = [
      [{ secret: 'another-secret-0123456789abcdef0123456789' }, /Webhook-Signature does not match/],
      [{ headers: {} }, /send Webhook-Id, Webhook-Timestamp and Webhook-Signature/],
      [{ timestamp: Math.floor(Date.now() / 1000) - 3600 }, /within 300 s of ours: a stale or replayed POST is refused/],
      [{ headers: { 'webhook-id': 'x', 'webhook-timestamp': 'yesterday', 'webhook-signature': 'v1,abc' } }, /Webhook-Timestamp must be the Unix time in seconds/],
    ];
    for (const [delivery, reason] of cases) {
      const answer = await post('desk', opened.reference, delivery);
      assert.deepEqual(refusal(answer), [401, 'PSB_SOURCE_SIGNATURE_INVALID']);
      assert.match(answer.body.error!.message, reason);
    }
    assert.equal((await fanOut.store.summaries(opened.requestId))[0].status, 'waiting', 'still waiting for real results');
    assert.deepEqual(fanOut.settled.calls, []);
  });

  it('answers 404 for an unknown source, a source that is not http, and a reference without a job', async () => {
    const other = await openCase(fanOut.ledger, fanOut.store, ['shop']);
    for (const [sourceId, reference] of [
      ['crm', opened.reference],
      ['ledger', opened.reference],
      ['desk', other.reference],
      ['desk', 'PRV-2026-000000-0'],
      ['desk', 'not-a-reference'],
    ]) {
      assert.deepEqual(refusal(await post(sourceId, reference)), [404, 'PSB_SOURCE_NOT_FOUND'], `${sourceId} ${reference}`);
    }
  });

  it('refuses a body over the source limit (413), not JSON (400) or not records of its categories (400)', async () => {
    assert.deepEqual(refusal(await post('desk', opened.reference, { body: JSON.stringify({ records: [{ text: 'x'.repeat(4096) }] }) })), [413, 'PSB_HTTP_BODY_TOO_LARGE']);
    assert.deepEqual(refusal(await post('desk', opened.reference, { body: '{"records": [' })), [400, 'PSB_HTTP_BAD_JSON']);
    assert.deepEqual(refusal(await post('desk', opened.reference, { body: '{"rows": []}' })), [400, 'PSB_SOURCE_RESULTS_INVALID']);
    const foreign = await post('desk', opened.reference, { body: JSON.stringify({ records: [{ [RECORD_CATEGORY_KEY]: 'orders' }] }) });
    assert.deepEqual(refusal(foreign), [400, 'PSB_SOURCE_RESULTS_INVALID']);
    assert.match(foreign.body.error!.message, /not one of the source's categories: support/);
    assert.equal((await fanOut.store.summaries(opened.requestId))[0].status, 'waiting');
  });
});
