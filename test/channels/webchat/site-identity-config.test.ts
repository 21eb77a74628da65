import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSiteIdentityConfig } from '../../../src/channels/webchat/site-identity-config';
import { loadConfig } from '../../../src/config/load-config';
import { AppError } from '../../../src/errors/app-error';

const JWKS = { WEBCHAT_IDENTITY_JWKS_URL: 'https://login.example.com/.well-known/jwks.json', WEBCHAT_IDENTITY_ISSUER: 'https://login.example.com', WEBCHAT_IDENTITY_AUDIENCE: 'bot' };
const SECRET = { WEBCHAT_IDENTITY_SECRET: 'x'.repeat(32), WEBCHAT_IDENTITY_ISSUER: 'https://www.example.com', WEBCHAT_IDENTITY_AUDIENCE: 'bot' };

describe('signed-in Web Chat configuration (WEBCHAT_IDENTITY_*)', () => {
  it('is off with no variable set, and loadConfig carries it', () => {
    assert.equal(loadSiteIdentityConfig({}).enabled, false);
    assert.equal(loadConfig({}).webChatIdentity.enabled, false);
  });

  it('a JWK Set: asymmetric algorithms only, claim email by default, frozen', () => {
    const config = loadSiteIdentityConfig(JWKS);
    assert.equal(config.enabled, true);
    assert.deepEqual(config.keySource, { kind: 'jwks', jwksUrl: JWKS.WEBCHAT_IDENTITY_JWKS_URL });
    assert.deepEqual(config.algorithms, ['RS256', 'ES256', 'EdDSA']);
    assert.deepEqual([config.issuer, config.audience, config.claim, config.claimKind], ['https://login.example.com', 'bot', 'email', 'email']);
    assert.ok(config.clockToleranceSeconds > 0 && config.clockToleranceSeconds <= 60, 'a small clock tolerance');
    assert.ok(Object.isFrozen(config));
  });

  it('a shared secret: HS256 only', () => {
    const config = loadSiteIdentityConfig(SECRET);
    assert.equal(config.keySource?.kind, 'secret');
    assert.deepEqual(config.algorithms, ['HS256']);
  });

  it('a claim holding a customer number or a phone', () => {
    const number = loadSiteIdentityConfig({ ...SECRET, WEBCHAT_IDENTITY_CLAIM: 'https://example.com/customer_no', WEBCHAT_IDENTITY_CLAIM_KIND: 'customer_number' });
    assert.deepEqual([number.claim, number.claimKind], ['https://example.com/customer_no', 'customer_number']);
    assert.equal(loadSiteIdentityConfig({ ...SECRET, WEBCHAT_IDENTITY_CLAIM: 'phone_number' }).claimKind, 'phone');
  });

  it('http:// only to a loopback host, and never in production', () => {
    assert.equal(loadSiteIdentityConfig({ ...JWKS, WEBCHAT_IDENTITY_JWKS_URL: 'http://127.0.0.1:8080/jwks.json' }).keySource?.kind, 'jwks');
    assert.throws(() => loadSiteIdentityConfig({ ...JWKS, NODE_ENV: 'production', WEBCHAT_IDENTITY_JWKS_URL: 'http://127.0.0.1:8080/jwks.json' }), configError('WEBCHAT_IDENTITY_JWKS_URL'));
  });

  const wrong: [string, Record<string, string>, string][] = [
    ['both key sources', { ...JWKS, WEBCHAT_IDENTITY_SECRET: 'y'.repeat(40) }, 'WEBCHAT_IDENTITY_SECRET'],
    ['no issuer', { ...JWKS, WEBCHAT_IDENTITY_ISSUER: '' }, 'WEBCHAT_IDENTITY_ISSUER'],
    ['no audience', { WEBCHAT_IDENTITY_SECRET: 'x'.repeat(32), WEBCHAT_IDENTITY_ISSUER: 'https://www.example.com' }, 'WEBCHAT_IDENTITY_AUDIENCE'],
    ['an issuer without a key source', { WEBCHAT_IDENTITY_ISSUER: 'https://login.example.com' }, 'WEBCHAT_IDENTITY_ISSUER'],
    ['a claim without a key source', { WEBCHAT_IDENTITY_CLAIM: 'sub' }, 'WEBCHAT_IDENTITY_CLAIM'],
    ['a short secret', { ...SECRET, WEBCHAT_IDENTITY_SECRET: 'short-secret' }, 'WEBCHAT_IDENTITY_SECRET'],
    ['a plain-http JWK Set on another host', { ...JWKS, WEBCHAT_IDENTITY_JWKS_URL: 'http://login.example.com/jwks.json' }, 'WEBCHAT_IDENTITY_JWKS_URL'],
    ['a JWK Set URL that is no URL', { ...JWKS, WEBCHAT_IDENTITY_JWKS_URL: 'login.example.com/jwks' }, 'WEBCHAT_IDENTITY_JWKS_URL'],
    ['credentials in the JWK Set URL', { ...JWKS, WEBCHAT_IDENTITY_JWKS_URL: 'https://u:p@login.example.com/jwks' }, 'WEBCHAT_IDENTITY_JWKS_URL'],
    ['an unknown claim kind', { ...SECRET, WEBCHAT_IDENTITY_CLAIM_KIND: 'passport' }, 'WEBCHAT_IDENTITY_CLAIM_KIND'],
    ['a custom claim without its kind', { ...SECRET, WEBCHAT_IDENTITY_CLAIM: 'customer_no' }, 'WEBCHAT_IDENTITY_CLAIM_KIND'],
    ['a claim name with spaces', { ...SECRET, WEBCHAT_IDENTITY_CLAIM: 'customer no', WEBCHAT_IDENTITY_CLAIM_KIND: 'customer_number' }, 'WEBCHAT_IDENTITY_CLAIM'],
  ];
  for (const [name, env, variable] of wrong) {
    it(`refuses to start with ${name}, naming ${variable}`, () => {
      assert.throws(() => loadSiteIdentityConfig(env), configError(variable));
      assert.throws(() => loadConfig(env), configError(variable));
    });
  }

  it('.env.example as it ships leaves it off (and starts)', () => {
    const env = Object.fromEntries(
      readFileSync(path.join(__dirname, '../../../.env.example'), 'utf8')
        .split('\n')
        .filter((line) => /^WEBCHAT_IDENTITY_\w+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    assert.ok(Object.keys(env).length >= 6, 'every WEBCHAT_IDENTITY_* variable is documented there');
    assert.equal(loadSiteIdentityConfig(env).enabled, false);
  });

  it('never repeats the secret in its error', () => {
    const secret = 'not-long-enough-secret';
    assert.throws(
      () => loadSiteIdentityConfig({ ...SECRET, WEBCHAT_IDENTITY_SECRET: secret }),
      (err: unknown) => err instanceof AppError && !err.message.includes(secret),
    );
  });
});

function configError(variable: string): (err: unknown) => boolean {
  return (err) => err instanceof AppError && err.code === 'PSB_CONFIG_INVALID' && err.details.variable === variable && err.message.includes(variable);
}
