import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError, isAppError } from '../../../src/errors/app-error';
import type { ConsentEvent, ConsentState, CurrentConsent } from '../../../src/ledger/consent/consent-types';
import { LedgerError } from '../../../src/ledger/ledger-errors';
import { Channel, loadPurposeCatalog } from '../../../src/ledger/purposes/purpose-catalog';
import { REGIMES } from '../../../src/privacy/clocks/regimes';
import { buildConsentReceipt } from '../../../src/privacy/receipts/consent-receipt';
import { loadController, parseController } from '../../../src/privacy/receipts/controller';
import type { ReceiptRequest } from '../../../src/privacy/receipts/receipt-types';

const catalog = loadPurposeCatalog();
const controller = loadController();
const SUBJECT = '6f1c7f1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f';
const ISSUED = new Date('2026-11-29T10:00:05.250Z');
const CHANGED_AT = new Date('2026-11-29T10:00:00.000Z');

let seq = 0;
function event(purposeId: string, channel: Channel, state: ConsentState, occurredAt = CHANGED_AT, subjectId = SUBJECT): ConsentEvent {
  seq += 1;
  return {
    id: randomUUID(),
    subjectId,
    subjectSeq: seq,
    purposeId,
    channel,
    state,
    occurredAt,
    recordedAt: occurredAt,
    collectionMethod: 'web_chat',
    noticeVersion: '2026-03',
    language: 'it',
    conversationId: 'conv-1',
    actor: `customer:${subjectId}`,
    evidence: {},
    prevHash: null,
    hash: `hash-${seq}`,
  };
}

const current = (e: ConsentEvent): CurrentConsent => ({ purposeId: e.purposeId, channel: e.channel, state: e.state, since: e.occurredAt, eventId: e.id });

/** A customer who once gave offers by e-mail and SMS, and now withdraws SMS in an Italian chat. */
function withdrawalRequest(overrides: Partial<ReceiptRequest> = {}) {
  const emailGiven = event('marketing_offers', 'email', 'given', new Date('2026-03-15T10:30:00Z'));
  const smsWithdrawn = event('marketing_offers', 'sms', 'withdrawn');
  const newsletterRefused = event('newsletter', 'email', 'refused', new Date('2026-05-01T08:00:00Z'));
  const request: ReceiptRequest = {
    subjectId: SUBJECT,
    regime: 'gdpr',
    language: 'it-IT',
    collectionMethod: 'web_chat',
    changed: [smsWithdrawn],
    current: [emailGiven, smsWithdrawn, newsletterRefused].map(current),
    disclosure: 'full_state',
    ...overrides,
  };
  return { request, smsWithdrawn, emailGiven };
}

describe('consent receipt content (Kantara CR v1.1 + ISO/IEC TS 27560)', () => {
  it('carries the Kantara fields: version, jurisdiction, timestamp, ids, controller, policy, services, sensitivity', () => {
    const { request } = withdrawalRequest();
    const receiptId = randomUUID();
    const receipt = buildConsentReceipt({ request, catalog, controller, receiptId, issuedAt: ISSUED });
    assert.equal(receipt.version, 'KI-CR-v1.1.0');
    assert.equal(receipt.jurisdiction, 'EU');
    assert.equal(receipt.consentTimestamp, Math.floor(CHANGED_AT.getTime() / 1000));
    assert.ok(Number.isInteger(receipt.consentTimestamp));
    assert.equal(receipt.collectionMethod, 'web_chat');
    assert.equal(receipt.consentReceiptID, receiptId);
    assert.equal(receipt.language, 'it-IT');
    assert.equal(receipt.piiPrincipalId, SUBJECT, 'the pseudonymous ledger id, never an e-mail');
    assert.deepEqual(receipt.piiControllers, [
      {
        piiController: controller.name,
        onBehalf: false,
        contact: controller.contact,
        address: controller.address,
        email: controller.email,
        phone: controller.phone,
        piiControllerUrl: controller.piiControllerUrl,
      },
    ]);
    assert.equal(receipt.policyUrl, controller.policyUrl);
    assert.equal(receipt.sensitive, false);
    assert.deepEqual(receipt.spiCat, []);
    assert.equal(receipt.issuedAt, ISSUED.toISOString());
    assert.equal(receipt.catalogVersion, catalog.version);
    assert.equal(receipt.services.length, 1);
    assert.equal(receipt.services[0].service, controller.service.it, 'service named in the conversation language');
  });

  it('lists every purpose with every channel and its state after the change, never-asked channels included', () => {
    const { request, smsWithdrawn, emailGiven } = withdrawalRequest();
    const receipt = buildConsentReceipt({ request, catalog, controller, receiptId: randomUUID(), issuedAt: ISSUED });
    const purposes = receipt.services[0].purposes;
    assert.deepEqual(purposes.map((p) => p.purposeId), catalog.purposes.map((p) => p.id));
    const offers = purposes.find((p) => p.purposeId === 'marketing_offers');
    assert.ok(offers);
    assert.equal(offers.purposeName, 'Offerte e promozioni', 'labels in the conversation language');
    assert.deepEqual(offers.purposeCategory, ['dpv:DirectMarketing']);
    assert.equal(offers.consentType, 'EXPLICIT');
    assert.equal(offers.legalBasis, 'dpv:Consent');
    assert.equal(offers.primaryPurpose, false);
    assert.equal(offers.noticeVersion, '2026-03');
    assert.match(offers.noticeUrl, /^https:\/\//);
    assert.equal(offers.termination, controller.termination.it);
    assert.deepEqual(offers.piiCategory, ['pd:EmailAddress', 'pd:TelephoneNumber', 'pd:PhysicalAddress', 'pd:DeviceBased']);
    assert.deepEqual(
      offers.channels.map((c) => [c.channel, c.state, c.since, c.eventId, c.changed]),
      [
        ['email', 'given', emailGiven.occurredAt.toISOString(), emailGiven.id, false],
        ['sms', 'withdrawn', CHANGED_AT.toISOString(), smsWithdrawn.id, true],
        ['phone', 'not_asked', null, null, false],
        ['post', 'not_asked', null, null, false],
        ['push', 'not_asked', null, null, false],
      ],
    );
    const newsletter = purposes.find((p) => p.purposeId === 'newsletter');
    assert.deepEqual(newsletter?.channels.map((c) => c.state), ['refused']);
    const service = purposes.find((p) => p.purposeId === 'service_updates');
    assert.equal(service?.consentType, 'NOT_APPLICABLE', 'a contract-based purpose is not consent');
    assert.equal(service?.legalBasis, 'dpv:Contract');
    assert.equal(service?.primaryPurpose, true);
    const partners = purposes.find((p) => p.purposeId === 'partner_sharing');
    assert.equal(partners?.thirdPartyDisclosure, true);
    assert.equal(partners?.thirdPartyName, controller.thirdParties.partner_sharing);
    assert.equal(offers.thirdPartyDisclosure, false);
    assert.equal('thirdPartyName' in offers, false);
  });

  it('lists the pairs this receipt changed, with their ledger events, in chain order', () => {
    const first = event('marketing_offers', 'email', 'withdrawn');
    const second = event('marketing_offers', 'sms', 'withdrawn', new Date(CHANGED_AT.getTime() + 1500));
    const receipt = buildConsentReceipt({
      request: { subjectId: SUBJECT, regime: 'gdpr', language: 'en', collectionMethod: 'web_chat', changed: [second, first], current: [first, second].map(current), disclosure: 'full_state' },
      catalog,
      controller,
      receiptId: randomUUID(),
      issuedAt: ISSUED,
    });
    assert.deepEqual(
      receipt.changes.map((c) => [c.purposeId, c.channel, c.state, c.eventId, c.noticeVersion]),
      [
        ['marketing_offers', 'email', 'withdrawn', first.id, '2026-03'],
        ['marketing_offers', 'sms', 'withdrawn', second.id, '2026-03'],
      ],
    );
    assert.equal(receipt.consentTimestamp, Math.floor(second.occurredAt.getTime() / 1000), 'the time of the latest change');
    const offers = receipt.services[0].purposes.find((p) => p.purposeId === 'marketing_offers');
    assert.deepEqual(offers?.channels.filter((c) => c.changed).map((c) => c.channel), ['email', 'sms']);
    assert.equal(offers?.purposeName, 'Offers and promotions');
  });

  it('a full-state receipt says so', () => {
    const { request } = withdrawalRequest();
    assert.equal(buildConsentReceipt({ request, catalog, controller, receiptId: randomUUID(), issuedAt: ISSUED }).disclosure, 'full_state');
  });

  describe('change only (a customer who is only identified)', () => {
    it('holds the changed purpose and channel alone: no other purpose, channel, state, event or date', () => {
      const { request, smsWithdrawn, emailGiven } = withdrawalRequest({ disclosure: 'change_only' });
      const receipt = buildConsentReceipt({ request, catalog, controller, receiptId: randomUUID(), issuedAt: ISSUED });
      assert.equal(receipt.disclosure, 'change_only');
      const purposes = receipt.services[0].purposes;
      assert.deepEqual(
        purposes.map((p) => p.purposeId),
        ['marketing_offers'],
      );
      assert.deepEqual(
        purposes[0].channels.map((c) => [c.channel, c.state, c.since, c.eventId, c.changed]),
        [['sms', 'withdrawn', CHANGED_AT.toISOString(), smsWithdrawn.id, true]],
      );
      assert.deepEqual(
        receipt.changes.map((c) => [c.purposeId, c.channel, c.state, c.eventId]),
        [['marketing_offers', 'sms', 'withdrawn', smsWithdrawn.id]],
      );
      const signed = JSON.stringify(receipt);
      for (const secret of [emailGiven.id, emailGiven.occurredAt.toISOString(), '2026-05-01', 'refused', 'not_asked', 'newsletter']) {
        assert.ok(!signed.includes(secret), `the receipt does not reveal "${secret}"`);
      }
    });

    it('several changed pairs of two purposes: exactly those, in catalog order', () => {
      const offersSms = event('marketing_offers', 'sms', 'withdrawn');
      const partnersPost = event('partner_sharing', 'post', 'withdrawn');
      const partnersEmail = event('partner_sharing', 'email', 'withdrawn');
      const receipt = buildConsentReceipt({
        request: { subjectId: SUBJECT, regime: 'ccpa', language: 'en', collectionMethod: 'web_chat', changed: [partnersPost, offersSms, partnersEmail], current: [offersSms, partnersPost, partnersEmail].map(current), disclosure: 'change_only' },
        catalog,
        controller,
        receiptId: randomUUID(),
        issuedAt: ISSUED,
      });
      assert.deepEqual(
        receipt.services[0].purposes.map((p) => [p.purposeId, p.channels.map((c) => c.channel)]),
        [
          ['marketing_offers', ['sms']],
          ['partner_sharing', ['email', 'post']],
        ],
      );
    });

    it('ignores any current state it is handed: the state set by the change is what it shows', () => {
      const smsWithdrawn = event('marketing_offers', 'sms', 'withdrawn');
      const later = event('marketing_offers', 'sms', 'given', new Date(CHANGED_AT.getTime() + 60_000));
      const receipt = buildConsentReceipt({
        request: { subjectId: SUBJECT, regime: 'gdpr', language: 'en', collectionMethod: 'web_chat', changed: [smsWithdrawn], current: [current(later)], disclosure: 'change_only' },
        catalog,
        controller,
        receiptId: randomUUID(),
        issuedAt: ISSUED,
      });
      assert.deepEqual(
        receipt.services[0].purposes[0].channels.map((c) => [c.state, c.eventId]),
        [['withdrawn', smsWithdrawn.id]],
      );
    });
  });

  it('names the jurisdiction of each regime', () => {
    const expected = { gdpr: 'EU', 'uk-gdpr': 'GB', ccpa: 'US-CA', lgpd: 'BR', pipeda: 'CA' };
    for (const regime of REGIMES) {
      const { request } = withdrawalRequest({ regime });
      assert.equal(buildConsentReceipt({ request, catalog, controller, receiptId: randomUUID(), issuedAt: ISSUED }).jurisdiction, expected[regime]);
    }
  });

  it('falls back to English texts for a language we do not ship, keeping the tag it was given', () => {
    const { request } = withdrawalRequest({ language: 'sv-SE' });
    const receipt = buildConsentReceipt({ request, catalog, controller, receiptId: randomUUID(), issuedAt: ISSUED });
    assert.equal(receipt.language, 'sv-SE');
    assert.equal(receipt.services[0].service, controller.service.en);
  });

  it('a regional tag of a shipped language reads that language, keeping the tag it was given', () => {
    const { request } = withdrawalRequest({ language: 'de-DE' });
    const receipt = buildConsentReceipt({ request, catalog, controller, receiptId: randomUUID(), issuedAt: ISSUED });
    assert.equal(receipt.language, 'de-DE');
    assert.ok(controller.service.de);
    assert.equal(receipt.services[0].service, controller.service.de);
  });

  it('refuses a request it cannot truthfully confirm', () => {
    const { request } = withdrawalRequest();
    const cases: [string, Partial<ReceiptRequest>, RegExp][] = [
      ['no change', { changed: [] }, /at least one change/],
      ["another subject's event", { changed: [event('newsletter', 'email', 'withdrawn', CHANGED_AT, randomUUID())] }, /another subject/],
      ['a channel the purpose does not use', { changed: [event('newsletter', 'sms', 'withdrawn')] }, /not in the catalog/],
      ['an unknown purpose', { changed: [event('lottery', 'email', 'given')] }, /not in the catalog/],
      ['a language that is not BCP-47', { language: 'Italian' }, /BCP-47/],
      ['no disclosure', { disclosure: 'everything' as ReceiptRequest['disclosure'] }, /disclosure/],
    ];
    for (const [name, overrides, pattern] of cases) {
      assert.throws(
        () => buildConsentReceipt({ request: { ...request, ...overrides }, catalog, controller, receiptId: randomUUID(), issuedAt: ISSUED }),
        (err: unknown) => err instanceof LedgerError && err.code === 'PSB_LEDGER_INVALID_INPUT' && pattern.test(err.message),
        name,
      );
    }
  });
});

describe('config/controller.json', () => {
  const valid = (): Record<string, unknown> => JSON.parse(JSON.stringify(controller)) as Record<string, unknown>;

  it('the shipped file is valid and maps every regime', () => {
    for (const regime of REGIMES) assert.match(controller.jurisdictions[regime], /^(EU|[A-Z]{2}(-[A-Z0-9]+)?)$/);
  });

  it('names the field that is wrong', () => {
    const cases: [string, (raw: Record<string, unknown>) => void][] = [
      ['email', (raw) => (raw.email = 'privacy at example.com')],
      ['policyUrl', (raw) => (raw.policyUrl = 'example.com/privacy')],
      ['name', (raw) => delete raw.name],
      ['jurisdictions.ccpa', (raw) => delete (raw.jurisdictions as Record<string, unknown>).ccpa],
      ['jurisdictions.uk_gdpr', (raw) => ((raw.jurisdictions as Record<string, unknown>).uk_gdpr = 'GB')],
      ['termination.it', (raw) => delete (raw.termination as Record<string, unknown>).it],
      ['piiCategoriesByChannel.post', (raw) => ((raw.piiCategoriesByChannel as Record<string, unknown>).post = [])],
    ];
    for (const [field, spoil] of cases) {
      const raw = valid();
      spoil(raw);
      assert.throws(
        () => parseController(raw, 'controller.json'),
        (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.message.includes(field) && err.details.field === field,
        field,
      );
    }
  });

  it('a file that is not JSON is refused naming the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'controller-'));
    try {
      const file = path.join(dir, 'controller.json');
      writeFileSync(file, '{ "name": ');
      assert.throws(() => loadController(file), (err: unknown) => err instanceof AppError && err.code === 'PSB_CONFIG_INVALID' && err.message.includes(file));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
