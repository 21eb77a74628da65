import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translations } from '../../src/i18n/translator';
import { CompanySite, signAssertion, SITE_AUDIENCE, SITE_ISSUER, SiteKey, siteKey } from '../channels/webchat/support/company-site';
import { ConsentStack, startConsentStack } from '../consent-bot/consent-stack';
import { launchChromium, textPattern } from './chromium';

const WAIT_MS = 15_000;

/**
 * The company's page for a signed-in customer: it frames the bot's Web Chat page with `?signin=1`
 * and, when the frame says it is ready, hands it an assertion the site's own server signed — the
 * embedding the README documents, nearly word for word.
 */
const ACCOUNT_PAGE = (botOrigin: string): string => `<!doctype html>
<html lang="en" data-bot="${botOrigin}">
<head><meta charset="utf-8"><title>My account</title></head>
<body>
  <h1>My account</h1>
  <script src="/site.js"></script>
</body>
</html>`;

const SITE_JS = `(function () {
  var bot = document.documentElement.getAttribute('data-bot');
  var frame = document.createElement('iframe');
  window.addEventListener('message', function (event) {
    if (event.origin !== bot || event.source !== frame.contentWindow || !event.data) return;
    if (event.data.type === 'psb:ready') {
      fetch('/session/chat-assertion', { method: 'POST', credentials: 'same-origin' })
        .then(function (response) { return response.json(); })
        .then(function (body) { frame.contentWindow.postMessage({ type: 'psb:signin', assertion: body.assertion }, bot); });
    }
    if (event.data.type === 'psb:signin-failed') window.signInFailed = event.data.code;
  });
  frame.src = bot + '/?signin=1';
  frame.title = 'Privacy chat';
  frame.style.width = '480px';
  frame.style.height = '640px';
  document.body.appendChild(frame);
})();`;

interface Case {
  readonly locale: ShippedLocale;
  readonly browserLocale: string;
  readonly who: 'maya' | 'giulia';
  readonly question: string;
}

const CASES: readonly Case[] = [
  { locale: 'en', browserLocale: 'en-US', who: 'maya', question: 'What did I agree to?' },
  { locale: 'it', browserLocale: 'it-IT', who: 'giulia', question: 'A cosa ho dato il consenso?' },
];

/**
 * Signed-in Web Chat in Chromium: the company's page (another origin, with its own JWK Set) frames
 * the bot's page and passes the signed-in customer's assertion by postMessage; the customer asks
 * "What did I agree to?" and sees their consents card with no question asked.
 */
describe('signed-in Web Chat embedded in the company’s page (Chromium, end to end)', function () {
  this.timeout(90_000);
  let browser: Browser;
  let translations: Translations;
  let site: CompanySite;
  let key: SiteKey;
  let stack: ConsentStack;
  /** What the site's server signs for the customer signed in "now". */
  let session: { email: string; expiresInSeconds: number } = { email: '', expiresInSeconds: 300 };
  const contexts: BrowserContext[] = [];

  before(async () => {
    browser = await launchChromium();
    translations = await Translations.load();
    key = await siteKey('ES256', 'site-es-1');
    site = await CompanySite.start([key]);
    stack = await startConsentStack({
      WEBCHAT_IDENTITY_JWKS_URL: site.jwksUrl,
      WEBCHAT_IDENTITY_ISSUER: SITE_ISSUER,
      WEBCHAT_IDENTITY_AUDIENCE: SITE_AUDIENCE,
      // The company's site may frame the chat (and so hand it an assertion).
      DIRECT_LINE_CORS_ORIGINS: site.origin,
    });
    const send = (res: ServerResponse, type: string, body: string): void => {
      // Not chained: restify (loaded in this process) patches ServerResponse.writeHead to return nothing.
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    site.route('/account', (_req: IncomingMessage, res) => send(res, 'text/html; charset=utf-8', ACCOUNT_PAGE(stack.baseUrl)));
    site.route('/site.js', (_req, res) => send(res, 'application/javascript; charset=utf-8', SITE_JS));
    site.route('/session/chat-assertion', (_req, res) => {
      void signAssertion(key, { claims: { email: session.email, email_verified: true }, expiresInSeconds: session.expiresInSeconds }).then((assertion) => send(res, 'application/json', JSON.stringify({ assertion })));
    });
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
    await site?.stop();
  });

  async function openAccountPage(browserLocale: string): Promise<{ page: Page; chat: FrameLocator; problems: string[] }> {
    const context = await browser.newContext({ locale: browserLocale });
    contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    assert.equal((await page.goto(`${site.origin}/account`, { waitUntil: 'load' }))?.status(), 200);
    return { page, chat: page.frameLocator('iframe[title="Privacy chat"]'), problems };
  }

  const see = (chat: FrameLocator, text: string) => chat.locator('.webchat__basic-transcript').getByText(textPattern(text)).first().waitFor({ state: 'visible', timeout: WAIT_MS });

  for (const c of CASES) {
    it(`${c.locale}: "${c.question}" shows the consents card at once — no question, no agent; the ledger records the signed-in verification`, async () => {
      const t = translations.for(c.locale);
      const who = stack.demo[c.who];
      session = { email: who.email, expiresInSeconds: 300 };
      const { chat, problems } = await openAccountPage(c.browserLocale);
      await see(chat, t.t('bot.welcome'));

      const input = chat.locator('[data-id="webchat-sendbox-input"]');
      await input.fill(c.question);
      await input.press('Enter');
      await see(chat, t.t('consent.overview.title'));

      const shown = await chat.locator('.webchat__basic-transcript').innerText();
      assert.ok(!shown.includes(t.t('identity.prompt')), 'the customer was not asked who they are');
      const verifications = (await stack.ledger.verifications.forSubject(who.subjectId)).filter((v) => v.method === 'signed_in_site');
      assert.equal(verifications.length, 1, 'one signed-in verification for this conversation');
      assert.equal(verifications[0].channel, 'webchat');
      assert.deepEqual(problems, []);
    });
  }

  it('an expired assertion: the chat does not open, and the company’s page is told why', async () => {
    const t = translations.for('en');
    session = { email: stack.demo.maya.email, expiresInSeconds: -600 };
    const { page, chat } = await openAccountPage('en-US');
    await page.waitForFunction('window.signInFailed !== undefined', undefined, { timeout: WAIT_MS });
    assert.equal(await page.evaluate('window.signInFailed'), 'PSB_WEBCHAT_ASSERTION_EXPIRED');
    await chat.getByText(t.t('webchat.failed')).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await chat.locator('[data-id="webchat-sendbox-input"]').count(), 0, 'no chat was rendered');
  });
});
