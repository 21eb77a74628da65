import assert from 'node:assert/strict';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translator } from '../../src/i18n/translator';
import { IntentName } from '../../src/nlu/intents';
import { decodeCompactJws } from '../../src/privacy/receipts/compact-jws';
import type { ConsentReceipt } from '../../src/privacy/receipts/receipt-types';
import { keyword, readTexts } from './dialog-harness';
import { consentConversation, heldBy, newEvents, useConsentWorld, registerCustomer } from './consent-support';

/** The CCPA opt-out of sale/sharing told as turns; `{email}` stands for the customer's address, `t:` for a message key. */
interface OptOutCase {
  readonly name: string;
  readonly locale: ShippedLocale;
  readonly held?: 'identified' | 'verified';
  /** Partner sharing already withdrawn on every channel before the conversation. */
  readonly alreadyOptedOut?: boolean;
  readonly turns: readonly { say: string; intent?: IntentName; expect: readonly Expected[] }[];
  /** Exactly the ledger events the conversation must add, in order. */
  readonly recorded: readonly [purposeId: string, channel: string, state: string][];
  /** Whether the contact on file must have been told (a withdrawal made without verified identity). */
  readonly notice: boolean;
}

/** A message key (its text in the case's language), a "done" reply, or an exact string. */
type Expected = { key: string; vars?: Record<string, string> } | 'done' | 'doneWithNotice' | string;

const ASK: Record<ShippedLocale, string> = {
  en: 'Do not sell or share my personal information',
  it: 'Non vendete né condividete i miei dati personali',
  de: 'Verkaufen oder teilen Sie meine persönlichen Daten nicht',
  fr: 'Ne vendez pas et ne partagez pas mes informations personnelles',
  es: 'No vendan ni compartan mis datos personales',
  pt: 'Não vendam nem compartilhem minhas informações pessoais',
  nl: 'Verkoop of deel mijn persoonsgegevens niet',
};
/** The partner-sharing channels as the product lists them in each language (checked against its output). */
const CHANNELS: Record<ShippedLocale, string> = {
  en: 'email, SMS, phone, and post',
  it: 'email, SMS, telefono e posta',
  de: 'E-Mail, SMS, Telefon und Post',
  fr: 'e-mail, SMS, téléphone et courrier',
  es: 'correo electrónico, SMS, teléfono y correo postal',
  pt: 'e-mail, SMS, telefone e correio',
  nl: 'e-mail, sms, telefoon en post',
};
/** The customer's answers to the confirmation in the other languages: yes, something that is no answer, no. */
const ANSWERS: Record<Exclude<ShippedLocale, 'en' | 'it'>, { readonly yes: string; readonly unclear: string; readonly no: string }> = {
  de: { yes: 'Ja, bitte', unclear: 'hm, mal sehen', no: 'Nein danke' },
  fr: { yes: 'Oui, volontiers', unclear: 'bof, je vais voir', no: 'Non merci' },
  es: { yes: 'Sí, claro', unclear: 'pues, ya veremos', no: 'No, gracias' },
  pt: { yes: 'Sim, pode ser', unclear: 'hmm, vou pensar', no: 'Não, obrigado' },
  nl: { yes: 'Ja, prima', unclear: 'hmm, even denken', no: 'Nee, dank je' },
};
const ALL_PARTNER_CHANNELS: OptOutCase['recorded'] = [
  ['partner_sharing', 'email', 'withdrawn'],
  ['partner_sharing', 'sms', 'withdrawn'],
  ['partner_sharing', 'phone', 'withdrawn'],
  ['partner_sharing', 'post', 'withdrawn'],
];
const confirm = (locale: ShippedLocale): Expected => ({ key: 'consent.optOutSale.confirm', vars: { channels: CHANNELS[locale] } });

const CASES: readonly OptOutCase[] = [
  {
    name: 'anonymous: who it is for, one question, then recorded on every channel of partner sharing; the contact on file is told',
    locale: 'en',
    turns: [
      { say: ASK.en, intent: 'consent.optOutSale', expect: [{ key: 'identity.prompt' }] },
      { say: '{email}', expect: ['noted', confirm('en')] },
      { say: 'yes', expect: ['doneWithNotice'] },
    ],
    recorded: ALL_PARTNER_CHANNELS,
    notice: true,
  },
  {
    name: 'anonymous (it): the same in Italian',
    locale: 'it',
    turns: [
      { say: ASK.it, intent: 'consent.optOutSale', expect: [{ key: 'identity.prompt' }] },
      { say: '{email}', expect: ['noted', confirm('it')] },
      { say: 'sì', expect: ['doneWithNotice'] },
    ],
    recorded: ALL_PARTNER_CHANNELS,
    notice: true,
  },
  {
    name: 'identified: no channel question, one confirmation, recorded',
    locale: 'en',
    held: 'identified',
    turns: [
      { say: 'stop sharing my data with partners', intent: 'consent.optOutSale', expect: [confirm('en')] },
      { say: 'yes please', expect: ['doneWithNotice'] },
    ],
    recorded: ALL_PARTNER_CHANNELS,
    notice: true,
  },
  {
    name: 'identified, already opted out: the state is not revealed, the opt-out is recorded again',
    locale: 'it',
    held: 'identified',
    alreadyOptedOut: true,
    turns: [
      { say: 'smettete di vendere i miei dati', intent: 'consent.optOutSale', expect: [confirm('it')] },
      { say: 'sì', expect: ['doneWithNotice'] },
    ],
    recorded: ALL_PARTNER_CHANNELS,
    notice: true,
  },
  {
    name: 'verified: recorded, no notice to the contact on file',
    locale: 'it',
    held: 'verified',
    turns: [
      { say: ASK.it, intent: 'consent.optOutSale', expect: [confirm('it')] },
      { say: 'certo', expect: ['done'] },
    ],
    recorded: ALL_PARTNER_CHANNELS,
    notice: false,
  },
  {
    name: 'verified, already opted out everywhere: told so, nothing recorded',
    locale: 'en',
    held: 'verified',
    alreadyOptedOut: true,
    turns: [{ say: ASK.en, intent: 'consent.optOutSale', expect: [{ key: 'consent.optOutSale.already' }] }],
    recorded: [],
    notice: false,
  },
  {
    name: '"no" records nothing',
    locale: 'en',
    held: 'identified',
    turns: [
      { say: ASK.en, intent: 'consent.optOutSale', expect: [confirm('en')] },
      { say: 'no', expect: [{ key: 'consent.declined' }] },
    ],
    recorded: [],
    notice: false,
  },
  {
    name: 'an answer that is neither yes nor no is asked again',
    locale: 'it',
    held: 'identified',
    turns: [
      { say: ASK.it, intent: 'consent.optOutSale', expect: [confirm('it')] },
      { say: 'forse domani', expect: [{ key: 'consent.confirm.retry' }] },
      { say: 'no grazie', expect: [{ key: 'consent.declined' }] },
    ],
    recorded: [],
    notice: false,
  },
];

/** In every other language: the anonymous opt-out answered yes in the customer's words; an odd answer asked again, then no. */
const OTHER_LANGUAGE_CASES: readonly OptOutCase[] = (Object.keys(ANSWERS) as (keyof typeof ANSWERS)[]).flatMap((locale): OptOutCase[] => [
  {
    name: 'anonymous: who it is for, one question, a yes in the customer’s words records every channel of partner sharing; the contact on file is told',
    locale,
    turns: [
      { say: ASK[locale], intent: 'consent.optOutSale', expect: [{ key: 'identity.prompt' }] },
      { say: '{email}', expect: ['noted', confirm(locale)] },
      { say: ANSWERS[locale].yes, expect: ['doneWithNotice'] },
    ],
    recorded: ALL_PARTNER_CHANNELS,
    notice: true,
  },
  {
    name: 'identified: an answer that is neither yes nor no is asked again; a no in the customer’s words records nothing',
    locale,
    held: 'identified',
    turns: [
      { say: ASK[locale], intent: 'consent.optOutSale', expect: [confirm(locale)] },
      { say: ANSWERS[locale].unclear, expect: [{ key: 'consent.confirm.retry' }] },
      { say: ANSWERS[locale].no, expect: [{ key: 'consent.declined' }] },
    ],
    recorded: [],
    notice: false,
  },
]);

describe('opt-out of the sale and sharing of personal information (CCPA), as tables of turns', function () {
  this.timeout(60_000);
  const world = useConsentWorld();

  function check(t: Translator, actual: string, want: Expected, masked: string, where: string): void {
    if (want === 'noted') return assert.equal(actual, t.t('identity.noted', { identifier: masked }), where);
    if (want === 'done' || want === 'doneWithNotice') {
      const [done, receipt, ...rest] = actual.split('\n\n');
      const [before, after] = t.t('consent.optOutSale.done', { time: '\u0000', channels: '\u0001' }).split('\u0000');
      assert.ok(done.startsWith(before) && done.endsWith(after.replace('\u0001', CHANNELS[t.locale])), `${where}: ${done}`);
      assert.match(receipt ?? '', /https:\/\/privacy\.example\.com\/receipts\/[A-Za-z0-9_-]{43}$/, where);
      assert.deepEqual(rest, want === 'doneWithNotice' ? [t.t('consent.done.noticeSent')] : [], where);
      return;
    }
    if (typeof want === 'string') return assert.equal(actual, want, where);
    assert.equal(actual, t.t(want.key, want.vars), where);
  }

  for (const c of [...CASES, ...OTHER_LANGUAGE_CASES]) {
    it(`${c.locale}: ${c.name}`, async () => {
      const t = readTexts(world.dialogs.translations, c.locale);
      const customer = await registerCustomer(world);
      let seeded = customer.seeded;
      if (c.alreadyOptedOut) {
        await world.ledger.consent.record(customer.subjectId, ALL_PARTNER_CHANNELS.map(([purposeId, channel]) => ({ purposeId, channel: channel as 'email', state: 'withdrawn' as const })), { collectionMethod: 'import', language: 'en' }, { actor: 'system:import', reason: 'test seed' });
        seeded += ALL_PARTNER_CHANNELS.length;
      }
      const intents = Object.fromEntries(c.turns.filter((turn) => turn.intent).map((turn) => [turn.say, turn.intent as IntentName]));
      const conversation = consentConversation(world, c.locale, { intents, held: c.held ? heldBy(customer, c.held) : undefined });
      for (const [index, turn] of c.turns.entries()) {
        const replies = await conversation.say(turn.say.replace('{email}', customer.email));
        const where = `turn ${index + 1} "${turn.say}"`;
        assert.equal(replies.length, turn.expect.length, `${where}: ${JSON.stringify(replies)}`);
        turn.expect.forEach((want, i) => check(t, replies[i], want, customer.masked, where));
      }
      const events = (await world.ledger.consent.history(customer.subjectId)).slice(seeded);
      assert.deepEqual(
        events.map((e) => [e.purposeId, e.channel, e.state]),
        c.recorded,
      );
      for (const event of events) {
        assert.equal(event.evidence.basis, 'sale_opt_out', 'kept as an opt-out of sale/sharing, not a marketing choice');
        assert.equal(event.language, c.locale);
        assert.equal(event.actor, `customer:${customer.subjectId}`);
      }
      assert.equal(world.messenger.to(customer.subjectId).length, c.notice ? 1 : 0, 'notices to the contact on file');
    });
  }

  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: cancel at the confirmation records nothing`, async () => {
      const t = readTexts(world.dialogs.translations, locale);
      const customer = await registerCustomer(world);
      const conversation = consentConversation(world, locale, { intents: { [ASK[locale]]: 'consent.optOutSale' }, held: heldBy(customer, 'identified') });
      await conversation.say(ASK[locale]);
      const replies = await conversation.say(keyword(world.dialogs, locale, 'cancel'));
      assert.ok(replies[0].startsWith(t.t('cancel.done')), replies[0]);
      assert.deepEqual(await newEvents(world, customer), []);
    });

    it(`${locale}: an address that matches nobody: nothing can be recorded, said without revealing more`, async () => {
      const t = readTexts(world.dialogs.translations, locale);
      const conversation = consentConversation(world, locale, { intents: { [ASK[locale]]: 'consent.optOutSale' } });
      await conversation.say(ASK[locale]);
      assert.deepEqual(await conversation.say('nobody.here@example.com'), [t.t('identity.noted', { identifier: 'n***@example.com' }), t.t('consent.notMatched')]);
    });
  }

  it('an identified customer’s receipt holds the opt-out alone (partner sharing, four channels)', async () => {
    const customer = await registerCustomer(world);
    const conversation = consentConversation(world, 'en', { intents: { [ASK.en]: 'consent.optOutSale' }, held: heldBy(customer, 'identified') });
    await conversation.say(ASK.en);
    const [done] = await conversation.say('yes');
    const token = /\/receipts\/([A-Za-z0-9_-]{43})/.exec(done)?.[1] ?? '';
    const stored = await world.receipts.findByToken(token);
    assert.ok(stored);
    const receipt = decodeCompactJws(stored.jws)?.payload as unknown as ConsentReceipt;
    assert.equal(receipt.disclosure, 'change_only');
    assert.deepEqual(
      receipt.services[0].purposes.map((p) => [p.purposeId, p.thirdPartyDisclosure, p.channels.map((ch) => ch.channel)]),
      [['partner_sharing', true, ['email', 'sms', 'phone', 'post']]],
    );
  });
});
