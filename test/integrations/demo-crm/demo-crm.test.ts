import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { demoOrders, demoProfile, demoTickets } from '../../../src/integrations/demo-crm/demo-crm-records';
import { DEMO_CRM_PATH, demoCrmRoutes } from '../../../src/integrations/demo-crm/demo-crm-routes';
import { webhookSignature } from '../../../src/integrations/consent-webhook/webhook-signature';
import { SourceJobStore } from '../../../src/ledger/access/source-jobs';
import { DEMO_CUSTOMERS, seedDemo } from '../../../src/ledger/demo/seed-demo';
import { RECORD_CATEGORY_KEY } from '../../../src/privacy/access/access-types';
import { DEVELOPMENT_SOURCE_SECRET, loadDataSources } from '../../../src/privacy/access/data-sources';
import { SourceJobWorker } from '../../../src/privacy/access/source-job-worker';
import { SourceResultsIntake } from '../../../src/privacy/access/source-results';
import { subjectOfRequest } from '../../../src/privacy/access/source-subject';
import { createSourceRunners } from '../../../src/privacy/access/sources/create-source-runners';
import { forEachBackend } from '../../ledger/support/ledger-backends';
import { failUnfinishedJobs, SettledLog, startResultsServer, storedRecords, TEST_JOB_CONFIG, testCatalog } from '../../privacy/access/support/source-fixtures';
import { LogCapture } from '../../support/test-app';

const giulia = DEMO_CUSTOMERS.find((c) => c.key === 'giulia')!;
const oliver = DEMO_CUSTOMERS.find((c) => c.key === 'oliver')!;

describe('demo CRM records', () => {
  it('are the same every time for the same identifiers, named only for the fictitious demo customers', () => {
    const ids = { email: giulia.email, phone: giulia.phone, customer_number: giulia.customerNumber };
    assert.deepEqual(demoProfile(ids), demoProfile(ids));
    assert.deepEqual(demoOrders(ids), demoOrders(ids));
    assert.deepEqual(demoTickets(ids), demoTickets(ids));
    const profile = demoProfile(ids);
    assert.deepEqual([profile[RECORD_CATEGORY_KEY], profile.customerNumber, profile.name, profile.email], ['contact', giulia.customerNumber, 'Giulia Rossi', giulia.email]);
    assert.match(String(profile.postalAddress), /^Via Esempio/);

    const stranger = demoProfile({ email: 'someone@example.org' });
    assert.deepEqual([stranger.name, stranger.postalAddress, stranger.phone], [null, null, null], 'no invented name or address for anyone else');
    assert.match(String(stranger.customerNumber), /^CRM-\d{6}$/);
  });

  it('give three to six orders in the currency of the customer’s country, and one to three tickets', () => {
    const euro = demoOrders({ email: giulia.email, phone: giulia.phone });
    const pound = demoOrders({ email: oliver.email, phone: oliver.phone });
    for (const orders of [euro, pound]) {
      assert.ok(orders.length >= 3 && orders.length <= 6);
      assert.ok(orders.every((o) => o[RECORD_CATEGORY_KEY] === 'orders' && /^\d+\.\d{2}$/.test(String(o.total))));
    }
    assert.deepEqual([...new Set(euro.map((o) => o.currency))], ['EUR']);
    assert.deepEqual([...new Set(pound.map((o) => o.currency))], ['GBP']);
    const tickets = demoTickets({ email: giulia.email });
    assert.ok(tickets.length >= 1 && tickets.length <= 3 && tickets.every((t) => t[RECORD_CATEGORY_KEY] === 'support'));
  });
});

forEachBackend('demo CRM fan-out on the shipped data sources', (ctx) => {
  afterEach(() => failUnfinishedJobs(ctx.ledger));

  it('gathers a seeded demo customer from the ledger and the demo CRM, now and later', async () => {
    const ledger = ctx.ledger;
    const catalog = loadDataSources(undefined, {});
    const store = new SourceJobStore(ledger.db, ledger.blobs, ctx.clock.now);
    const logs = new LogCapture();
    const settled = new SettledLog();
    const intake = new SourceResultsIntake({ store, catalog, onSettled: settled.onSettled, logger: logs.logger });
    const server = await startResultsServer(catalog, intake, logs.logger, [demoCrmRoutes({ catalog, logger: logs.logger, laterDelayMs: 0 })!]);
    try {
      const runners = createSourceRunners(catalog, { ledger, selfBaseUrl: () => server.baseUrl, resultsBaseUrl: () => 'https://privacy.example.com' });
      const worker = new SourceJobWorker({ store, catalog, runners, subjectOf: subjectOfRequest(ledger.db, ledger.subjects), onSettled: settled.onSettled, logger: logs.logger, config: TEST_JOB_CONFIG, now: ctx.clock.now });
      const seeded = await seedDemo(ledger);
      const subjectId = seeded.customers.find((c) => c.key === 'giulia')!.subjectId;
      const { request } = await ledger.requests.openOrReuse(
        { subjectId, type: 'access', regime: 'gdpr', startAs: 'in_progress', channel: 'webchat', locale: 'it', timeZone: 'Europe/Rome', categories: null, contactKind: 'email' },
        { actor: 'system:test', reason: 'demo fan-out' },
        (tx, opened) => store.enqueue(tx, opened.id, catalog.sources.map((s) => s.id), opened.receivedAt),
      );

      const report = await worker.runPass();
      assert.equal(report.done + report.waiting, 3);
      await settled.settled(request.id, 'demo-crm-support');
      assert.deepEqual(settled.calls.map((c) => [c.sourceId, c.outcome]).sort(), [['demo-crm', 'done'], ['demo-crm-support', 'done'], ['ledger', 'done']]);

      const crm = await storedRecords(store, request.id, 'demo-crm');
      const ids = { email: giulia.email, phone: giulia.phone, customer_number: giulia.customerNumber };
      assert.deepEqual(crm, [demoProfile(ids), ...demoOrders(ids)]);
      assert.deepEqual(await storedRecords(store, request.id, 'demo-crm-support'), demoTickets(ids));
      assert.ok((await storedRecords(store, request.id, 'ledger')).some((r) => r[RECORD_CATEGORY_KEY] === 'consents'));
      assert.ok(!logs.text.includes(giulia.email) && !logs.text.includes('Giulia'), 'no identifier or record in the logs');
    } finally {
      await server.close();
    }
  });

  it('answers only signed requests, and is not served when no source points at it', async () => {
    const catalog = loadDataSources(undefined, {});
    const logs = new LogCapture();
    const server = await startResultsServer(catalog, { accept: async () => ({ kind: 'unknown' }) }, logs.logger, [demoCrmRoutes({ catalog, logger: logs.logger })!]);
    try {
      const body = JSON.stringify({ reference: 'PRV-X', sourceId: 'demo-crm', categories: null, identifiers: { email: giulia.email }, resultsUrl: 'http://127.0.0.1:9/' });
      const post = (secret: string): Promise<Response> => {
        const id = randomUUID();
        const timestamp = Math.floor(Date.now() / 1000);
        return fetch(`${server.baseUrl}${DEMO_CRM_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': webhookSignature(secret, id, timestamp, body) }, body });
      };
      assert.equal((await post('not-the-demo-secret-0123456789abcdef')).status, 401);
      const answered = await post(DEVELOPMENT_SOURCE_SECRET);
      assert.equal(answered.status, 200);
      assert.equal(((await answered.json()) as { records: unknown[] }).records.length >= 4, true);
    } finally {
      await server.close();
    }
    const withoutDemo = testCatalog([{ id: 'shop', kind: 'http', categories: ['orders'], url: 'https://shop.example.com/x', secretEnv: 'TEST_SOURCE_SECRET' }]);
    assert.equal(demoCrmRoutes({ catalog: withoutDemo, logger: logs.logger }), undefined);
  });
});
