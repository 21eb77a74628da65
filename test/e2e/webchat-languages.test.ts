import assert from 'node:assert/strict';
import type { Locator, Page, Request } from 'playwright-core';
import { escapeHtml } from '../../src/html/escape-html';
import { ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translator } from '../../src/i18n/translator';
import { formatInZone } from '../../src/privacy/clocks/deadlines';
import { addSmsCustomer, countRows, eventsOf, sentencePattern, SmsCustomer } from '../consent-bot/consent-stack';
import { assertAccessible } from '../support/axe';
import { trainedRecognizer } from '../support/test-app';
import { BROWSER_WAIT_MS } from './chromium';
import { TestPage, useConsentBrowser } from './consent-browser';
import { verifyByEmailCode } from './dev-outbox';
import { assertNothingFailed, see, seeMessage, send, transcript } from './web-chat-page';

/** Web Chat's own controls, as its localization (botframework-webchat-api) names them in the browser's language. */
interface WebChatControls {
  /** The send box's placeholder and its accessible name. */
  readonly placeholder: string;
  readonly input: string;
  readonly send: string;
  readonly suggestedActions: string;
  readonly transcript: string;
}

interface Case {
  readonly locale: ShippedLocale;
  readonly browserLocale: string;
  readonly acceptLanguage: string;
  readonly timeZone: string;
  readonly webChat: WebChatControls;
  /** The seven languages as the welcome lists them in this language. */
  readonly languages: string;
  /** A customer's own words for "no more newsletter by email", and the scope the bot repeats. */
  readonly request: string;
  readonly scope: string;
  /** The language the customer picks after writing in Polish (the other case's, so the switch shows), and its button. */
  readonly switchTo: ShippedLocale;
  readonly switchToButton: string;
  /** A message the real classifier finds between "see my consents" and "give a consent" in this language (found by trying). */
  readonly ambiguous: string;
}

const CASES: readonly Case[] = [
  {
    locale: 'de',
    browserLocale: 'de-DE',
    acceptLanguage: 'de-DE,de;q=0.9',
    timeZone: 'Europe/Berlin',
    webChat: {
      placeholder: 'Nachricht eingeben',
      input: 'Eingabefeld für Nachricht',
      send: 'Senden',
      suggestedActions: 'Empfohlene Aktionen',
      transcript: 'Zum Navigieren im Chatverlauf die Pfeiltasten verwenden.',
    },
    languages: 'English, Italiano, Deutsch, Français, Español, Português und Nederlands',
    request: 'Ich möchte keine Newsletter mehr per E-Mail',
    scope: 'unseren Newsletter per E-Mail',
    switchTo: 'pt',
    switchToButton: 'Português',
    ambiguous: 'eine Frage zu meiner Einwilligung',
  },
  {
    locale: 'pt',
    browserLocale: 'pt-BR',
    acceptLanguage: 'pt-BR,pt;q=0.9',
    timeZone: 'America/Sao_Paulo',
    webChat: {
      placeholder: 'Digite sua mensagem',
      input: 'Caixa de entrada de mensagens',
      send: 'Enviar',
      suggestedActions: 'Ações sugeridas',
      transcript: 'Histórico de chat, use as teclas de seta para navegar.',
    },
    languages: 'English, Italiano, Deutsch, Français, Español, Português e Nederlands',
    request: 'Não quero mais receber a newsletter por e-mail',
    scope: 'a nossa newsletter por e-mail',
    switchTo: 'de',
    switchToButton: 'Deutsch',
    ambiguous: 'a respeito do meu consentimento',
  },
];

/** The texts the page around the chat renders itself (web/index.html, keys `webchat.*`). */
const PAGE_KEYS = ['title', 'heading', 'chatRegion', 'loading', 'failed', 'noScript'] as const;

/** Web Chat's en-US wording of its own controls: none may show in a German or Portuguese browser. */
const WEB_CHAT_ENGLISH: readonly RegExp[] = [/Type your message/, /Message input box/, /\bSend\b/, /Suggested actions/, /Chat history/, /Just now/, /Bot said/, /You said/, /Sent at/, /Connecting/];

/** Each shipped language named in its own language, in the order the bot offers them. */
const LANGUAGE_BUTTONS = ['English', 'Italiano', 'Deutsch', 'Français', 'Español', 'Português', 'Nederlands'];

const POLISH_WITHDRAWAL = 'Chcę wycofać moją zgodę na marketing';

/** The two intents each case's `ambiguous` message lies between, best first: how the question names them, and their menu buttons. */
const CLARIFIED = [
  { intent: 'consent.check', option: 'clarify.option.consentCheck', button: 'menu.consentCheck' },
  { intent: 'consent.give', option: 'clarify.option.consentGive', button: 'menu.consentGive' },
] as const;

/** A phone held upright. */
const PHONE = { width: 360, height: 640 };

interface OpenChat extends TestPage {
  /** The page as the server sent it. */
  readonly html: string;
  /** Direct Line conversations the page posted activities to. */
  readonly conversations: Set<string>;
}

/** A button of the suggested actions Web Chat shows above the send box (the transcript's live region repeats them, hidden). */
function offeredButton(page: Page, c: Case, name: string): Locator {
  return page.getByRole('toolbar', { name: c.webChat.suggestedActions, exact: true }).getByRole('button', { name, exact: true });
}

/** What names Web Chat's controls to a person (read aloud, or shown in an empty box): their labels, placeholders and titles. */
async function controlWording(page: Page): Promise<string[]> {
  // The project's type-check has no DOM library: an element is typed by what is used of it.
  return page.locator('#webchat [aria-label], #webchat [placeholder], #webchat [title]').evaluateAll((elements: { getAttribute(name: string): string | null }[]) =>
    elements.flatMap((element) => ['aria-label', 'placeholder', 'title'].map((name) => element.getAttribute(name)).filter((value): value is string => value !== null)),
  );
}

/**
 * Web Chat in a German and a Portuguese browser (the page at GET /, our Direct Line, headless
 * Chromium): the page and Web Chat's own controls speak the browser's language, the bot greets in
 * it and lists its seven languages, a customer withdraws the newsletter by email in their own
 * words through to "done" (the ledger records it), a message in a language we do not ship gets
 * the languages as buttons, a message between two intents gets the clarifying question whose
 * first button starts its flow, and axe finds nothing to fix.
 */
describe('Web Chat in a German and a Portuguese browser (Chromium, end to end)', function () {
  this.timeout(90_000);
  const suite = useConsentBrowser();

  /** Opens the page as a browser set to the case's language and time zone, and waits for the welcome. */
  async function openChat(c: Case, viewport?: { width: number; height: number }): Promise<OpenChat> {
    const opened = await suite.newPage({ locale: c.browserLocale, timezoneId: c.timeZone, extraHTTPHeaders: { 'Accept-Language': c.acceptLanguage }, viewport });
    const { page, problems } = opened;
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    const conversations = new Set<string>();
    page.on('request', (request: Request) => {
      const match = /\/v3\/directline\/conversations\/([^/]+)\/activities$/.exec(new URL(request.url()).pathname);
      if (match && request.method() === 'POST') conversations.add(decodeURIComponent(match[1]));
    });
    const response = await page.goto(`${suite.stack.baseUrl}/`, { waitUntil: 'load' });
    assert.ok(response, 'GET / answered');
    assert.equal(response.status(), 200, 'GET /');
    const html = await response.text();
    await seeMessage(page, suite.translations.for(c.locale).t('bot.welcome'));
    return { ...opened, html, conversations };
  }


  /** A customer on file in this language whose newsletter by email is given (besides the offers addSmsCustomer gives). */
  async function newsletterReader(c: Case): Promise<SmsCustomer> {
    const { stack } = suite;
    const who = await addSmsCustomer(stack, `reader-${c.locale}`, c.locale);
    await stack.ledger.consent.record(
      who.subjectId,
      [{ purposeId: 'newsletter', channel: 'email', state: 'given' }],
      { collectionMethod: 'api', language: c.locale, occurredAt: new Date(Date.now() - 24 * 3600_000), evidence: { form: 'preferences', test: true } },
      { actor: 'system:test', reason: 'test customer: newsletter by email given', idempotencyKey: `webchat-languages:newsletter:${who.email}` },
    );
    return who;
  }

  for (const c of CASES) {
    it(`${c.locale}: the page's texts, <html lang> and Web Chat's controls are in the browser's language (${c.browserLocale}); the welcome lists the seven languages; axe finds nothing`, async () => {
      const t: Translator = suite.translations.for(c.locale);
      const en: Translator = suite.translations.for('en');
      const chat = await openChat(c);
      const { page } = chat;

      // The page's own texts: translated (none left in English), and the ones the server wrote are those shown.
      for (const key of PAGE_KEYS) assert.notEqual(t.t(`webchat.${key}`), en.t(`webchat.${key}`), `webchat.${key} is translated into ${c.locale}`);
      assert.equal(await page.locator('html').getAttribute('lang'), c.locale);
      assert.equal(await page.title(), t.t('webchat.title'));
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), t.t('webchat.heading'));
      await page.getByRole('main', { name: t.t('webchat.heading') }).waitFor({ timeout: BROWSER_WAIT_MS });
      await page.getByRole('region', { name: t.t('webchat.chatRegion'), exact: true }).waitFor({ timeout: BROWSER_WAIT_MS });
      assert.equal(await page.locator('#chat-status').getAttribute('data-failed'), t.t('webchat.failed'), 'the failure text waits in the page language');
      for (const key of ['loading', 'noScript'] as const) assert.ok(chat.html.includes(escapeHtml(t.t(`webchat.${key}`))), `the page carries webchat.${key} in ${c.locale}`);

      // Web Chat's own controls, in the browser's language.
      const input = page.locator('[data-id="webchat-sendbox-input"]');
      assert.equal(await input.getAttribute('placeholder'), c.webChat.placeholder);
      await page.getByRole('textbox', { name: c.webChat.input, exact: true }).waitFor({ timeout: BROWSER_WAIT_MS });
      await page.getByRole('button', { name: c.webChat.send, exact: true }).waitFor({ timeout: BROWSER_WAIT_MS });
      await page.getByLabel(c.webChat.suggestedActions, { exact: true }).waitFor({ timeout: BROWSER_WAIT_MS });
      await page.getByLabel(c.webChat.transcript, { exact: true }).waitFor({ timeout: BROWSER_WAIT_MS });
      const shown = [await page.locator('body').innerText(), ...(await controlWording(page))].join('\n');
      for (const english of WEB_CHAT_ENGLISH) assert.doesNotMatch(shown, english, 'Web Chat shows nothing of its English wording');

      // The welcome in the language, naming the seven languages; the menu's buttons in it too.
      await see(page, t.t('bot.languages', { languages: c.languages }));
      await see(page, t.t('menu.prompt'));
      await offeredButton(page, c, t.t('menu.language')).waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });

      await assertAccessible(page, `the welcome in ${c.locale}`);
      await assertNothingFailed(page, chat.problems);
    });

    it(`${c.locale}: "${c.request}" → the email → the yes button: done in ${c.locale}, with a receipt link; the ledger records the newsletter by email withdrawn`, async () => {
      const { stack } = suite;
      const t: Translator = suite.translations.for(c.locale);
      const who = await newsletterReader(c);
      const before = (await eventsOf(stack, who.subjectId)).length;
      const chat = await openChat(c);
      const { page } = chat;

      await send(page, c.request);
      await see(page, t.t('identity.prompt'));
      await send(page, who.email);
      await see(page, t.t('identity.noted', { identifier: who.masked }));
      await see(page, t.t('consent.confirm.withdraw', { scope: c.scope }));
      assert.equal((await eventsOf(stack, who.subjectId)).length, before, 'nothing is recorded before the customer says yes');
      await offeredButton(page, c, t.t('consent.confirm.yes')).click();

      await see(page, sentencePattern(t, 'consent.done.withdrawn', { time: undefined, scope: c.scope }, false));
      const receiptLink = transcript(page).locator(`a[href^="${stack.baseUrl}/receipts/"]`).first();
      await receiptLink.waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
      const url = (await receiptLink.getAttribute('href')) ?? '';
      // Web Chat puts zero-width spaces around a link it renders.
      const shownText = (await transcript(page).innerText()).replace(/\u200b/g, '');
      assert.match(shownText, sentencePattern(t, 'consent.done.receipt', { receiptId: undefined, url }, false), 'the receipt sentence is in the language too');

      // The ledger: exactly this withdrawal, made by the customer in this conversation, in this language.
      const fresh = (await eventsOf(stack, who.subjectId)).slice(before);
      assert.deepEqual(
        fresh.map((event) => [event.purposeId, event.channel, event.state, event.collectionMethod, event.language, event.actor]),
        [['newsletter', 'email', 'withdrawn', 'web_chat', c.locale, `customer:${who.subjectId}`]],
      );
      const [event] = fresh;
      assert.deepEqual([...chat.conversations], [event.conversationId], 'recorded in the conversation the page held');
      assert.equal(typeof event.evidence.activityId, 'string', 'the confirming activity is kept as evidence');
      assert.equal(await countRows(stack.ledger, 'consent_receipt', who.subjectId), 1);
      // The time said is when it took effect, in the browser's time zone and the language's format.
      await see(page, formatInZone(event.occurredAt, c.timeZone, c.locale));

      await assertAccessible(page, `the withdrawal done in ${c.locale}`);
      await assertNothingFailed(page, chat.problems);
    });

    it(`${c.locale}: a message in Polish gets the seven languages as buttons; clicking "${c.switchToButton}" switches the bot to it`, async () => {
      const t: Translator = suite.translations.for(c.locale);
      const chosen: Translator = suite.translations.for(c.switchTo);
      const chat = await openChat(c);
      const { page } = chat;

      await send(page, POLISH_WITHDRAWAL);
      await see(page, t.t('language.unsupported', { languages: LANGUAGE_BUTTONS.join(', ') }));
      for (const name of LANGUAGE_BUTTONS) await offeredButton(page, c, name).waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
      await assertAccessible(page, `the language buttons in ${c.locale}`);

      await offeredButton(page, c, c.switchToButton).click();
      await see(page, chosen.t('language.changed'));
      await offeredButton(page, c, chosen.t('menu.language')).waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
      await assertNothingFailed(page, chat.problems);
    });
  }

  for (const c of CASES) {
    it(`${c.locale}: "${c.ambiguous}" (between two intents) gets the clarifying question with both menu buttons; clicking the first starts that flow, in ${c.locale}`, async () => {
      const { stack } = suite;
      const t: Translator = suite.translations.for(c.locale);
      const [first, second] = CLARIFIED;
      const result = await (await trainedRecognizer()).recognize(c.ambiguous, c.locale);
      assert.deepEqual(
        result.clarify,
        CLARIFIED.map((choice) => choice.intent),
        `the ${c.locale} classifier no longer finds "${c.ambiguous}" close between ${first.intent} and ${second.intent} (${JSON.stringify(result)}): ` +
          'the corpus changed; pick another message by trying (LinearIntentRecognizer.recognize, threshold 0.4)',
      );
      const who = await addSmsCustomer(stack, `clarify-${c.locale}`, c.locale);
      const chat = await openChat(c);
      const { page } = chat;

      await send(page, c.ambiguous);
      await see(page, t.t('clarify.ask', { first: t.t(first.option), second: t.t(second.option) }));
      // The welcome's menu offered these two as well: its "change language" button gone, the buttons shown are the question's.
      await offeredButton(page, c, t.t('menu.language')).waitFor({ state: 'detached', timeout: BROWSER_WAIT_MS });
      const toolbar = page.getByRole('toolbar', { name: c.webChat.suggestedActions, exact: true });
      assert.deepEqual(await toolbar.getByRole('button').allInnerTexts(), [t.t(first.button), t.t(second.button)]);
      await assertAccessible(page, `the clarifying question in ${c.locale}`);

      // The first button: "see my consents", which asks who they are, checks a code, and shows the consents card.
      await offeredButton(page, c, t.t(first.button)).click();
      await see(page, t.t('identity.prompt'));
      await verifyByEmailCode(page, stack.baseUrl, t, who);
      await see(page, t.t('consent.overview.title'));
      await assertNothingFailed(page, chat.problems);
    });
  }

  it('de: on a phone, the menu’s ten buttons (longer in German) leave the conversation room to read, and the last one is still reached', async () => {
    const c = CASES[0];
    const t: Translator = suite.translations.for(c.locale);
    const chat = await openChat(c, PHONE);
    const { page } = chat;
    const help = offeredButton(page, c, t.t('menu.help'));
    await help.waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });

    const conversation = await transcript(page).boundingBox();
    assert.ok(conversation, 'the transcript is laid out');
    assert.ok(conversation.height >= PHONE.height / 3, `the transcript keeps a third of the window at least: ${conversation.height}px of ${PHONE.height}px`);

    await help.click();
    await see(page, t.t('help.intro'));
    await assertAccessible(page, 'the welcome on a phone, in German');
    await assertNothingFailed(page, chat.problems);
  });
});
