import { readFileSync } from 'node:fs';
import type { Frame, Page } from 'playwright-core';

/** axe-core's browser build, read once. */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The rules of WCAG 2.0 and 2.1, levels A and AA. */
export const WCAG21_AA_TAGS: readonly string[] = Object.freeze(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);

/** One failed rule, with the elements that fail it (their selectors and what axe says to fix). */
export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: string; readonly failure: string }[];
}

/**
 * Runs axe-core on the page as it is now against WCAG 2.1 AA and answers the violations. axe is put
 * in through the DevTools protocol (not a <script>), so a page whose CSP allows only its own scripts
 * needs no exception for the test. Frames' contents are left out (the frame element itself is
 * checked: its title): check a frame's document on its own, passing its Frame.
 */
export async function axeViolations(page: Page | Frame): Promise<AxeViolation[]> {
  await page.evaluate(`${AXE_SOURCE};void 0`);
  return page.evaluate(async (tags) => {
    interface AxeResult {
      violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[];
    }
    const page = globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<AxeResult> }; document: unknown };
    const result = await page.axe.run(page.document, { runOnly: { type: 'tag', values: tags }, iframes: false, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target.map(String).join(' '), failure: n.failureSummary ?? '' })) }));
  }, [...WCAG21_AA_TAGS]);
}

/** A readable list of violations for an assertion message. */
export function describeViolations(violations: readonly AxeViolation[]): string {
  return violations.map((v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.help}\n${v.nodes.map((n) => `  ${n.target}: ${n.failure.replace(/\n/g, ' ')}`).join('\n')}`).join('\n');
}
