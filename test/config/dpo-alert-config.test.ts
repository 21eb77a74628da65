import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadDpoAlertConfig } from '../../src/config/dpo-alert-config';
import { loadConfig } from '../../src/config/load-config';
import { AppError } from '../../src/errors/app-error';

const SECRET = 'a-dpo-webhook-secret-of-32-characters-or-more';

/** Asserts PSB_CONFIG_INVALID naming `variable`, without quoting a secret. */
function refuses(env: Record<string, string>, variable: string, secret?: string): void {
  assert.throws(
    () => loadDpoAlertConfig(env),
    (err: unknown) => err instanceof AppError && err.code === 'PSB_CONFIG_INVALID' && err.details.variable === variable && (secret === undefined || !err.message.includes(secret)),
    variable,
  );
}

describe('DPO alert configuration (DPO_WEBHOOK_URL, DPO_WEBHOOK_SECRET, DPO_EMAIL)', () => {
  it('is off without variables, and says that alerts then reach no one', () => {
    const config = loadDpoAlertConfig({});
    assert.deepEqual([config.webhook, config.email], [null, '']);
    assert.match(config.warnings.join(' '), /neither DPO_WEBHOOK_URL nor DPO_EMAIL is set/);
  });

  it('reads the webhook and the address; the description shows no path, query or secret', () => {
    const config = loadDpoAlertConfig({ DPO_WEBHOOK_URL: 'https://soc.example.com/hooks/dpo?token=abc', DPO_WEBHOOK_SECRET: SECRET, DPO_EMAIL: ' DPO@Example.com ' });
    assert.deepEqual([config.webhook?.url, config.webhook?.secret, config.webhook?.description, config.email], ['https://soc.example.com/hooks/dpo?token=abc', SECRET, 'https://soc.example.com', 'dpo@example.com']);
    assert.deepEqual(config.warnings, []);
  });

  it('refuses a URL without a secret, a short secret, a URL that is not http(s) or carries credentials, and a malformed address', () => {
    refuses({ DPO_WEBHOOK_URL: 'https://soc.example.com/hooks' }, 'DPO_WEBHOOK_SECRET');
    refuses({ DPO_WEBHOOK_URL: 'https://soc.example.com/hooks', DPO_WEBHOOK_SECRET: 'short-secret' }, 'DPO_WEBHOOK_SECRET', 'short-secret');
    refuses({ DPO_WEBHOOK_URL: 'ftp://soc.example.com/hooks', DPO_WEBHOOK_SECRET: SECRET }, 'DPO_WEBHOOK_URL');
    refuses({ DPO_WEBHOOK_URL: 'https://user:pw@soc.example.com/hooks', DPO_WEBHOOK_SECRET: SECRET }, 'DPO_WEBHOOK_URL', 'pw@');
    refuses({ DPO_EMAIL: 'the dpo' }, 'DPO_EMAIL');
  });

  it('warns about plain http in production', () => {
    const config = loadDpoAlertConfig({ NODE_ENV: 'production', DPO_WEBHOOK_URL: 'http://soc.internal/hooks', DPO_WEBHOOK_SECRET: SECRET });
    assert.match(config.warnings.join(' '), /plain http/);
  });

  it('is part of the bot’s options, and .env.example documents every variable (as it ships: off)', () => {
    assert.equal(loadConfig({ DPO_EMAIL: 'dpo@example.com' }).dpoAlert.email, 'dpo@example.com');
    const documented = Object.fromEntries(
      readFileSync(path.join(__dirname, '../../.env.example'), 'utf8')
        .split('\n')
        .filter((line) => /^DPO_\w*=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    assert.deepEqual(Object.keys(documented).sort(), ['DPO_EMAIL', 'DPO_WEBHOOK_SECRET', 'DPO_WEBHOOK_URL']);
    assert.deepEqual(loadDpoAlertConfig(documented).webhook, null);
  });
});
