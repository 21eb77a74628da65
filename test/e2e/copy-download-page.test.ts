import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import restify, { Server } from 'restify';
import { Translations } from '../../src/i18n/translator';
import { DataCopies } from '../../src/ledger/access/data-copies';
import { Ledger, openLedger } from '../../src/ledger/ledger';
import { assembleCopy } from '../../src/privacy/access/copy/assemble-copy';
import { copyDownloadRoutes } from '../../src/server/routes/copy-download-routes';
import { copyInput, SCRIPT_VALUE, zipOf } from '../privacy/access/copy/copy-fixtures';
import { assertAccessible } from '../support/axe';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { LogCapture } from '../support/test-app';
import { readZipEntries } from '../support/zip-entries';
import { BROWSER_WAIT_MS, launchChromium } from './chromium';

const DAY_MS = 24 * 60 * 60 * 1000;

interface OpenPage {
  readonly page: Page;
  /** Console errors (a resource the policy blocked shows only there), page errors and dialogs: a test expects none. */
  readonly problems: string[];
}

/**
 * The download link in a real browser: the pages (ready, not found, gone) pass axe's WCAG 2.1 AA
 * rules under their strict policy, the Download button is reached and used with the keyboard alone
 * and saves the ZIP; the report inside opens offline, loads nothing and shows markup as text.
 */
describe('the data copy download pages and report in Chromium', function () {
  this.timeout(120_000);
  let ledger: Ledger;
  let copies: DataCopies;
  let translations: Translations;
  let server: Server;
  let baseUrl: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let now = new Date('2026-11-29T10:00:00.000Z');

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    browser = await launchChromium();
    translations = await Translations.load();
    ledger = await openLedger({ ledgerDir: 'memory://', hashKey: 'copy-page-test-key-0123456789', now: () => now });
    copies = new DataCopies(ledger.db, ledger.blobs, () => now);
    server = restify.createServer({ handleUncaughtExceptions: false });
    copyDownloadRoutes({ copies, translations, defaultLocale: 'en', logger: new LogCapture().logger })(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  after(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await browser?.close();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await ledger?.close();
  });

  async function newPage(locale: string, acceptDownloads = false): Promise<OpenPage> {
    const context = await browser.newContext({ locale, acceptDownloads });
    contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // The page's own 404/410 status is reported as a failed load: expected; anything else is not.
      if (message.type() === 'error' && message.location().url !== page.url()) problems.push(`console: ${message.text()}`);
    });
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    return { page, problems };
  }

  /** A released copy of an Italian customer: its link. */
  async function copyLink(options: { days?: number } = {}): Promise<string> {
    const subject = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: `copy-page-${process.pid}-${Math.random().toString(36).slice(2)}@example.com` }], regime: 'gdpr' }, { actor: 'system:test', reason: 'test' });
    const request = await ledger.requests.open({ subjectId: subject.id, type: 'access', regime: 'gdpr', startAs: 'in_progress', locale: 'it', timeZone: 'Europe/Rome' }, { actor: 'system:test', reason: 'test' });
    await copies.store(request.id, (sink) => assembleCopy(copyInput(translations, { locale: 'it' }), sink), { expiresAt: new Date(now.getTime() + (options.days ?? 30) * DAY_MS), maxDownloads: 5 });
    const token = await ledger.db.transaction((tx) => copies.release(tx, request.id, 'system:test'));
    return `${baseUrl}/copies/${token}`;
  }


  it('it: the ready page passes axe, the keyboard reaches the Download button first, Enter saves the ZIP', async () => {
    const url = await copyLink();
    const { page, problems } = await newPage('it-IT', true);
    const response = await page.goto(url, { waitUntil: 'load' });
    assert.equal(response?.status(), 200);
    const t = translations.for('it');
    assert.equal(await page.locator('html').getAttribute('lang'), 'it');
    await page.getByRole('heading', { level: 1, name: t.t('copy.page.title') }).waitFor({ timeout: BROWSER_WAIT_MS });
    await assertAccessible(page, 'ready page');
    // The stylesheet applied under the policy: the button is the company's blue.
    assert.equal(await page.evaluate("getComputedStyle(document.querySelector('button')).backgroundColor"), 'rgb(0, 90, 158)');

    await page.keyboard.press('Tab');
    const focused = page.locator(':focus');
    assert.equal(await page.evaluate('document.activeElement.nodeName'), 'BUTTON');
    assert.match(await focused.innerText(), new RegExp(`^${t.t('copy.page.download', { size: '.*' }).replace(/[()]/g, '\\$&')}$`));
    assert.equal(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle'), 'solid', 'the focused button shows where the keyboard is');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: BROWSER_WAIT_MS }), page.keyboard.press('Enter')]);
    assert.match(download.suggestedFilename(), /^data-copy-[A-Z0-9-]+\.zip$/);
    const entries = await readZipEntries(readFileSync(await download.path()));
    assert.deepEqual(
      entries.map((entry) => entry.name),
      ['data.json', 'report.html', 'README.txt'],
    );
    // Then the language link, named in its own language.
    await page.keyboard.press('Tab');
    assert.equal(await page.locator(':focus').getAttribute('hreflang'), 'en');
    assert.deepEqual(problems, [], 'nothing blocked, no script error');
  });

  it('en: the not-found and gone pages pass axe and say what to do', async () => {
    const expired = await copyLink({ days: 1 });
    now = new Date(now.getTime() + 2 * DAY_MS);
    const t = translations.for('en');
    const { page, problems } = await newPage('en-US');
    for (const [url, status, title] of [
      [`${baseUrl}/copies/${'A'.repeat(43)}`, 404, 'copy.page.notFoundTitle'],
      [expired, 410, 'copy.page.goneTitle'],
    ] as const) {
      const response = await page.goto(url, { waitUntil: 'load' });
      assert.equal(response?.status(), status);
      await page.getByRole('heading', { level: 1, name: t.t(title) }).waitFor({ timeout: BROWSER_WAIT_MS });
      await assertAccessible(page, `${status} page`);
      assert.equal(await page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth"), '640px', 'the stylesheet loads under the policy');
    }
    assert.ok(await page.getByText(t.t('copy.page.askAgain')).isVisible());
    await page.keyboard.press('Tab');
    assert.equal(await page.locator(':focus').innerText(), t.t('copy.page.openChat'), 'the way back to the chat is reachable by keyboard');
    assert.deepEqual(problems, []);
  });

  for (const locale of ['en', 'it'] as const) {
    it(`${locale}: report.html opened from disk passes axe, loads nothing, and shows a record's markup as text`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'copy-report-'));
      try {
        const report = (await readZipEntries(await zipOf(copyInput(translations, { locale })))).find((entry) => entry.name === 'report.html');
        assert.ok(report);
        const file = path.join(dir, 'report.html');
        writeFileSync(file, report.data);
        const { page, problems } = await newPage(locale === 'it' ? 'it-IT' : 'en-US');
        const requested: string[] = [];
        page.on('request', (request) => requested.push(request.url()));
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        assert.deepEqual(requested, [pathToFileURL(file).href], 'the report alone: no style, font, image or script fetched');
        await page.getByRole('heading', { level: 1, name: translations.for(locale).t('copy.report.title') }).waitFor({ timeout: BROWSER_WAIT_MS });
        await assertAccessible(page, 'report.html');
        assert.equal(await page.getByRole('cell', { name: SCRIPT_VALUE, exact: true }).count(), 1, 'the record’s markup is text in its cell');
        assert.equal(await page.locator('script, b').count(), 0);
        // A wide table's scrolling region is reachable with the keyboard.
        await page.keyboard.press('Tab');
        assert.equal(await page.locator(':focus').getAttribute('role'), 'region');
        assert.deepEqual(problems, [], 'no dialog: nothing in the records ran');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
