import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { DEFAULT_BOT_OPTIONS } from '../../src/config/options';
import { AppError } from '../../src/errors/app-error';

const ROOT = path.resolve(__dirname, '../..');
/** Production needs a receipt signing key too (see test/privacy/receipts for its own checks). */
const RECEIPT_SIGNING_KEY = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

/** Real transports for email and SMS and the code key: production refuses the development outbox. */
const PRODUCTION_MESSAGING = {
  EMAIL_TRANSPORT: 'smtps://bot:mail-secret@smtp.example.com:465',
  EMAIL_FROM: 'Example Shop Privacy <privacy@example.com>',
  SMS_TRANSPORT: 'https://sms.example.com/2010-04-01/Accounts/AC123/Messages.json',
  SMS_ACCOUNT_SID: 'AC123',
  SMS_AUTH_TOKEN: 'sms-secret',
  SMS_FROM: '+15005550006',
  IDENTITY_CODE_KEY: 'an-identity-code-key-of-at-least-32-characters',
};

describe('configuration from the environment', () => {
  it('reads NLU_CACHE_DIR as a folder, "none" as no cache, and defaults to data/nlu-models in the project', () => {
    assert.equal(loadConfig({}).nluCacheDir, path.join(ROOT, 'data', 'nlu-models'));
    assert.equal(loadConfig({ NLU_CACHE_DIR: ' /var/cache/psb-nlu ' }).nluCacheDir, '/var/cache/psb-nlu');
    assert.equal(loadConfig({ NLU_CACHE_DIR: 'None' }).nluCacheDir, undefined);
  });

  it('reads TEAMS_SSO_CONNECTION as the OAuth connection name, empty (no SSO) by default', () => {
    assert.equal(loadConfig({}).teamsSsoConnection, '');
    assert.equal(loadConfig({ TEAMS_SSO_CONNECTION: ' TeamsSSO ' }).teamsSsoConnection, 'TeamsSSO');
  });

  it('reads DATA_COPY_REVIEW as required or none, and refuses anything else naming the variable', () => {
    assert.equal(loadConfig({ DATA_COPY_REVIEW: 'none' }).dataCopies.reviewRequired, false);
    assert.equal(loadConfig({ DATA_COPY_REVIEW: ' required ' }).dataCopies.reviewRequired, true);
    assert.throws(() => loadConfig({ DATA_COPY_REVIEW: 'sometimes' }), /DATA_COPY_REVIEW must be one of required, none \(got "sometimes"\)/);
  });

  it('runs with no configuration at all on documented defaults', () => {
    const { ledger, directLine, webChatIdentity, agentConsole, receipts, consentWebhook, messaging, identityCodes, dataCopies, sourceJobs, dpoAlert, ...options } = loadConfig({});
    assert.deepEqual(options, DEFAULT_BOT_OPTIONS);
    assert.ok(Object.isFrozen(loadConfig({})));
    assert.match(ledger.backendDescription, /^PGlite \(embedded\) in .*data\/ledger/);
    assert.equal(ledger.usesDevelopmentHashKey, true);
    assert.equal(directLine.enabled, true);
    assert.equal(directLine.keySource, 'random-per-process');
    assert.equal(receipts.usesEphemeralKey, true);
    assert.equal(consentWebhook.url, '', 'no webhook unless CONSENT_WEBHOOK_URL is set');
    assert.deepEqual([dpoAlert.webhook, dpoAlert.email], [null, ''], 'the DPO alert reaches no one unless DPO_WEBHOOK_URL or DPO_EMAIL is set');
    assert.deepEqual([messaging.email.kind, messaging.sms.kind, identityCodes.usesEphemeralKey], ['outbox', 'outbox', true], 'codes go to the development outbox, hashed with a key of this process');
    assert.equal(webChatIdentity.enabled, false, 'no signed-in Web Chat unless WEBCHAT_IDENTITY_JWKS_URL or _SECRET is set');
    assert.deepEqual(dataCopies, { retentionDays: 30, maxDownloads: 5, review: 'required', reviewRequired: true }, 'copies kept 30 days, 5 downloads, released by the privacy team');
    assert.deepEqual(sourceJobs, { pollMs: 1000, firstRetrySeconds: 30, maxBackoffSeconds: 3600, concurrency: 4 }, 'sources asked at once, retried from 30 s up to hourly');
    assert.deepEqual(
      [directLine.tokenTtlSeconds, directLine.conversationTtlSeconds, directLine.rateLimitPosts, directLine.rateLimitWindowSeconds, directLine.keepAliveSeconds, directLine.serviceUrl],
      [1800, 3600, 30, 10, 30, ''],
    );
  });

  const wrong: [string, Record<string, string>][] = [
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['SESSION_TTL_SECONDS', { SESSION_TTL_SECONDS: '-5' }],
    ['NLU_THRESHOLD', { NLU_THRESHOLD: '1.5' }],
    ['DEFAULT_LOCALE', { DEFAULT_LOCALE: 'xx' }],
    ['REDIS_URL', { REDIS_URL: 'http://localhost:6379' }],
    ['REDIS_URL', { REDIS_URL: 'not a url' }],
    ['REDIS_PREFIX', { REDIS_PREFIX: 'has space' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['ALLOW_UNAUTHENTICATED', { ALLOW_UNAUTHENTICATED: 'maybe' }],
    ['MicrosoftAppType', { MicrosoftAppType: 'Other' }],
    ['MicrosoftAppPassword', { MicrosoftAppId: 'app' }],
    ['MicrosoftAppTenantId', { MicrosoftAppId: 'app', MicrosoftAppPassword: 'pw', MicrosoftAppType: 'SingleTenant' }],
    ['BODY_LIMIT_BYTES', { BODY_LIMIT_BYTES: '12k' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/x' }],
    ['LEDGER_SCHEMA', { LEDGER_SCHEMA: 'Drop Table' }],
    ['LEDGER_HASH_KEY', { LEDGER_HASH_KEY: 'short' }],
    ['LEDGER_HASH_KEY', { NODE_ENV: 'production', ALLOW_UNAUTHENTICATED: 'true' }],
    ['DIRECT_LINE_SECRET', { NODE_ENV: 'production', ALLOW_UNAUTHENTICATED: 'true', LEDGER_HASH_KEY: 'a-production-secret-of-enough-length', LEDGER_ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=' }],
    ['DIRECT_LINE_SECRET', { DIRECT_LINE_SECRET: 'too-short' }],
    ['DIRECT_LINE_TOKEN_KEY', { DIRECT_LINE_TOKEN_KEY: 'too-short' }],
    ['DIRECT_LINE_TOKEN_TTL_SECONDS', { DIRECT_LINE_TOKEN_TTL_SECONDS: '5' }],
    ['DIRECT_LINE_SERVICE_URL', { DIRECT_LINE_SERVICE_URL: 'ftp://bot.example.com' }],
    ['DIRECT_LINE_ENABLED', { DIRECT_LINE_ENABLED: 'perhaps' }],
    ['DIRECT_LINE_RATE_LIMIT_POSTS', { DIRECT_LINE_RATE_LIMIT_POSTS: '0' }],
    ['DIRECT_LINE_CORS_ORIGINS', { DIRECT_LINE_CORS_ORIGINS: 'https://example.com/path' }],
    ['HANDOFF_MODE', { HANDOFF_MODE: 'omnichannel' }],
    ['HANDOFF_TIMEOUT_SECONDS', { HANDOFF_TIMEOUT_SECONDS: '0' }],
    ['HANDOFF_TIMEOUT_SECONDS', { HANDOFF_TIMEOUT_SECONDS: '5m' }],
    ['SHUTDOWN_TIMEOUT_SECONDS', { SHUTDOWN_TIMEOUT_SECONDS: '0' }],
    ['SHUTDOWN_TIMEOUT_SECONDS', { SHUTDOWN_TIMEOUT_SECONDS: '25s' }],
    ['RECEIPT_SIGNING_KEY', { RECEIPT_SIGNING_KEY: 'not a key' }],
    ['PUBLIC_BASE_URL', { PUBLIC_BASE_URL: 'ftp://privacy.example.com' }],
  ];
  for (const [variable, env] of wrong) {
    it(`names ${variable} when ${JSON.stringify(env)} is wrong`, () => {
      assert.throws(
        () => loadConfig(env),
        (err: unknown) => err instanceof AppError && err.code === 'PSB_CONFIG_INVALID' && err.message.includes(variable),
      );
    });
  }

  it('refuses production without an app id unless ALLOW_UNAUTHENTICATED=true', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), (err: unknown) => err instanceof AppError && err.code === 'PSB_CONFIG_UNSAFE');
    // Production also needs the Direct Line secret (Direct Line is on by default).
    const hashKey = { LEDGER_HASH_KEY: 'a-production-secret-of-enough-length', LEDGER_ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=', DIRECT_LINE_SECRET: 'a-direct-line-secret-of-at-least-32-characters', RECEIPT_SIGNING_KEY, ...PRODUCTION_MESSAGING };
    assert.equal(loadConfig({ NODE_ENV: 'production', ALLOW_UNAUTHENTICATED: 'true', ...hashKey }).allowUnauthenticated, true);
    assert.equal(loadConfig({ NODE_ENV: 'production', MicrosoftAppId: 'app', MicrosoftAppPassword: 'pw', ...hashKey }).nodeEnv, 'production');
  });

  it('handoff: built-in queue with a 5-minute timeout by default; external mode and another timeout on request', () => {
    assert.deepEqual([loadConfig({}).handoffMode, loadConfig({}).handoffTimeoutSeconds], ['builtin', 300]);
    const external = loadConfig({ HANDOFF_MODE: 'external', HANDOFF_TIMEOUT_SECONDS: '90' });
    assert.deepEqual([external.handoffMode, external.handoffTimeoutSeconds], ['external', 90]);
  });

  it('shutdown: a 25-second deadline by default, another on request', () => {
    assert.equal(loadConfig({}).shutdownTimeoutSeconds, 25);
    assert.equal(loadConfig({ SHUTDOWN_TIMEOUT_SECONDS: '10' }).shutdownTimeoutSeconds, 10);
  });

  it('Direct Line in production: the secret signs tokens, or Direct Line is switched off', () => {
    const production = { NODE_ENV: 'production', MicrosoftAppId: 'app', MicrosoftAppPassword: 'pw', LEDGER_HASH_KEY: 'a-production-secret-of-enough-length', LEDGER_ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=', RECEIPT_SIGNING_KEY, ...PRODUCTION_MESSAGING };
    const withSecret = loadConfig({ ...production, DIRECT_LINE_SECRET: 'a-direct-line-secret-of-at-least-32-characters' }).directLine;
    assert.equal(withSecret.keySource, 'DIRECT_LINE_SECRET');
    assert.deepEqual(withSecret.warnings, []);
    assert.equal(loadConfig({ ...production, DIRECT_LINE_ENABLED: 'false' }).directLine.enabled, false);
    const custom = loadConfig({ DIRECT_LINE_SERVICE_URL: 'https://bot.example.com/', DIRECT_LINE_CORS_ORIGINS: 'https://www.example.com, https://shop.example.com:8443' }).directLine;
    assert.equal(custom.serviceUrl, 'https://bot.example.com');
    assert.deepEqual(custom.corsOrigins, ['https://www.example.com', 'https://shop.example.com:8443']);
  });

  it('the process itself refuses to start on a wrong value, naming the variable', function () {
    this.timeout(30_000);
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'src/main.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
      encoding: 'utf8',
      timeout: 25_000,
    });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /MicrosoftAppId/);
    assert.match(run.stderr, /ALLOW_UNAUTHENTICATED/);
  });
});
