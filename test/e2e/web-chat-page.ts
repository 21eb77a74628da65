import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { BROWSER_WAIT_MS, textPattern } from './chromium';

/** Web Chat's own "send failed" status (en-US and it-IT). */
export const SEND_FAILED: readonly RegExp[] = Object.freeze([/Send failed/i, /Invio non riuscito/i]);

/** The conversation as Web Chat renders it. */
export function transcript(page: Page): Locator {
  return page.locator('.webchat__basic-transcript');
}

/** Waits until the transcript shows `text`: a message (its quotes as Markdown renders them) or a pattern. */
export async function see(page: Page, text: string | RegExp): Promise<void> {
  await transcript(page)
    .getByText(typeof text === 'string' ? textPattern(text) : text)
    .first()
    .waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
}

/** Waits until the transcript shows a whole message: Web Chat renders each paragraph as an element of its own. */
export async function seeMessage(page: Page, text: string): Promise<void> {
  for (const paragraph of text.split('\n\n')) await see(page, paragraph);
}

/** Types a message in Web Chat's send box and sends it with Enter, as a customer does. */
export async function send(page: Page, text: string): Promise<void> {
  const input = page.locator('[data-id="webchat-sendbox-input"]');
  await input.fill(text);
  await input.press('Enter');
}

/** Opens the Web Chat page the bot serves at `GET /` and waits for its welcome. */
export async function openWebChat(page: Page, baseUrl: string, welcome: string): Promise<void> {
  assert.equal((await page.goto(`${baseUrl}/`, { waitUntil: 'load' }))?.status(), 200, `GET ${baseUrl}/`);
  await see(page, welcome);
}

/** The chat went through as the customer saw it: no message marked "send failed", no script error on the page. */
export async function assertNothingFailed(page: Page, problems: readonly string[]): Promise<void> {
  const bodyText = await page.locator('body').innerText();
  for (const failed of SEND_FAILED) assert.doesNotMatch(bodyText, failed);
  assert.deepEqual(problems, []);
}
