import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { ACTIVITY_LOCALE } from '../dialogs/dialog-harness';
import { messageActivity, postActivity, uniqueConversationId } from '../support/test-app';
import { addSmsCustomer, sentencePattern } from '../consent-bot/consent-stack';
import { assertAccessible } from '../support/axe';
import { BROWSER_WAIT_MS } from './chromium';
import { useConsentBrowser } from './consent-browser';

/**
 * The receipt link in a real browser: the page reads in the receipt's language, under its strict
 * policy nothing is blocked (no script, the stylesheet loads), it is used with the keyboard alone,
 * and the signed JSON is one key press away, saved as the file the verify command takes.
 */
describe('the receipt page in Chromium', function () {
  this.timeout(90_000);
  const suite = useConsentBrowser();

  /** An Italian customer withdraws SMS offers in the chat: the receipt link the bot gives. */
  async function italianReceiptLink(): Promise<string> {
    const { stack } = suite;
    const t = suite.translations.for('it');
    const who = await addSmsCustomer(stack, 'page.it', 'it');
    const conversationId = uniqueConversationId('receipt-page');
    let last = '';
    for (const text of ['Non mandatemi più offerte via SMS', who.email, t.t('consent.confirm.yes')]) {
      const result = await postActivity(stack.baseUrl, messageActivity(conversationId, text, { locale: ACTIVITY_LOCALE.it }));
      last = result.texts[0] ?? '';
    }
    const match = sentencePattern(t, 'consent.done.receipt', { receiptId: undefined, url: undefined }).exec(last.split('\n\n')[1] ?? '');
    assert.ok(match, last);
    return match[2];
  }

  /** axe finds no WCAG 2.1 A/AA violation on the page as it is now (its best-practice advice is printed). */

  it('it: readable in Italian, nothing blocked, usable with the keyboard, and the signed JSON saved with one key press', async () => {
    const { translations } = suite;
    const t = translations.for('it');
    const url = await italianReceiptLink();
    const { page, problems } = await suite.newPage({ locale: 'en-US', acceptDownloads: true });
    // A blocked resource shows only as a console error: those count too.
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    const response = await page.goto(url, { waitUntil: 'load' });
    assert.equal(response?.status(), 200);

    // The receipt's language (Italian), although the browser asks for English.
    assert.equal(await page.locator('html').getAttribute('lang'), 'it');
    await page.getByRole('heading', { level: 1, name: t.t('receipt.page.title') }).waitFor({ timeout: BROWSER_WAIT_MS });
    for (const heading of ['changesHeading', 'recordedHeading', 'controllerHeading', 'verifyHeading']) {
      assert.ok(await page.getByRole('heading', { level: 2, name: t.t(`receipt.page.${heading}`) }).isVisible(), heading);
    }
    const table = page.getByRole('table').first();
    assert.ok(await table.getByRole('columnheader', { name: t.t('receipt.page.purpose') }).isVisible());
    assert.ok(await table.getByRole('rowheader', { name: 'Offerte e promozioni' }).isVisible());
    assert.equal(await page.getByRole('table').count(), 1, 'an identified customer’s receipt: the change only, no table of the whole state');
    await assertAccessible(page, 'the receipt page, Italian');
    // At 400 % zoom (320 CSS px wide) nothing but a data table (WCAG 1.4.10's exception, in a region the keyboard scrolls) needs sideways scrolling.
    await page.setViewportSize({ width: 320, height: 256 });
    assert.equal(await page.evaluate('document.documentElement.scrollWidth'), 320, 'the page needs no horizontal scrolling at 320 px');
    await assertAccessible(page, 'the receipt page, Italian, at 320 × 256');
    await page.setViewportSize({ width: 1280, height: 720 });
    // The stylesheet applied (the policy allows 'self'): the main column is centred and bounded.
    assert.equal(await page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth"), '832px');

    // Keyboard only: Tab reaches each link to another shipped language, in order, then the JSON link; Enter saves the file.
    for (const locale of SHIPPED_LOCALES.filter((other) => other !== 'it')) {
      await page.keyboard.press('Tab');
      assert.equal(await page.locator(':focus').getAttribute('hreflang'), locale);
    }
    await page.keyboard.press('Tab');
    assert.equal(await page.locator(':focus').innerText(), t.t('receipt.page.json'));
    const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
    assert.equal(outline, 'solid', 'the focused link shows where the keyboard is');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: BROWSER_WAIT_MS }), page.keyboard.press('Enter')]);
    assert.match(download.suggestedFilename(), /^consent-receipt-[0-9a-f-]{36}\.json$/);
    const saved = JSON.parse(readFileSync(await download.path(), 'utf8')) as { receipt: { consentReceiptID: string }; jws: string };
    assert.deepEqual(saved, await (await fetch(url, { headers: { accept: 'application/json' } })).json(), 'the signed JSON as the link serves it');
    assert.ok(download.suggestedFilename().includes(saved.receipt.consentReceiptID));
    assert.ok((await page.locator('pre code').innerText()).endsWith(download.suggestedFilename()), 'the command names the saved file');

    // The other language, one click away.
    await page.getByRole('link', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: translations.for('en').t('receipt.page.title') }).waitFor({ timeout: BROWSER_WAIT_MS });
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await assertAccessible(page, 'the receipt page, English');
    assert.deepEqual(problems, [], 'no script error, no blocked resource');
  });

  it('a link that opens no receipt: a page in the browser\'s language (lang set) that passes axe', async () => {
    const { translations, stack } = suite;
    for (const [browserLocale, locale] of [['de-DE', 'de'], ['en-US', 'en']] as const) {
      const { page } = await suite.newPage({ locale: browserLocale });
      const response = await page.goto(`${stack.baseUrl}/receipts/not-a-receipt-token`, { waitUntil: 'load' });
      assert.equal(response?.status(), 404);
      assert.equal(await page.locator('html').getAttribute('lang'), locale);
      const title = translations.for(locale).t('receipt.page.notFoundTitle');
      await page.getByRole('heading', { level: 1, name: title }).waitFor({ timeout: BROWSER_WAIT_MS });
      assert.equal(await page.title(), title);
      await assertAccessible(page, `the receipt-not-found page, ${locale}`);
    }
  });

  it('a link with a query we do not serve (?lang=sv): a page in the browser\'s language that passes axe and whose link opens the receipt', async () => {
    const { translations } = suite;
    const url = await italianReceiptLink();
    const { page, problems } = await suite.newPage({ locale: 'fr-FR' });
    const response = await page.goto(`${url}?lang=sv`, { waitUntil: 'load' });
    assert.equal(response?.status(), 400);
    const t = translations.for('fr');
    assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
    await page.getByRole('heading', { level: 1, name: t.t('receipt.page.badQueryTitle') }).waitFor({ timeout: BROWSER_WAIT_MS });
    assert.equal(await page.title(), t.t('receipt.page.badQueryTitle'));
    await assertAccessible(page, 'the receipt link with a bad query, French');
    // Keyboard: Tab to the one link, Enter: the receipt, in its own language (Italian).
    await page.keyboard.press('Tab');
    assert.equal(await page.locator(':focus').innerText(), t.t('receipt.page.openAsSent'));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: translations.for('it').t('receipt.page.title') }).waitFor({ timeout: BROWSER_WAIT_MS });
    assert.equal(page.url(), url);
    assert.deepEqual(problems, []);
  });
});
