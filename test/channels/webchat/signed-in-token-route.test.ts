import assert from 'node:assert/strict';
import restify, { Server } from 'restify';
import { createSiteAssertionVerifier } from '../../../src/channels/webchat/site-assertion-verifier';
import { loadSiteIdentityConfig } from '../../../src/channels/webchat/site-identity-config';
import { WebChatTokenRequest } from '../../../src/channels/webchat/token-route';
import { webChatRoutes } from '../../../src/channels/webchat/webchat-routes';
import { Translations } from '../../../src/i18n/translator';
import { LogCapture } from '../../support/test-app';
import { CompanySite, signAssertion, SITE_AUDIENCE, SITE_ISSUER, SiteKey, siteKey, unsignedAssertion } from './support/company-site';

const EMAIL = 'luca.bianchi@example.com';

interface TokenAnswer {
  token?: string;
  conversationId?: string;
  error?: { code: string; message: string };
}

/** The Web Chat routes on a bare restify server with the real verifier; the issuer records what it was asked to mint. */
async function routesServer(translations: Translations, verifier: ReturnType<typeof createSiteAssertionVerifier> | undefined) {
  const minted: WebChatTokenRequest[] = [];
  const logs = new LogCapture();
  const server: Server = restify.createServer({ handleUncaughtExceptions: false });
  webChatRoutes({
    translations,
    defaultLocale: 'en',
    logger: logs.logger,
    siteIdentity: verifier,
    issueToken: async (request) => {
      minted.push(request);
      return { token: `token-${minted.length}`, conversationId: `conv-${minted.length}`, expiresIn: 1800 };
    },
  })(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const baseUrl = `http://127.0.0.1:${server.address().port}`;
  const ask = async (body: unknown): Promise<{ status: number; headers: Headers; answer: TokenAnswer }> => {
    const response = await fetch(`${baseUrl}/webchat/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, headers: response.headers, answer: (await response.json()) as TokenAnswer };
  };
  return { minted, logs, ask, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('POST /webchat/token with a sign-in assertion (HTTP, local JWK Set)', function () {
  this.timeout(20_000);
  let translations: Translations;
  let site: CompanySite;
  let key: SiteKey;
  let routes: Awaited<ReturnType<typeof routesServer>>;
  const assertions: string[] = [];
  const signed = async (...args: Parameters<typeof signAssertion>): Promise<string> => {
    const assertion = await signAssertion(...args);
    assertions.push(assertion);
    return assertion;
  };

  before(async () => {
    translations = await Translations.load();
    key = await siteKey('ES256', 'site-1');
    site = await CompanySite.start([key]);
    const verifier = createSiteAssertionVerifier(loadSiteIdentityConfig({ WEBCHAT_IDENTITY_JWKS_URL: site.jwksUrl, WEBCHAT_IDENTITY_ISSUER: SITE_ISSUER, WEBCHAT_IDENTITY_AUDIENCE: SITE_AUDIENCE }));
    routes = await routesServer(translations, verifier);
  });
  after(async () => {
    await routes?.close();
    await site?.stop();
  });

  it('a valid assertion: a token minted for the customer it names, with the locale and GPC as before', async () => {
    routes.minted.length = 0;
    const { status, headers, answer } = await routes.ask({ locale: 'it-IT', gpc: true, assertion: await signed(key, { claims: { email: EMAIL } }) });
    assert.equal(status, 200, JSON.stringify(answer));
    assert.equal(headers.get('cache-control'), 'no-store');
    assert.deepEqual(answer, { token: 'token-1', conversationId: 'conv-1', expiresIn: 1800 });
    assert.deepEqual(routes.minted, [{ locale: 'it-IT', gpc: true, signedIn: { kind: 'email', value: EMAIL, issuer: SITE_ISSUER } }]);
  });

  it('no assertion (or null): today’s anonymous token', async () => {
    routes.minted.length = 0;
    assert.equal((await routes.ask({ locale: 'en' })).status, 200);
    assert.equal((await routes.ask({ locale: 'en', assertion: null })).status, 200);
    assert.deepEqual(routes.minted, [
      { locale: 'en', gpc: false },
      { locale: 'en', gpc: false },
    ]);
  });

  const refused: [string, () => Promise<unknown>, string][] = [
    ['expired', () => signed(key, { claims: { email: EMAIL }, expiresInSeconds: -600 }), 'PSB_WEBCHAT_ASSERTION_EXPIRED'],
    ['signed with another key', async () => signed(await siteKey('ES256', 'site-1'), { claims: { email: EMAIL } }), 'PSB_WEBCHAT_ASSERTION_INVALID'],
    ['alg: none', async () => unsignedAssertion({ email: EMAIL }), 'PSB_WEBCHAT_ASSERTION_INVALID'],
    ['for another audience', () => signed(key, { claims: { email: EMAIL }, audience: 'someone-else' }), 'PSB_WEBCHAT_ASSERTION_INVALID'],
    ['from another issuer', () => signed(key, { claims: { email: EMAIL }, issuer: 'https://other.example.test' }), 'PSB_WEBCHAT_ASSERTION_INVALID'],
    ['HS256 when a JWK Set is configured', () => signed('secret', { claims: { email: EMAIL } }), 'PSB_WEBCHAT_ASSERTION_INVALID'],
    ['garbage', async () => 'garbage', 'PSB_WEBCHAT_ASSERTION_INVALID'],
    ['not a string', async () => ({ email: EMAIL }), 'PSB_WEBCHAT_ASSERTION_INVALID'],
  ];
  for (const [name, make, code] of refused) {
    it(`${name}: 401 ${code} as JSON, and no token is minted`, async () => {
      routes.minted.length = 0;
      const { status, answer } = await routes.ask({ locale: 'en', assertion: await make() });
      assert.equal(status, 401);
      assert.equal(answer.error?.code, code);
      assert.equal(typeof answer.error?.message, 'string');
      assert.equal(answer.token, undefined);
      assert.deepEqual(routes.minted, [], 'nothing was minted: no conversation can start');
    });
  }

  it('an assertion of several KiB fits the body limit', async () => {
    const { status } = await routes.ask({ assertion: await signed(key, { claims: { email: EMAIL, padding: 'p'.repeat(5000) } }) });
    assert.equal(status, 200);
  });

  it('a JWK Set that cannot be fetched: 503 with Retry-After, nothing minted', async () => {
    const down = await CompanySite.start([key]);
    const verifier = createSiteAssertionVerifier(loadSiteIdentityConfig({ WEBCHAT_IDENTITY_JWKS_URL: down.jwksUrl, WEBCHAT_IDENTITY_ISSUER: SITE_ISSUER, WEBCHAT_IDENTITY_AUDIENCE: SITE_AUDIENCE }));
    await down.stop();
    const own = await routesServer(translations, verifier);
    try {
      const { status, headers, answer } = await own.ask({ assertion: await signed(key, { claims: { email: EMAIL } }) });
      assert.equal(status, 503);
      assert.equal(headers.get('retry-after'), '30');
      assert.equal(answer.error?.code, 'PSB_WEBCHAT_IDENTITY_UNAVAILABLE');
      assert.deepEqual(own.minted, []);
    } finally {
      await own.close();
    }
  });

  it('signed-in Web Chat off: an assertion gets 400 PSB_WEBCHAT_SIGNIN_DISABLED, never a silently anonymous token', async () => {
    const off = await routesServer(translations, undefined);
    try {
      const { status, answer } = await off.ask({ assertion: await signed(key, { claims: { email: EMAIL } }) });
      assert.equal(status, 400);
      assert.equal(answer.error?.code, 'PSB_WEBCHAT_SIGNIN_DISABLED');
      assert.deepEqual(off.minted, []);
      assert.equal((await off.ask({ locale: 'en' })).status, 200, 'anonymous tokens as before');
    } finally {
      await off.close();
    }
  });

  it('never logs an assertion or the claim it carries', () => {
    assert.ok(assertions.length > 5);
    assert.match(routes.logs.text, /assertion refused/, 'refusals are logged (their reason only)');
    for (const assertion of assertions) {
      for (const part of assertion.split('.')) if (part.length > 8) assert.ok(!routes.logs.text.includes(part), 'no part of an assertion in the logs');
    }
    assert.ok(!routes.logs.text.includes(EMAIL), 'no claim value in the logs');
  });
});
