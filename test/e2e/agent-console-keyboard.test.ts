import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { TranscriptLine } from '../../src/handoff/handoff-types';
import { newHandoff } from '../agent/agent-harness';
import { boxOf, contrastRatio, focusIndicator, overlaps } from '../support/contrast';
import { assertVisibleFocus, focusOn as focusWithin, NON_TEXT_CONTRAST } from './focus-checks';
import { assertAccessible, assertHealthy, signInByKeyboard, WAIT_MS } from './agent-console-page';
import { consoleInChromium } from './console-in-chromium';

/** Waits until the element matching `selector` has focus, after `step` (the console's wait). */
function focusOn(page: Page, selector: string, step: string): Promise<void> {
  return focusWithin(page, selector, step, WAIT_MS);
}

/** Waits until the polite live region has said `text`. */
async function announced(page: Page, text: string | RegExp): Promise<void> {
  await page
    .locator('#announcements[aria-live="polite"] p', { hasText: text })
    .waitFor({ state: 'attached', timeout: WAIT_MS })
    .catch(async (err: unknown) => {
      const said = await page.locator('#announcements p').allInnerTexts();
      throw new Error(`hang guard: the live region never said ${String(text)}; it said ${JSON.stringify(said)} (${String(err)})`);
    });
}

/** A conversation long enough that the transcript scrolls. */
function longTranscript(lines: number): TranscriptLine[] {
  const start = Date.now() - lines * 1000;
  return Array.from({ length: lines }, (_, i) => ({ from: i % 2 === 0 ? 'customer' : 'bot', text: `line ${i + 1} of a long conversation`, at: new Date(start + i * 1000).toISOString() }) as TranscriptLine);
}

/**
 * The agent console with the keyboard alone (issue 18): where focus is after each step of sign in,
 * claim, write, compare an identifier and return to the bot; the focus ring and the fields' edges
 * at 3:1 from their rendered styles, the ring clear of the labels; focus kept when the queue is
 * redrawn under it; the polite live region telling of a new waiting customer, a claim by another
 * agent and the customer's messages; axe on the sign-in page, the queue and a conversation whose
 * transcript scrolls.
 */
describe('Agent console by keyboard (Chromium): focus that holds, rings that show, news announced', function () {
  this.timeout(90_000);

  const world = consoleInChromium();
  let subjectId: string;

  before(async () => {
    const subject = await world.ledger.subjects.register(
      { identifiers: [{ kind: 'email', value: 'anna.keyboard@example.com' }], regime: 'gdpr', preferredLocale: 'en' },
      { actor: 'system:test', reason: 'test subject' },
    );
    subjectId = subject.id;
  });

  it('sign in, claim, write, compare, return to the bot: focus after every step, rings at 3:1 clear of labels, the queue redrawn under focus, news announced; axe clean', async () => {
    const open = await world.open();
    const { page } = open;
    await page.getByLabel('Username').waitFor({ state: 'visible', timeout: WAIT_MS });
    await focusOn(page, '#username', 'opening the page');
    await assertAccessible(page, 'the sign-in page');
    // The fields' edges: 3:1 against the card they sit on.
    for (const field of ['#username', '#password']) {
      const edge = (await page.evaluate(`(() => { const s = getComputedStyle(document.querySelector('${field}')); return [s.borderTopColor, getComputedStyle(document.querySelector('#sign-in')).backgroundColor]; })()`)) as [string, string];
      assert.ok(contrastRatio(edge[0], edge[1]) >= NON_TEXT_CONTRAST, `${field}: its border ${edge[0]} on ${edge[1]} is ${contrastRatio(edge[0], edge[1]).toFixed(2)}:1`);
    }

    // Sign in: the queue's heading takes focus.
    await signInByKeyboard(page, 'alice');
    await focusOn(page, '#queue-title', 'signing in');
    await assertAccessible(page, 'the empty queue');

    // A customer starts waiting: said in the live region; focus stays where it was.
    const a = (await world.hub.enqueue(newHandoff({ locale: 'en', claimedIdentity: { kind: 'email', masked: 'a***@example.com', subjectId }, transcript: longTranscript(40) }))).ticket;
    await announced(page, /^A customer is waiting: Identity check · English/);
    await focusOn(page, '#queue-title', 'a customer joining');

    // Tab: the customer's Claim button.
    await page.keyboard.press('Tab');
    const claimA = `#queue li[data-ticket="${a.id}"] button`;
    await focusOn(page, claimA, 'Tab from the heading');
    await assertVisibleFocus(page, 'Tab to Claim');

    // Another customer joins while focus is on Claim: the queue is redrawn, focus stays on the same button.
    const b = (await world.hub.enqueue(newHandoff({ locale: 'en', reason: 'customer_request', pendingAction: undefined }))).ticket;
    await page.locator(`#queue li[data-ticket="${b.id}"]`).waitFor({ state: 'visible', timeout: WAIT_MS });
    await announced(page, /^A customer is waiting: Asked for a person/);
    await focusOn(page, claimA, 'the queue redrawn');
    await assertAccessible(page, 'the queue with two customers');

    // Enter claims: focus goes to the message box; its ring shows, on its edge, clear of its label.
    await page.keyboard.press('Enter');
    await focusOn(page, '#message', 'claiming');
    await assertVisibleFocus(page, 'claiming');
    const ring = await focusIndicator(page);
    assert.ok(ring);
    const label = await boxOf(page, 'label[for="message"]');
    assert.ok(!overlaps(ring.ring, label), `the message box's focus ring (${JSON.stringify(ring.ring)}) covers its label (${JSON.stringify(label)})`);
    const fieldEdge = (await page.evaluate("[getComputedStyle(document.querySelector('#message')).borderTopColor, getComputedStyle(document.querySelector('.conversation')).backgroundColor]")) as [string, string];
    assert.ok(contrastRatio(fieldEdge[0], fieldEdge[1]) >= NON_TEXT_CONTRAST, `the message box's border is ${contrastRatio(fieldEdge[0], fieldEdge[1]).toFixed(2)}:1`);

    // Write: the line shows, focus stays in the box for the next one.
    await page.keyboard.type('Hello, I am Alice');
    await page.keyboard.press('Enter');
    await page.locator('#transcript li.from-agent', { hasText: 'Hello, I am Alice' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    await focusOn(page, '#message', 'sending a message');

    // The customer answers: announced; another agent takes the other customer: announced.
    await world.hub.postCustomerMessage(a.id, 'Hi Alice, it is Anna');
    await announced(page, 'The customer wrote: Hi Alice, it is Anna');
    await world.hub.claim(b.id, 'bob');
    await announced(page, /^Another agent took a waiting customer: Asked for a person/);
    await focusOn(page, '#message', 'the queue changing meanwhile');

    // The transcript scrolls, so it takes focus and the keyboard scrolls it (axe: scrollable-region-focusable).
    const scroll = (): Promise<{ top: number; height: number; client: number }> =>
      page.evaluate("(() => { const t = document.querySelector('#transcript'); return { top: t.scrollTop, height: t.scrollHeight, client: t.clientHeight }; })()") as Promise<{ top: number; height: number; client: number }>;
    const before = await scroll();
    assert.ok(before.height > before.client, 'the long transcript overflows its box');
    await assertAccessible(page, 'a conversation with a long transcript');
    await page.keyboard.press('Shift+Tab');
    await focusOn(page, '#transcript', 'Shift+Tab from the message box');
    await assertVisibleFocus(page, 'Shift+Tab to the transcript');
    await page.keyboard.press('Home');
    for (let polls = 0; (await scroll()).top >= before.top; polls += 1) {
      assert.ok(polls < 200, 'hang guard: Home never scrolled the transcript');
      await page.locator('#transcript').evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
    }

    // Compare what the customer gave: the answer is said; focus stays in the field.
    await page.getByLabel('Value the customer gave').focus();
    await assertVisibleFocus(page, 'moving to the value field');
    await page.keyboard.type('anna.keyboard@example.com');
    await page.keyboard.press('Enter');
    await page.getByText('Matches the record.').waitFor({ state: 'visible', timeout: WAIT_MS });
    await focusOn(page, '#check-value', 'comparing');

    // How the agent checked: choices whose words show whole in the narrow column (a select cut them off), chosen with the arrows.
    const clipped = (await page.evaluate(
      "Array.from(document.querySelectorAll('#method label')).filter((l) => l.scrollWidth > l.clientWidth || l.getBoundingClientRect().right > document.querySelector('#verification-card').getBoundingClientRect().right).map((l) => l.textContent)",
    )) as string[];
    assert.deepEqual(clipped, [], 'every way of checking reads whole');
    await page.getByLabel('Questions about the data on record').focus();
    await assertVisibleFocus(page, 'moving to the ways of checking');
    await page.keyboard.press('ArrowDown');
    await focusOn(page, '#method-knowledge:checked', 'ArrowDown among the ways of checking');

    // Return to the bot: Tab from the note to the button; afterwards focus is on the queue's heading, not the page.
    await page.getByLabel('Note (kept in the ledger)').focus();
    await page.keyboard.type('checked by email');
    for (const id of ['mark-verified', 'mark-failed', 'return-to-bot']) {
      await page.keyboard.press('Tab');
      await focusOn(page, `#${id}`, `Tab to #${id}`);
      await assertVisibleFocus(page, `Tab to #${id}`);
    }
    await page.keyboard.press('Enter');
    await page.getByText(/Conversation closed/).waitFor({ state: 'visible', timeout: WAIT_MS });
    await focusOn(page, '#queue-title', 'returning the customer to the bot');
    await assertVisibleFocus(page, 'returning the customer to the bot');
    assert.equal((await world.hub.get(a.id))?.status, 'completed');
    await assertAccessible(page, 'the conversation returned to the bot');

    // Windows high contrast: the system's colours replace ours; the focus ring is still drawn and still stands out.
    await page.emulateMedia({ forcedColors: 'active', reducedMotion: 'reduce' });
    await focusOn(page, '#queue-title', 'switching to forced colours');
    await assertVisibleFocus(page, 'switching to forced colours');
    await page.keyboard.press('Tab');
    await assertVisibleFocus(page, 'Tab in forced colours');
    await assertHealthy(open);
  });
});
