import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Activity } from 'botbuilder';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translator } from '../../src/i18n/translator';
import { IntentName } from '../../src/nlu/intents';
import { ledgerFootprint } from '../ledger/support/ledger-footprint';
import { CHECK, STOP_SMS } from './customer-sentences';
import { keyword, readTexts } from './dialog-harness';
import { PUBLIC_BASE_URL, TestCustomer, consentConversation, heldBy, newEvents, useConsentWorld, registerCustomer } from './consent-support';
import { matches } from './reply-matches';

/** One withdrawal or gift told as a table of turns: what the customer says, what they must read back. */
interface ChangeCase {
  readonly name: string;
  readonly locale: ShippedLocale;
  /** Session already matched to the customer; anonymous when absent (the gate asks who they are). */
  readonly held?: 'identified' | 'verified';
  /** `{email}` stands for the customer's address. */
  /** A reply: to the letter, by pattern, or as the case's language words it. */
  readonly turns: readonly { say: string; intent?: IntentName; expect: readonly (string | RegExp | ((t: Translator) => string | RegExp))[] }[];
  /** Exactly the ledger events the conversation must add, in order. */
  readonly recorded: readonly [purposeId: string, channel: string, state: string][];
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const RECEIPT = '([0-9a-f-]{36})';
const RECEIPT_URL = '(https:\\/\\/privacy\\.example\\.com\\/receipts\\/[A-Za-z0-9_-]{43,})';
/** A "done" reply in a language's words: any time, the scope (group 1), then the receipt line (groups 2 and 3: its id and link). */
const doneFromCatalog =
  (key: 'consent.done.withdrawn' | 'consent.done.given') =>
  (t: Translator): RegExp => {
    const done = escape(t.t(key, { time: '@TIME@', scope: '@SCOPE@' })).replace('@TIME@', '.+').replace('@SCOPE@', '(.+)');
    const receipt = escape(t.t('consent.done.receipt', { receiptId: '@ID@', url: '@URL@' })).replace('@ID@', RECEIPT).replace('@URL@', RECEIPT_URL);
    return new RegExp(`^${done}\\n\\n${receipt}`);
  };
const withdrawnFromCatalog = doneFromCatalog('consent.done.withdrawn');
const givenFromCatalog = doneFromCatalog('consent.done.given');

const DONE_WITHDRAWN: Record<ShippedLocale, (t: Translator) => RegExp> = {
  en: () => /^Done\. From .+ you no longer receive (.+)\.\n\nYour consent receipt, reference ([0-9a-f-]{36}), is here: (https:\/\/privacy\.example\.com\/receipts\/[A-Za-z0-9_-]{43,})/,
  it: () => /^Fatto\. Da (?:lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica) .+ non riceve più (.+)\.\n\nLa sua ricevuta di consenso, riferimento ([0-9a-f-]{36}), è qui: (https:\/\/privacy\.example\.com\/receipts\/[A-Za-z0-9_-]{43,})/,
  de: withdrawnFromCatalog,
  fr: withdrawnFromCatalog,
  es: withdrawnFromCatalog,
  pt: withdrawnFromCatalog,
  nl: withdrawnFromCatalog,
};
const DONE_GIVEN: Record<ShippedLocale, (t: Translator) => RegExp> = {
  en: () => /^Done\. Your consent to receive (.+) applies from .+\. To withdraw it, just tell me\.\n\nYour consent receipt, reference [0-9a-f-]{36}, is here: https:\/\/privacy\.example\.com\/receipts\//,
  it: () => /^Fatto\. Il suo consenso a ricevere (.+) vale da (?:lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica) .+\. Per revocarlo, basta dirmelo\.\n\nLa sua ricevuta di consenso, riferimento [0-9a-f-]{36}, è qui: https:\/\/privacy\.example\.com\/receipts\//,
  de: givenFromCatalog,
  fr: givenFromCatalog,
  es: givenFromCatalog,
  pt: givenFromCatalog,
  nl: givenFromCatalog,
};

/** "Stop sending me offers by SMS", in the customer's words. */
/** "Stop sending me offers", no channel named. */
const STOP_OFFERS: Record<ShippedLocale, string> = {
  en: 'stop sending me offers',
  it: 'basta offerte',
  de: 'Hören Sie auf, mir Angebote zu schicken',
  fr: "Arrêtez de m'envoyer des offres",
  es: 'Dejen de mandarme ofertas',
  pt: 'Parem de me mandar ofertas',
  nl: 'Stuur me geen aanbiedingen meer',
};

/** The languages whose rows are written out in CASES; the others get the rows of OTHER_LANGUAGE_CASES. */
type OtherLocale = Exclude<ShippedLocale, 'en' | 'it'>;

/** What the other languages' rows say (the customer's words) and expect (the product's, checked against its output). */
interface OtherLanguageWords {
  /** A yes to the confirmation. */
  readonly yes: string;
  /** The email channel, as an answer to "by which channel?". */
  readonly email: string;
  readonly offersBySms: string;
  /** "By which channel?" for offers, a customer who gets them by email and SMS. */
  readonly channelQuestion: string;
  /** "Stop offers by email; keep SMS?" */
  readonly stopEmailKeepSms: string;
  /** "I'd like personalised recommendations by email." */
  readonly giveRecommendations: string;
  readonly recommendationsByEmail: string;
}

const IN_OTHER_LANGUAGES: Record<OtherLocale, OtherLanguageWords> = {
  de: {
    yes: 'Ja, bitte',
    email: 'per E-Mail',
    offersBySms: 'Angebote und Aktionen per SMS',
    channelQuestion: 'Über welchen Kanal? Für Angebote und Aktionen können wir Sie per E-Mail, SMS, Telefon, Post und Push-Benachrichtigungen erreichen.',
    stopEmailKeepSms: 'Möchten Sie Angebote und Aktionen per E-Mail abbestellen und den Empfang per SMS beibehalten?',
    giveRecommendations: 'Ich möchte personalisierte Empfehlungen per E-Mail bekommen',
    recommendationsByEmail: 'personalisierte Empfehlungen per E-Mail',
  },
  fr: {
    yes: 'Oui, volontiers',
    email: 'par e-mail',
    offersBySms: 'les offres et promotions par SMS',
    channelQuestion: 'Par quel canal ? Nous pouvons vous envoyer les offres et promotions par e-mail, SMS, téléphone, courrier et notifications push.',
    stopEmailKeepSms: 'Souhaitez-vous ne plus recevoir les offres et promotions par e-mail ? Rien ne change pour les autres canaux (SMS).',
    giveRecommendations: 'Je voudrais recevoir des recommandations personnalisées par e-mail',
    recommendationsByEmail: 'les recommandations personnalisées par e-mail',
  },
  es: {
    yes: 'Sí, claro',
    email: 'por correo electrónico',
    offersBySms: 'nuestras ofertas y promociones por SMS',
    channelQuestion: '¿Por qué canal? Podemos enviarle nuestras ofertas y promociones por correo electrónico, SMS, teléfono, correo postal y notificaciones push.',
    stopEmailKeepSms: '¿Desea dejar de recibir nuestras ofertas y promociones por correo electrónico, pero seguir recibiendo lo mismo por SMS?',
    giveRecommendations: 'Quiero recibir recomendaciones personalizadas por email',
    recommendationsByEmail: 'las recomendaciones personalizadas por correo electrónico',
  },
  pt: {
    yes: 'Sim, pode ser',
    email: 'por e-mail',
    offersBySms: 'as ofertas e promoções por SMS',
    channelQuestion: 'Por qual canal? Podemos enviar as ofertas e promoções a você por e-mail, SMS, telefone, correio e notificações push.',
    stopEmailKeepSms: 'Deseja deixar de receber as ofertas e promoções por e-mail, mas continuar recebendo por SMS?',
    giveRecommendations: 'Quero receber recomendações personalizadas por e-mail',
    recommendationsByEmail: 'as recomendações personalizadas por e-mail',
  },
  nl: {
    yes: 'Ja, prima',
    email: 'via e-mail',
    offersBySms: 'aanbiedingen en acties via sms',
    channelQuestion: 'Via welk kanaal? Wij kunnen u aanbiedingen en acties sturen via e-mail, sms, telefoon, post en pushmeldingen.',
    stopEmailKeepSms: 'Zal ik aanbiedingen en acties via e-mail stopzetten en de berichten via sms laten doorlopen?',
    giveRecommendations: 'Stuur me persoonlijke aanbevelingen per e-mail',
    recommendationsByEmail: 'gepersonaliseerde aanbevelingen via e-mail',
  },
};

const CASES: readonly ChangeCase[] = [
  {
    name: 'names purpose and channel, anonymous: three turns from the first message to the confirmation',
    locale: 'en',
    turns: [
      { say: 'Stop texting me offers', intent: 'consent.revoke', expect: ['To find your records, please tell me the email address, customer number or phone number you use with us.'] },
      { say: '{email}', expect: ["Thank you, I've noted c***@example.com.", 'Stop offers and promotions by SMS?'] },
      { say: 'yes', expect: [DONE_WITHDRAWN.en] },
    ],
    recorded: [['marketing_offers', 'sms', 'withdrawn']],
  },
  {
    name: 'names purpose and channel, anonymous (it)',
    locale: 'it',
    turns: [
      { say: 'Non mandatemi più offerte via SMS', intent: 'consent.revoke', expect: [/^Per trovare i suoi dati/] },
      { say: '{email}', expect: [/c\*\*\*@example\.com/, 'Interrompo le offerte e le promozioni via SMS?'] },
      { say: 'sì', expect: [DONE_WITHDRAWN.it] },
    ],
    recorded: [['marketing_offers', 'sms', 'withdrawn']],
  },
  {
    name: 'names nothing: asks which consent; a one-channel purpose needs no channel question',
    locale: 'en',
    held: 'identified',
    turns: [
      { say: 'I withdraw my consent', intent: 'consent.revoke', expect: ['Which consent would you like to withdraw?'] },
      { say: 'Newsletter', expect: ['Stop our newsletter by email?'] },
      { say: 'yes please', expect: [DONE_WITHDRAWN.en] },
    ],
    recorded: [['newsletter', 'email', 'withdrawn']],
  },
  {
    name: 'names nothing (it): the purpose is said with its article, as the object of the sentence',
    locale: 'it',
    held: 'identified',
    turns: [
      { say: 'Revoco il consenso', intent: 'consent.revoke', expect: ['Quale consenso desidera revocare?'] },
      { say: 'Newsletter', expect: ['Interrompo la nostra newsletter via email?'] },
      { say: 'sì', expect: [/^Fatto\. Da (?:lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica) \d{1,2} \p{L}+ \d{4} alle ore \d{2}:\d{2} \S+ non riceve più la nostra newsletter via email\.\n\n/u] },
    ],
    recorded: [['newsletter', 'email', 'withdrawn']],
  },
  {
    name: 'names the purpose only: asks the channel among the purpose’s channels; verified, so "keep" names what stays',
    locale: 'en',
    held: 'verified',
    turns: [
      { say: 'stop sending me offers', intent: 'consent.revoke', expect: ['By which channel? We can send you offers and promotions by email, SMS, phone, post, and push notifications.'] },
      { say: 'SMS', expect: ['Stop offers and promotions by SMS; keep email?'] },
      { say: 'yes', expect: [DONE_WITHDRAWN.en] },
    ],
    recorded: [['marketing_offers', 'sms', 'withdrawn']],
  },
  {
    name: 'names the purpose only (it, verified): the channel answered with its number',
    locale: 'it',
    held: 'verified',
    turns: [
      { say: 'basta offerte', intent: 'consent.revoke', expect: [/^Su quale canale\? Possiamo inviarle le offerte e le promozioni via email, SMS, telefono, posta e notifiche push\.$/] },
      { say: '1', expect: ["Interrompo le offerte e le promozioni via email e mantengo l'invio via SMS?"] },
      { say: 'sì', expect: [DONE_WITHDRAWN.it] },
    ],
    recorded: [['marketing_offers', 'email', 'withdrawn']],
  },
  {
    name: 'one purpose on all channels: only the channels not already withdrawn are recorded',
    locale: 'en',
    held: 'identified',
    turns: [
      { say: 'stop all offers on all channels', intent: 'consent.revoke', expect: ['Stop offers and promotions by email, SMS, phone, post, and push notifications?'] },
      { say: 'yes', expect: [DONE_WITHDRAWN.en] },
    ],
    recorded: [
      ['marketing_offers', 'email', 'withdrawn'],
      ['marketing_offers', 'sms', 'withdrawn'],
      ['marketing_offers', 'phone', 'withdrawn'],
      ['marketing_offers', 'post', 'withdrawn'],
      ['marketing_offers', 'push', 'withdrawn'],
    ],
  },
  {
    name: '"stop everything" is ambiguous: the whole scope is spelled out and confirmed first',
    locale: 'en',
    held: 'identified',
    turns: [
      { say: 'stop everything', intent: 'consent.revoke', expect: [/^Just to be sure, this covers every marketing message from us\. Stop our newsletter by email, offers and promotions by email, SMS, phone, post, and push notifications, personalised recommendations by email and messages in the app, and offers from our partners by email, SMS, phone, and post\?$/] },
      { say: 'yes', expect: [DONE_WITHDRAWN.en] },
    ],
    recorded: [
      ['newsletter', 'email', 'withdrawn'],
      ['marketing_offers', 'email', 'withdrawn'],
      ['marketing_offers', 'sms', 'withdrawn'],
      ['marketing_offers', 'phone', 'withdrawn'],
      ['marketing_offers', 'post', 'withdrawn'],
      ['marketing_offers', 'push', 'withdrawn'],
      ['profiling', 'email', 'withdrawn'],
      ['profiling', 'in_app', 'withdrawn'],
      ['partner_sharing', 'email', 'withdrawn'],
      ['partner_sharing', 'sms', 'withdrawn'],
      ['partner_sharing', 'phone', 'withdrawn'],
      ['partner_sharing', 'post', 'withdrawn'],
    ],
  },
  {
    name: '"no" at the confirmation records nothing',
    locale: 'en',
    held: 'identified',
    turns: [
      { say: 'Stop texting me offers', intent: 'consent.revoke', expect: ['Stop offers and promotions by SMS?'] },
      { say: 'no', expect: ["OK, I haven't changed anything."] },
    ],
    recorded: [],
  },
  {
    name: 'an answer that is neither yes nor no is asked again, and records nothing yet',
    locale: 'it',
    held: 'identified',
    turns: [
      { say: 'Non mandatemi più offerte via SMS', intent: 'consent.revoke', expect: ['Interrompo le offerte e le promozioni via SMS?'] },
      { say: 'boh, vediamo', expect: [/^Risponda sì o no/] },
      { say: 'no grazie', expect: ['Va bene, non ho modificato nulla.'] },
    ],
    recorded: [],
  },
  {
    name: 'give (verified): the notice is shown before the question, and the gift is recorded with it',
    locale: 'en',
    held: 'verified',
    turns: [
      { say: 'send me personalised recommendations by email', intent: 'consent.give', expect: [/^Personalised recommendations: Using your purchases and browsing to tailor what we show you\. How we use your data for it is explained in our privacy notice \(version 2026-03\): https:\/\/example\.com\/privacy\/notice#profiling\n\nDo you agree to receive personalised recommendations by email\?/] },
      { say: 'yes', expect: [DONE_GIVEN.en] },
    ],
    recorded: [['profiling', 'email', 'given']],
  },
  {
    name: 'give (it, verified): asks the purpose, then the channel, then shows the notice',
    locale: 'it',
    held: 'verified',
    turns: [
      { say: 'vorrei dare un consenso', intent: 'consent.give', expect: ['Quale di questi desidera ricevere?'] },
      { say: 'Offerte dei partner', expect: [/^Su quale canale\?/] },
      { say: 'posta', expect: [/informativa privacy \(versione 2026-03\): https:\/\/example\.com\/privacy\/notice#partners\n\nAcconsente a ricevere le offerte dei nostri partner via posta\?/] },
      { say: 'certo', expect: [DONE_GIVEN.it] },
    ],
    recorded: [['partner_sharing', 'post', 'given']],
  },
  {
    name: 'already withdrawn (verified): nothing to change, nothing recorded',
    locale: 'en',
    held: 'verified',
    turns: [
      { say: 'stop calling me with offers', intent: 'consent.revoke', expect: [/^Stop offers and promotions by phone; keep email and SMS\?$/] },
      { say: 'yes', expect: [DONE_WITHDRAWN.en] },
      { say: 'stop calling me with offers', intent: 'consent.revoke', expect: ["At the moment you don't receive offers and promotions by phone, so there's nothing to change."] },
    ],
    recorded: [['marketing_offers', 'phone', 'withdrawn']],
  },
  {
    name: 'identified only: the questions never reveal the current state, and withdrawing again is recorded again',
    locale: 'en',
    held: 'identified',
    turns: [
      { say: 'stop calling me with offers', intent: 'consent.revoke', expect: ['Stop offers and promotions by phone?'] },
      { say: 'yes', expect: [DONE_WITHDRAWN.en] },
      { say: 'stop calling me with offers', intent: 'consent.revoke', expect: ['Stop offers and promotions by phone?'] },
      { say: 'yes', expect: [DONE_WITHDRAWN.en] },
    ],
    recorded: [
      ['marketing_offers', 'phone', 'withdrawn'],
      ['marketing_offers', 'phone', 'withdrawn'],
    ],
  },
  {
    name: 'service messages rest on the contract, not on consent: explained, nothing recorded',
    locale: 'en',
    held: 'identified',
    turns: [{ say: 'stop the service messages', intent: 'consent.revoke', expect: [/^I can't switch service messages on or off here: this purpose doesn't rest on your consent/] }],
    recorded: [],
  },
  {
    name: 'service messages (it): explained with their article, in the singular of one purpose',
    locale: 'it',
    held: 'identified',
    turns: [{ say: 'non voglio più i messaggi di servizio', intent: 'consent.revoke', expect: [/^Non posso attivare né disattivare i messaggi di servizio da qui: questa finalità non si basa sul suo consenso/] }],
    recorded: [],
  },
];

const OTHER_LANGUAGE_CASES: readonly ChangeCase[] = (Object.keys(IN_OTHER_LANGUAGES) as OtherLocale[]).flatMap((locale): ChangeCase[] => {
  const words = IN_OTHER_LANGUAGES[locale];
  return [
    {
      name: 'names purpose and channel, anonymous: who it is for, the confirmation, a yes in the customer’s words',
      locale,
      turns: [
        { say: STOP_SMS[locale], intent: 'consent.revoke', expect: [(t) => t.t('identity.prompt')] },
        { say: '{email}', expect: [(t) => t.t('identity.noted', { identifier: 'c***@example.com' }), (t) => t.t('consent.confirm.withdraw', { scope: words.offersBySms })] },
        { say: words.yes, expect: [DONE_WITHDRAWN[locale]] },
      ],
      recorded: [['marketing_offers', 'sms', 'withdrawn']],
    },
    {
      name: 'names the purpose only (verified): the channel asked, answered in words; "keep" names what stays',
      locale,
      held: 'verified',
      turns: [
        { say: STOP_OFFERS[locale], intent: 'consent.revoke', expect: [words.channelQuestion] },
        { say: words.email, expect: [words.stopEmailKeepSms] },
        { say: words.yes, expect: [DONE_WITHDRAWN[locale]] },
      ],
      recorded: [['marketing_offers', 'email', 'withdrawn']],
    },
    {
      name: 'give (verified): the notice, then the question; a yes in the customer’s words records the gift',
      locale,
      held: 'verified',
      turns: [
        { say: words.giveRecommendations, intent: 'consent.give', expect: [(t) => new RegExp(`https:\\/\\/example\\.com\\/privacy\\/notice#profiling\\n\\n${escape(t.t('consent.confirm.give', { scope: words.recommendationsByEmail }))}$`)] },
        { say: words.yes, expect: [DONE_GIVEN[locale]] },
      ],
      recorded: [['profiling', 'email', 'given']],
    },
  ];
});

const CHECK_EN = 'What did I agree to?';

describe('consent dialogs', function () {
  this.timeout(60_000);
  const world = useConsentWorld();

  describe('withdraw and give, as tables of turns; the ledger holds exactly the expected events', () => {
    for (const c of [...CASES, ...OTHER_LANGUAGE_CASES]) {
      it(`${c.locale}: ${c.name}`, async () => {
        const customer = await registerCustomer(world);
        const t = readTexts(world.dialogs.translations, c.locale);
        const ledgerBefore = await ledgerFootprint(world.ledger);
        const intents = Object.fromEntries(c.turns.filter((turn) => turn.intent).map((turn) => [turn.say, turn.intent as IntentName]));
        const conversation = consentConversation(world, c.locale, { intents, held: c.held ? heldBy(customer, c.held) : undefined });
        for (const [index, turn] of c.turns.entries()) {
          const replies = await conversation.say(turn.say.replace('{email}', customer.email));
          const expected = turn.expect.map((want) => (typeof want === 'function' ? want(t) : want));
          matches(replies, expected, `turn ${index + 1} "${turn.say}"`);
        }
        const events = await newEvents(world, customer);
        assert.deepEqual(
          events.map((e) => [e.purposeId, e.channel, e.state]),
          c.recorded,
        );
        if (c.recorded.length === 0) assert.deepEqual(await ledgerFootprint(world.ledger), ledgerBefore, 'no receipt, outbox row or audit entry either');
        for (const event of events) {
          assert.equal(event.collectionMethod, 'web_chat');
          assert.equal(event.language, c.locale);
          assert.equal(event.actor, `customer:${customer.subjectId}`);
          assert.equal(event.noticeVersion, '2026-03');
          assert.match(event.conversationId ?? '', /^consent-test-/);
          assert.equal(typeof event.evidence.activityId, 'string');
        }
      });
    }
  });

  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: an address that matches nobody is noted like any other, then nothing can change and nothing is recorded`, async () => {
      const t = readTexts(world.dialogs.translations, locale);
      const stop = STOP_SMS[locale];
      const conversation = consentConversation(world, locale, { intents: { [stop]: 'consent.revoke' } });
      const ledgerBefore = await ledgerFootprint(world.ledger);
      await conversation.say(stop);
      const replies = await conversation.say('nobody.on.file@example.com');
      assert.deepEqual(replies, [t.t('identity.noted', { identifier: 'n***@example.com' }), t.t('consent.notMatched')]);
      // A "yes" now answers no question.
      await conversation.say(t.t('consent.confirm.yes'));
      assert.deepEqual(await ledgerFootprint(world.ledger), ledgerBefore, 'no consent event, receipt, outbox row, audit entry or verification');
    });
  }

  it('withdrawing takes no more turns than giving did when the message names purpose and channel (at most 3 from anonymous, where giving cannot even start)', async () => {
    const turnsFor = async (utterance: string, intent: IntentName, held?: 'verified'): Promise<number> => {
      const customer = await registerCustomer(world);
      const conversation = consentConversation(world, 'en', { intents: { [utterance]: intent }, held: held ? heldBy(customer, held) : undefined });
      await conversation.say(utterance);
      if (!held) await conversation.say(customer.email);
      const replies = await conversation.say('yes');
      assert.match(replies[0], /^Done\./);
      return conversation.turns;
    };
    const give = await turnsFor('send me offers by post', 'consent.give', 'verified');
    const withdraw = await turnsFor('stop sending me offers by post', 'consent.revoke', 'verified');
    assert.ok(withdraw <= give, `withdraw took ${withdraw} turns, give ${give}`);
    assert.ok((await turnsFor('stop sending me offers by post', 'consent.revoke')) <= 3, 'from anonymous, withdrawing takes at most 3 turns');
  });

  for (const locale of SHIPPED_LOCALES) {
    describe(`cancel midway records nothing (${locale})`, () => {
      let t: Translator;
      before(() => {
        t = readTexts(world.dialogs.translations, locale);
      });

      it('at the identity question', async () => {
        const customer = await registerCustomer(world);
        const ledgerBefore = await ledgerFootprint(world.ledger);
        const conversation = consentConversation(world, locale, { intents: { [STOP_SMS[locale]]: 'consent.revoke' } });
        await conversation.say(STOP_SMS[locale]);
        const replies = await conversation.say(keyword(world.dialogs, locale, 'cancel'));
        assert.ok(replies[0].startsWith(t.t('cancel.done')), replies[0]);
        assert.deepEqual(await newEvents(world, customer), []);
        assert.deepEqual(await ledgerFootprint(world.ledger), ledgerBefore);
      });

      it('at the channel question', async () => {
        const customer = await registerCustomer(world);
        const ledgerBefore = await ledgerFootprint(world.ledger);
        const conversation = consentConversation(world, locale, { intents: { [STOP_OFFERS[locale]]: 'consent.revoke' }, held: heldBy(customer, 'identified') });
        await conversation.say(STOP_OFFERS[locale]);
        const replies = await conversation.say(keyword(world.dialogs, locale, 'cancel'));
        assert.ok(replies[0].startsWith(t.t('cancel.done')), replies[0]);
        assert.deepEqual(await newEvents(world, customer), []);
        assert.deepEqual(await ledgerFootprint(world.ledger), ledgerBefore);
      });

      it('at the confirmation', async () => {
        const customer = await registerCustomer(world);
        const ledgerBefore = await ledgerFootprint(world.ledger);
        const conversation = consentConversation(world, locale, { intents: { [STOP_SMS[locale]]: 'consent.revoke' }, held: heldBy(customer, 'identified') });
        await conversation.say(STOP_SMS[locale]);
        const replies = await conversation.say(keyword(world.dialogs, locale, 'cancel'));
        assert.ok(replies[0].startsWith(t.t('cancel.done')), replies[0]);
        assert.deepEqual(await newEvents(world, customer), []);
        assert.deepEqual(await ledgerFootprint(world.ledger), ledgerBefore);
      });
    });
  }

  describe('check and history, behind the verification gate', () => {

    for (const locale of SHIPPED_LOCALES) {
      it(`${locale}: an identified (not verified) customer is queued for a person first, and sees nothing yet`, async () => {
        const customer = await registerCustomer(world);
        const t = readTexts(world.dialogs.translations, locale);
        const conversation = consentConversation(world, locale, { intents: { [CHECK[locale]]: 'consent.check' } });
        assert.deepEqual(await conversation.say(CHECK[locale]), [t.t('identity.prompt')]);
        assert.deepEqual(await conversation.say(customer.email), [t.t('identity.noted', { identifier: customer.masked }), t.t('handoff.queuedForVerification', { position: 1 })]);
        const [ticket] = await conversation.hub.queue();
        assert.equal(ticket.pendingAction, 'consent.view');
      });
    }

    it('en: a verified customer sees every purpose and channel, with when, where and which notice, in their time zone (card with text fallback)', async () => {
      const customer = await registerCustomer(world);
      const conversation = consentConversation(world, 'en', { intents: { [CHECK.en]: 'consent.check' }, held: heldBy(customer, 'verified'), localTimezone: 'Europe/London' });
      const [reply] = await conversation.sayForActivities(CHECK.en);
      const card = reply.attachments?.[0];
      assert.equal(card?.contentType, 'application/vnd.microsoft.card.adaptive');
      const content = card?.content as { fallbackText: string; body: { type: string; facts?: { title: string; value: string }[] }[] };
      const text = content.fallbackText;
      assert.match(text, /^Here's what you've agreed to, per purpose and channel \(times in Europe\/London\):/);
      assert.ok(text.includes('**Offers and promotions**\n- Email: agreed (since Sunday, March 15, 2026 at 10:30 AM GMT, recorded in our systems, privacy notice version 2026-03)\n- SMS: agreed (since Sunday, March 15, 2026 at 10:30 AM GMT'), text);
      assert.ok(text.includes('\n- Post: never asked\n'), text);
      assert.ok(!text.includes('Service messages'), 'contract-based purposes are not consents');
      assert.ok(reply.suggestedActions?.actions.some((action) => action.title === 'Withdraw a consent'), 'what to do next is one click away');
      // One container per consent-based purpose, one wrapping text per channel: no fact sets or columns, whose narrow label column breaks words.
      const sections = content.body.filter((block) => block.type === 'Container') as unknown as { items: { type: string; text: string; wrap?: boolean }[] }[];
      assert.equal(sections.length, 4, 'one section per consent-based purpose');
      assert.ok(!JSON.stringify(content.body).includes('FactSet') && !JSON.stringify(content.body).includes('ColumnSet'));
      assert.deepEqual(sections[1].items.map((item) => [item.type, item.wrap]), Array(6).fill(['TextBlock', true]), 'the heading, then one row per channel');
      assert.match(sections[1].items[2].text, /^\*\*SMS\*\*: agreed \(since Sunday, March 15, 2026 at 10:30/);
    });

    it('it: after a withdrawal in chat the overview says when and where it happened', async () => {
      const customer = await registerCustomer(world);
      const stop = 'Non mandatemi più offerte via SMS';
      const conversation = consentConversation(world, 'it', { intents: { [stop]: 'consent.revoke', [CHECK.it]: 'consent.check' }, held: heldBy(customer, 'verified'), localTimezone: 'Europe/Rome' });
      await conversation.say(stop);
      await conversation.say('sì');
      const [overview] = await conversation.say(CHECK.it);
      assert.match(overview, /SMS: consenso revocato \(da (?:lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica) .+, nella chat del sito, informativa privacy versione 2026-03\)/);
      assert.match(overview, /Email: consenso dato \(da domenica 15 marzo 2026 alle ore 11:30 CET, registrato nei nostri sistemi/i);
    });

    it('en: "when did I agree to the newsletter?" gets that consent’s history', async () => {
      const customer = await registerCustomer(world);
      const when = 'When did I agree to the newsletter?';
      const conversation = consentConversation(world, 'en', { intents: { [when]: 'consent.check' }, held: heldBy(customer, 'verified'), localTimezone: 'America/New_York' });
      const [history] = await conversation.say(when);
      assert.equal(history, "Here's every choice on record about our newsletter (times in America/New_York):\n\n- Sunday, March 15, 2026 at 6:30 AM EDT: agreed for email, recorded in our systems, privacy notice version 2026-03");
    });

    it('it: the history of a purpose never asked says so', async () => {
      const customer = await registerCustomer(world);
      const when = 'Quando ho acconsentito alla profilazione?';
      const conversation = consentConversation(world, 'it', { intents: { [when]: 'consent.check' }, held: heldBy(customer, 'verified') });
      assert.deepEqual(await conversation.say(when), ['Non risulta alcuna scelta registrata per i consigli personalizzati: non le abbiamo mai chiesto il consenso.']);
    });
  });

  it('Teams: a signed-in user whose account is linked sees the card at once, and a withdrawal there is recorded as collected in Teams', async () => {
    const en = world.dialogs.translations.for('en');
    const aad = randomUUID();
    const customer = await registerCustomer(world, aad);
    const stop = 'Stop texting me offers';
    const conversation = consentConversation(world, 'en', { intents: { [CHECK_EN]: 'consent.check', [stop]: 'consent.revoke' }, teamsUser: aad });
    const [overview] = await conversation.sayForActivities(CHECK_EN);
    assert.equal(overview.attachments?.[0]?.contentType, 'application/vnd.microsoft.card.adaptive', 'verified by the channel: no question asked');
    assert.deepEqual(await conversation.say(stop), ['Stop offers and promotions by SMS; keep email?']);
    assert.match((await conversation.say('yes'))[0], DONE_WITHDRAWN.en(en));
    const events = await newEvents(world, customer);
    assert.deepEqual(
      events.map((e) => [e.purposeId, e.channel, e.state, e.collectionMethod]),
      [['marketing_offers', 'sms', 'withdrawn', 'teams']],
    );
    assert.match(events[0].conversationId ?? '', /^a:personal-/);
  });

  it('the confirmation links a receipt that is stored, signed and names the change', async () => {
    const en = world.dialogs.translations.for('en');
    const customer = await registerCustomer(world);
    const conversation = consentConversation(world, 'en', { intents: { 'Stop texting me offers': 'consent.revoke' }, held: heldBy(customer, 'identified') });
    await conversation.say('Stop texting me offers');
    const [done] = await conversation.say('yes');
    const url = DONE_WITHDRAWN.en(en).exec(done)?.[3] ?? '';
    assert.ok(url.startsWith(`${PUBLIC_BASE_URL}/receipts/`), done);
    const stored = await world.receipts.findByToken(url.slice(`${PUBLIC_BASE_URL}/receipts/`.length));
    assert.ok(stored, 'the link finds the receipt');
    assert.equal(stored.receiptId, DONE_WITHDRAWN.en(en).exec(done)?.[2]);
    assert.equal(stored.subjectId, customer.subjectId);
  });

  it('the confirmation question offers Yes and No as buttons', async () => {
    const customer = await registerCustomer(world);
    const conversation = consentConversation(world, 'en', { intents: { 'Stop texting me offers': 'consent.revoke' }, held: heldBy(customer, 'identified') });
    const replies: Partial<Activity>[] = await conversation.sayForActivities('Stop texting me offers');
    assert.deepEqual(
      replies[0].suggestedActions?.actions.map((a) => a.title),
      ['Yes', 'No'],
    );
  });
});
