import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import restify, { Server } from 'restify';
import { Translations, Translator } from '../../src/i18n/translator';
import { Ledger, openLedger } from '../../src/ledger/ledger';
import { ReceiptService } from '../../src/ledger/receipts/receipt-service';
import { ConsentSelfService } from '../../src/privacy/consent/consent-self-service';
import { decodeCompactJws } from '../../src/privacy/receipts/compact-jws';
import { loadController } from '../../src/privacy/receipts/controller';
import { ReceiptSigner } from '../../src/privacy/receipts/receipt-signer';
import type { IssuedReceipt } from '../../src/privacy/receipts/receipt-types';
import { verifyReceipt } from '../../src/privacy/receipts/receipt-verifier';
import { receiptRoutes } from '../../src/server/routes/receipt-routes';
import { assertContentSecurityPolicy } from '../support/content-security-policy';
import { pageText } from '../support/page-text';
import { LogCapture } from '../support/test-app';

const PUBLIC_BASE_URL = 'https://privacy.example.com';
/** What Chromium sends when following a link. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7';
const UNKNOWN_TOKEN = 'A'.repeat(43);

/** The content of one `<section aria-labelledby="id">`. */
function sectionOf(html: string, id: string): string | undefined {
  return new RegExp(`<section aria-labelledby="${id}">([\\s\\S]*?)</section>`).exec(html)?.[1];
}

describe('receipt links: the readable page and the signed JSON (HTTP)', function () {
  this.timeout(60_000);
  let ledger: Ledger;
  let server: Server;
  let baseUrl: string;
  let translations: Translations;
  let signer: ReceiptSigner;
  let receipts: ReceiptService;
  let consents: ConsentSelfService;
  let subjectId: string;
  /** An identified customer's withdrawal, in an Italian chat: a receipt of the change only. */
  let identifiedIt: IssuedReceipt;
  /** A verified customer's withdrawal, in an English chat: a receipt of the whole state. */
  let verifiedEn: IssuedReceipt;
  const t = (locale: 'en' | 'it'): Translator => translations.for(locale);

  before(async () => {
    translations = await Translations.load();
    ledger = await openLedger({ ledgerDir: 'memory://', hashKey: 'receipt-page-test-key-0123456789' });
    signer = new ReceiptSigner(generateKeyPairSync('ed25519').privateKey);
    receipts = new ReceiptService({ db: ledger.db, catalog: ledger.catalog, signer, controller: loadController(), publicBaseUrl: PUBLIC_BASE_URL });
    consents = new ConsentSelfService({ db: ledger.db, catalog: ledger.catalog, consent: ledger.consent, subjects: ledger.subjects, receipts });
    const subject = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: `page.${process.pid}@example.com` }], regime: 'gdpr' }, { actor: 'system:test', reason: 'test' });
    subjectId = subject.id;
    await ledger.consent.record(
      subjectId,
      [
        { purposeId: 'marketing_offers', channel: 'email', state: 'given' },
        { purposeId: 'marketing_offers', channel: 'sms', state: 'given' },
        { purposeId: 'newsletter', channel: 'email', state: 'given' },
      ],
      { collectionMethod: 'import', language: 'en', occurredAt: new Date('2026-03-15T10:30:00Z') },
      { actor: 'system:import', reason: 'test seed' },
    );
    const sms = [{ purposeId: 'marketing_offers', channel: 'sms' as const }];
    identifiedIt = (await consents.change({ subjectId, direction: 'withdraw', pairs: sms, collectionMethod: 'web_chat', language: 'it-IT', conversationId: 'page-1', activityId: 'a1', assurance: 'identified' })).receipt;
    verifiedEn = (await consents.change({ subjectId, direction: 'withdraw', pairs: [{ purposeId: 'marketing_offers', channel: 'post' }], collectionMethod: 'teams', language: 'en', conversationId: 'page-2', activityId: 'a2', assurance: 'verified' })).receipt;

    server = restify.createServer({ handleUncaughtExceptions: false });
    receiptRoutes({ receipts, signer, publicBaseUrl: PUBLIC_BASE_URL, translations, catalog: ledger.catalog, defaultLocale: 'en', logger: new LogCapture().logger })(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await ledger?.close();
  });

  const open = (receipt: IssuedReceipt | string, query = '', headers: Record<string, string> = { accept: BROWSER_ACCEPT }) =>
    fetch(`${baseUrl}/receipts/${typeof receipt === 'string' ? receipt : receipt.token}${query}`, { headers });

  it('en, a verified customer’s receipt: a page with what changed, when, by which channel, the controller, the whole state after it, and how to verify', async () => {
    const response = await open(verifiedEn);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    assert.equal(response.headers.get('content-language'), 'en');
    const html = await response.text();
    const en = t('en');
    assert.match(html, /^<!doctype html>\n<html lang="en">/);
    assert.ok(html.includes(`<title>${en.t('receipt.page.title')}</title>`));
    assert.ok(html.includes(`<h1>${en.t('receipt.page.title')}</h1>`));
    assert.ok(!/<script/i.test(html) && !/\son\w+=/i.test(html) && !/style=/i.test(html), 'no script, no inline handlers, no inline style');
    assert.doesNotMatch(html, /\{\{\w+\}\}/, 'every placeholder is filled');

    const changes = pageText(sectionOf(html, 'changes') ?? '');
    assert.ok(changes.startsWith(` ${en.t('receipt.page.changesHeading')} `), changes);
    assert.match(changes, /Offers and promotions post withdrawn \w+day, \w+ \d{1,2}, \d{4} at \d{1,2}:\d{2} [AP]M UTC version 2026-03/);
    assert.ok(changes.includes(en.t('receipt.page.timesInUtc')));
    assert.ok(!changes.includes(en.t('receipt.page.changeOnly')), 'a full-state receipt does not say it shows the change only');
    const state = pageText(sectionOf(html, 'state') ?? '');
    assert.ok(state.includes('Newsletter email agreed Sunday, March 15, 2026 at 10:30 AM UTC'), state);
    assert.ok(state.includes('Offers and promotions SMS withdrawn'), state);
    assert.match(sectionOf(html, 'state') ?? '', /<tr class="changed"><th scope="row">Offers and promotions<\/th><td>post<\/td>/);

    const recorded = pageText(sectionOf(html, 'recorded') ?? '');
    assert.ok(recorded.includes(`${en.t('receipt.page.method')} in Microsoft Teams`), recorded);
    assert.ok(recorded.includes(verifiedEn.receiptId));
    const controller = pageText(sectionOf(html, 'controller') ?? '');
    for (const fact of ['Example Shop S.p.A.', 'Data Protection Officer', 'privacy@example.com', '+39 02 0000 0000', 'https://example.com/privacy/notice']) assert.ok(controller.includes(fact), fact);

    const verify = sectionOf(html, 'verify') ?? '';
    assert.ok(verify.includes(`<a href="${PUBLIC_BASE_URL}/receipts/keys">${PUBLIC_BASE_URL}/receipts/keys</a>`), 'links the public key');
    assert.ok(verify.includes(`<code>npm run ledger -- receipt verify consent-receipt-${verifiedEn.receiptId}.json</code>`), 'names the command, with the file the page saves');
    assert.ok(pageText(verify).includes(signer.kid) && pageText(verify).includes('EdDSA'));
    assert.ok(html.includes(`<a href="?format=json" class="json" type="application/json" download="consent-receipt-${verifiedEn.receiptId}.json">${en.t('receipt.page.json')}</a>`), 'the signed JSON one click away');
    assert.ok(html.includes('<a href="?lang=it" hreflang="it" lang="it">Italiano</a>'), 'the page in the other language one click away');
    assert.ok(html.includes('<link rel="stylesheet" href="page-shell.css">\n<link rel="stylesheet" href="receipt.css">'), 'the shell’s stylesheet, then the page’s');
  });

  it('it, an identified customer’s receipt: in the receipt’s language, and only the change — no other purpose, channel or date', async () => {
    const html = await (await open(identifiedIt)).text();
    const it = t('it');
    assert.match(html, /<html lang="it">/);
    assert.ok(html.includes(`<h1>${it.t('receipt.page.title')}</h1>`));
    const changes = pageText(sectionOf(html, 'changes') ?? '');
    assert.match(changes, /Offerte e promozioni SMS consenso revocato (?:lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica) \d{1,2} \w+ \d{4} alle ore \d{1,2}:\d{2} UTC versione 2026-03/);
    assert.ok(changes.includes(it.t('receipt.page.changeOnly')));
    assert.equal(sectionOf(html, 'state'), undefined, 'no state section');
    const text = pageText(html);
    for (const hidden of ['Newsletter', 'consenso dato', '15 marzo', 'posta']) assert.ok(!text.includes(hidden), `"${hidden}" is not shown`);
    assert.ok(pageText(sectionOf(html, 'recorded') ?? '').includes('nella chat del sito'));
    assert.ok(html.includes('<a href="?lang=en" hreflang="en" lang="en">English</a>'));
  });

  it('?lang= picks another shipped language; an unknown one, or an unknown format, is a 400: JSON for a program, a page in its language for a browser', async () => {
    const html = await (await open(identifiedIt, '?lang=en')).text();
    assert.match(html, /<html lang="en">/);
    assert.ok(pageText(sectionOf(html, 'changes') ?? '').includes('Offers and promotions SMS withdrawn'));
    const german = await (await open(identifiedIt, '?lang=de')).text();
    assert.match(german, /<html lang="de">/);
    assert.ok(pageText(sectionOf(german, 'changes') ?? '').includes(translations.for('de').t('receipt.page.changeOnly')), 'the German texts, from the locale file');
    for (const [query, field] of [
      ['?lang=sv', 'lang'],
      ['?format=xml', 'format'],
      ['?format=json&format=html', 'format'],
    ] as const) {
      const response = await open(identifiedIt, query, { accept: 'application/json' });
      assert.equal(response.status, 400, query);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(((await response.json()) as { error: { code: string; field: string } }).error.field, field);
      // A browser following the same link reads why, in its language, and how to open the receipt.
      const page = await open(identifiedIt, query, { accept: BROWSER_ACCEPT, 'accept-language': 'de-DE,de;q=0.9' });
      assert.equal(page.status, 400, query);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      const html = await page.text();
      assert.match(html, /<html lang="de">/);
      assert.ok(html.includes(`<title>${translations.for('de').t('receipt.page.badQueryTitle')}</title>`), html);
      assert.ok(html.includes(`<a href="${identifiedIt.token}">`), 'a link to the receipt without the query');
    }
  });

  it('the signed JSON exactly as before, asked either way (Accept: application/json, ?format=json), and still for */* and no Accept', async () => {
    const stored = await receipts.findByToken(identifiedIt.token);
    assert.ok(stored);
    const expected = { receipt: decodeCompactJws(stored.jws)?.payload, jws: stored.jws, verify: { alg: 'EdDSA', kid: signer.kid, jwksUrl: `${PUBLIC_BASE_URL}/receipts/keys` } };
    const bodies: string[] = [];
    for (const [query, headers] of [
      ['', { accept: 'application/json' }],
      ['?format=json', { accept: BROWSER_ACCEPT }],
      ['', { accept: '*/*' }],
      ['', {}],
    ] as const) {
      const response = await open(identifiedIt, query, headers);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(response.headers.get('vary'), 'Accept');
      const raw = await response.text();
      assert.equal(raw, JSON.stringify(expected, null, 2), `${query} ${JSON.stringify(headers)}`);
      bodies.push(raw);
    }
    assert.equal(new Set(bodies).size, 1);
    const jwk = signer.jwks().keys[0];
    const verification = verifyReceipt(bodies[0], createPublicKey({ key: { ...jwk }, format: 'jwk' }));
    assert.ok(verification.valid, 'the file verifies');
  });

  it('the page’s headers: the whole strict policy, private, not indexed, no referrer', async () => {
    const response = await open(verifiedEn);
    assertContentSecurityPolicy(response.headers.get('content-security-policy'), {
      'default-src': ["'none'"],
      'style-src': ["'self'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'object-src': ["'none'"],
      'frame-ancestors': ["'none'"],
    });
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('x-robots-tag'), 'noindex, nofollow');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(response.headers.get('vary'), 'Accept');
    for (const file of ['page-shell.css', 'receipt.css']) {
      const css = await fetch(`${baseUrl}/receipts/${file}`);
      assert.equal(css.status, 200, file);
      assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
      assert.match(await css.text(), /:focus-visible/);
    }
  });

  it('an unknown or malformed link: 404 PSB_RECEIPT_NOT_FOUND in JSON when asked as JSON, a page in the browser’s language otherwise', async () => {
    for (const token of [UNKNOWN_TOKEN, 'short', `${UNKNOWN_TOKEN}x`]) {
      for (const [query, headers] of [
        ['', { accept: 'application/json' }],
        ['?format=json', { accept: BROWSER_ACCEPT }],
        ['', {}],
      ] as const) {
        const response = await open(token, query, headers);
        assert.equal(response.status, 404);
        assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
        assert.equal(response.headers.get('cache-control'), 'no-store');
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'PSB_RECEIPT_NOT_FOUND');
      }
      const page = await open(token, '', { accept: BROWSER_ACCEPT, 'accept-language': 'it-IT,it;q=0.9' });
      assert.equal(page.status, 404);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.ok(page.headers.get('content-security-policy')?.startsWith("default-src 'none'"));
      const html = await page.text();
      assert.match(html, /<html lang="it">/);
      assert.ok(html.includes(`<h1>${t('it').t('receipt.page.notFoundTitle')}</h1>`));
    }
  });

  it('what the receipt says is escaped, never markup', async () => {
    const evil = { ...loadController(), name: '<img src=x onerror=alert(1)> & Co' };
    const other = new ReceiptService({ db: ledger.db, catalog: ledger.catalog, signer, controller: evil, publicBaseUrl: PUBLIC_BASE_URL });
    const service = new ConsentSelfService({ db: ledger.db, catalog: ledger.catalog, consent: ledger.consent, subjects: ledger.subjects, receipts: other });
    const issued = (await service.change({ subjectId, direction: 'withdraw', pairs: [{ purposeId: 'newsletter', channel: 'email' }], collectionMethod: 'web_chat', language: 'en', conversationId: 'page-3', activityId: 'a3', assurance: 'verified' })).receipt;
    const html = await (await open(issued)).text();
    assert.ok(!html.includes('<img'), 'no markup from the receipt');
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt; &amp; Co'));
  });

  it('the JWK Set is still JSON', async () => {
    const response = await fetch(`${baseUrl}/receipts/keys`, { headers: { accept: BROWSER_ACCEPT } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), signer.jwks());
  });
});
