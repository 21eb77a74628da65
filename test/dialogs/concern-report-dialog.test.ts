import assert from 'node:assert/strict';
import { ConversationState, MemoryStorage } from 'botbuilder';
import { ReplyRoute, dataQuestion, receivedText } from '../../dialogs/concern-presentation';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import type { Translator } from '../../src/i18n/translator';
import { IntentName } from '../../src/nlu/intents';
import { CONCERN_TEXT_LIMIT, NewConcern } from '../../src/privacy/concerns/concern-types';
import { LogCapture } from '../support/test-app';
import { concernConversation } from './concern-support';
import { TestCustomer, heldBy, registerCustomer, useConsentWorld } from './consent-support';
import { actionTitles, plainSpaces, readTexts } from './dialog-harness';
import { TEST_CATEGORIES } from './fake-access-requests';
import { FakeConcerns } from './fake-concerns';
import { matches } from './reply-matches';

/**
 * "I want to report a data breach" as tables of turns, over an in-memory concern service. The
 * fake's clock stands at Monday, March 16, 2026, 11:00 in Rome, where the customer's client says
 * they are: "yesterday" and "ieri" are Sunday the 15th, whose day starts at 2026-03-14T23:00Z.
 */

const REFERENCE = /CNC-2026-[0-9A-HJKMNP-TV-Z]{6}-[0-9A-HJKMNP-TV-Z]/;
const ASK: Record<ShippedLocale, string> = {
  en: 'I want to report a data breach',
  it: 'voglio segnalare un problema sulla privacy',
  de: 'Ich möchte ein Datenleck melden',
  fr: 'Je voudrais signaler un problème de confidentialité',
  es: 'Quiero denunciar una filtración de datos',
  pt: 'Quero relatar um problema de privacidade',
  nl: 'Ik wil een datalek melden',
};
/** Whether `ASK` names no topic, so the topic is asked next (a breach named there is taken at once). */
const TOPIC_ASKED: Record<ShippedLocale, boolean> = { en: false, it: true, de: false, fr: true, es: false, pt: true, nl: false };
/** What happened, in the customer's words: a suspected breach. */
const HACKED: Record<ShippedLocale, string> = {
  en: 'My account was hacked.',
  it: 'Mi hanno hackerato l’account.',
  de: 'Mein Konto wurde gehackt.',
  fr: 'Mon compte a été piraté.',
  es: 'Me han hackeado la cuenta.',
  pt: 'Minha conta foi hackeada.',
  nl: 'Mijn account is gehackt.',
};
/** What happened, told in a group chat. */
const POSTED_IN_GROUP: Record<ShippedLocale, string> = {
  en: 'Someone posted my order in this group.',
  it: 'Qualcuno ha pubblicato il mio ordine in questo gruppo.',
  de: 'Jemand hat meine Bestellung in dieser Gruppe gepostet.',
  fr: "Quelqu'un a publié ma commande dans ce groupe.",
  es: 'Alguien ha publicado mi pedido en este grupo.',
  pt: 'Alguém publicou o meu pedido neste grupo.',
  nl: 'Iemand heeft mijn bestelling in deze groep gezet.',
};

interface Said {
  readonly t: Translator;
  readonly customer: TestCustomer;
}

/** The first question, after the introduction. */
const first = (t: Translator, key: string): string => `${t.t('concern.intro')}\n\n${t.t(key)}`;
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The confirmation with its reference (any), what happens next and, for a breach, the urgency and the offer of a person. */
function confirmation(t: Translator, route: ReplyRoute, breach: boolean): RegExp {
  const text = receivedText('@REF@', route, breach, t) + (breach && route !== 'shared' ? ` ${t.t('concern.breach.offer')}` : '');
  return new RegExp(`^${escape(text).replace('@REF@', REFERENCE.source)}$`);
}

interface Turn {
  readonly say: string | ((s: Said) => string);
  readonly expect: (s: Said) => readonly (string | RegExp)[];
}

/** The one report the conversation made: the fields a test pins (the rest are checked for every case). */
type ExpectedReport = Pick<NewConcern, 'topic' | 'occurred' | 'dataCategories' | 'dataPhrase' | 'contact'> & { readonly description: string; readonly subject: 'none' | 'customer' };

interface ReportCase {
  readonly name: string;
  readonly locale: ShippedLocale;
  /** A customer on file whose session is already at this level. */
  readonly held?: 'identified' | 'verified';
  readonly turns: readonly Turn[];
  readonly report: ExpectedReport | ((s: Said) => ExpectedReport);
}

const at = (iso: string | null, phrase: string) => ({ at: iso === null ? null : new Date(iso), phrase });
const SUNDAY_ROME = '2026-03-14T23:00:00.000Z';
const LONG_TEXT = 'The letter you sent me had the name, address and order history of another customer on it. '.repeat(60);
const HTML = '<script>alert("x")</script><img src=x onerror=alert(1)> <b>someone</b> used my account';

const CASES: readonly ReportCase[] = [
  {
    name: 'the issue’s words: a breach is read from the first message; what happened, when ("yesterday evening"), which data (named categories and the words), no reply: anonymous, and a person is offered',
    locale: 'en',
    turns: [
      { say: ASK.en, expect: ({ t }) => [first(t, 'concern.ask.description')] },
      { say: 'Someone logged into my account and changed my delivery address.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'yesterday evening', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: 'my orders and my address', expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'No, thank you', expect: ({ t }) => [confirmation(t, 'none', true)] },
      { say: 'No, thank you', expect: ({ t }) => [t.t('concern.breach.declined')] },
    ],
    report: {
      topic: 'breach',
      description: 'Someone logged into my account and changed my delivery address.',
      occurred: at(SUNDAY_ROME, 'yesterday evening'),
      dataCategories: ['identity', 'orders'],
      dataPhrase: 'my orders and my address',
      contact: null,
      subject: 'none',
    },
  },
  {
    name: '"I think my data was leaked" is a suspected breach too',
    locale: 'en',
    turns: [
      { say: 'I think my data was leaked', expect: ({ t }) => [first(t, 'concern.ask.description')] },
      { say: 'My email address is on a list of leaked accounts.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'I noticed it yesterday at 3pm', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: "I'm not sure", expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'no', expect: ({ t }) => [confirmation(t, 'none', true)] },
    ],
    report: { topic: 'breach', description: 'My email address is on a list of leaked accounts.', occurred: at('2026-03-15T14:00:00.000Z', 'I noticed it yesterday at 3pm'), dataCategories: [], dataPhrase: null, contact: null, subject: 'none' },
  },
  {
    name: 'the issue’s words: no topic in the first message, so it is asked with four buttons; how we use data; "ieri sera"; "Non lo so" for the data; no reply and no person offered',
    locale: 'it',
    turns: [
      { say: ASK.it, expect: ({ t }) => [first(t, 'concern.ask.topic')] },
      { say: 'Come usate i miei dati', expect: ({ t }) => [t.t('concern.ask.description')] },
      { say: 'Ricevo ancora offerte per sms anche se ho revocato il consenso.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'ieri sera', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: 'Non lo so', expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'No, grazie', expect: ({ t }) => [confirmation(t, 'none', false)] },
    ],
    report: { topic: 'use', description: 'Ricevo ancora offerte per sms anche se ho revocato il consenso.', occurred: at(SUNDAY_ROME, 'ieri sera'), dataCategories: [], dataPhrase: null, contact: null, subject: 'none' },
  },
  {
    name: 'the menu button; an answer we gave, typed in words; "last Tuesday"',
    locale: 'en',
    turns: [
      { say: 'Report a concern', expect: ({ t }) => [first(t, 'concern.ask.topic')] },
      { say: 'it is about the answer you sent me', expect: ({ t }) => [t.t('concern.ask.description')] },
      { say: 'You refused my request for a copy without saying why.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'last Tuesday', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: 'all of it', expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'no', expect: ({ t }) => [confirmation(t, 'none', false)] },
    ],
    report: { topic: 'answer', description: 'You refused my request for a copy without saying why.', occurred: at('2026-03-09T23:00:00.000Z', 'last Tuesday'), dataCategories: [], dataPhrase: 'all of it', contact: null, subject: 'none' },
  },
  {
    name: 'something else, by its button; "il 3 marzo"; the data named in Italian words',
    locale: 'it',
    turns: [
      { say: 'Segnala un problema', expect: ({ t }) => [first(t, 'concern.ask.topic')] },
      { say: "Qualcos'altro", expect: ({ t }) => [t.t('concern.ask.description')] },
      { say: 'In negozio il commesso ha letto ad alta voce il mio indirizzo.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'il 3 marzo', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: 'il mio indirizzo', expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'no', expect: ({ t }) => [confirmation(t, 'none', false)] },
    ],
    report: { topic: 'other', description: 'In negozio il commesso ha letto ad alta voce il mio indirizzo.', occurred: at('2026-03-02T23:00:00.000Z', 'il 3 marzo'), dataCategories: ['identity'], dataPhrase: 'il mio indirizzo', contact: null, subject: 'none' },
  },
  {
    name: 'a date it cannot read is kept as the customer’s words, with no instant',
    locale: 'en',
    turns: [
      { say: 'Report a concern', expect: ({ t }) => [first(t, 'concern.ask.topic')] },
      { say: 'Something else', expect: ({ t }) => [t.t('concern.ask.description')] },
      { say: 'Your staff talked about my account in the shop.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'a while ago, around the time of the sales', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: "I'm not sure", expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'no', expect: ({ t }) => [confirmation(t, 'none', false)] },
    ],
    report: { topic: 'other', description: 'Your staff talked about my account in the shop.', occurred: at(null, 'a while ago, around the time of the sales'), dataCategories: [], dataPhrase: null, contact: null, subject: 'none' },
  },
  {
    name: '"tomorrow" for when it happened is asked again politely; "today" is taken',
    locale: 'en',
    turns: [
      { say: ASK.en, expect: ({ t }) => [first(t, 'concern.ask.description')] },
      { say: 'Someone placed orders with my account.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'tomorrow', expect: ({ t }) => [t.t('concern.retry.when')] },
      { say: 'today', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: 'my orders', expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'no', expect: ({ t }) => [confirmation(t, 'none', true)] },
    ],
    report: { topic: 'breach', description: 'Someone placed orders with my account.', occurred: at('2026-03-15T23:00:00.000Z', 'today'), dataCategories: ['orders'], dataPhrase: 'my orders', contact: null, subject: 'none' },
  },
  {
    name: '"domani" is asked again; "l\'altro ieri" (which chrono alone reads as "ieri") is the day before yesterday; "I\'m not sure" in Italian means no date',
    locale: 'it',
    turns: [
      { say: 'mi hanno rubato i dati', expect: ({ t }) => [first(t, 'concern.ask.description')] },
      { say: 'Qualcuno ha usato la mia carta fedeltà.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'domani', expect: ({ t }) => [t.t('concern.retry.when')] },
      { say: "l'altro ieri", expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: 'i miei ordini', expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'no', expect: ({ t }) => [confirmation(t, 'none', true)] },
    ],
    report: { topic: 'breach', description: 'Qualcuno ha usato la mia carta fedeltà.', occurred: at('2026-03-13T23:00:00.000Z', "l'altro ieri"), dataCategories: ['orders'], dataPhrase: 'i miei ordini', contact: null, subject: 'none' },
  },
  {
    name: 'a first message that says it all (what, when, which data) leaves only the question of a reply',
    locale: 'en',
    turns: [
      { say: 'Yesterday I received a letter meant for someone else, listing my orders and their address', expect: ({ t }) => [first(t, 'concern.ask.reply')] },
      { say: 'no', expect: ({ t }) => [confirmation(t, 'none', true)] },
    ],
    report: {
      topic: 'breach',
      description: 'Yesterday I received a letter meant for someone else, listing my orders and their address',
      occurred: at(SUNDAY_ROME, 'Yesterday'),
      dataCategories: ['orders'],
      dataPhrase: null,
      contact: null,
      subject: 'none',
    },
  },
  {
    name: 'a short request is read for its topic and date only, not for data: "which data?" is still asked',
    locale: 'en',
    turns: [
      { say: 'my email address was leaked yesterday', expect: ({ t }) => [first(t, 'concern.ask.description')] },
      { say: 'It is in a list of stolen accounts online.', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: 'my email address', expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'no', expect: ({ t }) => [confirmation(t, 'none', true)] },
    ],
    report: { topic: 'breach', description: 'It is in a list of stolen accounts online.', occurred: at(SUNDAY_ROME, 'yesterday'), dataCategories: ['identity'], dataPhrase: 'my email address', contact: null, subject: 'none' },
  },
  {
    name: 'anonymous with a reply wanted: a customer number is no contact; an email address not on file is noted and kept as the contact, nobody matched',
    locale: 'en',
    turns: [
      { say: 'Report a concern', expect: ({ t }) => [first(t, 'concern.ask.topic')] },
      { say: 'How you use my data', expect: ({ t }) => [t.t('concern.ask.description')] },
      { say: 'You keep calling me although I said no.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: "I'm not sure", expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: 'my phone number', expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'Yes, please', expect: ({ t }) => [t.t('concern.ask.contact')] },
      { say: 'CUST-100001', expect: ({ t }) => [t.t('concern.retry.contact')] },
      { say: 'write to me at stranger.concern@example.com', expect: ({ t }) => [t.t('identity.noted', { identifier: 's***@example.com' }), confirmation(t, 'contact', false)] },
    ],
    report: { topic: 'use', description: 'You keep calling me although I said no.', occurred: null, dataCategories: [], dataPhrase: 'my phone number', contact: 'stranger.concern@example.com', subject: 'none' },
  },
  {
    name: 'a reply wanted, and the email typed is a customer’s on file: the report is theirs (a reply about their own data), and the customer hears the same "noted"',
    locale: 'it',
    turns: [
      { say: ASK.it, expect: ({ t }) => [first(t, 'concern.ask.topic')] },
      { say: 'Una risposta che ho ricevuto da voi', expect: ({ t }) => [t.t('concern.ask.description')] },
      { say: 'Mi avete risposto che non avete dati su di me, ma ricevo le vostre email.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'lunedì scorso', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: 'Non lo so', expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'Sì, grazie', expect: ({ t }) => [t.t('concern.ask.contact')] },
      { say: ({ customer }) => customer.email, expect: ({ t, customer }) => [t.t('identity.noted', { identifier: customer.masked }), confirmation(t, 'contact', false)] },
    ],
    report: ({ customer }) => ({
      topic: 'answer',
      description: 'Mi avete risposto che non avete dati su di me, ma ricevo le vostre email.',
      occurred: at('2026-03-08T23:00:00.000Z', 'lunedì scorso'),
      dataCategories: [],
      dataPhrase: null,
      contact: customer.email,
      subject: 'customer',
    }),
  },
  {
    name: 'a verified customer who wants a reply is asked nothing about who they are: the report is theirs, the reply comes here or to the contact on file',
    locale: 'en',
    held: 'verified',
    turns: [
      { say: ASK.en, expect: ({ t }) => [first(t, 'concern.ask.description')] },
      { say: 'My account shows an order I never made.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'on March 3', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: 'my order history', expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'Yes, please', expect: ({ t }) => [confirmation(t, 'onFile', true)] },
    ],
    report: { topic: 'breach', description: 'My account shows an order I never made.', occurred: at('2026-03-02T23:00:00.000Z', 'on March 3'), dataCategories: ['orders'], dataPhrase: 'my order history', contact: null, subject: 'customer' },
  },
  {
    name: 'an identified customer who wants no reply: the report is still theirs (the session knows them), and they are told nobody will contact them',
    locale: 'it',
    held: 'identified',
    turns: [
      { say: ASK.it, expect: ({ t }) => [first(t, 'concern.ask.topic')] },
      { say: 'una sospetta violazione dei miei dati', expect: ({ t }) => [t.t('concern.ask.description')] },
      { say: 'Ho ricevuto una mail di phishing con il mio numero cliente.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'ieri', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: 'recapiti', expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'No, grazie', expect: ({ t }) => [confirmation(t, 'none', true)] },
    ],
    report: { topic: 'breach', description: 'Ho ricevuto una mail di phishing con il mio numero cliente.', occurred: at(SUNDAY_ROME, 'ieri'), dataCategories: ['identity'], dataPhrase: 'recapiti', contact: null, subject: 'customer' },
  },
  {
    name: 'a text over the limit is cut there and the customer is told so before the next question',
    locale: 'en',
    turns: [
      { say: ASK.en, expect: ({ t }) => [first(t, 'concern.ask.description')] },
      { say: LONG_TEXT, expect: ({ t }) => [`Your message was very long, so I've kept only its first 4,000 characters.\n\n${t.t('concern.ask.when')}`] },
      { say: 'yesterday', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: "I'm not sure", expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'no', expect: ({ t }) => [confirmation(t, 'none', true)] },
    ],
    report: { topic: 'breach', description: LONG_TEXT.trim().slice(0, CONCERN_TEXT_LIMIT), occurred: at(SUNDAY_ROME, 'yesterday'), dataCategories: [], dataPhrase: null, contact: null, subject: 'none' },
  },
  {
    name: 'the same cut in Italian, told in Italian numbers',
    locale: 'it',
    turns: [
      { say: ASK.it, expect: ({ t }) => [first(t, 'concern.ask.topic')] },
      { say: 'Qualcos’altro', expect: ({ t }) => [t.t('concern.ask.description')] },
      { say: LONG_TEXT, expect: ({ t }) => [`Il suo messaggio era molto lungo: ne ho conservato solo i primi 4000 caratteri.\n\n${t.t('concern.ask.when')}`] },
      { say: 'Non lo so', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: 'Non lo so', expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'no', expect: ({ t }) => [confirmation(t, 'none', false)] },
    ],
    report: { topic: 'other', description: LONG_TEXT.trim().slice(0, CONCERN_TEXT_LIMIT), occurred: null, dataCategories: [], dataPhrase: null, contact: null, subject: 'none' },
  },
  {
    name: 'script and HTML in the text are stored as written and never said back',
    locale: 'en',
    turns: [
      { say: ASK.en, expect: ({ t }) => [first(t, 'concern.ask.description')] },
      { say: HTML, expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'yesterday', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: '<i>orders</i>', expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'no', expect: ({ t }) => [confirmation(t, 'none', true)] },
    ],
    report: { topic: 'breach', description: HTML, occurred: at(SUNDAY_ROME, 'yesterday'), dataCategories: ['orders'], dataPhrase: '<i>orders</i>', contact: null, subject: 'none' },
  },
  {
    name: 'in German: a breach named in the first message; "gestern Abend"; the data in the customer’s words (the test categories have no German words); no reply',
    locale: 'de',
    turns: [
      { say: ASK.de, expect: ({ t }) => [first(t, 'concern.ask.description')] },
      { say: 'Jemand hat sich in mein Kundenkonto eingeloggt und meine Lieferadresse geändert.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'gestern Abend', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: 'meine Adresse und meine Bestellungen', expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'Nein danke', expect: ({ t }) => [confirmation(t, 'none', true)] },
    ],
    report: { topic: 'breach', description: 'Jemand hat sich in mein Kundenkonto eingeloggt und meine Lieferadresse geändert.', occurred: at(SUNDAY_ROME, 'gestern Abend'), dataCategories: [], dataPhrase: 'meine Adresse und meine Bestellungen', contact: null, subject: 'none' },
  },
  {
    name: 'in French: no topic in the first message, so it is asked; how we use data, typed; "mardi dernier"; "not sure" for the data',
    locale: 'fr',
    turns: [
      { say: ASK.fr, expect: ({ t }) => [first(t, 'concern.ask.topic')] },
      { say: "C'est sur l'utilisation de mes données", expect: ({ t }) => [t.t('concern.ask.description')] },
      { say: 'Je reçois toujours des offres par SMS alors que j’ai retiré mon consentement.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'mardi dernier', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: ({ t }) => t.t('concern.notSure'), expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'Non merci', expect: ({ t }) => [confirmation(t, 'none', false)] },
    ],
    report: { topic: 'use', description: 'Je reçois toujours des offres par SMS alors que j’ai retiré mon consentement.', occurred: at('2026-03-09T23:00:00.000Z', 'mardi dernier'), dataCategories: [], dataPhrase: null, contact: null, subject: 'none' },
  },
  {
    name: 'in Spanish: a breach named in the first message; "el 3 de marzo"; the data in the customer’s words',
    locale: 'es',
    turns: [
      { say: ASK.es, expect: ({ t }) => [first(t, 'concern.ask.description')] },
      { say: 'Recibí una carta con los pedidos de otro cliente.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'el 3 de marzo', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: 'sus pedidos y su dirección', expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'No, gracias', expect: ({ t }) => [confirmation(t, 'none', true)] },
    ],
    report: { topic: 'breach', description: 'Recibí una carta con los pedidos de otro cliente.', occurred: at('2026-03-02T23:00:00.000Z', 'el 3 de marzo'), dataCategories: [], dataPhrase: 'sus pedidos y su dirección', contact: null, subject: 'none' },
  },
  {
    name: 'in Portuguese: no topic in the first message; something else, typed; "ontem à noite"; "not sure" for the data',
    locale: 'pt',
    turns: [
      { say: ASK.pt, expect: ({ t }) => [first(t, 'concern.ask.topic')] },
      { say: 'Outro assunto', expect: ({ t }) => [t.t('concern.ask.description')] },
      { say: 'Na loja, o atendente leu o meu endereço em voz alta.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'ontem à noite', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: ({ t }) => t.t('concern.notSure'), expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'Não, obrigado', expect: ({ t }) => [confirmation(t, 'none', false)] },
    ],
    report: { topic: 'other', description: 'Na loja, o atendente leu o meu endereço em voz alta.', occurred: at(SUNDAY_ROME, 'ontem à noite'), dataCategories: [], dataPhrase: null, contact: null, subject: 'none' },
  },
  {
    name: 'in Dutch: a breach named in the first message; "afgelopen dinsdag"; "not sure" for the data',
    locale: 'nl',
    turns: [
      { say: ASK.nl, expect: ({ t }) => [first(t, 'concern.ask.description')] },
      { say: 'Iemand heeft met mijn account bestellingen geplaatst.', expect: ({ t }) => [t.t('concern.ask.when')] },
      { say: 'afgelopen dinsdag', expect: ({ t }) => [dataQuestion(TEST_CATEGORIES, t)] },
      { say: ({ t }) => t.t('concern.notSure'), expect: ({ t }) => [t.t('concern.ask.reply')] },
      { say: 'Nee, dank je', expect: ({ t }) => [confirmation(t, 'none', true)] },
    ],
    report: { topic: 'breach', description: 'Iemand heeft met mijn account bestellingen geplaatst.', occurred: at('2026-03-09T23:00:00.000Z', 'afgelopen dinsdag'), dataCategories: [], dataPhrase: null, contact: null, subject: 'none' },
  },
];

describe('concern report dialog', function () {
  this.timeout(60_000);
  const world = useConsentWorld();

  function intentsFor(c: ReportCase): Record<string, IntentName> {
    const opening = c.turns[0].say;
    return typeof opening === 'string' ? { [opening]: 'concern.report' } : {};
  }

  describe('as tables of turns; the service receives exactly the expected report', () => {
    for (const c of CASES) {
      it(`${c.locale}: ${c.name}`, async () => {
        const customer = await registerCustomer(world);
        const t = readTexts(world.dialogs.translations, c.locale);
        const said: Said = { t, customer };
        const concerns = new FakeConcerns();
        const conversation = concernConversation(world, c.locale, { concerns, intents: intentsFor(c), ...(c.held ? { held: heldBy(customer, c.held) } : {}) });
        const everything: string[] = [];
        for (const [index, turn] of c.turns.entries()) {
          const text = typeof turn.say === 'string' ? turn.say : turn.say(said);
          const replies = await conversation.say(text);
          everything.push(...replies);
          matches(replies, turn.expect(said), `turn ${index + 1} "${text.slice(0, 60)}"`);
        }
        assert.equal(concerns.calls.length, 1, 'one report');
        const [{ input, context }] = concerns.calls;
        const want = typeof c.report === 'function' ? c.report(said) : c.report;
        const subjectId = want.subject === 'customer' ? customer.subjectId : null;
        assert.deepEqual(
          { topic: input.topic, description: input.description, occurred: input.occurred, dataCategories: input.dataCategories, dataPhrase: input.dataPhrase, contact: input.contact, subjectId: input.subjectId },
          { topic: want.topic, description: want.description, occurred: want.occurred, dataCategories: want.dataCategories, dataPhrase: want.dataPhrase, contact: want.contact, subjectId },
        );
        assert.equal(input.channel, 'webchat', 'our web chat, whatever the channel id of the test adapter');
        assert.equal(input.locale, c.locale);
        assert.equal(input.timeZone, 'Europe/Rome');
        assert.match(String((input.conversation?.reference as { conversation?: { id?: string } } | undefined)?.conversation?.id), /^concern-test-/, 'the stored conversation, for a reply in the chat');
        assert.equal(context.actor, subjectId ? `customer:${subjectId}` : 'customer:anonymous');
        assert.match(context.idempotencyKey ?? '', /^chat:concern-test-[\w-]+:.+$/);
        // Nothing the customer wrote comes back: not the account, not markup.
        for (const reply of everything) {
          assert.ok(!reply.includes(want.description.slice(0, 40)), `the description is never echoed: ${reply.slice(0, 80)}`);
          assert.ok(!/<(script|img|b|i)\b/i.test(reply), `no markup from the customer: ${reply.slice(0, 80)}`);
        }
      });
    }
  });

  it('en: the confirmation in the words a customer reads, with the topic buttons before it', async () => {
    const concerns = new FakeConcerns();
    const conversation = concernConversation(world, 'en', { concerns, intents: { 'Report a concern': 'concern.report' } });
    const [topics] = await conversation.sayForActivities('Report a concern');
    assert.deepEqual(actionTitles(topics), ['A suspected breach of my data', 'How you use my data', 'An answer I got from you', 'Something else']);
    await conversation.say('A suspected breach of my data');
    await conversation.say('Someone read my messages.');
    const [when] = await conversation.sayForActivities('yesterday');
    assert.equal(when.text, 'Which of your data is it about? For example: Identity and contact details, Orders, Support tickets, and Consents. You can also describe it in your own words.');
    assert.deepEqual(actionTitles(when), ["I'm not sure"]);
    const [reply] = await conversation.sayForActivities("I'm not sure");
    assert.deepEqual(actionTitles(reply), ['Yes, please', 'No, thank you']);
    const [done] = await conversation.sayForActivities('No, thank you');
    assert.match(
      String(done.text),
      new RegExp(
        `^Thank you for telling us\\. Your report is now with our privacy team\\. Your reference is ${REFERENCE.source}; please keep it\\.\\n\\nThey'll look into it\\. As you didn't ask for a reply, they won't contact you about it; to add something, just report again and mention your reference\\. I can't say yet what the outcome will be, but a person from our privacy team will read your report\\.\\n\\nBecause this may be a breach of your data, I've marked your report as urgent for our privacy team\\. If you'd like, you can also talk to a colleague from the team now: shall I put you through\\?$`,
      ),
    );
    assert.deepEqual(actionTitles(done), ['Yes, talk to a person', 'No, thank you']);
    assert.ok(String(done.text).includes(concerns.recorded[0].reference), 'the reference the service gave');
  });

  it('it: the confirmation in the words a customer reads, and the menu after it', async () => {
    const concerns = new FakeConcerns();
    const conversation = concernConversation(world, 'it', { concerns, intents: { [ASK.it]: 'concern.report' } });
    const [topics] = await conversation.sayForActivities(ASK.it);
    assert.deepEqual(actionTitles(topics), ['Una sospetta violazione dei miei dati', 'Come usate i miei dati', 'Una risposta che ho ricevuto da voi', "Qualcos'altro"]);
    await conversation.say('Come usate i miei dati');
    await conversation.say('Mi mandate pubblicità che non ho chiesto.');
    await conversation.say('il 3 marzo');
    await conversation.say('Non lo so');
    const [done] = await conversation.sayForActivities('No, grazie');
    assert.match(
      String(done.text),
      new RegExp(
        `^Grazie per avercelo segnalato\\. La sua segnalazione è ora al nostro team privacy\\. Il riferimento è ${REFERENCE.source}: lo conservi\\.\\n\\nLa esamineranno\\. Poiché non ha chiesto una risposta, non la contatteranno; per aggiungere qualcosa, faccia una nuova segnalazione indicando il riferimento\\. Non posso ancora dirle quale sarà l'esito, ma una persona del nostro team privacy leggerà la sua segnalazione\\.$`,
      ),
    );
    assert.ok(actionTitles(done).includes('Segnala un problema'), JSON.stringify(actionTitles(done)));
  });

  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: a suspected breach offers a person now; "yes" queues a handoff whose reason the agents see as a breach`, async () => {
      const t = readTexts(world.dialogs.translations, locale);
      const concerns = new FakeConcerns();
      const conversation = concernConversation(world, locale, { concerns, intents: { [ASK[locale]]: 'concern.report' } });
      await conversation.say(ASK[locale]);
      if (TOPIC_ASKED[locale]) await conversation.say(t.t('concern.topic.breach'));
      await conversation.say(HACKED[locale]);
      await conversation.say(t.t('concern.notSure'));
      await conversation.say(t.t('concern.notSure'));
      const [offer] = await conversation.say(t.t('concern.reply.no'));
      assert.match(offer, confirmation(t, 'none', true));
      assert.equal((await conversation.hub.queue()).length, 0, 'nobody queued before the customer says yes');
      assert.deepEqual(await conversation.say(t.t('concern.breach.yes')), [t.t('handoff.queued', { position: 1 })]);
      const queue = await conversation.hub.queue();
      assert.equal(queue.length, 1);
      assert.equal(queue[0].reason, 'breach');
      assert.equal(queue[0].locale, locale);
      assert.equal(concerns.calls.length, 1, 'the report was made once, before the offer');
    });
  }

  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: the ledger is down at the last answer: an apology with an error id, no reference, nothing claimed; the log has the id, not the text`, async () => {
      const t = readTexts(world.dialogs.translations, locale);
      const concerns = new FakeConcerns();
      concerns.failing = new Error('connect ECONNREFUSED 127.0.0.1:5432 for reporter@example.com');
      const logs = new LogCapture();
      const conversation = concernConversation(world, locale, { concerns, intents: { [ASK[locale]]: 'concern.report' }, logs });
      await conversation.say(ASK[locale]);
      if (TOPIC_ASKED[locale]) await conversation.say(t.t('concern.topic.other'));
      await conversation.say('reporter@example.com got a letter meant for someone else');
      await conversation.say(t.t('concern.notSure'));
      await conversation.say(t.t('concern.notSure'));
      const [reply] = await conversation.say(t.t('concern.reply.no'));
      const errorId = /([0-9a-f]{8})\.$/.exec(reply)?.[1];
      assert.ok(errorId, reply);
      assert.equal(reply, t.t('concern.failed', { errorId }));
      assert.doesNotMatch(reply, REFERENCE);
      assert.equal(concerns.recorded.length, 0);
      assert.ok(logs.text.includes(errorId), 'the error id the customer got is in the log');
      assert.ok(!logs.text.includes('reporter@example.com'), 'no email address in the log');
      assert.ok(!logs.text.includes('letter meant for'), 'not the customer’s text');
    });
  }

  it('a redelivered last answer (the same activity, on the state from before the first one) records one report, and both deliveries tell the same reference', async () => {
    const concerns = new FakeConcerns();
    const memory: Record<string, string> = {};
    const conversation = concernConversation(world, 'en', { concerns, intents: { [ASK.en]: 'concern.report' }, conversationState: new ConversationState(new MemoryStorage(memory)) });
    await conversation.say(ASK.en);
    await conversation.say('Someone used my account.');
    await conversation.say('yesterday');
    await conversation.say('my orders');
    const beforeLast = structuredClone(memory);
    const [first] = await conversation.say('no', { id: 'last-answer-1' });
    // The second delivery runs on the state the first one started from (another instance read it before the first wrote).
    for (const key of Object.keys(memory)) delete memory[key];
    Object.assign(memory, structuredClone(beforeLast));
    const [second] = await conversation.say('no', { id: 'last-answer-1' });
    assert.match(first, REFERENCE);
    assert.equal(second, first, 'the same answer, with the same reference');
    assert.equal(concerns.calls.length, 2, 'both deliveries asked');
    assert.equal(concerns.calls[0].context.idempotencyKey, concerns.calls[1].context.idempotencyKey);
    assert.equal(concerns.recorded.length, 1, 'one report');
  });

  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: in a group conversation no contact details are asked: the report is anonymous, says why, and a breach is marked urgent without a person offered there`, async () => {
      const t = readTexts(world.dialogs.translations, locale);
      const concerns = new FakeConcerns();
      const conversation = concernConversation(world, locale, { concerns, intents: { [ASK[locale]]: 'concern.report' }, group: true });
      await conversation.say(ASK[locale]);
      if (TOPIC_ASKED[locale]) await conversation.say(t.t('concern.topic.breach'));
      await conversation.say(POSTED_IN_GROUP[locale]);
      await conversation.say(t.t('concern.notSure'));
      const [done] = await conversation.sayForActivities(t.t('concern.notSure'));
      assert.match(plainSpaces(String(done.text)), confirmation(t, 'shared', true));
      assert.ok(actionTitles(done).includes(t.t('menu.concernReport')), 'the menu, not an offer of a person');
      assert.equal(concerns.calls.length, 1);
      assert.equal(concerns.calls[0].input.subjectId, null);
      assert.equal(concerns.calls[0].input.contact, null);
      assert.equal(concerns.calls[0].context.actor, 'customer:anonymous');
    });
  }

  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: "cancel" half-way records nothing and offers the menu`, async () => {
      const t = readTexts(world.dialogs.translations, locale);
      const concerns = new FakeConcerns();
      const conversation = concernConversation(world, locale, { concerns, intents: { [ASK[locale]]: 'concern.report' } });
      await conversation.say(ASK[locale]);
      const [cancelled] = await conversation.say(world.dialogs.corpora[locale].keywords.cancel[0]);
      assert.ok(cancelled.startsWith(t.t('cancel.done')), cancelled);
      assert.equal(concerns.calls.length, 0);
    });
  }
});
