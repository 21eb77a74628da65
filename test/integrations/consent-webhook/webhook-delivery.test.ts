import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createConsentWebhook } from '../../../src/integrations/consent-webhook/create-consent-webhook';
import { ConsentWebhookConfig, loadConsentWebhookConfig } from '../../../src/integrations/consent-webhook/webhook-config';
import { ConsentWebhookDispatcher } from '../../../src/integrations/consent-webhook/webhook-dispatcher';
import { verifyWebhookSignature } from '../../../src/integrations/consent-webhook/webhook-signature';
import { ConsentEvent, ConsentProvenance, ConsentState } from '../../../src/ledger/consent/consent-types';
import { Ledger } from '../../../src/ledger/ledger';
import { WebhookOutbox } from '../../../src/ledger/webhooks/webhook-outbox';
import { Logger } from '../../../src/log/logger';
import { FakeClock, forEachBackend, registerSubject } from '../../ledger/support/ledger-backends';
import { LogCapture } from '../../support/test-app';
import { ReceivedPost, WebhookReceiver } from './webhook-receiver';

const SECRET = 'consent-webhook-test-secret-0123456789abcdef';
const CHAT: ConsentProvenance = { collectionMethod: 'web_chat', language: 'en', conversationId: 'conv-webhook' };
const CUSTOMER = { actor: 'customer:test', reason: 'customer changed consent in chat' };
/** Longer than the largest backoff the tests configure (2 s): every failed delivery is due again. */
const PAST_BACKOFF_MS = 2500;

interface Payload {
  id: string;
  type: string;
  subjectId: string;
  events: { eventId: string; subjectSeq: number; state: string }[];
}

const payloadOf = (post: ReceivedPost): Payload => JSON.parse(post.body) as Payload;

function configFor(receiver: WebhookReceiver, extra: Record<string, string> = {}): ConsentWebhookConfig {
  return loadConsentWebhookConfig({ CONSENT_WEBHOOK_URL: receiver.url, CONSENT_WEBHOOK_SECRET: SECRET, CONSENT_WEBHOOK_MAX_BACKOFF_SECONDS: '2', ...extra });
}

function dispatcherFor(ledger: Ledger, config: ConsentWebhookConfig, clock: FakeClock, logger: Logger, batchSize?: number): ConsentWebhookDispatcher {
  return new ConsentWebhookDispatcher({ ...config, outbox: new WebhookOutbox(ledger.db, clock.now), logger, now: clock.now, batchSize });
}

async function change(ledger: Ledger, subjectId: string, state: ConsentState): Promise<ConsentEvent[]> {
  return (await ledger.consent.record(subjectId, [{ purposeId: 'newsletter', channel: 'email', state }], CHAT, CUSTOMER)).events;
}

/** Each accepted delivery once by Webhook-Id, each event once, and a subject's events in chain order. */
function assertDeliveredOnceInOrder(receiver: WebhookReceiver, events: readonly ConsentEvent[]): void {
  const accepted = receiver.accepted;
  const ids = accepted.map((p) => p.headers['webhook-id']);
  assert.equal(new Set(ids).size, ids.length, 'no Webhook-Id was accepted twice');
  const received = accepted.flatMap((p) => payloadOf(p).events.map((e) => e.eventId));
  assert.deepEqual([...received].sort(), events.map((e) => e.id).sort(), 'every recorded event arrived exactly once');
  const bySubject = new Map<string, number[]>();
  for (const post of accepted) {
    const payload = payloadOf(post);
    bySubject.set(payload.subjectId, [...(bySubject.get(payload.subjectId) ?? []), ...payload.events.map((e) => e.subjectSeq)]);
  }
  for (const [subjectId, seqs] of bySubject) {
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), `subject ${subjectId}: its changes arrived in the order they were made`);
  }
}

/**
 * Proof that a pass a kick started would be over, without guessing a duration: a kick schedules
 * its pass on a zero-delay timer, and timers of equal delay fire in the order they were set, so
 * once a timer set after the kick has fired, that pass (if any) has begun; stop() then resolves
 * only after the pass in flight has posted and recorded what it posted.
 */
async function aPassWouldHaveRun(webhook: { stop(): Promise<void> }): Promise<void> {
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  await new Promise<void>((resolve) => setImmediate(resolve));
  await webhook.stop();
}

forEachBackend('consent webhook delivery', (ctx) => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await WebhookReceiver.reserve();
  });
  afterEach(() => receiver.close());

  it('delivers every change once, signed and in order per subject, after the receiver was down and then failing', async () => {
    const { clock } = ctx;
    const ledger = await ctx.open();
    const logs = new LogCapture('debug');
    const dispatcher = dispatcherFor(ledger, configFor(receiver), clock, logs.logger);
    const [s1, s2, s3] = [await registerSubject(ledger), await registerSubject(ledger), await registerSubject(ledger)];
    const events: ConsentEvent[] = [];

    // Down: nothing listens on the port.
    events.push(...(await change(ledger, s1.id, 'given')), ...(await change(ledger, s1.id, 'withdrawn')), ...(await change(ledger, s2.id, 'given')));
    assert.deepEqual(await dispatcher.deliverDue(), { delivered: 0, failed: 2 }, 'one attempt per subject: the later change waits behind the first');
    events.push(...(await change(ledger, s1.id, 'given')), ...(await change(ledger, s3.id, 'refused')));
    clock.advance(PAST_BACKOFF_MS);

    // Failing: the receiver answers 503.
    await receiver.answer(503);
    assert.deepEqual(await dispatcher.deliverDue(), { delivered: 0, failed: 3 });
    assert.equal(receiver.posts.length, 3);
    events.push(...(await change(ledger, s2.id, 'withdrawn')));
    assert.deepEqual(await dispatcher.deliverDue(), { delivered: 0, failed: 0 }, 'nothing is due during the backoff');
    clock.advance(PAST_BACKOFF_MS);

    // Up.
    await receiver.answer(200);
    assert.deepEqual(await dispatcher.deliverDue(), { delivered: 6, failed: 0 });
    clock.advance(PAST_BACKOFF_MS);
    assert.deepEqual(await dispatcher.deliverDue(), { delivered: 0, failed: 0 }, 'nothing is sent twice');
    assert.equal(receiver.accepted.length, 6);
    assertDeliveredOnceInOrder(receiver, events);

    // Signed: the receiver can recompute the signature over the raw body with the shared secret.
    for (const post of receiver.posts) {
      const id = String(post.headers['webhook-id']);
      const timestamp = String(post.headers['webhook-timestamp']);
      const signature = String(post.headers['webhook-signature']);
      assert.equal(post.headers['content-type'], 'application/json');
      assert.equal(payloadOf(post).id, id, 'the payload id is the Webhook-Id');
      assert.equal(payloadOf(post).type, 'consent.changed');
      assert.equal(signature, `v1,${createHmac('sha256', SECRET).update(`${id}.${timestamp}.${post.body}`).digest('base64')}`);
      assert.equal(verifyWebhookSignature(SECRET, { id, timestamp, signature, body: post.body }, clock.now()), true);
      assert.equal(verifyWebhookSignature(`${SECRET}-wrong`, { id, timestamp, signature, body: post.body }, clock.now()), false, 'a wrong secret does not verify');
      assert.equal(verifyWebhookSignature(SECRET, { id, timestamp, signature, body: post.body.replace(/"state":"([a-z]+)"/, '"state":"$1x"') }, clock.now()), false, 'an altered body does not verify');
    }
    const retried = receiver.posts.filter((p) => p.headers['webhook-id'] === receiver.accepted[0].headers['webhook-id']);
    assert.equal(new Set(retried.map((p) => p.body)).size, 1, 'every retry of a delivery sends the same body');

    // The ledger shows every delivery done, and which ones needed retries.
    const rows = (await ledger.db.query<{ subject_id: string; status: string; attempts: number }>('SELECT subject_id, status, attempts FROM webhook_delivery ORDER BY seq')).rows;
    assert.ok(rows.every((r) => r.status === 'delivered'));
    const attemptsOf = (subjectId: string): number[] => rows.filter((r) => r.subject_id === subjectId).map((r) => Number(r.attempts));
    assert.deepEqual(attemptsOf(s1.id), [3, 1, 1], 'refused, 503, delivered; the others went out first time once the head was through');
    assert.deepEqual(attemptsOf(s2.id), [3, 1]);
    assert.deepEqual(attemptsOf(s3.id), [2]);

    // Operators see each failure with its kind, never the payload.
    logs.logger.flush();
    const warnings = logs.lines.filter((l) => l.includes('delivery failed'));
    assert.equal(warnings.length, 5);
    assert.ok(warnings.some((l) => l.includes('ECONNREFUSED')), logs.text);
    assert.ok(warnings.some((l) => l.includes('"statusCode":503')), logs.text);
    for (const secret of [SECRET, s1.id, s2.id, s3.id, ...events.map((e) => e.id), 'tenant=acme']) assert.ok(!logs.text.includes(secret), `logs must not show ${secret}`);
  });

  it('polls on its own, delivers promptly when kicked, and stop() waits for the post in flight', async () => {
    const { clock } = ctx;
    const ledger = await ctx.open();
    await receiver.answer(200);
    const webhook = createConsentWebhook({ config: configFor(receiver, { CONSENT_WEBHOOK_POLL_MS: '60000' }), db: ledger.db, logger: new LogCapture('silent').logger, now: clock.now });
    assert.equal(webhook.enabled, true);
    webhook.start();
    const subject = await registerSubject(ledger);
    const events = await change(ledger, subject.id, 'given');
    webhook.kick();
    await receiver.acceptedAtLeast(1);

    const release = receiver.hold();
    const arrived = receiver.nextArrival();
    events.push(...(await change(ledger, subject.id, 'withdrawn')));
    webhook.kick();
    await arrived;
    const stopped = webhook.stop();
    release();
    await stopped;
    assert.deepEqual(await webhook.stats(), { pending: 0, delivered: 2, retrying: 0, oldestPendingAt: null }, 'the post in flight was finished and recorded before stop() resolved');
    assertDeliveredOnceInOrder(receiver, events);

    await change(ledger, subject.id, 'given');
    webhook.kick();
    await aPassWouldHaveRun(webhook);
    assert.equal((await webhook.stats()).pending, 1, 'a stopped webhook posts nothing more');
    assert.equal(receiver.posts.length, 2);
  });

  it('without a URL posts nothing and keeps the changes; once a URL is set the backlog goes out', async () => {
    const { clock } = ctx;
    const ledger = await ctx.open();
    await receiver.answer(200);
    const logs = new LogCapture('info');
    const off = createConsentWebhook({ config: loadConsentWebhookConfig({}), db: ledger.db, logger: logs.logger, now: clock.now });
    off.start();
    const subject = await registerSubject(ledger);
    const events = [...(await change(ledger, subject.id, 'given')), ...(await change(ledger, subject.id, 'withdrawn'))];
    off.kick();
    await off.stop();
    assert.equal(off.enabled, false);
    assert.equal((await off.stats()).pending, 2);
    logs.logger.flush();
    assert.match(logs.text, /consent webhook: off/);

    const dispatcher = dispatcherFor(ledger, configFor(receiver), clock, logs.logger);
    assert.deepEqual(await dispatcher.deliverDue(), { delivered: 2, failed: 0 });
    assertDeliveredOnceInOrder(receiver, events);
  });

  it('two dispatchers draining one outbox at once deliver each change once', async () => {
    const { clock } = ctx;
    const ledger = await ctx.open();
    // On PostgreSQL the second dispatcher has a pool of its own on the same schema, as a second instance would.
    const schema = (await ledger.db.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0].schema;
    const other = ctx.backend === 'postgresql' ? await ctx.open({ schema }) : ledger;
    const quiet = new LogCapture('silent').logger;
    const first = dispatcherFor(ledger, configFor(receiver), clock, quiet, 3);
    const second = dispatcherFor(other, configFor(receiver), clock, quiet, 3);
    const events: ConsentEvent[] = [];
    for (let i = 0; i < 5; i += 1) {
      const subject = await registerSubject(ledger);
      for (const state of ['given', 'withdrawn', 'given', 'withdrawn'] as const) events.push(...(await change(ledger, subject.id, state)));
    }
    await receiver.answer(200);
    let delivered = 0;
    for (let pass = 0; pass < 20 && delivered < 20; pass += 1) {
      const reports = await Promise.all([first.deliverDue(), second.deliverDue(), first.deliverDue(), second.deliverDue()]);
      delivered += reports.reduce((sum, r) => sum + r.delivered, 0);
    }
    assert.equal(delivered, 20, 'the dispatchers together report each delivery once');
    assert.equal(receiver.posts.length, 20, 'the receiver got exactly 20 posts');
    assertDeliveredOnceInOrder(receiver, events);
  });
});
