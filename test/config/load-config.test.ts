import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { DEFAULT_BOT_OPTIONS } from '../../src/config/options';
import { AppError } from '../../src/errors/app-error';

const ROOT = path.resolve(__dirname, '../..');

describe('configuration from the environment', () => {
  it('runs with no configuration at all on documented defaults', () => {
    const { ledger, ...options } = loadConfig({});
    assert.deepEqual(options, DEFAULT_BOT_OPTIONS);
    assert.ok(Object.isFrozen(loadConfig({})));
    assert.match(ledger.backendDescription, /^PGlite \(embedded\) in .*data\/ledger/);
    assert.equal(ledger.usesDevelopmentHashKey, true);
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
    const hashKey = { LEDGER_HASH_KEY: 'a-production-secret-of-enough-length' };
    assert.equal(loadConfig({ NODE_ENV: 'production', ALLOW_UNAUTHENTICATED: 'true', ...hashKey }).allowUnauthenticated, true);
    assert.equal(loadConfig({ NODE_ENV: 'production', MicrosoftAppId: 'app', MicrosoftAppPassword: 'pw', ...hashKey }).nodeEnv, 'production');
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
