import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PASSWORDS } from '../agent/agent-harness';
import { eventually } from '../support/hang-guard';

/** Hang guard for a console message the browser owes us (it comes within milliseconds). */
const PROBLEM_LIMIT_MS = 10_000;

/** How long a step waits for the page, ms: only a guard against a hang. */
export const WAIT_MS = 10_000;

/** Records CSP (and Trusted Types) violations from the first script on: the console must need nothing its policy forbids. */
const RECORD_CSP_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
  });
`;

export interface OpenConsole {
  readonly page: Page;
  /** Dialogs (alert, confirm, prompt) the page opened: must stay empty. */
  readonly dialogs: string[];
  /** Console errors and uncaught page errors. */
  readonly problems: string[];
  /** Every URL the page requested. */
  readonly requested: string[];
  /** Every URL that was answered (a request the page's policy blocked is requested, never loaded). */
  readonly loaded: string[];
  readonly baseUrl: string;
}

/**
 * Opens `/agent` in a fresh context (closed by the caller through `contexts`), recording what a healthy page must not do.
 * `locale`: the browser's language (its `Accept-Language`), which the console follows.
 */
export async function openConsole(browser: Browser, baseUrl: string, contexts: BrowserContext[], prepare?: (page: Page) => Promise<void>, locale = 'en-US'): Promise<OpenConsole> {
  const context = await browser.newContext({ locale, acceptDownloads: true });
  contexts.push(context);
  await context.addInitScript({ content: RECORD_CSP_VIOLATIONS });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const problems: string[] = [];
  const requested: string[] = [];
  const loaded: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    // The sign-in page asks for the session first; the browser reports the expected 401 as a console error.
    if (message.type() === 'error' && !/401/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => requested.push(request.url()));
  page.on('requestfinished', (request) => loaded.push(request.url()));
  if (prepare) await prepare(page);
  const response = await page.goto(`${baseUrl}/agent`, { waitUntil: 'load' });
  assert.equal(response?.status(), 200);
  return { page, dialogs, problems, requested, loaded, baseUrl };
}

/**
 * Signs in with the keyboard only: type, Tab, type, Enter; the view the role opens on shows its
 * heading. The field is found by its label, in the page's language.
 */
export async function signInByKeyboard(page: Page, username: string, heading = 'Waiting customers', usernameLabel = 'Username'): Promise<void> {
  const user = page.getByLabel(usernameLabel);
  await user.waitFor({ state: 'visible', timeout: WAIT_MS });
  await user.focus();
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORDS[username]);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: heading }).waitFor({ state: 'visible', timeout: WAIT_MS });
  assert.equal(await page.locator('#who-name').innerText(), username);
}

export { assertAccessible } from '../support/axe';

export async function assertHealthy(open: OpenConsole): Promise<void> {
  const violations = (await open.page.evaluate('window.__cspViolations')) as string[];
  assert.deepEqual(violations, [], `CSP violations: ${violations.join('; ')}`);
  assert.deepEqual(open.problems, []);
  assert.deepEqual(open.dialogs, []);
  const foreign = open.requested.filter((url) => new URL(url).host !== new URL(open.baseUrl).host);
  assert.deepEqual(foreign, [], 'the console loads nothing from elsewhere');
}

/**
 * Takes out of `open.problems` the console error matching `pattern` (a refusal the test expects), or
 * with `all` every one (the browser says it once per script it blocks); fails when none arrives. The
 * browser reports console messages on its own time, after what the page shows: this waits for it.
 */
export async function expectProblem(open: OpenConsole, pattern: RegExp, options: { all?: boolean } = {}): Promise<void> {
  await eventually(() => open.problems.some((p) => pattern.test(p)), `a console error matching ${String(pattern)} (seen: ${open.problems.join('; ') || 'none'})`, PROBLEM_LIMIT_MS);
  const first = open.problems.findIndex((p) => pattern.test(p));
  assert.ok(first >= 0, `expected a console error matching ${String(pattern)}: ${open.problems.join('; ')}`);
  if (!options.all) {
    open.problems.splice(first, 1);
    return;
  }
  const rest = open.problems.filter((p) => !pattern.test(p));
  open.problems.splice(0, open.problems.length, ...rest);
}
