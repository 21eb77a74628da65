import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { ReceiptService } from '../../../src/ledger/receipts/receipt-service';
import { ConsentSelfService } from '../../../src/privacy/consent/consent-self-service';
import { loadController } from '../../../src/privacy/receipts/controller';
import { ReceiptSigner } from '../../../src/privacy/receipts/receipt-signer';
import { countRows, forEachBackend, registerSubject } from '../../ledger/support/ledger-backends';

forEachBackend('consent self-service (change + receipt in one transaction)', (ctx) => {
  const signer = new ReceiptSigner(generateKeyPairSync('ed25519').privateKey);

  function service(): ConsentSelfService {
    const issuer = new ReceiptService({ db: ctx.ledger.db, catalog: ctx.ledger.catalog, signer, controller: loadController(), publicBaseUrl: 'https://privacy.example.com', now: ctx.clock.now });
    return new ConsentSelfService({ db: ctx.ledger.db, catalog: ctx.ledger.catalog, consent: ctx.ledger.consent, subjects: ctx.ledger.subjects, receipts: issuer });
  }

  const sms = [{ purposeId: 'marketing_offers', channel: 'sms' as const }];

  it('records the withdrawal with its context and issues a receipt whose link finds it', async () => {
    const subject = await registerSubject(ctx.ledger);
    const outcome = await service().change({ subjectId: subject.id, direction: 'withdraw', pairs: sms, collectionMethod: 'teams', language: 'it', conversationId: 'conv-1', activityId: 'act-1' });
    assert.equal(outcome.replayed, false);
    assert.deepEqual(
      outcome.events.map((e) => [e.purposeId, e.channel, e.state, e.collectionMethod, e.language, e.conversationId, e.actor, e.evidence.activityId]),
      [['marketing_offers', 'sms', 'withdrawn', 'teams', 'it', 'conv-1', `customer:${subject.id}`, 'act-1']],
    );
    assert.equal(outcome.effectiveAt.getTime(), outcome.events[0].occurredAt.getTime());
    assert.match(outcome.receipt.url, /^https:\/\/privacy\.example\.com\/receipts\/[A-Za-z0-9_-]{43}$/);
    const stored = await new ReceiptService({ db: ctx.ledger.db, catalog: ctx.ledger.catalog, signer, controller: loadController(), publicBaseUrl: 'https://privacy.example.com' }).findByToken(outcome.receipt.token);
    assert.equal(stored?.receiptId, outcome.receipt.receiptId);
  });

  it('the same confirming activity again (a retry) records once and gives the same receipt link', async () => {
    const subject = await registerSubject(ctx.ledger);
    const request = { subjectId: subject.id, direction: 'withdraw' as const, pairs: sms, collectionMethod: 'web_chat' as const, language: 'en', conversationId: 'conv-2', activityId: 'act-7' };
    const first = await service().change(request);
    const again = await service().change(request);
    assert.equal(again.replayed, true);
    assert.deepEqual(
      again.events.map((e) => e.id),
      first.events.map((e) => e.id),
    );
    assert.equal(again.receipt.url, first.receipt.url);
    assert.equal((await ctx.ledger.consent.history(subject.id)).length, 1);
  });

  it('a failure while issuing the receipt leaves no consent event behind (nothing half-written)', async () => {
    const subject = await registerSubject(ctx.ledger);
    const failing = new ConsentSelfService({
      db: ctx.ledger.db,
      catalog: ctx.ledger.catalog,
      consent: ctx.ledger.consent,
      subjects: ctx.ledger.subjects,
      receipts: {
        issue: async () => {
          throw new Error('signing service down');
        },
      },
    });
    const before = await countRows(ctx.ledger, ['consent_event', 'consent_receipt']);
    await assert.rejects(failing.change({ subjectId: subject.id, direction: 'give', pairs: sms, collectionMethod: 'web_chat', language: 'en', conversationId: 'c', activityId: 'a' }), /signing service down/);
    assert.deepEqual(await countRows(ctx.ledger, ['consent_event', 'consent_receipt']), before);
    assert.deepEqual(await ctx.ledger.consent.current(subject.id), []);
  });

  it('overview: every consent-based purpose and channel, never asked where nothing is on record', async () => {
    const subject = await registerSubject(ctx.ledger);
    await service().change({ subjectId: subject.id, direction: 'give', pairs: [{ purposeId: 'newsletter', channel: 'email' }], collectionMethod: 'web_chat', language: 'en', conversationId: 'c3', activityId: 'a3' });
    const overview = await service().overview(subject.id);
    assert.deepEqual(
      overview.map((p) => p.purposeId),
      ['newsletter', 'marketing_offers', 'profiling', 'partner_sharing'],
    );
    assert.deepEqual(overview[0].channels.map((c) => [c.channel, c.state, c.collectionMethod, c.noticeVersion]), [['email', 'given', 'web_chat', '2026-03']]);
    assert.ok(overview[1].channels.every((c) => c.state === 'never_asked' && c.since === undefined));
  });
});
