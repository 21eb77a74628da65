import assert from 'node:assert/strict';
import { createSiteAssertionVerifier, SiteAssertionVerifier } from '../../../src/channels/webchat/site-assertion-verifier';
import { loadSiteIdentityConfig } from '../../../src/channels/webchat/site-identity-config';
import { AppError } from '../../../src/errors/app-error';
import { CompanySite, signAssertion, SITE_AUDIENCE, SITE_ISSUER, SITE_SECRET, SiteKey, siteKey, unsignedAssertion } from './support/company-site';

const EMAIL = 'Anna.Rossi@Example.com';

function refusedWith(code: string, reason?: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof AppError, `an AppError, not ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (reason !== undefined) assert.equal(err.details.reason, reason, err.message);
    assert.ok(!err.message.toLowerCase().includes(EMAIL.toLowerCase()), 'the claim is never repeated');
    return true;
  };
}

describe('site assertion verifier (jose; a local JWK Set server)', function () {
  this.timeout(20_000);
  let site: CompanySite;
  let rsa: SiteKey;
  let ec: SiteKey;
  let ed: SiteKey;
  let stranger: SiteKey;
  let verifier: SiteAssertionVerifier;
  const jwksEnv = () => ({ WEBCHAT_IDENTITY_JWKS_URL: site.jwksUrl, WEBCHAT_IDENTITY_ISSUER: SITE_ISSUER, WEBCHAT_IDENTITY_AUDIENCE: SITE_AUDIENCE });

  before(async () => {
    [rsa, ec, ed, stranger] = await Promise.all([siteKey('RS256', 'rsa-1'), siteKey('ES256', 'ec-1'), siteKey('EdDSA', 'ed-1'), siteKey('RS256', 'rsa-1')]);
    site = await CompanySite.start([rsa, ec, ed]);
    verifier = createSiteAssertionVerifier(loadSiteIdentityConfig(jwksEnv()));
  });
  after(() => site?.stop());

  it('accepts RS256, ES256 and EdDSA assertions from the JWK Set, naming the customer by the normalised claim', async () => {
    for (const key of [rsa, ec, ed]) {
      assert.deepEqual(await verifier.verify(await signAssertion(key, { claims: { email: EMAIL } })), { kind: 'email', value: 'anna.rossi@example.com', issuer: SITE_ISSUER }, key.alg);
    }
  });

  it('fetches the JWK Set once and serves later assertions from its cache', async () => {
    const fresh = createSiteAssertionVerifier(loadSiteIdentityConfig(jwksEnv()));
    const before = site.jwksFetches;
    for (let i = 0; i < 5; i += 1) await fresh.verify(await signAssertion(rsa, { claims: { email: EMAIL } }));
    assert.equal(site.jwksFetches - before, 1);
  });

  it('tolerates a little clock skew on exp, not more', async () => {
    await verifier.verify(await signAssertion(rsa, { claims: { email: EMAIL }, expiresInSeconds: -5 }));
    await assert.rejects(verifier.verify(await signAssertion(rsa, { claims: { email: EMAIL }, expiresInSeconds: -120 })), refusedWith('PSB_WEBCHAT_ASSERTION_EXPIRED', 'expired'));
  });

  const refusals: [string, () => Promise<string>, string, string][] = [
    ['signed with another key under a published kid', () => signAssertion(stranger, { claims: { email: EMAIL } }), 'PSB_WEBCHAT_ASSERTION_INVALID', 'signature'],
    ['signed with a key the site never published', async () => signAssertion(await siteKey('RS256', 'rsa-unknown'), { claims: { email: EMAIL } }), 'PSB_WEBCHAT_ASSERTION_INVALID', 'unknown key'],
    ['alg: none', async () => unsignedAssertion({ email: EMAIL }), 'PSB_WEBCHAT_ASSERTION_INVALID', 'algorithm'],
    ['HS256 (a secret) when a JWK Set is configured', () => signAssertion('secret', { claims: { email: EMAIL } }), 'PSB_WEBCHAT_ASSERTION_INVALID', 'algorithm'],
    ['for another audience', () => signAssertion(rsa, { claims: { email: EMAIL }, audience: 'another-app' }), 'PSB_WEBCHAT_ASSERTION_INVALID', 'audience'],
    ['from another issuer', () => signAssertion(rsa, { claims: { email: EMAIL }, issuer: 'https://evil.example.test' }), 'PSB_WEBCHAT_ASSERTION_INVALID', 'issuer'],
    ['expired an hour ago', () => signAssertion(rsa, { claims: { email: EMAIL }, expiresInSeconds: -3600 }), 'PSB_WEBCHAT_ASSERTION_EXPIRED', 'expired'],
    ['without the configured claim', () => signAssertion(rsa, { claims: { sub: '1234' } }), 'PSB_WEBCHAT_ASSERTION_INVALID', 'claim missing'],
    ['whose email the provider has not verified', () => signAssertion(rsa, { claims: { email: EMAIL, email_verified: false } }), 'PSB_WEBCHAT_ASSERTION_INVALID', 'claim unverified'],
    ['whose claim is no email', () => signAssertion(rsa, { claims: { email: 'not an address' } }), 'PSB_WEBCHAT_ASSERTION_INVALID', 'claim malformed'],
    ['garbage', async () => 'not-a-jwt', 'PSB_WEBCHAT_ASSERTION_INVALID', 'malformed'],
    ['three parts of garbage', async () => 'aaa.bbb.ccc', 'PSB_WEBCHAT_ASSERTION_INVALID', 'malformed'],
    ['a tampered payload', async () => tamper(await signAssertion(rsa, { claims: { email: 'someone@example.com' } }), { email: EMAIL }), 'PSB_WEBCHAT_ASSERTION_INVALID', 'signature'],
  ];
  for (const [name, make, code, reason] of refusals) {
    it(`refuses an assertion ${name}: ${code} (${reason})`, async () => {
      await assert.rejects(verifier.verify(await make()), refusedWith(code, reason));
    });
  }

  it('refuses what is no string or too long before any work', async () => {
    for (const value of [42, { jwt: 'x' }, 'a'.repeat(9000) + '.b.c']) await assert.rejects(verifier.verify(value), refusedWith('PSB_WEBCHAT_ASSERTION_INVALID', 'malformed'));
  });

  it('fetches keys only from the configured URL: a jku header pointing elsewhere is not followed', async () => {
    const elsewhere = await CompanySite.start([stranger]);
    try {
      const forged = await signAssertion(stranger, { claims: { email: EMAIL }, header: { jku: elsewhere.jwksUrl } });
      await assert.rejects(verifier.verify(forged), refusedWith('PSB_WEBCHAT_ASSERTION_INVALID', 'signature'));
      assert.deepEqual(elsewhere.requested, [], 'the other server was never asked');
    } finally {
      await elsewhere.stop();
    }
  });

  it('tries each key of a set that publishes several of one kind without kid', async () => {
    const [first, second] = await Promise.all([siteKey('ES256', 'x'), siteKey('ES256', 'y')]);
    const noKids = (key: SiteKey): SiteKey => ({ ...key, publicJwk: { ...key.publicJwk, kid: undefined } });
    const anonymousSite = await CompanySite.start([noKids(first), noKids(second)]);
    try {
      const own = createSiteAssertionVerifier(loadSiteIdentityConfig({ ...jwksEnv(), WEBCHAT_IDENTITY_JWKS_URL: anonymousSite.jwksUrl }));
      assert.equal((await own.verify(await signAssertion(second, { claims: { email: EMAIL }, noKid: true }))).value, 'anna.rossi@example.com');
      await assert.rejects(own.verify(await signAssertion(ec, { claims: { email: EMAIL }, noKid: true })), refusedWith('PSB_WEBCHAT_ASSERTION_INVALID', 'signature'));
    } finally {
      await anonymousSite.stop();
    }
  });

  it('a JWK Set that cannot be fetched: PSB_WEBCHAT_IDENTITY_UNAVAILABLE with a retry delay; back when the site is back', async () => {
    const down = await CompanySite.start([rsa]);
    const own = createSiteAssertionVerifier(loadSiteIdentityConfig({ ...jwksEnv(), WEBCHAT_IDENTITY_JWKS_URL: down.jwksUrl }));
    await down.stop();
    const assertion = await signAssertion(rsa, { claims: { email: EMAIL } });
    await assert.rejects(own.verify(assertion), (err: unknown) => {
      assert.ok(err instanceof AppError && err.code === 'PSB_WEBCHAT_IDENTITY_UNAVAILABLE', String(err));
      assert.equal(err.details.retryAfterSeconds, 30);
      return true;
    });
    await down.restart();
    try {
      assert.equal((await own.verify(assertion)).value, 'anna.rossi@example.com');
    } finally {
      await down.stop();
    }
  });

  describe('with a shared secret (HS256)', () => {
    const secretVerifier = () =>
      createSiteAssertionVerifier(loadSiteIdentityConfig({ WEBCHAT_IDENTITY_SECRET: SITE_SECRET, WEBCHAT_IDENTITY_ISSUER: SITE_ISSUER, WEBCHAT_IDENTITY_AUDIENCE: SITE_AUDIENCE, WEBCHAT_IDENTITY_CLAIM: 'customer_no', WEBCHAT_IDENTITY_CLAIM_KIND: 'customer_number' }));

    it('accepts HS256 with the secret, the claim a customer number (string or number)', async () => {
      const own = secretVerifier();
      assert.deepEqual(await own.verify(await signAssertion('secret', { claims: { customer_no: 'c-1042' } })), { kind: 'customer_number', value: 'C-1042', issuer: SITE_ISSUER });
      assert.equal((await own.verify(await signAssertion('secret', { claims: { customer_no: 104233 } }))).value, '104233');
    });

    it('refuses another secret, an RS256 assertion and alg: none', async () => {
      const own = secretVerifier();
      await assert.rejects(own.verify(await signAssertion('secret', { claims: { customer_no: 'C-1042' } }, 'another-secret-0123456789abcdef-0123')), refusedWith('PSB_WEBCHAT_ASSERTION_INVALID', 'signature'));
      await assert.rejects(own.verify(await signAssertion(rsa, { claims: { customer_no: 'C-1042' } })), refusedWith('PSB_WEBCHAT_ASSERTION_INVALID', 'algorithm'));
      await assert.rejects(own.verify(unsignedAssertion({ customer_no: 'C-1042' })), refusedWith('PSB_WEBCHAT_ASSERTION_INVALID', 'algorithm'));
    });
  });
});

/** The assertion with its payload swapped (signature kept): what a browser could try. */
function tamper(assertion: string, claims: Record<string, unknown>): string {
  const [header, payload, signature] = assertion.split('.');
  const original = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return [header, Buffer.from(JSON.stringify({ ...original, ...claims })).toString('base64url'), signature].join('.');
}
