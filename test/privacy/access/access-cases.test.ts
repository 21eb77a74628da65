import assert from 'node:assert/strict';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Translations } from '../../../src/i18n/translator';
import { DataCopies } from '../../../src/ledger/access/data-copies';
import type { Ledger } from '../../../src/ledger/ledger';
import { createLogger } from '../../../src/log/logger';
import { AccessRequestService } from '../../../src/privacy/access/access-request-service';
import type { NewAccessRequest } from '../../../src/privacy/access/access-requests';
import { loadProcessingRegister } from '../../../src/privacy/access/copy/processing-register';
import type { CopyWorkflow } from '../../../src/privacy/access/copy-workflow';
import { createAccessRequests } from '../../../src/privacy/access/create-access-requests';
import type { RequestNoticeSender } from '../../../src/privacy/access/request-notice-sender';
import { DataSourceCatalog, parseDataSources } from '../../../src/privacy/access/data-sources';
import type { SourceJobWorker } from '../../../src/privacy/access/source-job-worker';
import { RecordingContactMessenger } from '../../support/recording-contact-messenger';
import { isAppError } from '../../../src/errors/app-error';
import type { ErrorCode } from '../../../src/errors/codes';
import { countRows, FakeClock, forEachBackend, registerSubject } from '../../ledger/support/ledger-backends';
import { TEST_CATEGORY_LABELS, TEST_SOURCE_LABELS } from './support/test-labels';

const quiet = createLogger({ level: 'silent' });
const DAY_MS = 24 * 60 * 60 * 1000;
const SECRET = 'orders-source-secret-0123456789-abcdefghij';
const CUSTOMER = (subjectId: string, key?: string) => ({ actor: `customer:${subjectId}`, reason: 'customer asked for a copy of their data in chat', idempotencyKey: key });
const TEAM = { actor: 'agent:dpo', reason: 'privacy team' };
const CASE_TABLES = ['data_request', 'data_request_status', 'data_request_source', 'data_request_notice', 'audit_log'] as const;

/** A company orders system over HTTP: answers with the subject's orders, or fails while `down`. */
class OrdersSystem {
  down = false;
  calls = 0;
  private server: Server | undefined;
  url = '';
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.calls += 1;
      req.resume();
      req.on('end', () => {
        // Separate calls: restify (loaded by other test files in this process) patches writeHead to return nothing.
        if (this.down) {
          res.writeHead(503);
          res.end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ records: [{ order: 'A-1001', item: 'Kettle <b>steel</b>', total: '39.90 EUR' }, { order: 'A-1002', item: 'Teapot', total: '24.00 EUR' }] }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/orders`;
  }
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

interface Harness {
  readonly service: AccessRequestService;
  readonly worker: SourceJobWorker;
  readonly workflow: CopyWorkflow;
  readonly sender: RequestNoticeSender;
  readonly copies: DataCopies;
  readonly messenger: RecordingContactMessenger;
  /** What was said in this subject's conversation (tests share one ledger: other tests' notices may go out too). */
  toldOf(subjectId: string): { conversation: Record<string, unknown>; text: string }[];
  /** What went to this subject's contact on file. */
  mailOf(subjectId: string): RecordingContactMessenger['sent'];
  /** Runs every background step until nothing moves (jobs, assembly, notices). */
  settle(): Promise<void>;
}

function catalogFor(ordersUrl: string): DataSourceCatalog {
  return parseDataSources(
    {
      categories: [
        {
          id: 'orders',
          label: TEST_CATEGORY_LABELS.orders,
          synonyms: { en: ['orders'], it: ['ordini'], de: ['bestellungen'], fr: ['commandes'], es: ['pedidos'], pt: ['pedidos'], nl: ['bestellingen'] },
        },
      ],
      sources: [
        { id: 'ledger', kind: 'ledger' },
        { id: 'orders', label: TEST_SOURCE_LABELS.orders, kind: 'http', categories: ['orders'], url: ordersUrl, secretEnv: 'ORDERS_SECRET', maxAttempts: 2 },
      ],
    },
    { env: { ORDERS_SECRET: SECRET } },
  );
}

async function harness(ledger: Ledger, clock: FakeClock, catalog: DataSourceCatalog, translations: Translations, reviewRequired: boolean): Promise<Harness> {
  const messenger = new RecordingContactMessenger(ledger.subjects);
  const told: { conversation: Record<string, unknown>; text: string }[] = [];
  // The capability as the app wires it, with the test's sources, clock, messenger and conversations; its background work driven by hand.
  const runtime = createAccessRequests({
    ledger,
    options: { reviewRequired, retentionDays: 30, maxDownloads: 5, publicBaseUrl: 'https://privacy.example.com' },
    catalog,
    translations,
    defaultLocale: 'en',
    messenger,
    conversations: { tell: async (conversation, text) => void told.push({ conversation, text }) },
    selfBaseUrl: () => 'http://127.0.0.1:1',
    logger: quiet,
    now: clock.now,
    random: () => 0,
  });
  const { service, worker, workflow, noticeSender: sender, copies } = runtime;
  const settle = async (): Promise<void> => {
    for (let round = 0; round < 10; round += 1) {
      const moved = (await worker.runDue()) + (await workflow.runDue()) + (await sender.runDue());
      if (moved === 0) return;
    }
  };
  const toldOf = (subjectId: string) => told.filter((t) => JSON.stringify(t.conversation).includes(`conversation-of-${subjectId}`));
  const mailOf = (subjectId: string) => messenger.sent.filter((m) => m.subjectId === subjectId);
  return { service, worker, workflow, sender, copies, messenger, toldOf, mailOf, settle };
}

const asked = (subjectId: string, extra: Partial<NewAccessRequest> = {}): NewAccessRequest => ({
  subjectId,
  categories: null,
  channel: 'webchat',
  conversation: { route: 'directline', reference: { conversation: { id: `conversation-of-${subjectId}` } } },
  locale: 'en',
  timeZone: 'Europe/Rome',
  contactKind: 'email',
  ...extra,
});

/** Asserts the promise rejects with an error of this registry code whose message matches every pattern. */
async function assertLedgerError(promise: Promise<unknown>, code: ErrorCode, ...patterns: RegExp[]): Promise<void> {
  const err: unknown = await promise.then(
    () => assert.fail(`expected ${code}, but it succeeded`),
    (e: unknown) => e,
  );
  assert.ok(isAppError(err, code), `expected ${code}, got ${String(err)}`);
  for (const pattern of patterns) assert.match(err.message, pattern);
}

const linkIn = (text: string): string => /https:\/\/privacy\.example\.com\/copies\/([A-Za-z0-9_-]+)/.exec(text)?.[1] ?? '';

forEachBackend('access request cases', (ctx) => {
  const orders = new OrdersSystem();
  let translations: Translations;
  before(async () => {
    await orders.start();
    translations = await Translations.load();
  });
  after(() => orders.stop());
  beforeEach(() => {
    orders.down = false;
  });

  it('gathers from every source, assembles the copy, and tells the customer in the chat and by email, with a link that downloads it', async () => {
    const h = await harness(ctx.ledger, ctx.clock, catalogFor(orders.url), translations, false);
    const subject = await registerSubject(ctx.ledger);
    const { case: opened, reused } = await h.service.request(asked(subject.id), CUSTOMER(subject.id, 'activity-1'));
    assert.equal(reused, false);
    assert.equal(opened.status, 'in_progress');
    assert.deepEqual(opened.sources.map((s) => [s.sourceId, s.status]), [['ledger', 'pending'], ['orders', 'pending']]);
    assert.equal(opened.dueAt.toISOString(), '2026-12-29T22:59:59.999Z', 'GDPR: one month from receipt, to the end of that day in Brussels');

    await h.settle();
    const done = (await h.service.find(opened.reference))!;
    assert.equal(done.status, 'fulfilled');
    assert.deepEqual(done.sources.map((s) => [s.sourceId, s.status]), [['ledger', 'done'], ['orders', 'done']]);
    assert.equal(done.sources.find((s) => s.sourceId === 'orders')?.recordCount, 2);
    assert.ok(done.copy && done.copy.sizeBytes > 0 && done.copy.releasedAt);

    assert.equal(h.toldOf(subject.id).length, 1, 'said once in the conversation where the customer asked');
    assert.deepEqual(h.toldOf(subject.id)[0].conversation, asked(subject.id).conversation);
    assert.match(h.toldOf(subject.id)[0].text, new RegExp(`${opened.reference}[\\s\\S]*https://privacy\\.example\\.com/copies/`));
    assert.equal(h.mailOf(subject.id).length, 1, 'and always at the contact on file');
    const mail = h.mailOf(subject.id)[0];
    assert.equal(mail.channel, 'email');
    assert.match(mail.message.subject, new RegExp(opened.reference));
    const token = linkIn(mail.message.text);
    assert.equal(token, linkIn(h.toldOf(subject.id)[0].text), 'the same link in both');
    const download = await h.copies.openForDownload(token);
    assert.equal(download.kind, 'ok');
    if (download.kind === 'ok') download.stream.resume();
    // The token itself is not kept once the notice went out: only its hash, with the copy.
    const sealed = (await ctx.ledger.db.query<{ n: string | number }>('SELECT count(*) AS n FROM data_request_notice WHERE link_token_sealed IS NOT NULL')).rows[0];
    assert.equal(Number(sealed.n), 0);
  });

  it('gives back the open case when the customer asks again, and a redelivered "yes" opens nothing', async () => {
    const h = await harness(ctx.ledger, ctx.clock, catalogFor(orders.url), translations, true);
    const subject = await registerSubject(ctx.ledger);
    const first = await h.service.request(asked(subject.id), CUSTOMER(subject.id, 'activity-a'));
    const before = await countRows(ctx.ledger, CASE_TABLES);
    const redelivered = await h.service.request(asked(subject.id), CUSTOMER(subject.id, 'activity-a'));
    const again = await h.service.request(asked(subject.id, { categories: ['orders'] }), CUSTOMER(subject.id, 'activity-b'));
    assert.deepEqual([redelivered.reused, again.reused], [true, true]);
    assert.deepEqual([redelivered.case.reference, again.case.reference], [first.case.reference, first.case.reference]);
    assert.deepEqual(await countRows(ctx.ledger, CASE_TABLES), before, 'nothing written');
    assert.equal((await h.service.preview(subject.id)).openCase?.reference, first.case.reference);
  });

  it('asks only the sources holding the categories named', async () => {
    const h = await harness(ctx.ledger, ctx.clock, catalogFor(orders.url), translations, true);
    const subject = await registerSubject(ctx.ledger);
    const { case: opened } = await h.service.request(asked(subject.id, { categories: ['orders', 'no-such-category'] }), CUSTOMER(subject.id));
    assert.deepEqual(opened.categories, ['orders']);
    assert.deepEqual(opened.sources.map((s) => s.sourceId), ['orders']);
  });

  it('holds the copy for review, releases it once, and refuses to release what is not awaiting review', async () => {
    const h = await harness(ctx.ledger, ctx.clock, catalogFor(orders.url), translations, true);
    const subject = await registerSubject(ctx.ledger);
    const { case: opened } = await h.service.request(asked(subject.id), CUSTOMER(subject.id));
    await assertLedgerError(h.service.release(opened.reference, TEAM), 'PSB_ACCESS_NOT_RELEASABLE', /this case is in_progress/);
    await h.settle();
    assert.equal((await h.service.find(opened.reference))?.status, 'awaiting_review');
    assert.equal(h.mailOf(subject.id).length + h.toldOf(subject.id).length, 0, 'nobody is told before the release');
    const released = await h.service.release(opened.reference, TEAM);
    assert.equal(released.status, 'fulfilled');
    assert.equal(released.history.at(-1)?.actor, TEAM.actor);
    await h.settle();
    assert.equal(h.mailOf(subject.id).length, 1);
    await assertLedgerError(h.service.release(opened.reference, TEAM), 'PSB_ACCESS_NOT_RELEASABLE', /this case is fulfilled/);
    const audit = (await ctx.ledger.db.query<{ actor: string; action: string }>("SELECT actor, action FROM audit_log WHERE entity_id = $1 AND action = 'request.status' ORDER BY seq", [opened.id])).rows;
    assert.deepEqual(audit.at(-1), { actor: TEAM.actor, action: 'request.status' });
  });

  it('blocks the case with the reason when a source keeps failing, and moves on when the team runs it again', async () => {
    const h = await harness(ctx.ledger, ctx.clock, catalogFor(orders.url), translations, true);
    const subject = await registerSubject(ctx.ledger);
    orders.down = true;
    const { case: opened } = await h.service.request(asked(subject.id), CUSTOMER(subject.id));
    for (let i = 0; i < 4; i += 1) {
      await h.settle();
      ctx.clock.advance(DAY_MS);
    }
    const blocked = (await h.service.find(opened.reference))!;
    assert.equal(blocked.status, 'blocked');
    assert.match(blocked.blockedReason ?? '', /orders.*HTTP 503/);
    assert.deepEqual(blocked.sources.map((s) => [s.sourceId, s.status]), [['ledger', 'done'], ['orders', 'failed']]);
    assert.equal(blocked.copy, null, 'never a silent partial copy');
    orders.down = false;
    const rerun = await h.service.rerunSource(opened.reference, 'orders', TEAM);
    assert.equal(rerun.status, 'in_progress');
    await h.settle();
    assert.equal((await h.service.find(opened.reference))?.status, 'awaiting_review');
  });

  it('extends once, with a reason, before the first deadline, and tells the customer the new date', async () => {
    const h = await harness(ctx.ledger, ctx.clock, catalogFor(orders.url), translations, true);
    const subject = await registerSubject(ctx.ledger);
    const { case: opened } = await h.service.request(asked(subject.id), CUSTOMER(subject.id));
    await assertLedgerError(h.service.extend(opened.reference, '  ', TEAM), 'PSB_ACCESS_REASON_REQUIRED');
    const extended = await h.service.extend(opened.reference, 'Our archive is being migrated.', TEAM);
    assert.equal(extended.extendedDueAt?.toISOString(), '2027-02-28T22:59:59.999Z', 'three months from receipt in all');
    assert.equal(extended.effectiveDueAt.toISOString(), extended.extendedDueAt?.toISOString());
    assert.equal(extended.history.at(-1)?.status, 'extended');
    await assertLedgerError(h.service.extend(opened.reference, 'again', TEAM), 'PSB_ACCESS_ALREADY_EXTENDED');
    await h.sender.runDue();
    const mail = h.mailOf(subject.id).find((m) => /more time/i.test(m.message.subject));
    assert.ok(mail, 'the customer is told');
    assert.match(mail.message.text, /by Sunday, February 28, 2027\./);
    assert.match(mail.message.text, /Our archive is being migrated\./);
  });

  it('refuses an extension after the first deadline, and for a regime that has none', async () => {
    const h = await harness(ctx.ledger, ctx.clock, catalogFor(orders.url), translations, true);
    const late = await registerSubject(ctx.ledger);
    const { case: lateCase } = await h.service.request(asked(late.id), CUSTOMER(late.id));
    ctx.clock.advance(40 * DAY_MS);
    await assertLedgerError(h.service.extend(lateCase.reference, 'too late now', TEAM), 'PSB_ACCESS_EXTENSION_TOO_LATE');
    const brazilian = await ctx.ledger.subjects.register({ identifiers: [{ kind: 'email', value: `lgpd-${Date.now()}-${Math.random()}@example.com` }], regime: 'lgpd' }, TEAM);
    const { case: lgpdCase } = await h.service.request(asked(brazilian.id), CUSTOMER(brazilian.id));
    assert.equal(lgpdCase.maxExtendedDueAt, null);
    await assertLedgerError(h.service.extend(lgpdCase.reference, 'need time', TEAM), 'PSB_ACCESS_NO_EXTENSION', /allows no extension/);
  });

  it('refuses with reasons, stops asking the sources, and tells the customer of the right to complain', async () => {
    const h = await harness(ctx.ledger, ctx.clock, catalogFor(orders.url), translations, true);
    const subject = await registerSubject(ctx.ledger);
    const { case: opened } = await h.service.request(asked(subject.id), CUSTOMER(subject.id));
    await assertLedgerError(h.service.refuse(opened.reference, '', TEAM), 'PSB_ACCESS_REASON_REQUIRED');
    const refused = await h.service.refuse(opened.reference, 'The same request was answered in full last week.', TEAM);
    assert.equal(refused.status, 'rejected');
    assert.ok(refused.sources.every((s) => s.status === 'failed'));
    await h.settle();
    assert.equal(h.toldOf(subject.id).length, 1);
    const mail = h.mailOf(subject.id)[0];
    assert.match(mail.message.text, /answered in full last week/);
    assert.match(mail.message.text, new RegExp(loadProcessingRegister().authorities.gdpr.name.en.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await assertLedgerError(h.service.extend(opened.reference, 'late', TEAM), 'PSB_ACCESS_CLOSED');
  });

  it('keeps a notice until the mail goes out, and says it in the chat only once', async () => {
    const h = await harness(ctx.ledger, ctx.clock, catalogFor(orders.url), translations, false);
    const subject = await registerSubject(ctx.ledger);
    h.messenger.failing = Object.assign(new Error('smtp down'), { code: 'PSB_CONTACT_UNREACHABLE' });
    await h.service.request(asked(subject.id), CUSTOMER(subject.id));
    await h.settle();
    assert.equal(h.toldOf(subject.id).length, 1);
    assert.equal(h.mailOf(subject.id).length, 0);
    h.messenger.failing = undefined;
    ctx.clock.advance(DAY_MS);
    await h.settle();
    assert.equal(h.mailOf(subject.id).length, 1, 'sent once the transport is back');
    assert.equal(h.toldOf(subject.id).length, 1, 'not said twice in the chat');
  });

  it('writes nothing when the case cannot be created whole', async () => {
    const h = await harness(ctx.ledger, ctx.clock, catalogFor(orders.url), translations, false);
    const subject = await registerSubject(ctx.ledger);
    const before = await countRows(ctx.ledger, CASE_TABLES);
    // A source id the jobs table cannot take (over the key's limits is not possible): simulate the database failing mid-way.
    const failing = new AccessRequestService({
      db: ctx.ledger.db,
      requests: ctx.ledger.requests,
      subjects: ctx.ledger.subjects,
      jobs: { enqueue: async () => Promise.reject(new Error('connection lost')), rerun: async () => false, cancelUnfinished: async () => 0, summaries: async () => [] },
      copies: h.copies,
      notices: { enqueue: async () => '' },
      categories: [],
      sources: catalogFor(orders.url).sources,
      now: ctx.clock.now,
    });
    await assert.rejects(failing.request(asked(subject.id), CUSTOMER(subject.id)), /connection lost/);
    assert.deepEqual(await countRows(ctx.ledger, CASE_TABLES), before);
  });
});
