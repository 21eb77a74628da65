import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Activity } from 'botbuilder';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translator } from '../../src/i18n/translator';
import { decodeCompactJws } from '../../src/privacy/receipts/compact-jws';
import type { ConsentReceipt } from '../../src/privacy/receipts/receipt-types';
import { STOP_SMS } from './customer-sentences';
import { readTexts } from './dialog-harness';
import { ConsentConversation, PUBLIC_BASE_URL, TestCustomer, consentConversation, heldBy, newEvents, useConsentWorld, registerCustomer } from './consent-support';

/**
 * The assurance rules of consent changes, in the chat: giving consent needs `verified` (a stranger
 * who knows an address never gives consent for anyone); a customer who is only `identified` may
 * withdraw, reads only the change, gets a receipt of the change only, and the contact on file is told.
 */

const GIVE: Record<ShippedLocale, string> = {
  en: 'send me personalised recommendations by email',
  it: 'voglio i consigli personalizzati via email',
  de: 'Ich möchte personalisierte Empfehlungen per E-Mail bekommen',
  fr: 'Je voudrais recevoir des recommandations personnalisées par e-mail',
  es: 'Quiero recibir recomendaciones personalizadas por email',
  pt: 'Quero receber recomendações personalizadas por e-mail',
  nl: 'Stuur me persoonlijke aanbevelingen per e-mail',
};
/** What the product calls the consent `GIVE` asks for, as the object of its sentences. */
const RECOMMENDATIONS_BY_EMAIL: Record<ShippedLocale, string> = {
  en: 'personalised recommendations by email',
  it: 'i consigli personalizzati via email',
  de: 'personalisierte Empfehlungen per E-Mail',
  fr: 'les recommandations personnalisées par e-mail',
  es: 'las recomendaciones personalizadas por correo electrónico',
  pt: 'as recomendações personalizadas por e-mail',
  nl: 'gepersonaliseerde aanbevelingen via e-mail',
};
const OFFERS_BY_SMS: Record<ShippedLocale, string> = {
  en: 'offers and promotions by SMS',
  it: 'le offerte e le promozioni via SMS',
  de: 'Angebote und Aktionen per SMS',
  fr: 'les offres et promotions par SMS',
  es: 'nuestras ofertas y promociones por SMS',
  pt: 'as ofertas e promoções por SMS',
  nl: 'aanbiedingen en acties via sms',
};
/** How a "done" reply starts. */
const DONE: Record<ShippedLocale, string> = { en: 'Done.', it: 'Fatto.', de: 'Erledigt.', fr: "C'est fait :", es: 'Hecho.', pt: 'Pronto.', nl: 'Klaar.' };
/** Words of the rest of the state (the newsletter, offers by email, the date of the earlier choices: March 15) that a change-only reply never says. */
const REST_OF_STATE: Record<ShippedLocale, readonly string[]> = {
  en: ['ewsletter', 'email', 'March 15'],
  it: ['ewsletter', 'email', '15 marzo'],
  de: ['ewsletter', 'E-Mail', '15. März'],
  fr: ['ewsletter', 'e-mail', '15 mars'],
  es: ['boletín', 'correo electrónico', '15 de marzo'],
  pt: ['ewsletter', 'e-mail', '15 de março'],
  nl: ['ieuwsbrief', 'e-mail', '15 maart'],
};
const RECEIPT_ID = '([0-9a-f-]{36})';
const RECEIPT_URL = '(https:\\/\\/privacy\\.example\\.com\\/receipts\\/([A-Za-z0-9_-]{43}))';
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** The receipt line in a language's words: groups 1 the receipt id, 2 the link, 3 its token. */
const receiptLineOf = (t: Translator): RegExp => new RegExp(`^${escape(t.t('consent.done.receipt', { receiptId: '@ID@', url: '@URL@' })).replace('@ID@', RECEIPT_ID).replace('@URL@', RECEIPT_URL)}$`);
const RECEIPT_LINE: Record<ShippedLocale, (t: Translator) => RegExp> = {
  en: () => new RegExp(`^Your consent receipt, reference ${RECEIPT_ID}, is here: ${RECEIPT_URL}$`),
  it: () => new RegExp(`^La sua ricevuta di consenso, riferimento ${RECEIPT_ID}, è qui: ${RECEIPT_URL}$`),
  de: receiptLineOf,
  fr: receiptLineOf,
  es: receiptLineOf,
  pt: receiptLineOf,
  nl: receiptLineOf,
};

describe('consent changes and the customer’s assurance (dialogs, ledger, receipts, notices)', function () {
  this.timeout(60_000);
  const world = useConsentWorld();

  beforeEach(() => {
    world.messenger.failing = undefined;
  });

  /** The signed payload behind a receipt link: what the customer downloads and verifies. */
  async function signedReceipt(token: string): Promise<ConsentReceipt> {
    const stored = await world.receipts.findByToken(token);
    assert.ok(stored, 'the link finds the receipt');
    const jws = decodeCompactJws(stored.jws);
    assert.ok(jws, 'a compact JWS');
    return jws.payload as unknown as ConsentReceipt;
  }

  /** "Done", the receipt line, and what follows: split and checked. */
  function doneParts(t: Translator, reply: string): { done: string; receiptId: string; token: string; rest: string[] } {
    const [done, receiptLine, ...rest] = reply.split('\n\n');
    const match = RECEIPT_LINE[t.locale](t).exec(receiptLine ?? '');
    assert.ok(match, `the receipt line: ${reply}`);
    assert.ok(match[2].startsWith(`${PUBLIC_BASE_URL}/receipts/`));
    assert.ok(done.startsWith(t.t('consent.done.withdrawn', { time: '', scope: '' }).slice(0, 5)), done);
    return { done, receiptId: match[1], token: match[3], rest };
  }

  const closure = (ticketId: string): Partial<Activity> => ({ type: 'event', name: 'handoff.closed', value: { ticketId, status: 'completed', verification: 'verified', method: 'agent_check' } });

  for (const locale of SHIPPED_LOCALES) {
    describe(locale, () => {
      let t: Translator;
      before(() => {
        t = readTexts(world.dialogs.translations, locale);
      });

      it('giving consent while only identified: sent to verification first, nothing recorded until a person verified; then the gift is asked and recorded', async () => {
        const customer = await registerCustomer(world);
        const conversation = consentConversation(world, locale, { intents: { [GIVE[locale]]: 'consent.give' }, held: heldBy(customer, 'identified') });
        assert.deepEqual(await conversation.say(GIVE[locale]), [t.t('handoff.queuedForVerification', { position: 1 })]);
        const [ticket] = await conversation.hub.queue();
        assert.equal(ticket.pendingAction, 'consent.give');
        assert.deepEqual(await newEvents(world, customer), [], 'nothing recorded while waiting');

        const resumed = await conversation.send(closure(ticket.id));
        assert.equal(resumed[0], t.t('handoff.closed.verifiedContinue'));
        assert.ok(resumed[1].endsWith(t.t('consent.confirm.give', { scope: RECOMMENDATIONS_BY_EMAIL[locale] })), resumed[1]);
        assert.deepEqual(await newEvents(world, customer), [], 'nothing recorded before "yes"');
        const [done] = await conversation.say(t.t('consent.confirm.yes'));
        assert.ok(done.startsWith(DONE[locale]), done);
        assert.deepEqual(
          (await newEvents(world, customer)).map((e) => [e.purposeId, e.channel, e.state]),
          [['profiling', 'email', 'given']],
        );
        assert.equal(world.messenger.to(customer.subjectId).length, 0, 'a gift sends no withdrawal notice');
      });

      it('a stranger who knows an address cannot give consent for its owner: queued for verification, and "yes" records nothing', async () => {
        const victim = await registerCustomer(world);
        const stranger = consentConversation(world, locale, { intents: { [GIVE[locale]]: 'consent.give' } });
        assert.deepEqual(await stranger.say(GIVE[locale]), [t.t('identity.prompt')]);
        assert.deepEqual(await stranger.say(victim.email), [t.t('identity.noted', { identifier: victim.masked }), t.t('handoff.queuedForVerification', { position: 1 })]);
        await stranger.say(t.t('consent.confirm.yes'));
        await stranger.say(t.t('consent.confirm.yes'));
        assert.deepEqual(await newEvents(world, victim), []);
        assert.equal(await world.receipts.findByToken('x'.repeat(43)), undefined);
      });

      it('withdrawing while only identified: the reply names only the change, the signed receipt holds only the change, and a notice goes to the contact on file', async () => {
        const customer = await registerCustomer(world);
        const conversation = consentConversation(world, locale, { intents: { [STOP_SMS[locale]]: 'consent.revoke' }, held: heldBy(customer, 'identified') });
        assert.deepEqual(await conversation.say(STOP_SMS[locale]), [t.t('consent.confirm.withdraw', { scope: OFFERS_BY_SMS[locale] })]);
        const [reply] = await conversation.say(t.t('consent.confirm.yes'));
        const { done, receiptId, token, rest } = doneParts(t, reply);
        const withdrawn = escape(t.t('consent.done.withdrawn', { time: '@TIME@', scope: OFFERS_BY_SMS[locale] })).replace('@TIME@', '.+');
        assert.match(done, new RegExp(`^${withdrawn}$`), 'the change, in the words of the language');
        assert.deepEqual(rest, [t.t('consent.done.noticeSent')]);
        // Nothing of the rest of the state: not the newsletter, not offers by email, not the date of the earlier choices (March 15).
        for (const other of REST_OF_STATE[locale]) assert.ok(!reply.includes(other), `the reply does not mention "${other}": ${reply}`);

        const receipt = await signedReceipt(token);
        assert.equal(receipt.consentReceiptID, receiptId);
        assert.equal(receipt.disclosure, 'change_only');
        assert.deepEqual(
          receipt.services.flatMap((service) => service.purposes.map((p) => [p.purposeId, p.channels.map((c) => [c.channel, c.state])])),
          [['marketing_offers', [['sms', 'withdrawn']]]],
        );
        assert.ok(!JSON.stringify(receipt).includes('2026-03-15'), 'no date of the earlier choices');

        const notices = world.messenger.to(customer.subjectId);
        assert.equal(notices.length, 1);
        assert.equal(notices[0].to, customer.email, 'to the address on file');
        assert.equal(notices[0].message.subject, t.t('consent.withdrawalNotice.subject'));
        assert.ok(notices[0].message.text.includes(OFFERS_BY_SMS[locale]) && notices[0].message.text.includes(receiptId), notices[0].message.text);
      });

      it('withdrawing while verified: the receipt may show the whole state, and no notice is sent', async () => {
        const customer = await registerCustomer(world);
        const conversation = consentConversation(world, locale, { intents: { [STOP_SMS[locale]]: 'consent.revoke' }, held: heldBy(customer, 'verified') });
        await conversation.say(STOP_SMS[locale]);
        const [reply] = await conversation.say(t.t('consent.confirm.yes'));
        const { token, rest } = doneParts(t, reply);
        assert.deepEqual(rest, [], 'no notice sentence');
        const receipt = await signedReceipt(token);
        assert.equal(receipt.disclosure, 'full_state');
        const offers = receipt.services[0].purposes.find((p) => p.purposeId === 'marketing_offers');
        assert.deepEqual(
          offers?.channels.filter((c) => c.state !== 'not_asked').map((c) => [c.channel, c.state, c.changed]),
          [
            ['email', 'given', false],
            ['sms', 'withdrawn', true],
          ],
        );
        assert.ok(receipt.services[0].purposes.some((p) => p.purposeId === 'newsletter' && p.channels[0].state === 'given'));
        assert.equal(world.messenger.to(customer.subjectId).length, 0);
      });
    });
  }

  it('the notice goes to the contact on file of the kind the customer gave: identified by phone, told by SMS at the number on file', async () => {
    const email = `phone.customer.${process.pid}.${randomBytes(3).toString('hex')}@example.com`;
    const phone = `+3934712${String(Math.floor(Math.random() * 100000)).padStart(5, '0')}`;
    const subject = await world.ledger.subjects.register(
      {
        identifiers: [
          { kind: 'email', value: email },
          { kind: 'phone', value: phone },
        ],
        regime: 'gdpr',
      },
      { actor: 'system:test', reason: 'test customer' },
    );
    const customer: TestCustomer = { subjectId: subject.id, email, masked: '', seeded: 0 };
    const conversation: ConsentConversation = consentConversation(world, 'it', { intents: { [STOP_SMS.it]: 'consent.revoke' } });
    await conversation.say(STOP_SMS.it);
    // Typed with spaces, as people do: the number on file is the normalised one.
    const typed = `${phone.slice(0, 3)} ${phone.slice(3, 6)} ${phone.slice(6)}`;
    const confirm = await conversation.say(typed);
    assert.equal(confirm.at(-1), world.dialogs.translations.for('it').t('consent.confirm.withdraw', { scope: OFFERS_BY_SMS.it }));
    await conversation.say('sì');
    assert.deepEqual(
      (await newEvents(world, customer)).map((e) => [e.purposeId, e.channel, e.state]),
      [['marketing_offers', 'sms', 'withdrawn']],
    );
    const notices = world.messenger.to(subject.id);
    assert.deepEqual(
      notices.map((n) => [n.preferKind, n.channel, n.to]),
      [['phone', 'sms', phone]],
    );
  });

  it('the messenger is down: the withdrawal is recorded and confirmed all the same, without a notice sentence', async () => {
    const customer = await registerCustomer(world);
    world.messenger.failing = new Error('transport down');
    const t = world.dialogs.translations.for('en');
    const conversation = consentConversation(world, 'en', { intents: { [STOP_SMS.en]: 'consent.revoke' }, held: heldBy(customer, 'identified') });
    await conversation.say(STOP_SMS.en);
    const [reply] = await conversation.say('yes');
    assert.deepEqual(doneParts(t, reply).rest, []);
    assert.deepEqual(
      (await newEvents(world, customer)).map((e) => [e.purposeId, e.channel, e.state]),
      [['marketing_offers', 'sms', 'withdrawn']],
    );
  });
});
