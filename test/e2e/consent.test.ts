import assert from 'node:assert/strict';
import type { Response } from 'playwright-core';
import { ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translator } from '../../src/i18n/translator';
import { formatInZone } from '../../src/privacy/clocks/deadlines';
import { assertOneChatWithdrawal, assertSmsOffersWithdrawnReceipt, countRows, eventsOf, openReceipt, sentencePattern, SmsCustomer } from '../consent-bot/consent-stack';
import { BROWSER_WAIT_MS } from './chromium';
import { useConsentBrowser } from './consent-browser';
import { assertNothingFailed, openWebChat, see, send, transcript } from './web-chat-page';
import { eventually } from '../support/hang-guard';

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
  { locale: 'it', browserLocale: 'it-IT', timeZone: 'Europe/Rome', who: 'giulia', request: 'Non mandatemi più offerte via SMS', scope: 'le offerte e le promozioni via SMS' },
];

/**
 * A demo customer in Web Chat (the page at GET /, our Direct Line, headless Chromium) withdraws SMS
 * offers: three messages, the last a click on "Yes"; sees "done" with the time in their own time
 * zone and a receipt link that opens a signed receipt; the ledger holds exactly that change.
 */
describe('consent withdrawal in Web Chat (Chromium, end to end)', function () {
  this.timeout(60_000);
  const suite = useConsentBrowser();

  for (const c of CASES) {
    it(`${c.locale}: "${c.request}" → the email → a click on the yes button: done, in the customer’s time zone, with a receipt link; one consent event in the ledger`, async () => {
      const { stack } = suite;
      const t: Translator = suite.translations.for(c.locale);
      const who: SmsCustomer = stack.demo[c.who];
      const before = (await eventsOf(stack, who.subjectId)).length;

      const { page, problems } = await suite.newPage({ locale: c.browserLocale, timezoneId: c.timeZone });
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
      await openWebChat(page, stack.baseUrl, t.t('bot.welcome'));

      await send(page, c.request);
      await see(page, t.t('identity.prompt'));
      await send(page, who.email);
      await see(page, t.t('identity.noted', { identifier: who.masked }));
      await see(page, t.t('consent.confirm.withdraw', { scope: c.scope }));
      await page.getByRole('button', { name: t.t('consent.confirm.yes'), exact: true }).first().click();

      await see(page, sentencePattern(t, 'consent.done.withdrawn', { time: undefined, scope: c.scope }, false));
      const receiptLink = transcript(page).locator(`a[href^="${stack.baseUrl}/receipts/"]`).first();
      await receiptLink.waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
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
      await assertNothingFailed(page, problems);
    });
  }
});

/** The page's posts were answered (the response listener reads bodies asynchronously; 10 s only guards against a hang). */
async function expectPosted(posted: readonly unknown[], count: number): Promise<void> {
  await eventually(() => posted.length >= count, `the page's post number ${count} being read`, 10_000);
  assert.equal(posted.length, count, `the page posted ${count} messages to our Direct Line endpoint`);
}
