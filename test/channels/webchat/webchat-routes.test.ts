import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import restify, { Server } from 'restify';
import { TurnContext, TestAdapter, Activity } from 'botbuilder';
import { gpcSignal } from '../../../src/channels/webchat/gpc-signal';
import { pageLanguage } from '../../../src/channels/webchat/page-language';
import { WebChatTokenRequest } from '../../../src/channels/webchat/token-route';
import { locateWebChatBundle } from '../../../src/channels/webchat/webchat-bundle';
import { webChatRoutes } from '../../../src/channels/webchat/webchat-routes';
import { Translations } from '../../../src/i18n/translator';
import { assertContentSecurityPolicy, NONCE_SOURCE } from '../../support/content-security-policy';
import { LogCapture } from '../../support/test-app';

describe('Web Chat page routes (HTTP, no browser)', () => {
  let server: Server;
  let baseUrl: string;
  let translations: Translations;
  const tokenRequests: WebChatTokenRequest[] = [];
  const bundle = locateWebChatBundle();

  before(async () => {
    translations = await Translations.load();
    server = restify.createServer({ handleUncaughtExceptions: false });
    webChatRoutes({
      translations,
      defaultLocale: 'en',
      logger: new LogCapture().logger,
      issueToken: async (request) => {
        tokenRequests.push(request);
        return { token: 'a.b.c', conversationId: 'conv-1', expiresIn: 1800 };
      },
    })(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    baseUrl = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves the page in the browser’s language, with its texts from the locale files', async () => {
    for (const [header, locale] of [
      ['it-IT,it;q=0.9,en;q=0.8', 'it'],
      ['en-GB', 'en'],
      ['fr-FR,fr;q=0.9', 'fr'],
      ['de-CH,de;q=0.9,en;q=0.5', 'de'],
      ['es-MX', 'es'],
      ['pt-BR,pt;q=0.9', 'pt'],
      ['nl-BE', 'nl'],
      // Swedish is not shipped: the page falls back to the browser's next language we ship, else English.
      ['sv-SE,sv;q=0.9', 'en'],
      ['sv;q=0.9,it;q=0.5,en;q=0.1', 'it'],
    ] as const) {
      const response = await fetch(`${baseUrl}/`, { headers: { 'accept-language': header } });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
      const html = await response.text();
      assert.match(html, new RegExp(`<html lang="${locale}"`), header);
      const t = translations.for(locale);
      assert.ok(html.includes(`<title>${t.t('webchat.title')}</title>`), header);
      assert.ok(html.includes(`webchat/${bundle.version}/webchat.js`));
      assert.doesNotMatch(html, /\{\{\w+\}\}/, 'every placeholder is filled');
      assert.doesNotMatch(html, /https?:\/\//, 'the page names no other host');
    }
  });

  it('sends a strict Content-Security-Policy with a fresh style nonce per response', async () => {
    const first = await fetch(`${baseUrl}/`);
    const second = await fetch(`${baseUrl}/`);
    const host = new URL(baseUrl).host;
    // Web Chat's empty <style> elements are allowed by the hash of the empty string, never by 'unsafe-inline'.
    const emptyStyle = `'sha256-${createHash('sha256').update('').digest('base64')}'`;
    const expected = {
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'style-src': ["'self'", NONCE_SOURCE, emptyStyle],
      'img-src': ["'self'", 'data:', 'blob:'],
      'connect-src': ["'self'", `ws://${host}`, `wss://${host}`],
      'media-src': ["'self'", 'blob:'],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'object-src': ["'none'"],
      'frame-ancestors': ["'self'"],
    };
    const policy = assertContentSecurityPolicy(first.headers.get('content-security-policy'), expected);
    const again = assertContentSecurityPolicy(second.headers.get('content-security-policy'), expected);
    const nonce = policy.get('style-src')?.[1].slice("'nonce-".length, -1);
    assert.ok(nonce && (await first.text()).includes(`data-style-nonce="${nonce}"`), 'the page hands Web Chat the nonce of its own policy');
    assert.notEqual(again.get('style-src')?.[1], policy.get('style-src')?.[1], 'each response has a nonce of its own');
    assert.equal(first.headers.get('cache-control'), 'no-store');
    assert.equal(first.headers.get('referrer-policy'), 'no-referrer');
  });

  it('marks the page with the GPC signal when the request carries Sec-GPC: 1', async () => {
    assert.match(await (await fetch(`${baseUrl}/`, { headers: { 'sec-gpc': '1' } })).text(), /data-gpc="1"/);
    assert.match(await (await fetch(`${baseUrl}/`)).text(), /data-gpc="0"/);
  });

  it('serves Web Chat’s own bundle from node_modules: immutable, gzip, 304 on its ETag', async () => {
    const url = `${baseUrl}/webchat/${bundle.version}/webchat.js`;
    const response = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(response.headers.get('content-type') ?? '', /^application\/javascript/);
    const plain = Buffer.from(await response.arrayBuffer());
    assert.ok(plain.length > 1_000_000);

    const etag = response.headers.get('etag') ?? '';
    const cached = await fetch(url, { headers: { 'if-none-match': etag } });
    assert.equal(cached.status, 304);

    // Node's fetch decodes gzip itself; read the raw bytes through http to see the encoding.
    const http = await import('node:http');
    const gz = await new Promise<{ encoding?: string; body: Buffer }>((resolve, reject) => {
      http
        .get(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
        })
        .on('error', reject);
    });
    assert.equal(gz.encoding, 'gzip');
    assert.ok(gunzipSync(gz.body).equals(plain));
  });

  it('serves the page script and style, revalidated by ETag', async () => {
    for (const [path, type] of [
      ['/webchat/page.js', /^application\/javascript/],
      ['/webchat/page.css', /^text\/css/],
    ] as const) {
      const response = await fetch(baseUrl + path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', type);
      assert.equal(response.headers.get('cache-control'), 'no-cache');
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    }
  });

  it('POST /webchat/token hands out a token minted server-side, with the browser locale and GPC', async () => {
    tokenRequests.length = 0;
    const response = await fetch(`${baseUrl}/webchat/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-gpc': '1' },
      body: JSON.stringify({ locale: 'it-IT' }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    assert.deepEqual(await response.json(), { token: 'a.b.c', conversationId: 'conv-1', expiresIn: 1800 });

    await fetch(`${baseUrl}/webchat/token`, { method: 'POST' });
    await fetch(`${baseUrl}/webchat/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ locale: 'en', gpc: true }) });
    await fetch(`${baseUrl}/webchat/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ locale: '<script>' }) });
    assert.deepEqual(tokenRequests, [
      { locale: 'it-IT', gpc: true },
      { gpc: false },
      { locale: 'en', gpc: true },
      { locale: undefined, gpc: false },
    ]);
  });
});

describe('pageLanguage', () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'en'],
    ['', 'en'],
    ['it', 'it'],
    ['IT-it', 'it'],
    ['de-DE,it;q=0.2', 'de'],
    ['sv-SE,it;q=0.2', 'it'],
    ['ja,pt-BR;q=0.3,en;q=0.2', 'pt'],
    ['it;q=0,en;q=0.5', 'en'],
    ['en;q=0.5,it;q=0.8', 'it'],
    ['*', 'en'],
  ];
  for (const [header, expected] of cases) {
    it(`${JSON.stringify(header)} → ${expected}`, () => assert.equal(pageLanguage(header, 'en'), expected));
  }
});

describe('gpcSignal', () => {
  const context = (channelData: unknown): TurnContext =>
    new TurnContext(new TestAdapter(), { type: 'message', text: 'hi', channelData } as Partial<Activity> as Activity);

  it('is true only for channelData.gpc === true', () => {
    assert.equal(gpcSignal(context({ gpc: true, clientActivityID: 'x' })), true);
    for (const data of [undefined, null, {}, { gpc: 'true' }, { gpc: 1 }, { gpc: false }, 'gpc']) assert.equal(gpcSignal(context(data)), false, JSON.stringify(data));
  });
});
