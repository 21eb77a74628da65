import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { MessageOutbox, OutboxEntry } from '../../../src/integrations/messaging/message-outbox';
import { OUTBOX_CONTENT_SECURITY_POLICY, OUTBOX_STYLE_SOURCE } from '../../../src/integrations/messaging/outbox-page';
import { launchChromium } from '../../e2e/chromium';
import { RunningApp, startTestApp } from '../../support/test-app';

/** The whole policy, directive by directive: nothing loads but the page's own inline style. */
const EXPECTED_CSP = [
  "default-src 'none'",
  `style-src ${OUTBOX_STYLE_SOURCE}`,
  'img-src data:',
  "script-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
];

describe('MessageOutbox', () => {
  it('keeps at most its capacity, dropping the oldest; an SMS has no subject', async () => {
    let now = Date.parse('2026-11-29T10:00:00Z');
    const outbox = new MessageOutbox(3, () => new Date(now));
    for (let i = 1; i <= 5; i++) {
      await outbox.transport(i % 2 === 0 ? 'sms' : 'email').send({ to: `to-${i}`, subject: `subject ${i}`, text: `text ${i}` });
      now += 1000;
    }
    assert.deepEqual(
      outbox.list().map((entry) => [entry.to, entry.subject, entry.sentAt]),
      [
        ['to-3', 'subject 3', '2026-11-29T10:00:02.000Z'],
        ['to-4', '', '2026-11-29T10:00:03.000Z'],
        ['to-5', 'subject 5', '2026-11-29T10:00:04.000Z'],
      ],
    );
  });
});

describe('GET /dev/outbox (development only)', () => {
  let running: RunningApp;
  before(async function () {
    // Starting the app trains the classifier (once per process) and migrates an embedded ledger.
    this.timeout(120_000);
    running = await startTestApp();
  });
  after(async () => running?.close());

  function fill(): void {
    const outbox = running.app.identityCodes.outbox;
    assert.ok(outbox, 'the test app (no transports configured) uses the outbox');
    outbox.add('email', { to: 'maya.chen@example.com', subject: 'Your code for the Example Shop S.p.A. privacy assistant', text: 'Your code is 123456\n\n<script>alert(1)</script>' });
    outbox.add('sms', { to: '+12135550147', subject: 'ignored for SMS', text: '654321 is your code' });
  }

  it('answers JSON by default: a list of {channel, to, subject, text, sentAt}, oldest first, never cached', async () => {
    fill();
    for (const url of ['/dev/outbox', '/dev/outbox?format=json']) {
      const response = await fetch(`${running.baseUrl}${url}`, { headers: { accept: url.includes('format') ? 'text/html' : 'application/json' } });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const list = (await response.json()) as OutboxEntry[];
      const last = list.slice(-2);
      assert.deepEqual(
        last.map(({ sentAt, ...rest }) => ({ ...rest, sentAt: !Number.isNaN(Date.parse(sentAt)) })),
        [
          { channel: 'email', to: 'maya.chen@example.com', subject: 'Your code for the Example Shop S.p.A. privacy assistant', text: 'Your code is 123456\n\n<script>alert(1)</script>', sentAt: true },
          { channel: 'sms', to: '+12135550147', subject: '', text: '654321 is your code', sentAt: true },
        ],
      );
    }
  });

  it('a browser gets a page in its language with the complete strict CSP, the text escaped, and the security headers', async () => {
    fill();
    const response = await fetch(`${running.baseUrl}/dev/outbox`, { headers: { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8', 'accept-language': 'it-IT,it;q=0.9' } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    assert.equal(response.headers.get('content-language'), 'it');
    assert.deepEqual(response.headers.get('content-security-policy')?.split('; '), EXPECTED_CSP);
    assert.equal(response.headers.get('content-security-policy'), OUTBOX_CONTENT_SECURITY_POLICY);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const html = await response.text();
    assert.match(html, /<html lang="it">/);
    assert.match(html, /<h1 id="outbox-heading">Posta in uscita: i messaggi che il bot avrebbe inviato<\/h1>/);
    assert.match(html, /<th scope="col">Destinatario<\/th>/);
    assert.ok(!html.includes('<script>'), 'customer-facing text is escaped');
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.ok(html.indexOf('654321') < html.indexOf('123456'), 'newest first');
  });

  it('in Chromium: the style applies under the CSP with no violation, and the keyboard reaches every link', async function () {
    this.timeout(60_000);
    fill();
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.newPage({ locale: 'en-US' });
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      const response = await page.goto(`${running.baseUrl}/dev/outbox`);
      assert.equal(response?.status(), 200);
      assert.equal(await page.locator('h1').textContent(), 'Outbox: messages the bot would have sent');
      assert.equal(await page.evaluate("getComputedStyle(document.querySelector('table caption')).textAlign"), 'left', 'the inline style is allowed by its hash');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement.textContent'), 'Refresh');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement.textContent'), 'Show as JSON');
      assert.deepEqual(problems, [], 'no CSP violation, no failed request, no other error');
      await page.keyboard.press('Enter');
      await page.waitForURL(/format=json/);
      assert.match((await page.textContent('body')) ?? '', /"channel": "sms"/);
    } finally {
      await browser?.close();
    }
  });
});

describe('GET /dev/outbox in production', () => {
  let running: RunningApp;
  before(async function () {
    this.timeout(120_000);
    running = await startTestApp({
      NODE_ENV: 'production',
      ALLOW_UNAUTHENTICATED: 'true',
      LEDGER_HASH_KEY: 'a-production-secret-of-enough-length', LEDGER_ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
      DIRECT_LINE_SECRET: 'a-direct-line-secret-of-at-least-32-characters',
      RECEIPT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      IDENTITY_CODE_KEY: 'an-identity-code-key-of-at-least-32-characters',
      // Real transports (nothing is sent in this test: the servers need not exist).
      EMAIL_TRANSPORT: 'smtp://127.0.0.1:1',
      EMAIL_FROM: 'privacy@example.com',
      SMS_TRANSPORT: 'https://127.0.0.1:1/Messages.json',
      SMS_ACCOUNT_SID: 'AC1',
      SMS_AUTH_TOKEN: 'token',
      SMS_FROM: '+15005550006',
    });
  });
  after(async () => running?.close());

  it('does not exist (404 JSON), for JSON and HTML alike, and there is no outbox', async () => {
    assert.equal(running.app.identityCodes.outbox, undefined);
    for (const accept of ['application/json', 'text/html']) {
      const response = await fetch(`${running.baseUrl}/dev/outbox`, { headers: { accept } });
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'PSB_NOT_FOUND');
    }
    assert.match(running.logs.text, /"emailTransport":\{"kind":"smtp","where":"smtp:\/\/127\.0\.0\.1:1"\}/);
  });
});
