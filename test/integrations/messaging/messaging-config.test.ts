import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../src/errors/app-error';
import { loadMessagingConfig } from '../../../src/integrations/messaging/messaging-config';
import { loadIdentityCodeConfig } from '../../../src/privacy/identity/identity-code-config';

const ROOT = path.resolve(__dirname, '../../..');

const REAL = {
  EMAIL_TRANSPORT: 'smtps://bot:mail-secret@smtp.example.com:465',
  EMAIL_FROM: 'Example Shop Privacy <privacy@example.com>',
  SMS_TRANSPORT: 'https://sms.example.com/2010-04-01/Accounts/AC1/Messages.json',
  SMS_ACCOUNT_SID: 'AC1',
  SMS_AUTH_TOKEN: 'sms-secret',
  SMS_FROM: '+15005550006',
};

function refused(env: Record<string, string>, variable: string): void {
  assert.throws(
    () => loadMessagingConfig(env),
    (err: unknown) => err instanceof AppError && err.code === 'PSB_CONFIG_INVALID' && err.details.variable === variable && err.message.startsWith(variable),
    `expected ${variable} to be named for ${JSON.stringify(env)}`,
  );
}

describe('email and SMS transport settings', () => {
  it('outside production both channels default to the outbox, with a warning', () => {
    const config = loadMessagingConfig({});
    assert.deepEqual([config.email.kind, config.sms.kind, config.usesOutbox, config.timeoutMs, config.outboxSize], ['outbox', 'outbox', true, 10_000, 200]);
    assert.match(config.warnings.join(' '), /email and SMS go to the development outbox \(GET \/dev\/outbox\)/);
    assert.equal(loadMessagingConfig({ EMAIL_TRANSPORT: 'outbox', SMS_TRANSPORT: 'outbox' }).usesOutbox, true);
  });

  it('real transports: descriptions hold scheme, host and port only, never credentials', () => {
    const config = loadMessagingConfig({ ...REAL, MESSAGE_TIMEOUT_MS: '2500' });
    assert.equal(config.usesOutbox, false);
    assert.deepEqual(config.warnings, []);
    assert.equal(config.timeoutMs, 2500);
    assert.equal(config.email.kind, 'smtp');
    assert.equal(config.email.description, 'smtps://smtp.example.com:465');
    assert.equal(config.sms.description, 'https://sms.example.com');
    assert.ok(config.sms.kind === 'http' && config.sms.accountSid === 'AC1' && config.sms.authToken === 'sms-secret' && config.sms.from === '+15005550006');
    for (const secret of ['mail-secret', 'sms-secret']) assert.ok(!JSON.stringify([config.email.description, config.sms.description, config.warnings]).includes(secret));
  });

  it('production refuses the outbox, naming the variable to set', () => {
    refused({ NODE_ENV: 'production' }, 'EMAIL_TRANSPORT');
    refused({ NODE_ENV: 'production', EMAIL_TRANSPORT: 'outbox' }, 'EMAIL_TRANSPORT');
    refused({ NODE_ENV: 'production', EMAIL_TRANSPORT: REAL.EMAIL_TRANSPORT, EMAIL_FROM: REAL.EMAIL_FROM }, 'SMS_TRANSPORT');
    refused({ NODE_ENV: 'production', ...REAL, SMS_TRANSPORT: 'http://sms.example.com/Messages.json' }, 'SMS_TRANSPORT');
    assert.equal(loadMessagingConfig({ NODE_ENV: 'production', ...REAL }).usesOutbox, false);
  });

  const wrong: [string, Record<string, string>][] = [
    ['EMAIL_TRANSPORT', { EMAIL_TRANSPORT: 'https://smtp.example.com' }],
    ['EMAIL_TRANSPORT', { EMAIL_TRANSPORT: 'not a url' }],
    ['EMAIL_FROM', { EMAIL_TRANSPORT: 'smtp://smtp.example.com:587' }],
    ['EMAIL_FROM', { EMAIL_FROM: 'no address here' }],
    ['SMS_TRANSPORT', { SMS_TRANSPORT: 'ftp://sms.example.com' }],
    ['SMS_TRANSPORT', { ...REAL, SMS_TRANSPORT: 'https://AC1:sms-secret@sms.example.com/Messages.json' }],
    ['SMS_ACCOUNT_SID', { SMS_TRANSPORT: REAL.SMS_TRANSPORT }],
    ['SMS_AUTH_TOKEN', { SMS_TRANSPORT: REAL.SMS_TRANSPORT, SMS_ACCOUNT_SID: 'AC1' }],
    ['SMS_FROM', { SMS_TRANSPORT: REAL.SMS_TRANSPORT, SMS_ACCOUNT_SID: 'AC1', SMS_AUTH_TOKEN: 't' }],
    ['MESSAGE_TIMEOUT_MS', { MESSAGE_TIMEOUT_MS: '10s' }],
    ['MESSAGE_OUTBOX_SIZE', { MESSAGE_OUTBOX_SIZE: '0' }],
  ];
  for (const [variable, env] of wrong) {
    it(`names ${variable} when ${JSON.stringify(env)} is wrong, without quoting a secret`, () => {
      let caught: unknown;
      try {
        loadMessagingConfig(env);
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof AppError && caught.code === 'PSB_CONFIG_INVALID', `expected a config error, got ${String(caught)}`);
      assert.equal(caught.details.variable, variable);
      assert.ok(!caught.message.includes('sms-secret'));
    });
  }

  it('IDENTITY_CODE_KEY: 32+ characters; generated with a warning outside production; required in production', () => {
    const set = loadIdentityCodeConfig({ IDENTITY_CODE_KEY: 'k'.repeat(32) });
    assert.deepEqual([set.usesEphemeralKey, set.key.toString('utf8'), set.warnings.length], [false, 'k'.repeat(32), 0]);
    const generated = loadIdentityCodeConfig({});
    assert.deepEqual([generated.usesEphemeralKey, generated.key.length], [true, 32]);
    assert.match(generated.warnings[0], /IDENTITY_CODE_KEY is not set/);
    assert.throws(() => loadIdentityCodeConfig({ IDENTITY_CODE_KEY: 'short' }), (err: unknown) => err instanceof AppError && err.details.variable === 'IDENTITY_CODE_KEY' && !err.message.includes('short'), 'a key is never quoted');
    assert.throws(() => loadIdentityCodeConfig({ NODE_ENV: 'production' }), (err: unknown) => err instanceof AppError && /IDENTITY_CODE_KEY must be set when NODE_ENV=production/.test(err.message));
  });

  it('.env.example documents every variable and, as it ships, gives the outbox and a generated key; README names them all', () => {
    const documented = Object.fromEntries(
      readFileSync(path.join(ROOT, '.env.example'), 'utf8')
        .split('\n')
        .filter((line) => /^(EMAIL_|SMS_|MESSAGE_|IDENTITY_CODE_KEY)\w*=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const variables = ['EMAIL_TRANSPORT', 'EMAIL_FROM', 'SMS_TRANSPORT', 'SMS_ACCOUNT_SID', 'SMS_AUTH_TOKEN', 'SMS_FROM', 'MESSAGE_TIMEOUT_MS', 'MESSAGE_OUTBOX_SIZE', 'IDENTITY_CODE_KEY'];
    assert.deepEqual(Object.keys(documented).sort(), [...variables].sort());
    const config = loadMessagingConfig(documented);
    assert.deepEqual([config.email.kind, config.sms.kind, config.timeoutMs, config.outboxSize], ['outbox', 'outbox', 10_000, 200]);
    assert.equal(loadIdentityCodeConfig(documented).usesEphemeralKey, true);
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const variable of variables) assert.ok(readme.includes(`\`${variable}\``), `README names ${variable}`);
  });

  it('the process refuses to start in production with the outbox, naming EMAIL_TRANSPORT', function () {
    this.timeout(60_000);
    const receiptKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'src/main.ts')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        PORT: '0',
        ALLOW_UNAUTHENTICATED: 'true',
        LEDGER_HASH_KEY: 'a-production-secret-of-enough-length', LEDGER_ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
        DIRECT_LINE_SECRET: 'a-direct-line-secret-of-at-least-32-characters',
        RECEIPT_SIGNING_KEY: receiptKey,
        IDENTITY_CODE_KEY: 'an-identity-code-key-of-at-least-32-characters',
      },
      encoding: 'utf8',
      timeout: 55_000,
    });
    assert.notEqual(run.status, 0, `the process started: ${run.stdout}`);
    assert.match(run.stderr + run.stdout, /EMAIL_TRANSPORT must be set when NODE_ENV=production/);
  });
});
