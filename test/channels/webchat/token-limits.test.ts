import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import restify, { Server } from 'restify';
import { MemoryRateLimiter } from '../../../src/channels/directline/rate-limiter';
import { tokenRoute } from '../../../src/channels/webchat/token-route';
import { loadConfig } from '../../../src/config/load-config';
import { readTrustProxy } from '../../../src/config/trust-proxy';
import { isAppError } from '../../../src/errors/app-error';
import { createLogger } from '../../../src/log/logger';
import { clientAddressResolver } from '../../../src/server/client-address';
import { createRedisClient, waitForRedis } from '../../../src/state/redis-client';
import { HEAVY_HOOK_TIMEOUT_MS } from '../../support/hook-timeouts';
import { deleteKeysWithPrefix, requireRedis, uniqueRedisPrefix } from '../../support/services';
import { RunningApp, startTestApp } from '../../support/test-app';

const REDIS_URL = 'redis://127.0.0.1:6379';
const quiet = createLogger({ level: 'silent' });

interface TokenAnswer {
  readonly status: number;
  readonly retryAfter: number | undefined;
  readonly code: string | undefined;
  readonly token: string | undefined;
}

/** `POST /webchat/token` as the proxy forwards it (`forwardedFor`: the X-Forwarded-For it sends). */
async function askToken(baseUrl: string, forwardedFor?: string): Promise<TokenAnswer> {
  const response = await fetch(`${baseUrl}/webchat/token`, { method: 'POST', headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
  const body = (await response.json()) as { token?: string; error?: { code: string } };
  const retryAfter = response.headers.get('retry-after');
  return { status: response.status, retryAfter: retryAfter === null ? undefined : Number(retryAfter), code: body.error?.code, token: body.token };
}

describe('Web Chat token limit settings', () => {
  it('has documented defaults and names a wrong variable', () => {
    const config = loadConfig({}).directLine;
    assert.deepEqual([config.webChatTokenLimit, config.webChatTokenWindowSeconds, config.webChatMaxConversationsPerAddress], [20, 60, 60]);
    const read = loadConfig({ WEBCHAT_TOKEN_LIMIT: '5', WEBCHAT_TOKEN_WINDOW_SECONDS: '30', WEBCHAT_MAX_CONVERSATIONS_PER_ADDRESS: '7' }).directLine;
    assert.deepEqual([read.webChatTokenLimit, read.webChatTokenWindowSeconds, read.webChatMaxConversationsPerAddress], [5, 30, 7]);
    for (const variable of ['WEBCHAT_TOKEN_LIMIT', 'WEBCHAT_TOKEN_WINDOW_SECONDS', 'WEBCHAT_MAX_CONVERSATIONS_PER_ADDRESS']) {
      assert.throws(
        () => loadConfig({ [variable]: '0' }),
        (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.details.variable === variable,
        variable,
      );
    }
  });
});

describe('Web Chat token limits per client address (in-process, fake clock)', () => {
  let now: number;
  let server: Server | undefined;
  let minted: number;
  const limiters: MemoryRateLimiter[] = [];

  const start = async (options: { tokens: number; conversations: number; trustProxy: string | undefined }): Promise<string> => {
    const clock = (): number => now;
    const limits = {
      tokens: new MemoryRateLimiter({ limit: options.tokens, windowMs: 60_000 }, clock),
      conversations: new MemoryRateLimiter({ limit: options.conversations, windowMs: 3600_000 }, clock),
      clientAddress: clientAddressResolver(readTrustProxy(options.trustProxy === undefined ? {} : { TRUST_PROXY: options.trustProxy })),
    };
    const issueToken = async () => {
      minted += 1;
      return { token: `token-${minted}`, conversationId: `conversation-${minted}`, expiresIn: 1800 };
    };
    server = restify.createServer({ handleUncaughtExceptions: false });
    server.post('/webchat/token', tokenRoute({ issueToken, limits, bodyLimitBytes: 4096, logger: quiet }));
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', () => resolve()));
    limiters.push(limits.tokens, limits.conversations);
    return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  };

  beforeEach(() => {
    now = Date.parse('2027-03-01T09:00:00Z');
    minted = 0;
  });

  afterEach(async () => {
    const running = server;
    server = undefined;
    if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
    for (const limiter of limiters.splice(0)) await limiter.close();
  });

  it('answers 429 JSON with Retry-After past the tokens per window, per address, and mints nothing then', async () => {
    const baseUrl = await start({ tokens: 3, conversations: 100, trustProxy: '1' });
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await askToken(baseUrl, '198.51.100.1'));
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200, 200, 429],
    );
    assert.equal(answers[3]?.code, 'PSB_WEBCHAT_RATE_LIMITED');
    assert.equal(answers[3]?.retryAfter, 60);
    assert.equal(minted, 3, 'no token for the refused request');
    assert.equal((await askToken(baseUrl, '198.51.100.2')).status, 200, 'another address is not affected');
    now += 60_000;
    assert.equal((await askToken(baseUrl, '198.51.100.1')).status, 200, 'a new window');
  });

  it('caps the conversations an address opens within a conversation lifetime, past the token window', async () => {
    const baseUrl = await start({ tokens: 100, conversations: 2, trustProxy: '1' });
    assert.equal((await askToken(baseUrl, '198.51.100.3')).status, 200);
    assert.equal((await askToken(baseUrl, '198.51.100.3')).status, 200);
    const capped = await askToken(baseUrl, '198.51.100.3');
    assert.equal(capped.status, 429);
    assert.equal(capped.retryAfter, 3600);
    now += 61_000;
    const stillCapped = await askToken(baseUrl, '198.51.100.3');
    assert.equal(stillCapped.status, 429, 'a new token window does not lift the conversation cap');
    assert.equal(stillCapped.retryAfter, 3539);
    now += 3539_000;
    assert.equal((await askToken(baseUrl, '198.51.100.3')).status, 200, 'once those conversations have expired');
  });

  it('ignores X-Forwarded-For without TRUST_PROXY: a forged header per request does not escape the limit', async () => {
    const baseUrl = await start({ tokens: 2, conversations: 100, trustProxy: undefined });
    const statuses = [];
    for (let i = 1; i <= 3; i += 1) statuses.push((await askToken(baseUrl, `198.51.100.${10 + i}`)).status);
    assert.deepEqual(statuses, [200, 200, 429]);
  });
});

describe('Web Chat token limits across two instances on Redis', function () {
  this.timeout(60_000);
  const prefix = uniqueRedisPrefix('psb-webchat-limits');
  const instances: RunningApp[] = [];

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await requireRedis(REDIS_URL);
    const env = {
      REDIS_URL,
      REDIS_PREFIX: prefix,
      TRUST_PROXY: '1',
      DIRECT_LINE_SECRET: 'webchat-limits-two-instances-secret-0123456789',
      WEBCHAT_TOKEN_LIMIT: '3',
      WEBCHAT_TOKEN_WINDOW_SECONDS: '600',
    };
    instances.push(await startTestApp(env));
    instances.push(await startTestApp(env));
  });

  after(async () => {
    for (const instance of instances) await instance.close();
    const client = createRedisClient(REDIS_URL, quiet);
    await waitForRedis(client);
    try {
      await deleteKeysWithPrefix(client, prefix);
    } finally {
      client.disconnect();
    }
  });

  it('counts an address on both instances together: the fourth token from either gets 429 with Retry-After', async () => {
    const [a, b] = instances;
    assert.ok(a && b);
    const answers = [await askToken(a.baseUrl, '198.51.100.21'), await askToken(b.baseUrl, '198.51.100.21'), await askToken(a.baseUrl, '198.51.100.21'), await askToken(b.baseUrl, '198.51.100.21')];
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200, 200, 429],
    );
    assert.ok(answers.slice(0, 3).every((answer) => typeof answer.token === 'string' && answer.token.length > 0));
    const refused = answers[3];
    assert.equal(refused?.code, 'PSB_WEBCHAT_RATE_LIMITED');
    assert.ok(refused?.retryAfter !== undefined && refused.retryAfter >= 1 && refused.retryAfter <= 600, `Retry-After ${String(refused?.retryAfter)}`);
    assert.equal((await askToken(a.baseUrl, '198.51.100.21')).status, 429, 'the other instance refuses too');
    assert.equal((await askToken(b.baseUrl, '198.51.100.22')).status, 200, 'another address is not affected');
  });
});
