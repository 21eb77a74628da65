import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translations, Translator } from '../../src/i18n/translator';
import { formatInZone } from '../../src/privacy/clocks/deadlines';
import { assertOneChatWithdrawal, assertSmsOffersWithdrawnReceipt, ConsentStack, countRows, eventsOf, openReceipt, sentencePattern, SmsCustomer, startConsentStack } from '../consent-bot/consent-stack';
import { launchChromium, textPattern } from './chromium';
import { eventually } from '../support/hang-guard';

const WAIT_MS = 15_000;
/** Web Chat's own "send failed" status (en-US and it-IT). */
const SEND_FAILED = [/Send failed/i, /Invio non riuscito/i];

interface Case {
  readonly locale: ShippedLocale;
  readonly browserLocale: string;
  /** The browser's time zone: Web Chat tells the bot (localTimezone), and the bot says the time in it. */
  readonly timeZone: string;
  readonly who: 'maya' | 'giulia';
  readonly request: string;
  readonly scope: string;
}

const CASES: readonly Case[] = [
  { locale: 'en', browserLocale: 'en-US', timeZone: 'America/Los_Angeles', who: 'maya', request: 'Stop texting me offers', scope: 'offers and promotions by SMS' },
  { locale: 'it', browserLocale: 'it-IT', timeZone: 'Europe/Rome', who: 'giulia', request: 'Non mandatemi più offerte via SMS', scope: 'offerte e promozioni via SMS' },
];

/**
 * A demo customer in Web Chat (the page at GET /, our Direct Line, headless Chromium) withdraws SMS
 * offers: three messages, the last a click on "Yes"; sees "done" with the time in their own time
 * zone and a receipt link that opens a signed receipt; the ledger holds exactly that change.
 */
describe('consent withdrawal in Web Chat (Chromium, end to end)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let stack: ConsentStack;
  let translations: Translations;
  const contexts: BrowserContext[] = [];

  before(async () => {
    browser = await launchChromium();
    translations = await Translations.load();
    stack = await startConsentStack();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  const transcript = (page: Page) => page.locator('.webchat__basic-transcript');
  const see = (page: Page, text: string | RegExp) =>
    transcript(page)
      .getByText(typeof text === 'string' ? textPattern(text) : text)
      .first()
      .waitFor({ state: 'visible', timeout: WAIT_MS });

  async function send(page: Page, text: string): Promise<void> {
    const input = page.locator('[data-id="webchat-sendbox-input"]');
    await input.fill(text);
    await input.press('Enter');
  }

  for (const c of CASES) {
    it(`${c.locale}: "${c.request}" → the email → a click on the yes button: done, in the customer’s time zone, with a receipt link; one consent event in the ledger`, async () => {
      const t: Translator = translations.for(c.locale);
      const who: SmsCustomer = stack.demo[c.who];
      const before = (await eventsOf(stack, who.subjectId)).length;

      const context = await browser.newContext({ locale: c.browserLocale, timezoneId: c.timeZone });
      contexts.push(context);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      /** The page's messages to Direct Line, answered: text, conversation and the activity id the server gave. */
      const posted: { text: string; conversationId: string; id: string }[] = [];
      page.on('response', (response: Response) => {
        const match = /\/v3\/directline\/conversations\/([^/]+)\/activities$/.exec(new URL(response.url()).pathname);
        const activity = response.request().method() === 'POST' ? (response.request().postDataJSON() as { type?: string; text?: string } | null) : null;
        if (!match || activity?.type !== 'message') return;
        void response
          .json()
          .then((body: { id?: string }) => posted.push({ text: activity.text ?? '', conversationId: decodeURIComponent(match[1]), id: body.id ?? '' }))
          .catch(() => undefined);
      });
      assert.equal((await page.goto(`${stack.baseUrl}/`, { waitUntil: 'load' }))?.status(), 200);
      await see(page, t.t('bot.welcome'));

      await send(page, c.request);
      await see(page, t.t('identity.prompt'));
      await send(page, who.email);
      await see(page, t.t('identity.noted', { identifier: who.masked }));
      await see(page, t.t('consent.confirm.withdraw', { scope: c.scope }));
      await page.getByRole('button', { name: t.t('consent.confirm.yes'), exact: true }).first().click();

      await see(page, sentencePattern(t, 'consent.done.withdrawn', { time: undefined, scope: c.scope }, false));
      const receiptLink = transcript(page).locator(`a[href^="${stack.baseUrl}/receipts/"]`).first();
      await receiptLink.waitFor({ state: 'visible', timeout: WAIT_MS });
      const url = (await receiptLink.getAttribute('href')) ?? '';
      // Web Chat puts zero-width spaces around a link it renders.
      const shown = (await transcript(page).innerText()).replace(/\u200b/g, '');
      const reference = sentencePattern(t, 'consent.done.receipt', { receiptId: undefined, url }, false).exec(shown)?.[1];
      assert.ok(reference, `the receipt sentence with its reference and the link is shown: ${shown}`);

      // The ledger: one new event, made in this Web Chat conversation by this click.
      await expectPosted(posted, 3);
      const yes = posted.find((message) => message.text === t.t('consent.confirm.yes'));
      assert.ok(yes, 'the click sent the yes button’s text');
      const event = assertOneChatWithdrawal(await eventsOf(stack, who.subjectId), before, { subjectId: who.subjectId, conversationId: yes.conversationId, language: c.locale, activityId: yes.id });
      assert.equal(await countRows(stack.ledger, 'consent_receipt', who.subjectId), 1);
      // The time said is when it took effect, in the customer's own time zone.
      await see(page, formatInZone(event.occurredAt, c.timeZone, c.locale));

      assertSmsOffersWithdrawnReceipt(await openReceipt(url), who, reference, event);
      const bodyText = await page.locator('body').innerText();
      for (const failed of SEND_FAILED) assert.doesNotMatch(bodyText, failed);
      assert.deepEqual(problems, []);
    });
  }
});

/** The page's posts were answered (the response listener reads bodies asynchronously; 10 s only guards against a hang). */
async function expectPosted(posted: readonly unknown[], count: number): Promise<void> {
  await eventually(() => posted.length >= count, `the page's post number ${count} being read`, 10_000);
  assert.equal(posted.length, count, `the page posted ${count} messages to our Direct Line endpoint`);
}
