import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { contrastRatio, focusIndicator } from '../support/contrast';
import { BROWSER_WAIT_MS } from './chromium';

/** WCAG 1.4.11: what marks a control or its focus must stand 3:1 against what is next to it. */
export const NON_TEXT_CONTRAST = 3;

/** Waits until the element matching `selector` has focus, after `step`; the wait only guards against a hang. */
export async function focusOn(page: Page, selector: string, step: string, waitMs = BROWSER_WAIT_MS): Promise<void> {
  await page
    .locator(`${selector}:focus`)
    .waitFor({ state: 'attached', timeout: waitMs })
    .catch(async (err: unknown) => {
      const active = await page.evaluate("document.activeElement ? document.activeElement.outerHTML.slice(0, 160) : 'none'");
      throw new Error(`hang guard: after ${step}, focus never reached ${selector}; it is on ${String(active)} (${String(err)})`);
    });
}

/**
 * The focus ring after `step`, from the rendered styles: solid, at least 2 px, 3:1 against what
 * surrounds it. `ringOn`: the element that draws it when not the focused one (a box around a field).
 */
export async function assertVisibleFocus(page: Page, step: string, ringOn = ''): Promise<void> {
  const ring = await focusIndicator(page, ringOn);
  assert.ok(ring, `after ${step} something has focus`);
  assert.equal(ring.outlineStyle, 'solid', `${ring.element}: a focus ring after ${step}`);
  assert.ok(ring.outlineWidth >= 2, `${ring.element}: the ring is ${ring.outlineWidth} px`);
  const ratio = contrastRatio(ring.outlineColor, ring.backdrop);
  assert.ok(ratio >= NON_TEXT_CONTRAST, `${ring.element}: the ring ${ring.outlineColor} on ${ring.backdrop} is ${ratio.toFixed(2)}:1, under 3:1`);
}
