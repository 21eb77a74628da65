import assert from 'node:assert/strict';
import { Activity } from 'botbuilder';
import { availableMenu } from '../../dialogs/menu';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translations, Translator } from '../../src/i18n/translator';
import type { OutboxEntry } from '../../src/integrations/messaging/message-outbox';
import { ACTIVITY_LOCALE } from '../dialogs/dialog-harness';
import { conversationIdOf } from '../handoff-bot/handoff-support';
import { conversationUpdateActivity, messageActivity, postActivity, PostResult, uniqueConversationId } from '../support/test-app';
import { addSmsCustomer, ConsentStack, eventsOf, sentencePattern, SmsCustomer, startConsentStack } from './consent-stack';
import { welcomeText } from '../../dialogs/welcome';

const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/**
 * One row per shipped language: what a customer types there, in their own words (the menu labels
 * and every expected reply come from the locale files). Each sentence is one a person would write,
 * so the real classifier of that language is exercised, not a keyword.
 */
interface LanguageRow {
  readonly locale: ShippedLocale;
  readonly greeting: string;
  readonly thanks: string;
  readonly goodbye: string;
  /** "What did I agree to?" */
  readonly check: string;
  /** Stops the newsletter (email only: no channel question). */
  readonly withdraw: string;
  /** Asks for the newsletter. */
  readonly give: string;
  readonly copy: string;
  readonly concern: string;
  /** What happened, for the concern's "in your own words" question. */
  readonly happened: string;
  readonly agent: string;
}

const ROWS: readonly LanguageRow[] = [
  {
    locale: 'en',
    greeting: 'hi',
    thanks: 'thanks',
    goodbye: 'bye',
    check: 'What did I agree to?',
    withdraw: "I don't want your newsletter anymore",
    give: 'I want to receive your newsletter',
    copy: 'Send me a copy of all the data you have about me',
    concern: 'I want to report a problem with how you use my data',
    happened: 'I keep getting adverts although I never signed up for them',
    agent: 'I want to talk to a person',
  },
  {
    locale: 'it',
    greeting: 'ciao',
    thanks: 'grazie',
    goodbye: 'arrivederci',
    check: 'Quali consensi ho dato?',
    withdraw: 'Non voglio più ricevere la newsletter',
    give: 'Vorrei ricevere la vostra newsletter',
    copy: 'Vorrei una copia dei miei dati',
    concern: "Voglio segnalare un problema con l'uso dei miei dati",
    happened: 'Continuo a ricevere pubblicità anche se non mi sono mai iscritto',
    agent: 'Vorrei parlare con una persona',
  },
  {
    locale: 'de',
    greeting: 'hallo',
    thanks: 'danke',
    goodbye: 'tschüss',
    check: 'Welche Einwilligungen habe ich gegeben?',
    withdraw: 'Ich möchte keine Newsletter mehr bekommen',
    give: 'Ich möchte Ihren Newsletter erhalten',
    copy: 'Ich möchte eine Kopie meiner Daten',
    concern: 'Ich möchte ein Problem mit meinen Daten melden',
    happened: 'Ich bekomme ständig Werbung, obwohl ich mich nie angemeldet habe',
    agent: 'Ich möchte mit einem Menschen sprechen',
  },
  {
    locale: 'fr',
    greeting: 'bonjour',
    thanks: 'merci',
    goodbye: 'au revoir',
    check: 'À quoi ai-je donné mon consentement ?',
    withdraw: 'Je ne veux plus recevoir votre newsletter',
    give: 'Je veux recevoir votre newsletter',
    copy: 'Je voudrais une copie de mes données',
    concern: "Je veux signaler un problème avec l'utilisation de mes données",
    happened: "Je reçois sans cesse de la publicité alors que je ne me suis jamais inscrit",
    agent: 'Je veux parler à une personne',
  },
  {
    locale: 'es',
    greeting: 'hola',
    thanks: 'gracias',
    goodbye: 'adiós',
    check: '¿Qué consentimientos he dado?',
    withdraw: 'No quiero recibir más su boletín',
    give: 'Quiero recibir su boletín',
    copy: 'Quiero una copia de mis datos',
    concern: 'Quiero comunicar un problema con el uso de mis datos',
    happened: 'Sigo recibiendo publicidad aunque nunca me suscribí',
    agent: 'Quiero hablar con una persona',
  },
  {
    locale: 'pt',
    greeting: 'olá',
    thanks: 'obrigado',
    goodbye: 'tchau',
    check: 'Quais consentimentos eu dei?',
    withdraw: 'Não quero mais receber a newsletter',
    give: 'Quero receber a newsletter de vocês',
    copy: 'Quero uma cópia dos meus dados',
    concern: 'Quero relatar um problema com o uso dos meus dados',
    happened: 'Continuo recebendo publicidade embora nunca tenha me inscrito',
    agent: 'Quero falar com uma pessoa',
  },
  {
    locale: 'nl',
    greeting: 'hoi',
    thanks: 'bedankt',
    goodbye: 'doei',
    check: 'Waarvoor heb ik toestemming gegeven?',
    withdraw: 'Ik wil de nieuwsbrief niet meer ontvangen',
    give: 'Ik wil graag jullie nieuwsbrief ontvangen',
    copy: 'Ik wil een kopie van mijn gegevens',
    concern: 'Ik wil een probleem met mijn gegevens melden',
    happened: 'Ik krijg steeds reclame terwijl ik me nooit heb aangemeld',
    agent: 'Ik wil met een medewerker praten',
  },
];

/** A reference a customer can read out (`PRV-2026-7KQ4ZD-Q`: prefix, year, six symbols, check symbol). */
const REFERENCE = /\b[A-Z]{3}-\d{4}-[0-9A-Z]{6}-[0-9A-Z]\b/;

/** A customer on an HTTP channel (expectReplies), in one language, in one conversation. */
class Customer {
  readonly conversationId: string;

  constructor(
    private readonly baseUrl: string,
    private readonly locale: ShippedLocale,
    label: string,
  ) {
    this.conversationId = uniqueConversationId(`${label}-${locale}`);
  }

  /** The client opens the chat: the bot greets once. */
  async open(): Promise<PostResult> {
    return this.post(conversationUpdateActivity(this.conversationId, { locale: ACTIVITY_LOCALE[this.locale] }));
  }

  async say(text: string): Promise<PostResult> {
    return this.post(messageActivity(this.conversationId, text, { locale: ACTIVITY_LOCALE[this.locale] }));
  }

  private async post(activity: Partial<Activity>): Promise<PostResult> {
    const result = await postActivity(this.baseUrl, activity);
    assert.equal(result.status, 200, `the bot answered ${result.status}: ${JSON.stringify(result.body)}`);
    return result;
  }
}

const titles = (reply: Partial<Activity> | undefined): string[] => reply?.suggestedActions?.actions.map((action) => action.title) ?? [];
const menuLabels = (t: Translator): string[] => availableMenu().map((entry) => t.t(entry.labelKey));

/** The reply ends with the menu: its labels listed in the text and offered as buttons. */
function assertMenu(reply: Partial<Activity> | undefined, t: Translator, said: string): void {
  assert.ok(reply, `a reply to "${said}"`);
  assert.deepEqual(titles(reply), menuLabels(t), `the menu buttons after "${said}"`);
  for (const label of menuLabels(t)) assert.ok(reply.text?.includes(`- ${label}`), `"${label}" listed after "${said}": ${JSON.stringify(reply.text)}`);
}

function assertNoFallback(result: PostResult, t: Translator, said: string): void {
  assert.ok(!result.texts.some((text) => text.includes(t.t('bot.fallback'))), `"${said}" is not met with "didn't understand": ${JSON.stringify(result.texts)}`);
}

describe('main flows in all seven languages over /api/messages (real classifier and keywords, PostgreSQL ledger)', function () {
  this.timeout(120_000);
  let stack: ConsentStack;
  let translations: Translations;

  before(async () => {
    translations = await Translations.load();
    stack = await startConsentStack();
  });

  after(async () => {
    await stack?.close();
  });

  it('the table covers every shipped language, once', () => {
    assert.deepEqual(
      ROWS.map((row) => row.locale),
      [...SHIPPED_LOCALES],
    );
  });

  async function emailsTo(address: string): Promise<OutboxEntry[]> {
    const response = await fetch(`${stack.baseUrl}/dev/outbox`, { headers: { accept: 'application/json' } });
    assert.equal(response.status, 200, 'GET /dev/outbox');
    return ((await response.json()) as OutboxEntry[]).filter((entry) => entry.channel === 'email' && entry.to === address);
  }

  /** A fresh customer on file (offers by email and SMS given), in the row's language, and their open chat. */
  async function newCustomer(row: LanguageRow, label: string): Promise<{ who: SmsCustomer; customer: Customer; t: Translator }> {
    const who = await addSmsCustomer(stack, `${label}.${row.locale}`, row.locale);
    const customer = new Customer(stack.baseUrl, row.locale, label);
    await customer.open();
    return { who, customer, t: translations.for(row.locale) };
  }

  /**
   * After "who are you?": types the address, is told a code went to it (in the language), types the
   * code the one new email carries, and is verified. Returns the verifying turn.
   */
  async function verifyByCode(customer: Customer, t: Translator, who: SmsCustomer): Promise<PostResult> {
    const mailsBefore = (await emailsTo(who.email)).length;
    const sent = await customer.say(who.email);
    assert.deepEqual(sent.texts, [t.t('identity.noted', { identifier: who.masked }), t.t('identityCode.sent.email', { masked: who.masked, count: 10 })]);
    const mails = await emailsTo(who.email);
    assert.equal(mails.length, mailsBefore + 1, 'one email with a code, to the address on file');
    const code = /\b(\d{6})\b/.exec(mails[mails.length - 1].text)?.[1];
    assert.ok(code, `the email carries a 6-digit code: ${mails[mails.length - 1].text}`);
    const verified = await customer.say(code);
    assert.equal(verified.texts[0], t.t('identityCode.verified'), JSON.stringify(verified.texts));
    return verified;
  }

  it('a customer who keeps English but writes German is read in German: "keine Angebote mehr per SMS" is offers by SMS, asked in English', async () => {
    const english = ROWS.find((row) => row.locale === 'en');
    assert.ok(english);
    const { who, customer, t } = await newCustomer(english, 'kept-english');
    const de = translations.for('de');
    assert.deepEqual((await customer.say('Schicken Sie mir bitte keine Angebote mehr per SMS')).texts, [de.t('language.switchAsk')]);
    assert.deepEqual((await customer.say(t.t('language.continueHere'))).texts, [t.t('identity.prompt')]);
    const asked = await customer.say(who.email);
    // "Angebote" is no English word: read in English, only the channel would be known and the purpose asked for.
    assert.deepEqual(asked.texts, [t.t('identity.noted', { identifier: who.masked }), t.t('consent.confirm.withdraw', { scope: 'offers and promotions by SMS' })]);
  });

  for (const row of ROWS) {
    describe(`in ${row.locale} (channel locale ${ACTIVITY_LOCALE[row.locale]})`, () => {
      let t: Translator;
      before(() => {
        t = translations.for(row.locale);
      });

      it('the welcome greets in the language, names all seven languages (each in its own words) and offers the menu', async () => {
        const customer = new Customer(stack.baseUrl, row.locale, 'welcome');
        const welcome = await customer.open();
        assert.equal(welcome.replies.length, 1, JSON.stringify(welcome.texts));
        const [text] = welcome.texts;
        assert.ok(text.startsWith(t.t('bot.welcome')), text);
        for (const locale of SHIPPED_LOCALES) assert.ok(text.includes(t.t(`languageName.${locale}`)), `the welcome names ${locale}: ${text}`);
        assert.ok(text.includes(t.t('menu.prompt')), text);
        assertMenu(welcome.replies[0], t, '(welcome)');
      });

      it('the help keyword lists the menu; an empty message is told so, with the menu, never "didn\'t understand"', async () => {
        const customer = new Customer(stack.baseUrl, row.locale, 'menu');
        await customer.open();
        const help = await customer.say(t.t('menu.help'));
        assert.equal(help.replies.length, 1, JSON.stringify(help.texts));
        assert.ok(help.texts[0].startsWith(t.t('help.intro')), help.texts[0]);
        assert.deepEqual(titles(help.replies[0]), menuLabels(t));
        for (const empty of ['', '   ']) {
          const answered = await customer.say(empty);
          assert.equal(answered.replies.length, 1, JSON.stringify(answered.texts));
          assert.ok(answered.texts[0].startsWith(t.t('bot.empty')), JSON.stringify(answered.texts));
          assertMenu(answered.replies[0], t, JSON.stringify(empty));
          assertNoFallback(answered, t, JSON.stringify(empty));
        }
      });

      it(`small talk ("${row.greeting}", "${row.thanks}", "${row.goodbye}") gets its short answer and the menu, never "didn't understand"`, async () => {
        const customer = new Customer(stack.baseUrl, row.locale, 'smalltalk');
        await customer.open();
        for (const [said, key] of [
          [row.greeting, 'smalltalk.greeting'],
          [row.thanks, 'smalltalk.thanks'],
          [row.goodbye, 'smalltalk.goodbye'],
        ] as const) {
          const answered = await customer.say(said);
          assert.equal(answered.replies.length, 1, `"${said}": ${JSON.stringify(answered.texts)}`);
          assert.ok(answered.texts[0].startsWith(`${t.t(key)}\n\n`), `"${said}" gets ${key}: ${JSON.stringify(answered.texts[0])}`);
          assertMenu(answered.replies[0], t, said);
          assertNoFallback(answered, t, said);
        }
      });

      it('a greeting as the very first message (no conversationUpdate) gets the welcome, then only the menu: no second hello, never "didn\'t understand"', async () => {
        const customer = new Customer(stack.baseUrl, row.locale, 'first-greeting');
        const answered = await customer.say(row.greeting);
        assert.equal(answered.replies.length, 2, JSON.stringify(answered.texts));
        assert.equal(answered.texts[0], welcomeText(t));
        assert.ok(answered.texts[1].startsWith(`${t.t('menu.prompt')}\n\n`), JSON.stringify(answered.texts));
        assert.ok(!answered.texts[1].includes(t.t('smalltalk.greeting')), `no second hello: ${JSON.stringify(answered.texts)}`);
        assertMenu(answered.replies[1], t, row.greeting);
        assertNoFallback(answered, t, row.greeting);
      });

      it('every flow of the menu starts from its button: who are you, the concern questions, or the queue', async () => {
        for (const key of ['menu.consentCheck', 'menu.consentChange', 'menu.consentGive', 'menu.dataCopy']) {
          const customer = new Customer(stack.baseUrl, row.locale, 'menu-click');
          await customer.open();
          const asked = await customer.say(t.t(key));
          assert.deepEqual(asked.texts, [t.t('identity.prompt')], `"${t.t(key)}"`);
        }
        const concern = new Customer(stack.baseUrl, row.locale, 'menu-concern');
        await concern.open();
        const topic = await concern.say(t.t('menu.concernReport'));
        assert.deepEqual(topic.texts, [`${t.t('concern.intro')}\n\n${t.t('concern.ask.topic')}`]);
        assert.deepEqual(titles(topic.replies[0]), ['breach', 'use', 'answer', 'other'].map((id) => t.t(`concern.topic.${id}`)));
        const person = new Customer(stack.baseUrl, row.locale, 'menu-agent');
        await person.open();
        const queued = await person.say(t.t('menu.agent'));
        assert.equal(queued.replies.length, 1, JSON.stringify(queued.texts));
        assert.match(queued.texts[0], sentencePattern(t, 'handoff.queued', { position: undefined }));
      });

      it(`consent check in free text ("${row.check}"): identity, a one-time code by email, then the consents card in the language`, async () => {
        const { who, customer } = await newCustomer(row, 'check');
        assert.deepEqual((await customer.say(row.check)).texts, [t.t('identity.prompt')]);
        const verified = await verifyByCode(customer, t, who);
        const cards = verified.replies.flatMap((reply) => reply.attachments ?? []).filter((attachment) => attachment.contentType === ADAPTIVE_CARD);
        assert.equal(cards.length, 1, `the consents card: ${JSON.stringify(verified.texts)}`);
        const card = JSON.stringify(cards[0].content);
        assert.ok(card.includes(t.t('consent.overview.title')), card);
      });

      it(`withdrawal in free text ("${row.withdraw}"): identity, one question, "yes" — the ledger records the newsletter withdrawn, in this language`, async () => {
        const { who, customer } = await newCustomer(row, 'withdraw');
        const before = (await eventsOf(stack, who.subjectId)).length;
        assert.deepEqual((await customer.say(row.withdraw)).texts, [t.t('identity.prompt')]);
        const asked = await customer.say(who.email);
        assert.equal(asked.texts[0], t.t('identity.noted', { identifier: who.masked }));
        assert.match(asked.texts[1] ?? '', sentencePattern(t, 'consent.confirm.withdraw', { scope: undefined }), JSON.stringify(asked.texts));
        assert.deepEqual(titles(asked.replies[1]), [t.t('consent.confirm.yes'), t.t('consent.confirm.no')]);
        const done = await customer.say(t.t('consent.confirm.yes'));
        assert.equal(done.replies.length, 1, JSON.stringify(done.texts));
        assert.match(done.texts[0].split('\n\n')[0], sentencePattern(t, 'consent.done.withdrawn', { time: undefined, scope: undefined }));
        assert.deepEqual(titles(done.replies[0]), menuLabels(t), 'the menu follows as buttons');
        const fresh = (await eventsOf(stack, who.subjectId)).slice(before);
        assert.deepEqual(
          fresh.map((event) => [event.purposeId, event.channel, event.state, event.language, event.conversationId]),
          [['newsletter', 'email', 'withdrawn', row.locale, customer.conversationId]],
        );
      });

      it(`giving consent in free text ("${row.give}"): identity and a code (verified), the notice and one question, "yes" — the ledger records it given`, async () => {
        const { who, customer } = await newCustomer(row, 'give');
        const before = (await eventsOf(stack, who.subjectId)).length;
        assert.deepEqual((await customer.say(row.give)).texts, [t.t('identity.prompt')]);
        const verified = await verifyByCode(customer, t, who);
        const question = verified.texts.at(-1) ?? '';
        assert.match(question.split('\n\n').at(-1) ?? '', sentencePattern(t, 'consent.confirm.give', { scope: undefined }), JSON.stringify(verified.texts));
        assert.deepEqual(titles(verified.replies.at(-1)), [t.t('consent.confirm.yes'), t.t('consent.confirm.no')]);
        const done = await customer.say(t.t('consent.confirm.yes'));
        assert.match(done.texts[0]?.split('\n\n')[0] ?? '', sentencePattern(t, 'consent.done.given', { scope: undefined, time: undefined }), JSON.stringify(done.texts));
        const fresh = (await eventsOf(stack, who.subjectId)).slice(before);
        assert.deepEqual(
          fresh.map((event) => [event.purposeId, event.channel, event.state, event.language]),
          [['newsletter', 'email', 'given', row.locale]],
        );
      });

      it(`a copy of my data in free text ("${row.copy}"): identity and a code, then the confirmation in the language; "no" requests nothing`, async () => {
        const { who, customer } = await newCustomer(row, 'copy');
        assert.deepEqual((await customer.say(row.copy)).texts, [t.t('identity.prompt')]);
        const verified = await verifyByCode(customer, t, who);
        assert.match(verified.texts.at(-1) ?? '', sentencePattern(t, 'access.confirm.ask', { scope: undefined, deadline: undefined }), JSON.stringify(verified.texts));
        assert.deepEqual(titles(verified.replies.at(-1)), [t.t('access.confirm.yes'), t.t('access.confirm.no')]);
        const declined = await customer.say(t.t('access.confirm.no'));
        assert.deepEqual(declined.texts, [t.t('access.declined')]);
      });

      it(`a concern in free text ("${row.concern}"): each question answered, then the reference — no name asked`, async () => {
        const customer = new Customer(stack.baseUrl, row.locale, 'concern');
        await customer.open();
        let reply = await customer.say(row.concern);
        assert.ok(reply.texts[0]?.startsWith(t.t('concern.intro')), JSON.stringify(reply.texts));
        const asked: string[] = [];
        // The dialog asks only what the first message did not say: answer whatever it asks, in order, until the reference.
        for (let turn = 0; turn < 8 && !REFERENCE.test(reply.texts.join('\n')); turn += 1) {
          assert.equal(reply.replies.length, 1, JSON.stringify(reply.texts));
          const text = reply.texts[0];
          const answer = concernAnswer(t, row, text);
          assert.ok(answer, `a concern question in ${row.locale}: ${JSON.stringify(text)}`);
          asked.push(answer[0]);
          reply = await customer.say(answer[1]);
        }
        // A first message of ten words or more is the account itself (DESCRIPTION_MIN_WORDS): only what is missing is asked, each once.
        assert.ok(asked.includes('reply'), `asked: ${asked.join(', ')}`);
        assert.deepEqual(asked, [...new Set(asked)], 'no question asked twice');
        const reference = REFERENCE.exec(reply.texts[0] ?? '')?.[0];
        assert.ok(reference, JSON.stringify(reply.texts));
        assert.ok(reply.texts[0].startsWith(t.t('concern.received', { reference })), JSON.stringify(reply.texts));
        assert.ok(reply.texts[0].includes(t.t('concern.next.none')), JSON.stringify(reply.texts));
      });

      it(`"talk to a person" in free text ("${row.agent}"): the customer is told they are queued, and a ticket waits in their language`, async () => {
        const customer = new Customer(stack.baseUrl, row.locale, 'agent');
        await customer.open();
        const queued = await customer.say(row.agent);
        assert.equal(queued.replies.length, 1, JSON.stringify(queued.texts));
        assert.match(queued.texts[0], sentencePattern(t, 'handoff.queued', { position: undefined }));
        assert.deepEqual(titles(queued.replies[0]), [t.t('handoff.leaveButton')]);
        const tickets = (await stack.running.app.handoff.hub.queue()).filter((ticket) => conversationIdOf(ticket) === customer.conversationId);
        assert.deepEqual(
          tickets.map((ticket) => [ticket.status, ticket.reason, ticket.locale]),
          [['queued', 'customer_request', row.locale]],
        );
      });
    });
  }
});

type ConcernQuestion = 'topic' | 'description' | 'when' | 'data' | 'reply';

/** The question a concern reply asks, and what the customer answers (a button, or their own words). */
function concernAnswer(t: Translator, row: LanguageRow, text: string): [ConcernQuestion, string] | undefined {
  if (text.endsWith(t.t('concern.ask.topic'))) return ['topic', t.t('concern.topic.use')];
  if (text.endsWith(t.t('concern.ask.description'))) return ['description', row.happened];
  if (text.endsWith(t.t('concern.ask.when'))) return ['when', t.t('concern.notSure')];
  if (text.endsWith(t.t('concern.ask.dataFree')) || sentencePattern(t, 'concern.ask.data', { examples: undefined }, false).test(text)) return ['data', t.t('concern.notSure')];
  if (text.endsWith(t.t('concern.ask.reply'))) return ['reply', t.t('concern.reply.no')];
  return undefined;
}
