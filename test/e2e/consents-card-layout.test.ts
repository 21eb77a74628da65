import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { ShippedLocale } from '../../src/i18n/shipped-locales';
import type { Translator } from '../../src/i18n/translator';
import type { OutboxEntry } from '../../src/integrations/messaging/message-outbox';
import { assertAccessible } from '../support/axe';
import { BROWSER_WAIT_MS } from './chromium';
import { useConsentBrowser } from './consent-browser';
import { assertNothingFailed, openWebChat, see, send, transcript } from './web-chat-page';

/** Phone-sized and the embedded frame's width (the README's iframe is 420 px at most; the signed-in demo frames 480). */
const WIDTHS = [320, 480] as const;

const CASES: readonly { locale: ShippedLocale; browserLocale: string; who: 'maya' | 'giulia'; ask: string }[] = [
  { locale: 'en', browserLocale: 'en-US', who: 'maya', ask: 'What did I agree to?' },
  { locale: 'it', browserLocale: 'it-IT', who: 'giulia', ask: 'A cosa ho acconsentito?' },
];

/** A word of the card that the browser laid out over more than one line box, or wider than its element. */
interface BrokenWord {
  readonly word: string;
  readonly lineBoxes: number;
  readonly text: string;
}

/**
 * Every word of every text in the card, with the line boxes the browser gave it (Range.getClientRects):
 * a word broken inside ("Em|ail") has two. Also a word reaching outside the block holding it (clipped).
 * Page-side source: the project type-checks without the DOM library.
 */
const BROKEN_WORDS_IN = `
  const broken = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent || '';
    const holder = (node.parentElement && node.parentElement.closest('.ac-textBlock, .ac-factset td, .ac-container, p')) || node.parentElement;
    const box = holder ? holder.getBoundingClientRect() : undefined;
    for (const match of text.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const rects = [...range.getClientRects()].filter((rect) => rect.width > 0 && rect.height > 0);
      const lineBoxes = new Set(rects.map((rect) => Math.round(rect.top))).size;
      const clipped = box !== undefined && rects.some((rect) => rect.right > box.right + 1 || rect.left < box.left - 1);
      if (lineBoxes > 1 || clipped) broken.push({ word: match[0], lineBoxes, text });
    }
  }
  return broken;
`;

async function brokenWords(card: Locator): Promise<BrokenWord[]> {
  return card.evaluate(new Function('root', BROKEN_WORDS_IN) as (root: unknown) => BrokenWord[]);
}

async function settled(page: Page): Promise<void> {
  await page.evaluate(new Function('return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))))') as () => Promise<boolean>);
}

async function outbox(baseUrl: string): Promise<OutboxEntry[]> {
  const response = await fetch(`${baseUrl}/dev/outbox`, { headers: { accept: 'application/json' } });
  assert.equal(response.status, 200, 'GET /dev/outbox');
  return (await response.json()) as OutboxEntry[];
}

/**
 * The consents card as Web Chat renders it, in Chromium at 320 and 480 px: every channel name and
 * state reads whole — no word split over two lines ("Em / ail", "notificatio / ns"), none clipped —
 * and the card never scrolls sideways. The customer proves who they are with a code from the
 * development outbox, as in identity-code.test.ts, then asks for their consents.
 */
describe('the consents card reads well from 320 px up (Web Chat, Chromium)', function () {
  this.timeout(90_000);
  const suite = useConsentBrowser();

  for (const c of CASES) {
    it(`${c.locale}: at ${WIDTHS.join(' and ')} px no word of the card is broken or clipped`, async () => {
      const { stack } = suite;
      const t: Translator = suite.translations.for(c.locale);
      const who = stack.demo[c.who];
      const { page, problems } = await suite.newPage({ locale: c.browserLocale, viewport: { width: WIDTHS[0], height: 900 } });
      await openWebChat(page, stack.baseUrl, t.t('bot.welcome'));

      await send(page, c.ask);
      await see(page, t.t('identity.prompt'));
      await send(page, who.email);
      await see(page, t.t('identityCode.sent.email', { masked: who.masked, count: 10 }));
      const mail = (await outbox(stack.baseUrl)).filter((entry) => entry.to === who.email).at(-1);
      const code = /\b(\d{6})\b/.exec(mail?.text ?? '')?.[1];
      assert.ok(code, 'the email carries the code');
      await send(page, code);

      const card = transcript(page).locator('.ac-adaptiveCard').filter({ hasText: t.t('consent.overview.title') }).first();
      await card.waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
      const cardText = await card.innerText();
      for (const channel of ['email', 'sms', 'push']) {
        const name = t.t(`consent.channel.${channel}`);
        assert.ok(cardText.toLowerCase().includes(name.toLowerCase()), `the card names ${name}: ${cardText}`);
      }

      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        await settled(page);
        assert.deepEqual(await brokenWords(card), [], `at ${width} px every word of the card is on one line and inside its box`);
        const overflow = await card.evaluate(new Function('root', 'return root.scrollWidth - root.clientWidth') as (root: unknown) => number);
        assert.ok(overflow <= 0, `at ${width} px the card does not scroll sideways (${overflow} px too wide)`);
        await assertAccessible(page, `the consents card at ${width} px, ${c.locale}`);
      }
      await assertNothingFailed(page, problems);
    });
  }
});
