import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import restify, { Server } from 'restify';
import { Translations } from '../../src/i18n/translator';
import { DataCopies } from '../../src/ledger/access/data-copies';
import type { SqlDatabase } from '../../src/ledger/db/sql-database';
import type { Ledger } from '../../src/ledger/ledger';
import { assembleCopy, COPY_FILES } from '../../src/privacy/access/copy/assemble-copy';
import { formatByteSize } from '../../src/privacy/access/copy/copy-wording';
import { formatInZone } from '../../src/privacy/clocks/deadlines';
import { copyDownloadRoutes } from '../../src/server/routes/copy-download-routes';
import { copyInput } from '../privacy/access/copy/copy-fixtures';
import { forEachBackend, registerSubject } from '../ledger/support/ledger-backends';
import { assertContentSecurityPolicy } from '../support/content-security-policy';
import { pageText } from '../support/page-text';
import { LogCapture } from '../support/test-app';
import { readZipEntries } from '../support/zip-entries';

const DAY_MS = 24 * 60 * 60 * 1000;
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const COPY_PAGE_POLICY = {
  'default-src': ["'none'"],
  'style-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/** A database that counts the queries looking a link up by its token's hash. */
function countingLookups(db: SqlDatabase): { db: SqlDatabase; lookups: () => number } {
  let lookups = 0;
  const counted = <T extends { query: SqlDatabase['query'] }>(executor: T): T['query'] =>
    ((sql: string, params?: readonly unknown[]) => {
      if (sql.includes('token_hash = $1')) lookups += 1;
      return executor.query(sql, params);
    }) as T['query'];
  return {
    db: { ...db, query: counted(db), transaction: (work) => db.transaction((tx) => work({ query: counted(tx) })) },
    lookups: () => lookups,
  };
}

forEachBackend('the copy download link (HTTP)', (ctx) => {
  let server: Server;
  let baseUrl: string;
  let translations: Translations;
  let copies: DataCopies;
  let lookups: () => number;
  const logs = new LogCapture();

  before(async () => {
    translations = await Translations.load();
    const counting = countingLookups(ctx.ledger.db);
    lookups = counting.lookups;
    copies = new DataCopies(counting.db, ctx.ledger.blobs, ctx.clock.now, { chunkBytes: 8192 });
    server = restify.createServer({ handleUncaughtExceptions: false });
    copyDownloadRoutes({ copies, translations, defaultLocale: 'en', logger: logs.logger })(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  /** A released copy of an Italian customer in Rome, expiring in `days`: its token, reference and size. */
  async function releasedCopy(ledger: Ledger, options: { days?: number; maxDownloads?: number } = {}): Promise<{ token: string; reference: string; requestId: string; sizeBytes: number; expiresAt: Date }> {
    const subject = await registerSubject(ledger);
    const request = await ledger.requests.open({ subjectId: subject.id, type: 'access', regime: 'gdpr', startAs: 'in_progress', locale: 'it', timeZone: 'Europe/Rome' }, { actor: 'system:test', reason: 'test' });
    const expiresAt = new Date(ctx.clock.now().getTime() + (options.days ?? 30) * DAY_MS);
    const summary = await copies.store(request.id, (sink: Writable) => assembleCopy(copyInput(translations, { locale: 'it' }), sink), { expiresAt, maxDownloads: options.maxDownloads ?? 5 });
    const token = await ledger.db.transaction((tx) => copies.release(tx, request.id, 'system:test'));
    return { token, reference: request.reference, requestId: request.id, sizeBytes: summary.sizeBytes, expiresAt };
  }

  const page = (token: string, query = '', headers: Record<string, string> = { accept: BROWSER_ACCEPT }) => fetch(`${baseUrl}/copies/${token}${query}`, { headers });
  const download = (token: string, query = '', headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}/copies/${token}${query}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: '' });

  function assertPrivatePage(response: Response, status: number, lang: string): void {
    assert.equal(response.status, status);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    assert.equal(response.headers.get('content-language'), lang);
    assertContentSecurityPolicy(response.headers.get('content-security-policy'), COPY_PAGE_POLICY);
    for (const [name, value] of [
      ['cache-control', 'no-store'],
      ['referrer-policy', 'no-referrer'],
      ['x-content-type-options', 'nosniff'],
      ['x-robots-tag', 'noindex, nofollow'],
    ]) {
      assert.equal(response.headers.get(name), value, name);
    }
  }

  it('GET shows the copy’s size, expiry (customer’s zone) and downloads left, with a Download button that posts; it counts nothing', async () => {
    const copy = await releasedCopy(ctx.ledger);
    for (const [headers, query, lang] of [
      [{ accept: BROWSER_ACCEPT }, '', 'it'],
      [{ accept: BROWSER_ACCEPT, 'accept-language': 'en-GB,en;q=0.9' }, '', 'en'],
      [{ accept: BROWSER_ACCEPT, 'accept-language': 'en-GB,en;q=0.9' }, '?lang=it', 'it'],
    ] as const) {
      const response = await page(copy.token, query, headers);
      assertPrivatePage(response, 200, lang);
      const html = await response.text();
      const t = translations.for(lang);
      assert.match(html, new RegExp(`^<!doctype html>\\n<html lang="${lang}">`));
      assert.ok(!/<script/i.test(html) && !/\son\w+=/i.test(html) && !/style=/i.test(html), 'no script, no handlers, no inline style');
      const text = pageText(html);
      const size = formatByteSize(copy.sizeBytes, lang);
      assert.ok(text.includes(pageText(t.t('copy.page.lead', { reference: copy.reference, size }))), text);
      assert.ok(text.includes(pageText(t.t('copy.page.expires', { expiresAt: formatInZone(copy.expiresAt, 'Europe/Rome', lang) }))), text);
      assert.ok(text.includes(t.t('copy.page.remaining', { count: 5 })), text);
      assert.ok(html.includes(`<form method="post"><button type="submit">${t.t('copy.page.download', { size })}</button></form>`), html);
    }
    assert.equal((await copies.summary(copy.requestId))?.downloads, 0, 'three page views, no download used');
  });

  it('POST streams the ZIP as an attachment (no-store, nosniff), counted and audited without the token', async () => {
    const copy = await releasedCopy(ctx.ledger);
    const before = logs.lines.length;
    const response = await download(copy.token);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/zip');
    assert.equal(response.headers.get('content-disposition'), `attachment; filename="data-copy-${copy.reference}.zip"`);
    assert.equal(response.headers.get('content-length'), String(copy.sizeBytes));
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    const zip = Buffer.from(await response.arrayBuffer());
    assert.equal(zip.length, copy.sizeBytes);
    assert.deepEqual(
      (await readZipEntries(zip)).map((entry) => entry.name),
      [...COPY_FILES],
    );
    assert.equal((await copies.summary(copy.requestId))?.downloads, 1);
    const audit = (await ctx.ledger.db.query<{ details: unknown }>("SELECT details FROM audit_log WHERE entity_id = $1 AND action = 'copy.downloaded'", [copy.requestId])).rows;
    assert.equal(audit.length, 1);
    assert.ok(!JSON.stringify(audit).includes(copy.token));
    assert.ok(!logs.lines.slice(before).join('\n').includes(copy.token), 'the token is never logged');
    // The page now says one download fewer.
    assert.ok((await (await page(copy.token)).text()).includes(translations.for('it').t('copy.page.remaining', { count: 4 })));
  });

  it('after 5 downloads the link answers 410 with how to ask again, to GET and POST alike', async () => {
    const copy = await releasedCopy(ctx.ledger);
    for (let n = 0; n < 5; n++) {
      const response = await download(copy.token);
      assert.equal(response.status, 200, `download ${n + 1}`);
      await response.arrayBuffer();
    }
    for (const response of [await download(copy.token), await page(copy.token)]) {
      assertPrivatePage(response, 410, 'it');
      const text = pageText(await response.text());
      const t = translations.for('it');
      for (const key of ['goneTitle', 'exhausted', 'askAgain']) assert.ok(text.includes(pageText(t.t(`copy.page.${key}`))), key);
    }
    assert.equal((await copies.summary(copy.requestId))?.downloads, 5);
  });

  it('an expired link answers 410 saying it expired and how to ask again, with a way back to the chat', async () => {
    const copy = await releasedCopy(ctx.ledger, { days: 1 });
    ctx.clock.advance(DAY_MS + 1);
    for (const response of [await page(copy.token, '', { accept: BROWSER_ACCEPT, 'accept-language': 'en' }), await download(copy.token, '', { 'accept-language': 'en' })]) {
      assertPrivatePage(response, 410, 'en');
      const html = await response.text();
      const t = translations.for('en');
      for (const key of ['expired', 'askAgain']) assert.ok(pageText(html).includes(pageText(t.t(`copy.page.${key}`))), key);
      assert.ok(html.includes(`<a href="/">${t.t('copy.page.openChat')}</a>`));
    }
    assert.equal((await copies.summary(copy.requestId))?.downloads, 0);
  });

  it('an unknown or malformed token gets the same 404 page to GET and POST; an unknown one is looked up like an expired one', async () => {
    const expired = await releasedCopy(ctx.ledger, { days: 1 });
    ctx.clock.advance(DAY_MS + 1);
    const bodies = new Set<string>();
    for (const token of ['A'.repeat(43), 'not-a-token', 'A'.repeat(44), '%3Cscript%3E']) {
      for (const response of [await page(token), await download(token)]) {
        assertPrivatePage(response, 404, 'en');
        bodies.add(await response.text());
      }
    }
    assert.equal(bodies.size, 1, 'one page for every link that opens nothing');
    assert.ok(pageText([...bodies][0]).includes(translations.for('en').t('copy.page.notFound')));

    // Both kinds of token cost one lookup by hash: no early answer for an unknown one.
    const start = lookups();
    assert.equal((await page('B'.repeat(43))).status, 404);
    const unknownLookups = lookups() - start;
    assert.equal((await page(expired.token)).status, 410);
    assert.equal(lookups() - start - unknownLookups, unknownLookups);
    assert.equal(unknownLookups, 1);
  });

  it('serves the pages’ stylesheets: the shell’s, then their own', async () => {
    for (const [file, rule] of [
      ['page-shell.css', /a:focus-visible/],
      ['copy.css', /button:focus-visible/],
    ] as const) {
      const response = await fetch(`${baseUrl}/copies/${file}`);
      assert.equal(response.status, 200, file);
      assert.match(response.headers.get('content-type') ?? '', /^text\/css/);
      assert.match(await response.text(), rule);
    }
  });
});
