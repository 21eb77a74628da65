import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Frame, Page } from 'playwright-core';

/** axe-core's browser build, read once. */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The rules of WCAG 2.0 and 2.1, levels A and AA. */
export const WCAG21_AA_TAGS: readonly string[] = Object.freeze(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);

/** axe's own advice beyond WCAG: listed in the test output, never failing a test. */
const BEST_PRACTICE_TAG = 'best-practice';

/** One failed rule, with the elements that fail it (their selectors and what axe says to fix). */
export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: string; readonly failure: string }[];
}

interface TaggedViolation extends AxeViolation {
  readonly tags: readonly string[];
}

/** Best-practice findings already printed, by page address and rule: a page checked after each step prints each once. */
const printed = new Set<string>();

/**
 * Runs axe-core on the page as it is now and answers the violations of WCAG 2.1 AA. Its
 * best-practice findings (not WCAG failures) are printed to the test output instead, once per
 * page and rule, naming `where` (the page's address by default), so they are seen without
 * failing. axe is put in through the DevTools protocol (not a <script>), so a page whose CSP
 * allows only its own scripts needs no exception for the test. Frames' contents are left out
 * (the frame element itself is checked: its title): check a frame's document on its own, passing its Frame.
 */
export async function axeViolations(page: Page | Frame, where?: string): Promise<AxeViolation[]> {
  await page.evaluate(`${AXE_SOURCE};void 0`);
  const found: TaggedViolation[] = await page.evaluate(async (tags) => {
    interface AxeResult {
      violations: { id: string; impact: string | null; help: string; tags: string[]; nodes: { target: unknown[]; failureSummary?: string }[] }[];
    }
    const page = globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<AxeResult> }; document: unknown };
    const result = await page.axe.run(page.document, { runOnly: { type: 'tag', values: tags }, iframes: false, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, tags: v.tags, nodes: v.nodes.map((n) => ({ target: n.target.map(String).join(' '), failure: n.failureSummary ?? '' })) }));
  }, [...WCAG21_AA_TAGS, BEST_PRACTICE_TAG]);
  const isWcag = (v: TaggedViolation): boolean => v.tags.some((tag) => WCAG21_AA_TAGS.includes(tag));
  printBestPractice(found.filter((v) => !isWcag(v)), where ?? page.url());
  return found.filter(isWcag).map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes }));
}

function printBestPractice(findings: readonly AxeViolation[], where: string): void {
  const fresh = findings.filter((finding) => !printed.has(`${where}\n${finding.id}`));
  if (fresh.length === 0) return;
  for (const finding of fresh) printed.add(`${where}\n${finding.id}`);
  // The page address can hold a private link's token: only its path's first segment is printed.
  console.log(`    axe best practice (not WCAG; advice only), ${redactedWhere(where)}:\n${describeViolations(fresh).replace(/^/gm, '      ')}`);
}

/** A page address without its capability token or query (receipt and copy links are private). */
function redactedWhere(where: string): string {
  try {
    const url = new URL(where);
    const [first] = url.pathname.split('/').filter(Boolean);
    return `${url.protocol}//${url.host}/${first ?? ''}`;
  } catch {
    return where;
  }
}

/** Fails, listing each violation with its elements, when the page (or frame) breaks a WCAG 2.1 A/AA rule axe checks. */
export async function assertAccessible(page: Page | Frame, where: string): Promise<void> {
  const violations = await axeViolations(page, where);
  assert.deepEqual(violations.map((v) => v.id), [], `axe (WCAG 2.1 AA), ${where}:\n${describeViolations(violations)}`);
}

/** A readable list of violations for an assertion message. */
export function describeViolations(violations: readonly AxeViolation[]): string {
  return violations.map((v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.help}\n${v.nodes.map((n) => `  ${n.target}: ${n.failure.replace(/\n/g, ' ')}`).join('\n')}`).join('\n');
}
