import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { isAppError } from '../../../src/errors/app-error';
import { Translations } from '../../../src/i18n/translator';
import { ReceiptService } from '../../../src/ledger/receipts/receipt-service';
import { ConsentSelfService } from '../../../src/privacy/consent/consent-self-service';
import { WithdrawalNotifier } from '../../../src/privacy/consent/withdrawal-notice';
import { decodeCompactJws } from '../../../src/privacy/receipts/compact-jws';
import { loadController } from '../../../src/privacy/receipts/controller';
import { ReceiptSigner } from '../../../src/privacy/receipts/receipt-signer';
import type { ConsentReceipt } from '../../../src/privacy/receipts/receipt-types';
import { countRows, forEachBackend, registerSubject } from '../../ledger/support/ledger-backends';
import { ledgerFootprint } from '../../ledger/support/ledger-footprint';
import { RecordingContactMessenger } from '../../support/recording-contact-messenger';
import { LogCapture } from '../../support/test-app';

interface AuditRow {
  actor: string;
  action: string;
  entity_id: string;
  details: unknown;
}

forEachBackend('consent self-service (change + receipt in one transaction)', (ctx) => {
  const signer = new ReceiptSigner(generateKeyPairSync('ed25519').privateKey);
  let translations: Translations;
  let messenger: RecordingContactMessenger;
  let logs: LogCapture;

  before(async () => {
    translations = await Translations.load();
  });

  beforeEach(() => {
    messenger = new RecordingContactMessenger(ctx.ledger.subjects);
    logs = new LogCapture();
  });

  function receiptService(): ReceiptService {
    return new ReceiptService({ db: ctx.ledger.db, catalog: ctx.ledger.catalog, signer, controller: loadController(), publicBaseUrl: 'https://privacy.example.com', now: ctx.clock.now });
  }

  function service(): ConsentSelfService {
    const notices = new WithdrawalNotifier({ messenger, translations, catalog: ctx.ledger.catalog, controller: loadController(), db: ctx.ledger.db, logger: logs.logger, now: ctx.clock.now });
    return new ConsentSelfService({ db: ctx.ledger.db, catalog: ctx.ledger.catalog, consent: ctx.ledger.consent, subjects: ctx.ledger.subjects, receipts: receiptService(), notices });
  }

  /** The signed payload of the receipt a link opens (what the customer can download and verify). */
  async function signedReceipt(token: string): Promise<ConsentReceipt> {
    const stored = await receiptService().findByToken(token);
    assert.ok(stored, 'the link finds the receipt');
    const jws = decodeCompactJws(stored.jws);
    assert.ok(jws, 'the stored receipt is a compact JWS');
    return jws.payload as unknown as ConsentReceipt;
  }

  async function noticeAudit(subjectId: string): Promise<AuditRow[]> {
    return (await ctx.ledger.db.query<AuditRow>("SELECT actor, action, entity_id, details FROM audit_log WHERE action = 'consent.withdrawal_notice' AND entity_id = $1 ORDER BY seq", [subjectId])).rows;
  }

  const details = (row: AuditRow): Record<string, unknown> => (typeof row.details === 'string' ? JSON.parse(row.details) : row.details) as Record<string, unknown>;

  /** A customer with offers by email and SMS and the newsletter given, on file by email. */
  async function customerWithConsents(): Promise<{ id: string; email: string }> {
    const email = `notice-${process.pid}-${Math.random().toString(36).slice(2, 8)}@example.com`;
    const subject = await registerSubject(ctx.ledger, email);
    await ctx.ledger.consent.record(
      subject.id,
      [
        { purposeId: 'marketing_offers', channel: 'email', state: 'given' },
        { purposeId: 'marketing_offers', channel: 'sms', state: 'given' },
        { purposeId: 'newsletter', channel: 'email', state: 'given' },
      ],
      { collectionMethod: 'import', language: 'en', occurredAt: new Date('2026-03-15T10:30:00Z') },
      { actor: 'system:import', reason: 'test seed' },
    );
    return { id: subject.id, email };
  }

  const sms = [{ purposeId: 'marketing_offers', channel: 'sms' as const }];

  it('records the withdrawal with its context and issues a receipt whose link finds it', async () => {
    const subject = await registerSubject(ctx.ledger);
    const outcome = await service().change({ subjectId: subject.id, direction: 'withdraw', pairs: sms, collectionMethod: 'teams', language: 'it', conversationId: 'conv-1', activityId: 'act-1', assurance: 'verified' });
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
    const request = { subjectId: subject.id, direction: 'withdraw' as const, pairs: sms, collectionMethod: 'web_chat' as const, language: 'en', conversationId: 'conv-2', activityId: 'act-7', assurance: 'verified' as const };
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

  it('a failure while issuing the receipt leaves nothing behind: no event, receipt, webhook delivery or audit entry (nothing half-written)', async () => {
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
    const before = await ledgerFootprint(ctx.ledger);
    await assert.rejects(failing.change({ subjectId: subject.id, direction: 'give', pairs: sms, collectionMethod: 'web_chat', language: 'en', conversationId: 'c', activityId: 'a', assurance: 'verified' }), /signing service down/);
    assert.deepEqual(await ledgerFootprint(ctx.ledger), before, 'no event, state, receipt, webhook delivery or audit entry');
    assert.deepEqual(await ctx.ledger.consent.current(subject.id), []);
  });

  it('overview: every consent-based purpose and channel, never asked where nothing is on record', async () => {
    const subject = await registerSubject(ctx.ledger);
    await service().change({ subjectId: subject.id, direction: 'give', pairs: [{ purposeId: 'newsletter', channel: 'email' }], collectionMethod: 'web_chat', language: 'en', conversationId: 'c3', activityId: 'a3', assurance: 'verified' });
    const overview = await service().overview(subject.id);
    assert.deepEqual(
      overview.map((p) => p.purposeId),
      ['newsletter', 'marketing_offers', 'profiling', 'partner_sharing'],
    );
    assert.deepEqual(overview[0].channels.map((c) => [c.channel, c.state, c.collectionMethod, c.noticeVersion]), [['email', 'given', 'web_chat', '2026-03']]);
    assert.ok(overview[1].channels.every((c) => c.state === 'never_asked' && c.since === undefined));
  });

  describe('assurance rules', () => {
    it('giving consent needs verified: an identified customer is refused and nothing is written', async () => {
      const { id } = await customerWithConsents();
      const before = await countRows(ctx.ledger, ['consent_event', 'consent_receipt', 'audit_log']);
      await assert.rejects(
        service().change({ subjectId: id, direction: 'give', pairs: [{ purposeId: 'profiling', channel: 'email' }], collectionMethod: 'web_chat', language: 'en', conversationId: 'c-give', activityId: 'a1', assurance: 'identified' }),
        (err: unknown) => isAppError(err, 'PSB_ASSURANCE_INSUFFICIENT'),
      );
      assert.deepEqual(await countRows(ctx.ledger, ['consent_event', 'consent_receipt', 'audit_log']), before);
      assert.equal(messenger.calls, 0);
    });

    it('identified withdrawal: the signed receipt holds only the change, and the contact on file is told after the commit', async () => {
      const { id, email } = await customerWithConsents();
      let committedBeforeNotice: string[] = [];
      messenger.beforeSend = async (subjectId) => {
        committedBeforeNotice = (await ctx.ledger.consent.current(subjectId)).filter((c) => c.channel === 'sms').map((c) => c.state);
      };
      const outcome = await service().change({ subjectId: id, direction: 'withdraw', pairs: sms, collectionMethod: 'web_chat', language: 'it', conversationId: 'c-id', activityId: 'a1', assurance: 'identified', contactKind: 'email' });
      assert.deepEqual(committedBeforeNotice, ['withdrawn'], 'the notice goes out once the withdrawal is committed');
      assert.equal(outcome.disclosure, 'change_only');
      assert.deepEqual(outcome.notice, { status: 'sent', channel: 'email' });

      const receipt = await signedReceipt(outcome.receipt.token);
      assert.equal(receipt.disclosure, 'change_only');
      assert.deepEqual(
        receipt.services[0].purposes.map((p) => [p.purposeId, p.channels.map((c) => [c.channel, c.state, c.changed])]),
        [['marketing_offers', [['sms', 'withdrawn', true]]]],
      );
      assert.ok(!JSON.stringify(receipt).includes('2026-03-15'), 'no date of an earlier choice');

      const [notice] = messenger.to(id);
      assert.equal(messenger.sent.length, 1);
      assert.equal(notice.to, email, 'to the address on file');
      assert.equal(notice.channel, 'email');
      assert.equal(notice.message.subject, translations.for('it').t('consent.withdrawalNotice.subject'));
      assert.ok(notice.message.text.includes('le offerte e le promozioni via SMS'), notice.message.text);
      assert.ok(notice.message.text.includes(outcome.receipt.receiptId), 'the receipt reference is quoted');
      assert.ok(notice.message.text.includes('privacy@example.com'), 'whom to contact if it was not them');
      assert.ok(!notice.message.text.includes('email,') && !notice.message.text.includes('newsletter'), 'nothing else of the state');

      const [audit] = await noticeAudit(id);
      assert.equal(audit.actor, 'system:notices');
      assert.deepEqual(details(audit), { outcome: 'sent', channel: 'email', receiptId: outcome.receipt.receiptId, events: outcome.events.map((e) => e.id) });
      assert.ok(!JSON.stringify(audit).includes(email), 'the audit keeps no address');
    });

    it('verified withdrawal: the receipt holds the whole state, and no notice is sent', async () => {
      const { id } = await customerWithConsents();
      const outcome = await service().change({ subjectId: id, direction: 'withdraw', pairs: sms, collectionMethod: 'web_chat', language: 'en', conversationId: 'c-ver', activityId: 'a1', assurance: 'verified', contactKind: 'email' });
      assert.equal(outcome.disclosure, 'full_state');
      assert.equal(outcome.notice, undefined);
      const receipt = await signedReceipt(outcome.receipt.token);
      assert.equal(receipt.disclosure, 'full_state');
      assert.deepEqual(
        receipt.services[0].purposes.map((p) => p.purposeId),
        ctx.ledger.catalog.purposes.map((p) => p.id),
      );
      const offers = receipt.services[0].purposes.find((p) => p.purposeId === 'marketing_offers');
      assert.deepEqual(offers?.channels.find((c) => c.channel === 'email')?.state, 'given');
      assert.equal(messenger.calls, 0);
      assert.deepEqual(await noticeAudit(id), []);
    });

    it('the messenger fails: the withdrawal stands, the failure is logged without the address and audited', async () => {
      const { id, email } = await customerWithConsents();
      messenger.failing = Object.assign(new Error(`SMTP refused ${email}`), { name: 'ContactUnreachableError', code: 'PSB_CONTACT_UNREACHABLE' });
      const outcome = await service().change({ subjectId: id, direction: 'withdraw', pairs: sms, collectionMethod: 'web_chat', language: 'en', conversationId: 'c-fail', activityId: 'a1', assurance: 'identified', contactKind: 'email' });
      assert.deepEqual(outcome.notice, { status: 'failed' });
      assert.deepEqual(
        (await ctx.ledger.consent.current(id)).filter((c) => c.channel === 'sms').map((c) => c.state),
        ['withdrawn'],
      );
      assert.ok(await receiptService().findByToken(outcome.receipt.token), 'the receipt is kept');
      assert.match(logs.text, /withdrawal notice to the contact on file failed/);
      assert.match(logs.text, /ContactUnreachableError PSB_CONTACT_UNREACHABLE/);
      assert.ok(!logs.text.includes(email) && !logs.text.includes('SMTP refused'), 'neither the address nor the transport message is logged');
      assert.deepEqual(details((await noticeAudit(id))[0]), { outcome: 'failed', receiptId: outcome.receipt.receiptId, events: outcome.events.map((e) => e.id) });
    });

    it('a retried confirmation records once and sends one notice', async () => {
      const { id } = await customerWithConsents();
      const request = { subjectId: id, direction: 'withdraw' as const, pairs: sms, collectionMethod: 'web_chat' as const, language: 'en', conversationId: 'c-retry', activityId: 'a1', assurance: 'identified' as const };
      const first = await service().change(request);
      const again = await service().change(request);
      assert.equal(again.replayed, true);
      assert.equal(again.notice, undefined);
      assert.equal(again.receipt.url, first.receipt.url);
      assert.equal(messenger.to(id).length, 1);
      assert.equal((await noticeAudit(id)).length, 1);
    });

    it('two different "yes" activities to the same pending change at once: one write (events, receipt, webhook row), the other replays it; one notice; the activity stays as evidence', async () => {
      const { id } = await customerWithConsents();
      const before = await countRows(ctx.ledger, ['consent_event', 'consent_receipt', 'webhook_delivery']);
      const request = { subjectId: id, direction: 'withdraw' as const, pairs: sms, collectionMethod: 'web_chat' as const, language: 'en', conversationId: 'c-race', changeId: 'change-1', assurance: 'identified' as const };
      const [onA, onB] = await Promise.all([service().change({ ...request, activityId: 'yes-on-a' }), service().change({ ...request, activityId: 'yes-please-on-b' })]);
      assert.deepEqual([onA.replayed, onB.replayed].sort(), [false, true], 'one wrote, the other replayed');
      assert.deepEqual(
        onB.events.map((e) => e.id),
        onA.events.map((e) => e.id),
      );
      assert.equal(onB.receipt.url, onA.receipt.url);
      const after = await countRows(ctx.ledger, ['consent_event', 'consent_receipt', 'webhook_delivery']);
      assert.deepEqual(
        Object.fromEntries(Object.entries(after).map(([table, count]) => [table, count - (before[table] ?? 0)])),
        { consent_event: 1, consent_receipt: 1, webhook_delivery: 1 },
      );
      const writer = onA.replayed ? onB : onA;
      assert.equal(writer.events[0].evidence.activityId, onA.replayed ? 'yes-please-on-b' : 'yes-on-a', "the writing attempt's activity is the evidence");
      assert.equal(messenger.to(id).length, 1, 'one notice');
      assert.equal((await noticeAudit(id)).length, 1);
      assert.equal((onA.replayed ? onA : onB).notice, undefined, 'a replay sends none');
    });

    it('the write is keyed by the pending change, not the activity: another changeId (a new question) is another write', async () => {
      const { id } = await customerWithConsents();
      const request = { subjectId: id, direction: 'withdraw' as const, pairs: sms, collectionMethod: 'web_chat' as const, language: 'en', conversationId: 'c-again', activityId: 'yes', assurance: 'verified' as const };
      const first = await service().change({ ...request, changeId: 'change-1' });
      const second = await service().change({ ...request, changeId: 'change-2' });
      assert.equal(second.replayed, false);
      assert.notEqual(second.receipt.receiptId, first.receipt.receiptId);
    });

    it('a person with no contact on file (a customer number only): recorded, and the audit says no one could be told', async () => {
      const subject = await ctx.ledger.subjects.register({ identifiers: [{ kind: 'customer_number', value: `C-${process.pid}-${Date.now()}` }], regime: 'gdpr' }, { actor: 'system:test', reason: 'test' });
      const outcome = await service().change({ subjectId: subject.id, direction: 'withdraw', pairs: sms, collectionMethod: 'web_chat', language: 'en', conversationId: 'c-none', activityId: 'a1', assurance: 'identified', contactKind: 'customer_number' });
      assert.deepEqual(outcome.notice, { status: 'no_contact' });
      assert.equal(outcome.events.length, 1);
      assert.equal(details((await noticeAudit(subject.id))[0]).outcome, 'no_contact');
    });

    it('the opt-out of sale/sharing needs only identified and is kept as such: evidence and audit reason', async () => {
      const { id } = await customerWithConsents();
      const partners = ctx.ledger.catalog.get('partner_sharing')?.channels.map((channel) => ({ purposeId: 'partner_sharing', channel })) ?? [];
      const outcome = await service().change({ subjectId: id, direction: 'withdraw', pairs: partners, collectionMethod: 'web_chat', language: 'en', conversationId: 'c-gpc', activityId: 'gpc', assurance: 'identified', basis: 'gpc_signal' });
      assert.deepEqual(
        outcome.events.map((e) => [e.purposeId, e.channel, e.state, e.evidence.basis]),
        [
          ['partner_sharing', 'email', 'withdrawn', 'gpc_signal'],
          ['partner_sharing', 'sms', 'withdrawn', 'gpc_signal'],
          ['partner_sharing', 'phone', 'withdrawn', 'gpc_signal'],
          ['partner_sharing', 'post', 'withdrawn', 'gpc_signal'],
        ],
      );
      const reasons = (await ctx.ledger.db.query<{ reason: string }>("SELECT reason FROM audit_log WHERE entity_id = $1 AND action = 'consent.recorded' ORDER BY seq DESC LIMIT 1", [id])).rows;
      assert.match(reasons[0]?.reason ?? '', /Global Privacy Control/);
      assert.equal(outcome.notice?.status, 'sent', 'a withdrawal at identified is told to the contact on file');
    });
  });
});
