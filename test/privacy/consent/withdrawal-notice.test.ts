import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Translations } from '../../../src/i18n/translator';
import type { ConsentEvent } from '../../../src/ledger/consent/consent-types';
import { Channel, loadPurposeCatalog } from '../../../src/ledger/purposes/purpose-catalog';
import { withdrawalNoticeMessage } from '../../../src/privacy/consent/withdrawal-notice';
import { loadController } from '../../../src/privacy/receipts/controller';

const catalog = loadPurposeCatalog();
const controller = loadController();
const SUBJECT = '6f1c7f1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f';
const AT = new Date('2026-11-29T10:00:00.000Z');

function withdrawn(purposeId: string, channel: Channel, seq: number): ConsentEvent {
  return {
    id: randomUUID(),
    subjectId: SUBJECT,
    subjectSeq: seq,
    purposeId,
    channel,
    state: 'withdrawn',
    occurredAt: AT,
    recordedAt: AT,
    collectionMethod: 'web_chat',
    noticeVersion: '2026-03',
    language: 'en',
    conversationId: 'conv-1',
    actor: `customer:${SUBJECT}`,
    evidence: {},
    prevHash: null,
    hash: `h${seq}`,
  };
}

describe('withdrawal notice to the contact on file (the words)', () => {
  let translations: Translations;
  before(async () => {
    translations = await Translations.load();
  });

  const request = (language: string) => ({ subjectId: SUBJECT, language, receiptId: 'r-123', events: [withdrawn('marketing_offers', 'sms', 1), withdrawn('marketing_offers', 'post', 2)] });

  it('en: what was withdrawn, when (UTC), where, the receipt reference, and what to do if it was not them', () => {
    const message = withdrawalNoticeMessage(request('en-GB'), { translations, catalog, controller });
    assert.equal(message.subject, "We've recorded your consent withdrawal");
    assert.equal(
      message.text.replace(/\u202f/g, ' '),
      "Hello,\n\nOn Sunday, November 29, 2026 at 10:00 AM UTC, in the web chat, we recorded that you no longer wish to receive offers and promotions by SMS and post. Receipt reference: r-123.\n\nIf this was you, there's nothing more to do. If it wasn't you, please reply to this message or contact us at privacy@example.com or +39 02 0000 0000.\n\nExample Shop S.p.A.",
    );
    assert.equal(message.smsText, "Example Shop S.p.A.: we recorded that you no longer wish to receive offers and promotions by SMS and post. If this wasn't you, reply or call +39 02 0000 0000.");
  });

  it('it: the same, in Italian', () => {
    const message = withdrawalNoticeMessage(request('it'), { translations, catalog, controller });
    assert.equal(message.subject, 'Abbiamo registrato la revoca del suo consenso');
    assert.equal(
      message.text,
      'Gentile cliente,\n\ndomenica 29 novembre 2026 alle ore 10:00 UTC, nella chat del sito, abbiamo registrato che non desidera più ricevere le offerte e le promozioni via SMS e posta. Riferimento della ricevuta: r-123.\n\nSe è stato lei, non deve fare altro. Se non è stato lei, risponda a questo messaggio oppure ci contatti a privacy@example.com o al numero +39 02 0000 0000.\n\nExample Shop S.p.A.',
    );
  });

  it('a language we do not ship reads English', () => {
    assert.equal(withdrawalNoticeMessage(request('sv-SE'), { translations, catalog, controller }).subject, "We've recorded your consent withdrawal");
  });

  it('a regional tag of a shipped language reads that language', () => {
    const german = translations.for('de').t('consent.withdrawalNotice.subject');
    assert.notEqual(german, translations.for('en').t('consent.withdrawalNotice.subject'));
    assert.equal(withdrawalNoticeMessage(request('de-DE'), { translations, catalog, controller }).subject, german);
  });
});
