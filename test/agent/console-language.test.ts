import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LANGUAGE_COOKIE } from '../../src/agent/console-language';
import { ConsolePage } from '../../src/agent/console-page';
import { ConsoleTexts, readConsoleCatalog } from '../../src/i18n/console-texts';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { ConsoleServer, openTestLedger, RecordingCustomerChannel, startConsoleServer } from './agent-harness';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import type { Ledger } from '../../src/ledger/ledger';

/** The catalog the page hands its scripts (`#console-texts`), parsed. */
function embeddedTexts(html: string): Record<string, unknown> {
  const block = /<script type="application\/json" id="console-texts">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(block, 'the page carries its texts as a JSON data block');
  return JSON.parse(block[1]) as Record<string, unknown>;
}

function heading(html: string): string {
  return /<h1>([^<]*)<\/h1>/.exec(html)?.[1] ?? '';
}

describe('the console page in the agent\'s language', function () {
  this.timeout(30_000);
  let ledger: Ledger;
  let hub: MemoryHandoffHub;
  let app: ConsoleServer;

  before(async () => {
    ledger = await openTestLedger();
    hub = new MemoryHandoffHub({ timeoutSeconds: 600 });
    app = await startConsoleServer({ ledger, hub, channel: new RecordingCustomerChannel() });
  });

  after(async () => {
    await app?.close();
    await hub?.close();
    await ledger?.close();
  });

  const page = (headers: Record<string, string> = {}, query = '') => fetch(`${app.baseUrl}/agent${query}`, { headers });

  it('is English for a browser that asks for nothing we ship, Italian for an Italian one: lang, texts, catalog, headers', async () => {
    const english = await page({ 'Accept-Language': 'ja-JP,ja;q=0.9' });
    const englishHtml = await english.text();
    assert.match(englishHtml, /<html lang="en">/);
    assert.equal(heading(englishHtml), 'Privacy agent console');
    assert.equal(english.headers.get('content-language'), 'en');
    assert.match(english.headers.get('vary') ?? '', /Accept-Language/);

    const italian = await page({ 'Accept-Language': 'it-IT,it;q=0.9,en;q=0.8' });
    const html = await italian.text();
    assert.equal(italian.headers.get('content-language'), 'it');
    assert.match(html, /<html lang="it">/);
    assert.equal(heading(html), 'Console operatori privacy');
    assert.match(html, /<title>Console operatori privacy<\/title>/);
    assert.match(html, /<h2 id="queue-title" tabindex="-1">Clienti in attesa<\/h2>/);
    const texts = embeddedTexts(html);
    assert.equal(texts.languageName, 'Italiano');
    assert.notEqual(italian.headers.get('etag'), english.headers.get('etag'), 'each language is its own page for caches');
    // A browser revalidating the English page gets the Italian one in full, not a 304.
    assert.equal((await page({ 'Accept-Language': 'it', 'If-None-Match': english.headers.get('etag') ?? '' })).status, 200);
  });

  it('fills every placeholder, in every shipped language, and keeps the catalog inert inside its data block', async () => {
    for (const locale of SHIPPED_LOCALES) {
      const html = await (await page({ 'Accept-Language': locale })).text();
      const outsideData = html.replace(/<script type="application\/json" id="console-texts">[\s\S]*?<\/script>/, '');
      assert.ok(!/\{\{/.test(outsideData), `${locale}: a placeholder left in the page`);
      assert.equal(html.match(/<\/script/g)?.length, 5, `${locale}: nothing in the catalog closes its element`);
      assert.deepEqual(Object.keys(embeddedTexts(html)).sort(), Object.keys(readConsoleCatalog('en')).sort());
    }
  });

  it('shows a switcher naming every shipped language in its own language, with its lang, the current one marked', async () => {
    const html = await (await page({ 'Accept-Language': 'it' })).text();
    const nav = /<nav class="languages" aria-label="([^"]+)">([\s\S]*?)<\/nav>/.exec(html);
    assert.ok(nav, 'a language switcher');
    assert.equal(nav[1], 'Lingua della console');
    const links = [...nav[2].matchAll(/<a href="\/agent\?lang=([\w-]+)" hreflang="([\w-]+)" lang="([\w-]+)"( aria-current="true")?>([^<]+)<\/a>/g)];
    assert.deepEqual(
      links.map((m) => m[1]),
      [...SHIPPED_LOCALES],
    );
    for (const [, target, hreflang, lang, current, name] of links) {
      assert.equal(hreflang, target);
      assert.equal(lang, target);
      assert.equal(name, readConsoleCatalog(target).languageName, `${target} is named in its own language`);
      assert.equal(current !== undefined, target === 'it');
    }
  });

  it('follows the switcher (?lang=), keeps the choice in a cookie under /agent, and ignores a language we do not ship', async () => {
    const chosen = await page({ 'Accept-Language': 'en-GB' }, '?lang=it');
    assert.match(await chosen.text(), /<html lang="it">/);
    const cookie = chosen.headers.get('set-cookie') ?? '';
    assert.match(cookie, new RegExp(`^${LANGUAGE_COOKIE}=it; Path=/agent; Max-Age=\\d+; HttpOnly; SameSite=Strict$`));

    const later = await page({ 'Accept-Language': 'en-GB', Cookie: `${LANGUAGE_COOKIE}=it` });
    assert.match(await later.text(), /<html lang="it">/, 'the kept choice wins over the browser');
    assert.equal(later.headers.get('set-cookie'), null);

    const unknown = await page({ 'Accept-Language': 'it', Cookie: `${LANGUAGE_COOKIE}=xx` }, '?lang=klingon');
    assert.match(await unknown.text(), /<html lang="it">/, 'an unknown choice falls back to the browser');
    assert.equal(unknown.headers.get('set-cookie'), null);
  });
});

describe('ConsolePage', () => {
  it('refuses a template naming a text the English catalog lacks', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'console-page-'));
    try {
      const file = path.join(dir, 'index.html');
      writeFileSync(file, '<html lang="{{@lang}}"><h1>{{page.heading}}</h1><p>{{page.noSuchText}}</p><i>{{@nothing}}</i></html>');
      const texts = await ConsoleTexts.load();
      assert.throws(() => new ConsolePage(file, texts), /page\.noSuchText, @nothing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
