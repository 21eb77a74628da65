import assert from 'node:assert/strict';
import { DEFAULT_AGENT_CONSOLE_CONFIG, loadAgentConsoleConfig } from '../../src/agent/agent-console-config';
import { sessionCookie } from '../../src/agent/session-cookie';
import { loadConfig } from '../../src/config/load-config';
import { AppError } from '../../src/errors/app-error';
import type { IncomingMessage } from 'node:http';

describe('agent console settings', () => {
  it('runs on documented defaults, frozen, and is part of the bot configuration', () => {
    assert.deepEqual(loadAgentConsoleConfig({}), DEFAULT_AGENT_CONSOLE_CONFIG);
    assert.deepEqual(DEFAULT_AGENT_CONSOLE_CONFIG, {
      enabled: true,
      sessionTtlSeconds: 1800,
      sessionMaxSeconds: 43200,
      cookieSecure: 'auto',
      loginMaxAttempts: 5,
      loginWindowSeconds: 60,
      loginAddressMaxAttempts: 20,
      loginBackoffMaxSeconds: 60,
      loginMaxConcurrentHashes: 4,
      eventsKeepAliveSeconds: 15,
    });
    assert.ok(Object.isFrozen(loadAgentConsoleConfig({})));
    assert.deepEqual(loadConfig({}).agentConsole, DEFAULT_AGENT_CONSOLE_CONFIG);
  });

  it('reads every variable', () => {
    const config = loadAgentConsoleConfig({
      AGENT_CONSOLE_ENABLED: 'false',
      AGENT_SESSION_TTL_SECONDS: '600',
      AGENT_SESSION_MAX_SECONDS: '3600',
      AGENT_COOKIE_SECURE: 'true',
      AGENT_LOGIN_MAX_ATTEMPTS: '3',
      AGENT_LOGIN_WINDOW_SECONDS: '300',
      AGENT_LOGIN_ADDRESS_MAX_ATTEMPTS: '50',
      AGENT_LOGIN_BACKOFF_MAX_SECONDS: '120',
      AGENT_LOGIN_MAX_CONCURRENT_HASHES: '2',
      AGENT_EVENTS_KEEPALIVE_SECONDS: '30',
    });
    assert.deepEqual(config, {
      enabled: false,
      sessionTtlSeconds: 600,
      sessionMaxSeconds: 3600,
      cookieSecure: 'true',
      loginMaxAttempts: 3,
      loginWindowSeconds: 300,
      loginAddressMaxAttempts: 50,
      loginBackoffMaxSeconds: 120,
      loginMaxConcurrentHashes: 2,
      eventsKeepAliveSeconds: 30,
    });
  });

  const wrong: [string, Record<string, string>][] = [
    ['AGENT_CONSOLE_ENABLED', { AGENT_CONSOLE_ENABLED: 'sometimes' }],
    ['AGENT_SESSION_TTL_SECONDS', { AGENT_SESSION_TTL_SECONDS: '30' }],
    ['AGENT_SESSION_TTL_SECONDS', { AGENT_SESSION_TTL_SECONDS: '30m' }],
    ['AGENT_SESSION_MAX_SECONDS', { AGENT_SESSION_TTL_SECONDS: '7200', AGENT_SESSION_MAX_SECONDS: '3600' }],
    ['AGENT_COOKIE_SECURE', { AGENT_COOKIE_SECURE: 'https' }],
    ['AGENT_LOGIN_MAX_ATTEMPTS', { AGENT_LOGIN_MAX_ATTEMPTS: '0' }],
    ['AGENT_LOGIN_WINDOW_SECONDS', { AGENT_LOGIN_WINDOW_SECONDS: '-1' }],
    ['AGENT_LOGIN_ADDRESS_MAX_ATTEMPTS', { AGENT_LOGIN_ADDRESS_MAX_ATTEMPTS: '0' }],
    ['AGENT_LOGIN_BACKOFF_MAX_SECONDS', { AGENT_LOGIN_BACKOFF_MAX_SECONDS: '0' }],
    ['AGENT_LOGIN_MAX_CONCURRENT_HASHES', { AGENT_LOGIN_MAX_CONCURRENT_HASHES: 'many' }],
    ['TRUST_PROXY', { TRUST_PROXY: 'everyone' }],
    ['AGENT_EVENTS_KEEPALIVE_SECONDS', { AGENT_EVENTS_KEEPALIVE_SECONDS: '0' }],
  ];
  for (const [variable, env] of wrong) {
    it(`names ${variable} when ${JSON.stringify(env)} is wrong`, () => {
      assert.throws(
        () => loadConfig(env),
        (err: unknown) => err instanceof AppError && err.code === 'PSB_CONFIG_INVALID' && err.details.variable === variable && err.message.includes(variable),
      );
    });
  }

  it('puts Secure on the cookie always, never, or when the request came over https (auto)', () => {
    const request = (headers: Record<string, string>, encrypted = false): IncomingMessage => ({ headers, socket: { encrypted } }) as unknown as IncomingMessage;
    const secure = (req: IncomingMessage, mode: 'auto' | 'true' | 'false'): boolean => sessionCookie(req, 'id', mode).split('; ').includes('Secure');
    const plain = request({});
    const proxied = request({ 'x-forwarded-proto': 'https' });
    const tls = request({}, true);
    assert.deepEqual([secure(plain, 'auto'), secure(proxied, 'auto'), secure(tls, 'auto')], [false, true, true]);
    assert.deepEqual([secure(plain, 'true'), secure(proxied, 'false')], [true, false]);
  });
});
