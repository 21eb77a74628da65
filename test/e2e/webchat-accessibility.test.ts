import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { Translator } from '../../src/i18n/translator';
import { sentencePattern } from '../consent-bot/consent-stack';
import { assertAccessible } from '../support/axe';
import { Box, contrastRatio, focusIndicator } from '../support/contrast';
import { eventually } from '../support/hang-guard';
import { BROWSER_WAIT_MS } from './chromium';
import { useConsentBrowser } from './consent-browser';
import { assertVisibleFocus, focusOn, NON_TEXT_CONTRAST } from './focus-checks';
import { assertNothingFailed, openWebChat, see, transcript } from './web-chat-page';

/** WCAG 1.4.10 (reflow): a 1280 × 1024 screen at 400 % zoom is a window of 320 × 256 CSS px. */
const ZOOMED_400 = { width: 320, height: 256 } as const;

/** Web Chat's send box, its text field and the box that draws our ring around it. */
const SEND_BOX_INPUT = '[data-id="webchat-sendbox-input"]';
const SEND_BOX_RING = '#webchat .webchat__send-box-text-box';
const SUGGESTED_ACTION = '.webchat__suggested-actions button';

/** Layout of what a reader needs, CSS px, from the rendered page. */
interface ChatLayout {
  readonly viewport: { readonly width: number; readonly height: number };
  /** The page's own width: more than the viewport means sideways scrolling. */
  readonly pageWidth: number;
  /** The transcript's visible box (its scrolling area). */
  readonly transcript: Box;
  /** The last message from the bot, whole (it may be taller than the transcript). */
  readonly lastBotMessage: Box | null;
  readonly lastBotText: string;
  readonly sendBox: Box;
}

const READ_LAYOUT = `(() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return { top: r.top, right: r.right, bottom: r.bottom, left: r.left }; };
  const bot = Array.from(document.querySelectorAll('.webchat__basic-transcript__activity')).filter((a) => !a.querySelector('.webchat__bubble--from-user'));
  const last = bot[bot.length - 1];
  return {
    viewport: { width: document.documentElement.clientWidth, height: document.documentElement.clientHeight },
    pageWidth: document.documentElement.scrollWidth,
    transcript: box(document.querySelector('.webchat__basic-transcript__scrollable')),
    lastBotMessage: last ? box(last) : null,
    lastBotText: last ? last.innerText : '',
    sendBox: box(document.querySelector('${SEND_BOX_INPUT}')),
  };
})()`;

function layout(page: Page): Promise<ChatLayout> {
  return page.evaluate(READ_LAYOUT) as Promise<ChatLayout>;
}

/** How much of `inner` shows inside `outer`, in px of height. */
function visibleHeight(inner: Box, outer: Box): number {
  return Math.max(0, Math.min(inner.bottom, outer.bottom) - Math.max(inner.top, outer.top));
}

function inside(inner: Box, outer: { width: number; height: number }): boolean {
  return inner.top >= 0 && inner.left >= 0 && inner.bottom <= outer.height && inner.right <= outer.width;
}

/** Two lines of Web Chat's text (its 14 px font at 20 px a line): enough to read from, not a sliver. */
const READABLE_PX = 40;

/** Three lines: the least the transcript keeps beside the heading, the menu and the send box. */
const TRANSCRIPT_MIN_PX = 60;

/** The window's width for the page, the send box whole in it, the transcript at least three lines high. */
function assertRoomToRead(seen: ChatLayout, where: string): void {
  assert.equal(seen.pageWidth, ZOOMED_400.width, `${where}: the page needs no horizontal scrolling`);
  assert.ok(inside(seen.sendBox, seen.viewport), `${where}: the send box shows whole: ${JSON.stringify(seen.sendBox)}`);
  const height = seen.transcript.bottom - seen.transcript.top;
  assert.ok(height >= TRANSCRIPT_MIN_PX, `${where}: the transcript is ${height} px high, under three lines`);
}

/**
 * Waits until the last bot message (containing `expected`) shows at least READABLE_PX inside the
 * transcript — Web Chat scrolls to it after rendering — and answers the layout then.
 */
async function lastBotMessageShows(page: Page, expected: string): Promise<ChatLayout> {
  let seen: ChatLayout | undefined;
  await eventually(
    async () => {
      seen = await layout(page);
      return seen.lastBotMessage !== null && seen.lastBotText.includes(expected) && visibleHeight(seen.lastBotMessage, seen.transcript) >= READABLE_PX;
    },
    `the last bot message ("${expected.slice(0, 40)}…") showing ${READABLE_PX} px in the transcript`,
    BROWSER_WAIT_MS,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}; the layout last seen: ${JSON.stringify(seen)}`);
  });
  assert.ok(seen);
  return seen;
}

/** The first paragraph of a bot message, as Markdown shows it (typographic quotes). */
function firstParagraph(text: string): string {
  return text.split('\n\n')[0].split('\n')[0].replace(/'/g, '’').slice(0, 30);
}

/**
 * Web Chat for every customer (issue 18): at 400 % zoom the conversation keeps room — the last
 * bot message and the send box show, nothing scrolls sideways; a customer withdraws a consent with
 * the keyboard alone, focus where it should be after every step, the send box's ring seen (3:1) when
 * it has focus and not otherwise; axe finds no WCAG 2.1 A/AA violation at any step.
 */
describe('Web Chat for every customer: 400 % zoom, keyboard only, axe (Chromium)', function () {
  this.timeout(90_000);
  const suite = useConsentBrowser();


  it('en at 320 × 256 CSS px: the last bot message and the send box show, before and after a message; nothing scrolls sideways; axe clean', async () => {
    const t: Translator = suite.translations.for('en');
    const { page, problems } = await suite.newPage({ locale: 'en-US', viewport: ZOOMED_400 });
    await openWebChat(page, suite.stack.baseUrl, t.t('bot.welcome'));

    assertRoomToRead(await lastBotMessageShows(page, firstParagraph(t.t('bot.welcome'))), 'the welcome');
    await assertAccessible(page, 'the welcome at 320 × 256');

    // The customer writes; the bot's answer is the last message and shows, with the send box.
    const input = page.locator(SEND_BOX_INPUT);
    await input.fill('Stop texting me offers');
    await input.press('Enter');
    await see(page, t.t('identity.prompt'));
    assertRoomToRead(await lastBotMessageShows(page, firstParagraph(t.t('identity.prompt'))), 'the answer');
    const overflowing = (await transcript(page).evaluate(new Function('root', 'return root.scrollWidth - root.clientWidth') as (root: unknown) => number)) > 0;
    assert.equal(overflowing, false, 'the transcript does not scroll sideways');
    await assertAccessible(page, 'an answer at 320 × 256');
    await assertNothingFailed(page, problems);
  });

  // The longest headings (French, 83 characters; German, 73) must not take the conversation's room either.
  for (const c of [{ locale: 'fr', browserLocale: 'fr-FR' }, { locale: 'de', browserLocale: 'de-DE' }] as const) {
    it(`${c.locale} at 320 × 256 CSS px: with the longest headings the welcome and the send box still show; nothing scrolls sideways; axe clean`, async () => {
      const t: Translator = suite.translations.for(c.locale);
      const { page, problems } = await suite.newPage({ locale: c.browserLocale, viewport: ZOOMED_400 });
      await openWebChat(page, suite.stack.baseUrl, t.t('bot.welcome'));
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), t.t('webchat.heading'), 'the whole heading is there');
      assertRoomToRead(await lastBotMessageShows(page, firstParagraph(t.t('bot.welcome'))), `the welcome in ${c.locale}`);
      await assertAccessible(page, `the welcome at 320 × 256, ${c.locale}`);
      await assertNothingFailed(page, problems);
    });
  }

  it('en, keyboard only: a customer withdraws SMS offers; focus after every step; the send box ring (3:1) only while focused; axe clean', async () => {
    const { stack } = suite;
    const t: Translator = suite.translations.for('en');
    const who = stack.demo.maya;
    const { page, problems } = await suite.newPage({ locale: 'en-US' });
    await openWebChat(page, stack.baseUrl, t.t('bot.welcome'));
    await assertAccessible(page, 'the welcome');

    // Before it has focus the send box shows no ring: the ring means "typing goes here".
    assert.equal((await focusIndicator(page, SEND_BOX_RING))?.outlineStyle, 'none', 'no ring on the send box while it is not focused');
    // Its edge: 3:1 against the white it sits on (WCAG 1.4.11).
    const [edgeStyle, edge, ground] = (await page.evaluate("(() => { const s = getComputedStyle(document.querySelector('.webchat__send-box__main')); return [s.borderTopStyle, s.borderTopColor, s.backgroundColor]; })()")) as [string, string, string];
    assert.equal(edgeStyle, 'solid', 'the send box has an edge');
    const edgeRatio = contrastRatio(edge, ground === 'rgba(0, 0, 0, 0)' ? 'rgb(255, 255, 255)' : ground);
    assert.ok(edgeRatio >= NON_TEXT_CONTRAST, `the send box's edge ${edge} is ${edgeRatio.toFixed(2)}:1`);

    // Tab from the top of the page: the transcript first (Web Chat's history, navigable with arrows), then on to the send box.
    const stops: string[] = [];
    for (let presses = 0; !(await page.locator(`${SEND_BOX_INPUT}:focus`).count()); presses += 1) {
      assert.ok(presses < 8, `the send box within a few presses of Tab; the stops: ${stops.join(' → ')}`);
      await page.keyboard.press('Tab');
      stops.push(String(await page.evaluate("(() => { const e = document.activeElement; return (e.getAttribute('aria-label') || e.textContent || e.tagName).trim().slice(0, 40); })()")));
    }
    assert.ok(
      await page.locator('.webchat__basic-transcript[tabindex="0"]').count(),
      'the transcript is a Tab stop of its own',
    );
    await assertVisibleFocus(page, 'Tab to the send box', SEND_BOX_RING);

    await page.keyboard.type('Stop texting me offers');
    await page.keyboard.press('Enter');
    await see(page, t.t('identity.prompt'));
    await focusOn(page, SEND_BOX_INPUT, 'sending the request');

    await page.keyboard.type(who.email);
    await page.keyboard.press('Enter');
    await see(page, t.t('consent.confirm.withdraw', { scope: 'offers and promotions by SMS' }));
    await focusOn(page, SEND_BOX_INPUT, 'sending the email');
    await assertAccessible(page, 'the confirmation with its buttons');

    // Shift+Tab: back to the answer buttons, on the first (Yes); Enter chooses it.
    const yes = t.t('consent.confirm.yes');
    await page.keyboard.press('Shift+Tab');
    await focusOn(page, SUGGESTED_ACTION, 'Shift+Tab from the send box');
    assert.equal((await page.locator(`${SUGGESTED_ACTION}:focus`).innerText()).trim(), yes, 'Shift+Tab lands on the first answer');
    await page.keyboard.press('Enter');
    await see(page, sentencePattern(t, 'consent.done.withdrawn', { time: undefined, scope: 'offers and promotions by SMS' }, false));
    // The buttons are gone with the question: focus is back in the send box, not lost to the page.
    await focusOn(page, SEND_BOX_INPUT, 'choosing Yes');
    await assertVisibleFocus(page, 'choosing Yes', SEND_BOX_RING);
    await transcript(page).locator(`a[href^="${stack.baseUrl}/receipts/"]`).first().waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
    await assertAccessible(page, 'the withdrawal done, with its receipt link');
    await assertNothingFailed(page, problems);
  });

  it('en, with reduced motion and Windows high contrast asked for: Web Chat\'s transitions are cut short, the send box ring stays (3:1 in the system\'s colours); axe clean', async () => {
    const t: Translator = suite.translations.for('en');
    const { page, problems } = await suite.newPage({ locale: 'en-US', reducedMotion: 'reduce', forcedColors: 'active' });
    await openWebChat(page, suite.stack.baseUrl, t.t('bot.welcome'));
    // Web Chat animates little at rest: a probe inside it, given a one-second transition and animation (through the
    // CSSOM, which the policy allows), shows what the page's rule does to whatever Web Chat would animate.
    const probeDurations = async (): Promise<string> =>
      (await page.evaluate(
        "(() => { const probe = document.createElement('div'); probe.style.transition = 'opacity 1s'; probe.style.animationDuration = '1s'; document.querySelector('#webchat').appendChild(probe); const s = getComputedStyle(probe); const durations = s.transitionDuration + ' ' + s.animationDuration; probe.remove(); return durations; })()",
      )) as string;
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    assert.equal(await probeDurations(), '1s 1s', 'without the preference the probe keeps its second');
    await page.emulateMedia({ reducedMotion: 'reduce' });
    const reduced = (await probeDurations()).split(' ').map(parseFloat);
    assert.ok(reduced.every((seconds) => seconds <= 0.001), `with reduced motion asked for, a transition and an animation are cut to ${reduced.join(' s, ')} s`);

    // Forced colours replace ours with the system's: the send box still shows its ring, against what is then behind it.
    await page.locator(SEND_BOX_INPUT).focus();
    await assertVisibleFocus(page, 'focusing the send box in forced colours', SEND_BOX_RING);
    await assertAccessible(page, 'the welcome in forced colours');
    await assertNothingFailed(page, problems);
  });
});
