import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/load-config';
import { isAppError } from '../../../src/errors/app-error';
import { loadConsentWebhookConfig } from '../../../src/integrations/consent-webhook/webhook-config';

const SECRET = 'a-consent-webhook-secret-of-32-chars-or-more';

function assertConfigError(env: Record<string, string>, variable: string, ...patterns: RegExp[]): string {
  let message = '';
  assert.throws(
    () => loadConsentWebhookConfig(env),
    (err: unknown) => {
      assert.ok(isAppError(err, 'PSB_CONFIG_INVALID'), `expected PSB_CONFIG_INVALID, got ${String(err)}`);
      assert.equal(err.details.variable, variable);
      message = err.message;
      return true;
    },
  );
  for (const pattern of patterns) assert.match(message, pattern);
  return message;
}

describe('consent webhook settings', () => {
  it('is off with no configuration, and part of the bot configuration', () => {
    const config = loadConsentWebhookConfig({});
    assert.deepEqual(config, { url: '', secret: '', timeoutMs: 10_000, maxBackoffSeconds: 300, pollMs: 1000, description: 'off (no CONSENT_WEBHOOK_URL)', warnings: [] });
    assert.ok(Object.isFrozen(config));
    assert.deepEqual(loadConfig({}).consentWebhook, config);
  });

  it('reads every variable; the start-up description shows no path, query or secret', () => {
    const config = loadConsentWebhookConfig({
      CONSENT_WEBHOOK_URL: 'https://crm.example.com:8443/hooks/consent?token=abc',
      CONSENT_WEBHOOK_SECRET: SECRET,
      CONSENT_WEBHOOK_TIMEOUT_MS: '2500',
      CONSENT_WEBHOOK_MAX_BACKOFF_SECONDS: '60',
      CONSENT_WEBHOOK_POLL_MS: '200',
    });
    assert.deepEqual(
      { ...config, warnings: [...config.warnings] },
      { url: 'https://crm.example.com:8443/hooks/consent?token=abc', secret: SECRET, timeoutMs: 2500, maxBackoffSeconds: 60, pollMs: 200, description: 'https://crm.example.com:8443', warnings: [] },
    );
  });

  it('refuses a URL without a secret, naming CONSENT_WEBHOOK_SECRET', () => {
    assertConfigError({ CONSENT_WEBHOOK_URL: 'https://crm.example.com/hooks' }, 'CONSENT_WEBHOOK_SECRET', /CONSENT_WEBHOOK_SECRET must be set when CONSENT_WEBHOOK_URL is set/, /32 characters/);
  });

  it('refuses a short secret without echoing it', () => {
    const message = assertConfigError({ CONSENT_WEBHOOK_URL: 'https://crm.example.com/hooks', CONSENT_WEBHOOK_SECRET: 'short-secret' }, 'CONSENT_WEBHOOK_SECRET', /at least 32 characters/, /<12 characters>/);
    assert.ok(!message.includes('short-secret'));
  });

  const badUrls: [string, RegExp][] = [
    ['not a url', /an http:\/\/ or https:\/\/ URL \(got "<unparseable>"\)/],
    ['ftp://files.example.com/consent', /an http:\/\/ or https:\/\/ URL \(got "ftp:"\)/],
    ['https://user:pa55word@crm.example.com/hooks', /without user:password@/],
  ];
  for (const [url, pattern] of badUrls) {
    it(`refuses CONSENT_WEBHOOK_URL=${url}, without echoing it`, () => {
      const message = assertConfigError({ CONSENT_WEBHOOK_URL: url, CONSENT_WEBHOOK_SECRET: SECRET }, 'CONSENT_WEBHOOK_URL', pattern);
      assert.ok(!message.includes('pa55word') && !message.includes('files.example.com'));
    });
  }

  const outOfRange: [string, string][] = [
    ['CONSENT_WEBHOOK_TIMEOUT_MS', '0'],
    ['CONSENT_WEBHOOK_TIMEOUT_MS', '10s'],
    ['CONSENT_WEBHOOK_MAX_BACKOFF_SECONDS', '0'],
    ['CONSENT_WEBHOOK_POLL_MS', '10'],
  ];
  for (const [variable, value] of outOfRange) {
    it(`refuses ${variable}=${value}`, () => {
      assertConfigError({ [variable]: value }, variable, /must be an integer from/);
    });
  }

  it('warns about plain http in production', () => {
    const config = loadConsentWebhookConfig({ NODE_ENV: 'production', CONSENT_WEBHOOK_URL: 'http://crm.internal/hooks', CONSENT_WEBHOOK_SECRET: SECRET });
    assert.equal(config.warnings.length, 1);
    assert.match(config.warnings[0], /plain http/);
    assert.deepEqual(loadConsentWebhookConfig({ CONSENT_WEBHOOK_URL: 'http://127.0.0.1:9000/hooks', CONSENT_WEBHOOK_SECRET: SECRET }).warnings, []);
  });
});
