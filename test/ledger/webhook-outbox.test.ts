import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ConsentProvenance } from '../../src/ledger/consent/consent-types';
import { Ledger } from '../../src/ledger/ledger';
import { WebhookOutbox } from '../../src/ledger/webhooks/webhook-outbox';
import { FIXED_NOW, forEachBackend, registerSubject } from './support/ledger-backends';

const CHAT: ConsentProvenance = { collectionMethod: 'web_chat', language: 'it', conversationId: 'conv-7', evidence: { activityId: 'act-7' } };
const IMPORT: ConsentProvenance = { collectionMethod: 'import', language: 'en', occurredAt: new Date('2025-06-01T09:00:00Z'), evidence: { file: 'crm.csv', row: 2 } };
const CUSTOMER = { actor: 'customer:test', reason: 'customer changed consent in chat' };
const LEASE_MS = 60_000;

interface DeliveryRow {
  id: string;
  topic: string;
  subject_id: string;
  payload: Record<string, unknown>;
  status: string;
  attempts: number;
}

async function deliveriesOf(ledger: Ledger, subjectId: string): Promise<DeliveryRow[]> {
  return (await ledger.db.query<DeliveryRow>('SELECT id, topic, subject_id, payload, status, attempts FROM webhook_delivery WHERE subject_id = $1 ORDER BY seq', [subjectId])).rows;
}

forEachBackend('consent webhook outbox', (ctx) => {
  it('queues one delivery per recorded batch, in the same transaction, carrying the events and no identifier', async () => {
    const { ledger } = ctx;
    const email = `outbox-${randomUUID()}@example.com`;
    const subject = await registerSubject(ledger, email);
    const first = await ledger.consent.record(subject.id, [{ purposeId: 'newsletter', channel: 'email', state: 'given' }, { purposeId: 'marketing_offers', channel: 'sms', state: 'given' }], CHAT, CUSTOMER);
    const second = await ledger.consent.record(subject.id, [{ purposeId: 'marketing_offers', channel: 'sms', state: 'withdrawn' }], { collectionMethod: 'agent', language: 'it' }, { actor: 'agent:anna', reason: 'customer asked on the phone' });

    const rows = await deliveriesOf(ledger, subject.id);
    assert.equal(rows.length, 2, 'one delivery per batch, not per event');
    assert.deepEqual(rows.map((r) => [r.topic, r.status, Number(r.attempts)]), [['consent.changed', 'pending', 0], ['consent.changed', 'pending', 0]]);
    const [payload] = rows.map((r) => r.payload);
    assert.deepEqual(payload, {
      id: rows[0].id,
      type: 'consent.changed',
      occurredAt: FIXED_NOW.toISOString(),
      subjectId: subject.id,
      events: first.events.map((e) => ({
        eventId: e.id,
        subjectSeq: e.subjectSeq,
        purposeId: e.purposeId,
        channel: e.channel,
        state: e.state,
        occurredAt: FIXED_NOW.toISOString(),
        recordedAt: FIXED_NOW.toISOString(),
        collectionMethod: 'web_chat',
        noticeVersion: e.noticeVersion,
        language: 'it',
        conversationId: 'conv-7',
        actor: 'customer:test',
      })),
    });
    assert.deepEqual((rows[1].payload.events as { eventId: string; actor: string }[]).map((e) => [e.eventId, e.actor]), [[second.events[0].id, 'agent:anna']]);
    assert.ok(!('conversationId' in (rows[1].payload.events as object[])[0]), 'no conversation, no conversationId');
    const serialised = JSON.stringify(rows.map((r) => r.payload));
    for (const leak of [email, '@', 'act-7', 'evidence']) assert.ok(!serialised.includes(leak), `payload must not carry "${leak}"`);
  });

  it('queues nothing for an idempotent replay, an import, or a transaction that rolls back', async () => {
    const { ledger } = ctx;
    const subject = await registerSubject(ledger);
    const key = `activity-${randomUUID()}`;
    await ledger.consent.record(subject.id, [{ purposeId: 'newsletter', channel: 'email', state: 'given' }], CHAT, { ...CUSTOMER, idempotencyKey: key });
    const replay = await ledger.consent.record(subject.id, [{ purposeId: 'newsletter', channel: 'email', state: 'given' }], CHAT, { ...CUSTOMER, idempotencyKey: key });
    assert.equal(replay.replayed, true);
    assert.equal((await deliveriesOf(ledger, subject.id)).length, 1, 'the replay queued nothing');

    const imported = await registerSubject(ledger);
    const result = await ledger.consent.record(imported.id, [{ purposeId: 'newsletter', channel: 'email', state: 'given' }], IMPORT, { actor: 'system:import', reason: 'initial import' });
    assert.equal(result.events.length, 1, 'the import was recorded');
    assert.deepEqual(await deliveriesOf(ledger, imported.id), [], 'imports came from the company systems: nothing to tell them');

    const rolledBack = await registerSubject(ledger);
    await assert.rejects(
      ledger.db.transaction(async (tx) => {
        await ledger.consent.record(rolledBack.id, [{ purposeId: 'newsletter', channel: 'email', state: 'withdrawn' }], CHAT, CUSTOMER, tx);
        throw new Error('a later step of the same use case failed');
      }),
      /a later step/,
    );
    assert.deepEqual(await ledger.consent.history(rolledBack.id), [], 'the events rolled back');
    assert.deepEqual(await deliveriesOf(ledger, rolledBack.id), [], 'and so did their delivery');
  });

  it('hands out one subject’s deliveries one at a time, in order, under a lease, and keeps failed ones', async () => {
    const { clock } = ctx;
    // A ledger of its own, so other tests' deliveries are not in the way.
    const own = await ctx.open();
    const outbox = new WebhookOutbox(own.db, clock.now);
    const a = await registerSubject(own);
    const b = await registerSubject(own);
    for (const state of ['given', 'withdrawn', 'given'] as const) await own.consent.record(a.id, [{ purposeId: 'newsletter', channel: 'email', state }], CHAT, CUSTOMER);
    await own.consent.record(b.id, [{ purposeId: 'newsletter', channel: 'email', state: 'given' }], CHAT, CUSTOMER);
    const [a1, a2, a3] = await deliveriesOf(own, a.id);
    const [b1] = await deliveriesOf(own, b.id);

    const claimed = await outbox.claimDue(10, LEASE_MS);
    assert.deepEqual(claimed.map((d) => d.id), [a1.id, b1.id], 'only the oldest pending delivery of each subject');
    assert.deepEqual(claimed.map((d) => d.attempts), [1, 1]);
    assert.deepEqual(await outbox.claimDue(10, LEASE_MS), [], 'leased rows are not handed out twice');

    await outbox.markDelivered(claimed[1], 204);
    await outbox.markFailed(claimed[0], new Date(clock.now().getTime() + 5000), { statusCode: 503, error: 'HTTP 503' });
    assert.deepEqual(await outbox.stats(), { pending: 3, delivered: 1, retrying: 1, oldestPendingAt: FIXED_NOW });
    assert.deepEqual(await outbox.claimDue(10, LEASE_MS), [], 'a2 waits behind a1, which waits out its backoff');

    clock.advance(5000);
    const retried = await outbox.claimDue(10, LEASE_MS);
    assert.deepEqual(retried.map((d) => [d.id, d.attempts]), [[a1.id, 2]]);
    await outbox.markDelivered(retried[0], 200);
    const next = await outbox.claimDue(10, LEASE_MS);
    assert.deepEqual(next.map((d) => d.id), [a2.id]);

    // The lease runs out (the dispatcher died): another one takes over; the first one's late failure changes nothing.
    clock.advance(LEASE_MS);
    const takenOver = await outbox.claimDue(10, LEASE_MS);
    assert.deepEqual(takenOver.map((d) => [d.id, d.attempts]), [[a2.id, 2]]);
    await outbox.markFailed(next[0], clock.now(), { error: 'timeout' });
    assert.deepEqual(await outbox.claimDue(10, LEASE_MS), [], 'the late report did not release the new lease');
    await outbox.markDelivered(takenOver[0], 200);
    const last = await outbox.claimDue(10, LEASE_MS);
    assert.deepEqual(last.map((d) => d.id), [a3.id]);
    await outbox.markDelivered(last[0], 200);

    const rows = await own.db.query<{ id: string; status: string; attempts: number; last_status_code: number | null; last_error: string | null }>('SELECT id, status, attempts, last_status_code, last_error FROM webhook_delivery ORDER BY seq');
    assert.deepEqual(
      rows.rows.map((r) => [r.id, r.status, Number(r.attempts), r.last_status_code === null ? null : Number(r.last_status_code), r.last_error]),
      [
        [a1.id, 'delivered', 2, 200, null],
        [a2.id, 'delivered', 2, 200, null],
        [a3.id, 'delivered', 1, 200, null],
        [b1.id, 'delivered', 1, 204, null],
      ],
    );
    assert.deepEqual(await outbox.stats(), { pending: 0, delivered: 4, retrying: 0, oldestPendingAt: null });
  });
});
