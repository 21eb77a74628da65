import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translations, Translator } from '../../src/i18n/translator';
import { RunningApp, startTestApp } from '../support/test-app';
import { launchChromium, textPattern } from './chromium';

/** Web Chat's own "send failed" status (botframework-webchat-api localization, en-US and it-IT). */
const SEND_FAILED = [/Send failed/i, /Invio non riuscito/i];
const WAIT_MS = 15_000;

/** Records CSP violations from the first script on: the page must need nothing its policy forbids. */
const RECORD_CSP_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
  });
`;
/** A browser whose user turned Global Privacy Control on (Chromium has no switch for it yet). */
const GPC_ON = `Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { configurable: true, get: function () { return true; } });`;

interface PostedActivity {
  type?: string;
  text?: string;
  locale?: string;
  channelData?: { clientActivityID?: string; gpc?: unknown };
}

interface OpenChat {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Activities the page posted to Direct Line, in order. */
  readonly posted: PostedActivity[];
  /** Console errors and uncaught page errors. */
  readonly problems: string[];
}

interface OpenOptions {
  locale: string;
  /** Send `Sec-GPC: 1` with every request. */
  gpcHeader?: boolean;
  /** Set `navigator.globalPrivacyControl = true`. */
  gpcNavigator?: boolean;
}

/** The part of a message template before its first `{{placeholder}}`. */
function lead(template: string): string {
  return template.split('{{')[0].trim();
}

describe('Web Chat page in Chromium (end to end)', function () {
  this.timeout(90_000);

  let browser: Browser;
  let running: RunningApp;
  let translations: Translations;
  const contexts: BrowserContext[] = [];
  /** Every URL any page asked for (HTTP requests and WebSockets), across all tests. */
  const requested: string[] = [];

  const tr = (locale: ShippedLocale): Translator => translations.for(locale);

  async function openChat(options: OpenOptions): Promise<OpenChat> {
    const context = await browser.newContext({
      locale: options.locale,
      extraHTTPHeaders: options.gpcHeader ? { 'Sec-GPC': '1' } : undefined,
    });
    contexts.push(context);
    await context.addInitScript({ content: RECORD_CSP_VIOLATIONS + (options.gpcNavigator ? GPC_ON : '') });
    const page = await context.newPage();
    const posted: PostedActivity[] = [];
    const problems: string[] = [];
    page.on('request', (request: Request) => {
      requested.push(request.url());
      if (request.method() === 'POST' && /\/v3\/directline\/conversations\/[^/]+\/activities$/.test(new URL(request.url()).pathname)) {
        posted.push(request.postDataJSON() as PostedActivity);
      }
    });
    page.on('websocket', (socket) => requested.push(socket.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    const response = await page.goto(running.baseUrl + '/', { waitUntil: 'load' });
    assert.equal(response?.status(), 200);
    return { page, context, posted, problems };
  }

  /** Waits until a bot or user message containing `text` shows in the transcript. */
  async function seeMessage(page: Page, text: string): Promise<void> {
    await page.locator('.webchat__basic-transcript').getByText(textPattern(text)).first().waitFor({ state: 'visible', timeout: WAIT_MS });
  }

  async function send(page: Page, text: string): Promise<void> {
    const input = page.locator('[data-id="webchat-sendbox-input"]');
    await input.fill(text);
    await input.press('Enter');
  }

  /** Tabs from the top of the page until the send box has focus (keyboard only), then types and sends. */
  async function sendByKeyboard(page: Page, text: string): Promise<void> {
    for (let presses = 0; presses < 25; presses += 1) {
      await page.keyboard.press('Tab');
      if ((await page.locator(':focus').getAttribute('data-id')) === 'webchat-sendbox-input') {
        await page.keyboard.type(text);
        await page.keyboard.press('Enter');
        return;
      }
    }
    assert.fail('the send box cannot be reached with the Tab key');
  }

  /** No "Send failed", no console error, no page error, no CSP violation. */
  async function assertHealthy(chat: OpenChat): Promise<void> {
    const bodyText = await chat.page.locator('body').innerText();
    for (const failed of SEND_FAILED) assert.doesNotMatch(bodyText, failed);
    const violations = (await chat.page.evaluate('window.__cspViolations')) as string[];
    assert.deepEqual(violations, [], `CSP violations: ${violations.join('; ')}`);
    assert.deepEqual(chat.problems, []);
  }

  before(async () => {
    // Chromium first: when it is missing the hook fails at once with the command that installs it.
    browser = await launchChromium();
    translations = await Translations.load();
    running = await startTestApp();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  after(async () => {
    await browser?.close();
    await running?.close();
  });

  it('greets in English and has the accessibility basics (lang, title, labelled main landmark and send box)', async () => {
    const chat = await openChat({ locale: 'en-US' });
    const { page } = chat;
    await seeMessage(page, tr('en').t('bot.welcome'));

    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await page.title(), tr('en').t('webchat.title'));
    await page.getByRole('main', { name: tr('en').t('webchat.heading') }).waitFor({ timeout: WAIT_MS });
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), tr('en').t('webchat.heading'));
    const input = page.locator('[data-id="webchat-sendbox-input"]');
    const label = (await input.getAttribute('aria-label')) ?? '';
    assert.ok(label.trim().length > 0, 'the send box has an aria-label');
    await page.getByRole('textbox', { name: label }).waitFor({ timeout: WAIT_MS });
    await assertHealthy(chat);
  });

  it('greets in Italian when the browser language is it-IT', async () => {
    const chat = await openChat({ locale: 'it-IT' });
    await seeMessage(chat.page, tr('it').t('bot.welcome'));
    assert.equal(await chat.page.locator('html').getAttribute('lang'), 'it');
    assert.equal(await chat.page.title(), tr('it').t('webchat.title'));
    await assertHealthy(chat);
  });

  it('answers a message typed with the keyboard only; the activity carries the browser locale and Web Chat’s clientActivityID', async () => {
    const chat = await openChat({ locale: 'en-US' });
    const en = tr('en');
    await seeMessage(chat.page, en.t('bot.welcome'));
    await sendByKeyboard(chat.page, en.t('menu.help'));
    await seeMessage(chat.page, en.t('help.intro'));

    const message = chat.posted.find((activity) => activity.type === 'message');
    assert.ok(message, 'the page posted the message to our Direct Line endpoint');
    assert.equal(message.text, en.t('menu.help'));
    assert.equal(message.locale, 'en-US');
    assert.ok(message.channelData?.clientActivityID, 'Web Chat tags its activity with clientActivityID');
    assert.equal(message.channelData?.gpc, undefined, 'no GPC signal when the browser sends none');
    await assertHealthy(chat);
  });

  it('clicking the "Change language" suggested action asks for the language, and choosing Italiano switches', async () => {
    const chat = await openChat({ locale: 'en-US' });
    const en = tr('en');
    await seeMessage(chat.page, en.t('bot.welcome'));
    await chat.page.getByRole('button', { name: en.t('menu.language'), exact: true }).first().click();
    await seeMessage(chat.page, lead(en.t('language.prompt')));

    await chat.page.getByRole('button', { name: tr('it').t('languageName.it'), exact: true }).first().click();
    await seeMessage(chat.page, tr('it').t('language.changed'));
    await assertHealthy(chat);
  });

  const gpcCases: { name: string; options: OpenOptions }[] = [
    { name: 'navigator.globalPrivacyControl', options: { locale: 'en-US', gpcNavigator: true } },
    { name: 'the Sec-GPC: 1 request header', options: { locale: 'en-US', gpcHeader: true } },
  ];
  for (const { name, options } of gpcCases) {
    it(`tells the bot about Global Privacy Control (channelData.gpc) when the browser sends ${name}`, async () => {
      const chat = await openChat(options);
      const en = tr('en');
      await seeMessage(chat.page, en.t('bot.welcome'));
      assert.equal(await chat.page.locator('html').getAttribute('data-gpc'), options.gpcHeader ? '1' : '0');
      await send(chat.page, en.t('menu.help'));
      await seeMessage(chat.page, en.t('help.intro'));
      const message = chat.posted.find((activity) => activity.type === 'message');
      assert.equal(message?.channelData?.gpc, true);
      assert.ok(message?.channelData?.clientActivityID, 'the GPC flag is added beside, not instead of, Web Chat’s channelData');
      await assertHealthy(chat);
    });
  }

  it('made no request outside this machine (every URL is 127.0.0.1 or localhost)', () => {
    assert.ok(requested.length > 0, 'requests were recorded');
    const paths = requested.filter((url) => /^(https?|wss?):/.test(url)).map((url) => new URL(url).pathname);
    for (const expected of ['/', '/webchat/token', '/webchat/page.js']) assert.ok(paths.includes(expected), `the page asked for ${expected}`);
    assert.ok(paths.some((p) => /^\/webchat\/[^/]+\/webchat\.js$/.test(p)), 'Web Chat came from our server');
    assert.ok(paths.some((p) => p.startsWith('/v3/directline/')), 'Direct Line went to our server');
    // blob: URLs (Web Chat's worker timers) name the origin that made them; data: URLs load nothing.
    const hostOf = (url: string): string => (url.startsWith('data:') ? 'localhost' : new URL(url.startsWith('blob:') ? url.slice(5) : url).hostname);
    const foreign = requested.filter((url) => !['127.0.0.1', 'localhost'].includes(hostOf(url)));
    assert.deepEqual(foreign, []);
  });
});
