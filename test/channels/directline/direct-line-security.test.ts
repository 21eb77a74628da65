import assert from 'node:assert/strict';
import { baseKeyFor, deriveKeys, DirectLineTokens } from '../../../src/channels/directline/direct-line-tokens';
import { Translations, Translator } from '../../../src/i18n/translator';
import { hangGuard } from '../../support/hang-guard';
import { RunningApp, startTestApp } from '../../support/test-app';
import {
  ActivitySetJson,
  ConversationJson,
  dlFetch,
  ErrorJson,
  postMessage,
  readActivities,
  startConversation,
  TEST_SECRET,
  tryWebSocket,
} from './support/direct-line-http';
import { HEAVY_HOOK_TIMEOUT_MS } from '../../support/hook-timeouts';

const RATE_LIMIT = 3;
const KEEPALIVE_SECONDS = 1;

/** Tokens signed with the app's key (same secret), on a clock of our choosing. */
function tokensAt(nowMs: number): DirectLineTokens {
  return new DirectLineTokens(deriveKeys(baseKeyFor({ tokenKey: '', secret: TEST_SECRET })), { secret: TEST_SECRET, tokenTtlSeconds: 1800, now: () => nowMs });
}

function code(response: { body: unknown }): string {
  return (response.body as ErrorJson).error?.code;
}

describe('Direct Line security and errors (HTTP)', () => {
  let running: RunningApp;
  let en: Translator;
  let a: ConversationJson;
  let b: ConversationJson;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    en = (await Translations.load()).for('en');
    running = await startTestApp({
      DIRECT_LINE_SECRET: TEST_SECRET,
      DIRECT_LINE_RATE_LIMIT_POSTS: String(RATE_LIMIT),
      DIRECT_LINE_KEEPALIVE_SECONDS: String(KEEPALIVE_SECONDS),
      DIRECT_LINE_CORS_ORIGINS: 'https://shop.example.com',
    });
    a = await startConversation(running.baseUrl);
    b = await startConversation(running.baseUrl);
  });
  after(async () => running?.close());

  it('only the secret generates tokens: none or a wrong one → 401, a token → 403; the secret is in no answer', async () => {
    const path = '/v3/directline/tokens/generate';
    assert.equal((await dlFetch(running.baseUrl, 'POST', path)).status, 401);
    const wrong = await dlFetch(running.baseUrl, 'POST', path, { bearer: 'not-the-secret-but-long-enough-0123456789' });
    assert.deepEqual([wrong.status, code(wrong)], [401, 'PSB_DL_UNAUTHORIZED']);
    const withToken = await dlFetch(running.baseUrl, 'POST', path, { bearer: a.token });
    assert.deepEqual([withToken.status, code(withToken)], [403, 'PSB_DL_FORBIDDEN']);
    const generated = await dlFetch(running.baseUrl, 'POST', path, { bearer: TEST_SECRET, body: { user: { id: 'dl_someone' } } });
    assert.equal(generated.status, 200);
    assert.equal(generated.headers.get('cache-control'), 'no-store');
    for (const response of [generated, await dlFetch(running.baseUrl, 'GET', `/v3/directline/conversations/${a.conversationId}`, { bearer: TEST_SECRET })]) {
      assert.ok(!JSON.stringify(response.body).includes(TEST_SECRET), 'the secret never goes back out');
    }
    assert.ok(!JSON.stringify(a).includes(TEST_SECRET));
  });

  it('a token for conversation A cannot read, post to, reconnect to or stream conversation B (403 JSON)', async () => {
    const base = `/v3/directline/conversations/${b.conversationId}`;
    const attempts = [
      await dlFetch(running.baseUrl, 'GET', `${base}/activities`, { bearer: a.token }),
      await dlFetch(running.baseUrl, 'POST', `${base}/activities`, { bearer: a.token, body: { type: 'message', text: 'hello', from: { id: 'x' } } }),
      await dlFetch(running.baseUrl, 'GET', base, { bearer: a.token }),
    ];
    for (const attempt of attempts) assert.deepEqual([attempt.status, code(attempt)], [403, 'PSB_DL_FORBIDDEN']);
    // B's own stream token, but on A's path, and A's on B's path.
    const streamTokenOf = (conversation: ConversationJson): string => new URL(conversation.streamUrl).searchParams.get('t') ?? '';
    const crossed = await tryWebSocket(`${running.baseUrl.replace('http', 'ws')}${base}/stream?t=${encodeURIComponent(streamTokenOf(a))}`);
    assert.equal(crossed.opened, false);
    if (!crossed.opened) assert.equal(JSON.parse(crossed.body).error.code, 'PSB_DL_FORBIDDEN');
    if (!crossed.opened) assert.equal(crossed.status, 403);
    const bActivities = await readActivities(running.baseUrl, b);
    assert.equal(bActivities.body.activities.length, 1, 'B holds only its welcome: nothing was posted into it');
  });

  it('an unknown conversation is 404 JSON; a token for another id is 403 even so (nothing is revealed)', async () => {
    const missing = await dlFetch(running.baseUrl, 'GET', '/v3/directline/conversations/NoSuchConversation000000/activities', { bearer: TEST_SECRET });
    assert.deepEqual([missing.status, code(missing)], [404, 'PSB_DL_CONVERSATION_NOT_FOUND']);
    const generated = await dlFetch<{ token: string; conversationId: string }>(running.baseUrl, 'POST', '/v3/directline/tokens/generate', { bearer: TEST_SECRET });
    const notStarted = await readActivities(running.baseUrl, generated.body);
    assert.deepEqual([notStarted.status, code(notStarted)], [404, 'PSB_DL_CONVERSATION_NOT_FOUND'], 'a token whose conversation was never started');
    const other = await dlFetch(running.baseUrl, 'GET', '/v3/directline/conversations/NoSuchConversation000000/activities', { bearer: a.token });
    assert.equal(other.status, 403);
    const unknownRoute = await dlFetch(running.baseUrl, 'GET', '/v3/directline/nothing-here', { bearer: a.token });
    assert.equal(unknownRoute.status, 404);
    assert.ok(code(unknownRoute));
  });

  it('a tampered or foreign token is 401; an expired one 403, for reading and for refreshing', async () => {
    const [header, payload, signature] = a.token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, conv: b.conversationId })).toString('base64url')}.${signature}`;
    const foreign = new DirectLineTokens(deriveKeys(Buffer.from('another-deployment-key-0123456789abcdef')), { secret: '', tokenTtlSeconds: 1800 }).issueClientToken(a.conversationId, String(claims.user)).token;
    for (const bad of [forged, foreign, 'not-a-token', `${header}.${payload}`]) {
      const response = await readActivities(running.baseUrl, { conversationId: a.conversationId, token: bad });
      assert.deepEqual([response.status, code(response)], [401, 'PSB_DL_UNAUTHORIZED'], bad);
    }
    const expired = tokensAt(Date.now() - 2 * 3600 * 1000).issueClientToken(a.conversationId, String(claims.user)).token;
    const read = await readActivities(running.baseUrl, { conversationId: a.conversationId, token: expired });
    assert.deepEqual([read.status, code(read)], [403, 'PSB_DL_TOKEN_EXPIRED']);
    const refresh = await dlFetch(running.baseUrl, 'POST', '/v3/directline/tokens/refresh', { bearer: expired });
    assert.deepEqual([refresh.status, code(refresh)], [403, 'PSB_DL_TOKEN_EXPIRED']);
    const secretRefresh = await dlFetch(running.baseUrl, 'POST', '/v3/directline/tokens/refresh', { bearer: TEST_SECRET });
    assert.equal(secretRefresh.status, 403, 'the secret is not a token to refresh');
  });

  it('ids, times, conversation and from are the endpoint’s, whatever the client sends', async () => {
    const conversation = await startConversation(running.baseUrl, { user: { id: 'dl_real-user' } });
    const posted = await dlFetch<{ id: string }>(running.baseUrl, 'POST', `/v3/directline/conversations/${conversation.conversationId}/activities`, {
      bearer: conversation.token,
      body: {
        type: 'message',
        id: 'chosen-by-client',
        timestamp: '1999-01-01T00:00:00Z',
        conversation: { id: b.conversationId },
        from: { id: 'dl_someone-else', name: 'Impostor', role: 'bot' },
        recipient: { id: 'another-bot' },
        serviceUrl: 'http://attacker.example',
        deliveryMode: 'expectReplies',
        text: 'qwertyuiop asdfgh',
        channelData: { clientActivityID: 'shape-1' },
      },
    });
    assert.equal(posted.status, 200);
    const { activities } = (await readActivities(running.baseUrl, conversation)).body;
    const echo = activities.find((activity) => activity.id === posted.body.id);
    assert.ok(echo);
    assert.deepEqual(echo.from, { id: 'dl_real-user', name: 'Impostor', role: 'user' });
    assert.notEqual((echo as { timestamp?: string }).timestamp, '1999-01-01T00:00:00Z');
    assert.equal((echo as { conversation?: { id: string } }).conversation?.id, conversation.conversationId);
    assert.equal((echo as { serviceUrl?: string }).serviceUrl, undefined);
    const reply = activities[activities.indexOf(echo) + 1];
    assert.ok(reply?.text?.includes(en.t('bot.fallback')), 'the reply still came back the normal way (deliveryMode was ignored)');
    assert.equal(reply.replyToId, echo.id);
  });

  it(`rate limit: post ${RATE_LIMIT + 1} in the window gets 429 with Retry-After; it is neither stored nor answered`, async () => {
    const conversation = await startConversation(running.baseUrl);
    for (let i = 1; i <= RATE_LIMIT; i++) assert.equal((await postMessage(running.baseUrl, conversation, 'help', `rate-${i}`)).status, 200);
    const before = (await readActivities(running.baseUrl, conversation)).body.activities.length;
    const limited = await postMessage(running.baseUrl, conversation, 'help', 'rate-over');
    assert.deepEqual([limited.status, code(limited)], [429, 'PSB_DL_RATE_LIMITED']);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 10, `Retry-After: ${retryAfter}`);
    assert.equal((await readActivities(running.baseUrl, conversation)).body.activities.length, before);
    // A refreshed token does not reset the count: it is per conversation.
    const refreshed = await dlFetch<{ token: string }>(running.baseUrl, 'POST', '/v3/directline/tokens/refresh', { bearer: conversation.token });
    assert.equal((await postMessage(running.baseUrl, { ...conversation, token: refreshed.body.token }, 'help')).status, 429);
  });

  it('a client retry with the same clientActivityID is stored and answered once', async () => {
    const conversation = await startConversation(running.baseUrl);
    const first = await postMessage(running.baseUrl, conversation, 'qwertyuiop asdfgh', 'retried-1');
    const retry = await postMessage(running.baseUrl, conversation, 'qwertyuiop asdfgh', 'retried-1');
    assert.equal(retry.status, 200);
    assert.equal(retry.body.id, first.body.id);
    const { activities } = (await readActivities(running.baseUrl, conversation)).body;
    assert.equal(activities.filter((activity) => activity.channelData?.clientActivityID === 'retried-1').length, 1);
    assert.equal(activities.filter((activity) => activity.text?.includes(en.t('bot.fallback'))).length, 1);
  });

  const badBodies: { name: string; body: string; contentType?: string; status: number; code: string }[] = [
    { name: 'not JSON', body: '{"type":', status: 400, code: 'PSB_HTTP_BAD_JSON' },
    { name: 'too large', body: JSON.stringify({ type: 'message', text: 'a'.repeat(300 * 1024) }), status: 413, code: 'PSB_HTTP_BODY_TOO_LARGE' },
    { name: 'not JSON content', body: 'type=message', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'PSB_HTTP_BAD_CONTENT_TYPE' },
    { name: 'a type clients may not post', body: JSON.stringify({ type: 'conversationUpdate', membersAdded: [{ id: 'x' }] }), status: 400, code: 'PSB_ACTIVITY_TYPE_UNKNOWN' },
    { name: 'text that is not a string', body: JSON.stringify({ type: 'message', text: 42 }), status: 400, code: 'PSB_ACTIVITY_INVALID' },
  ];
  for (const bad of badBodies) {
    it(`refuses ${bad.name} with ${bad.status} ${bad.code}`, async () => {
      const conversation = await startConversation(running.baseUrl);
      const response = await dlFetch(running.baseUrl, 'POST', `/v3/directline/conversations/${conversation.conversationId}/activities`, {
        bearer: conversation.token,
        body: bad.body,
        headers: { 'content-type': bad.contentType ?? 'application/json' },
      });
      assert.deepEqual([response.status, code(response)], [bad.status, bad.code]);
    });
  }

  it('CORS: only the origins in DIRECT_LINE_CORS_ORIGINS may call from a browser', async () => {
    const preflight = (origin: string) =>
      dlFetch(running.baseUrl, 'OPTIONS', `/v3/directline/conversations/${a.conversationId}/activities`, {
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const allowed = await preflight('https://shop.example.com');
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://shop.example.com');
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    const other = await preflight('https://evil.example');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const read = await dlFetch(running.baseUrl, 'GET', `/v3/directline/conversations/${a.conversationId}/activities`, { bearer: a.token, headers: { origin: 'https://shop.example.com' } });
    assert.equal(read.headers.get('access-control-allow-origin'), 'https://shop.example.com');
  });

  it('a watermark that is not a number is 400', async () => {
    const response = await readActivities(running.baseUrl, a, 'abc');
    assert.deepEqual([response.status, code(response)], [400, 'PSB_DL_INVALID_REQUEST']);
  });

  it('the connector routes refuse anyone but the bot (no credential, a client token, the secret, another conversation’s credential)', async () => {
    const connector = tokensAt(Date.now());
    const callers: [string, string | undefined][] = [
      ['no credential', undefined],
      ['a client token', a.token],
      ['the secret', TEST_SECRET],
      ['a connector credential for another conversation', connector.issueConnectorToken(b.conversationId)],
      ['an expired connector credential', tokensAt(Date.now() - 3600 * 1000).issueConnectorToken(a.conversationId)],
    ];
    const activity = { type: 'message', text: en.t('bot.welcome'), from: { id: 'privacy-bot' } };
    for (const [name, bearer] of callers) {
      for (const [method, path] of [
        ['POST', `/v3/conversations/${a.conversationId}/activities`],
        ['POST', `/v3/conversations/${a.conversationId}/activities/${encodeURIComponent(`${a.conversationId}|0000001`)}`],
        ['PUT', `/v3/conversations/${a.conversationId}/activities/${encodeURIComponent(`${a.conversationId}|0000001`)}`],
      ]) {
        const response = await dlFetch(running.baseUrl, method, path, { bearer, body: activity });
        assert.deepEqual([response.status, code(response)], [401, 'PSB_DL_CONNECTOR_UNAUTHORIZED'], `${name}: ${method} ${path}`);
      }
    }
    const stored = await readActivities(running.baseUrl, a);
    assert.ok(stored.body.activities.every((item: ActivitySetJson['activities'][number]) => item.text !== en.t('bot.welcome')), 'nothing was relayed');
    // With the bot's own credential the same call is stored (proving the refusals were about the caller).
    const accepted = await dlFetch<{ id: string }>(running.baseUrl, 'POST', `/v3/conversations/${a.conversationId}/activities`, { bearer: connector.issueConnectorToken(a.conversationId), body: activity });
    assert.equal(accepted.status, 200);
    assert.match(accepted.body.id, new RegExp(`^${a.conversationId}\\|\\d{7}$`));
    const unknownActivity = await dlFetch(running.baseUrl, 'PUT', `/v3/conversations/${a.conversationId}/activities/${encodeURIComponent(`${a.conversationId}|0999999`)}`, {
      bearer: connector.issueConnectorToken(a.conversationId),
      body: activity,
    });
    assert.deepEqual([unknownActivity.status, code(unknownActivity)], [404, 'PSB_DL_ACTIVITY_NOT_FOUND']);
  });

  it('the stream: a bad t is 401, an unknown conversation 404; an open stream gets empty keep-alive messages', async () => {
    const wsBase = running.baseUrl.replace('http', 'ws');
    const bad = await tryWebSocket(`${wsBase}/v3/directline/conversations/${a.conversationId}/stream?t=forged`);
    assert.deepEqual(bad.opened ? 'opened' : [bad.status, JSON.parse(bad.body).error.code], [401, 'PSB_DL_UNAUTHORIZED']);
    const unknownId = 'NoSuchConversation000000';
    const unknown = await tryWebSocket(`${wsBase}/v3/directline/conversations/${unknownId}/stream?t=${tokensAt(Date.now()).issueStreamToken(unknownId, 'dl_x')}`);
    assert.deepEqual(unknown.opened ? 'opened' : [unknown.status, JSON.parse(unknown.body).error.code], [404, 'PSB_DL_CONVERSATION_NOT_FOUND']);
    const conversation = await startConversation(running.baseUrl);
    const opened = await tryWebSocket(conversation.streamUrl);
    assert.ok(opened.opened);
    const { messages, socket } = opened;
    // The event: an empty message on the socket (DIRECT_LINE_KEEPALIVE_SECONDS=1; the limit, ten keep-alive periods, only guards against a hang).
    const keepAlive = messages.includes('')
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const onMessage = (data: Buffer): void => {
            if (data.length > 0) return;
            socket.off('message', onMessage);
            resolve();
          };
          socket.on('message', onMessage);
        });
    try {
      await hangGuard(keepAlive, 'an empty keep-alive message on the stream', 10 * KEEPALIVE_SECONDS * 1000);
    } finally {
      socket.close();
    }
    assert.ok(messages.length > 0, 'messages arrived');
    const first = JSON.parse(messages[0]) as ActivitySetJson;
    assert.equal(first.activities[0]?.text?.includes(en.t('bot.welcome')), true, 'the welcome first');
    assert.equal(first.watermark, '1');
    assert.ok(messages.includes(''), 'an empty keep-alive message');
  });
});
