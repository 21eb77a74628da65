import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { Translations, Translator } from '../../../src/i18n/translator';
import { deleteKeysWithPrefix, requireRedis, uniqueRedisPrefix } from '../../support/services';
import { RunningApp, startTestApp } from '../../support/test-app';
import { connectClient, provideGlobalWebSocket, TestClient } from './support/direct-line-client';
import { ActivitySetJson, dlFetch, postMessage, readActivities, TEST_SECRET } from './support/direct-line-http';

const REDIS_URL = 'redis://127.0.0.1:6379';
const POSTS = 6;

describe('two bot instances sharing Redis serve one Direct Line conversation', () => {
  const prefix = uniqueRedisPrefix('psb-dl-two-instances');
  let en: Translator;
  let first: RunningApp;
  let second: RunningApp;
  let restoreWebSocket: () => void;
  const clients: TestClient[] = [];

  before(async function () {
    this.timeout(60_000);
    await requireRedis(REDIS_URL);
    en = (await Translations.load()).for('en');
    restoreWebSocket = provideGlobalWebSocket();
    // Same Redis, same prefix, same secret: what two instances behind a load balancer share.
    const env = { REDIS_URL, REDIS_PREFIX: prefix, DIRECT_LINE_SECRET: TEST_SECRET };
    first = await startTestApp(env);
    second = await startTestApp(env);
  });

  after(async () => {
    for (const client of clients) client.end();
    await first?.close();
    await second?.close();
    restoreWebSocket?.();
    const redis = new Redis(REDIS_URL);
    try {
      const deleted = await deleteKeysWithPrefix(redis, prefix);
      assert.ok(deleted > 0, 'the test wrote under its own prefix');
      assert.equal(await deleteKeysWithPrefix(redis, prefix), 0);
    } finally {
      redis.disconnect();
    }
  });

  it('posts alternating between the instances: every activity once, in order, on a WebSocket of each instance and by polling', async function () {
    this.timeout(30_000);
    // Token from the first instance, conversation started on the second.
    const generated = await dlFetch<{ token: string; conversationId: string }>(first.baseUrl, 'POST', '/v3/directline/tokens/generate', { bearer: TEST_SECRET });
    const { token, conversationId } = generated.body;
    const started = await dlFetch(second.baseUrl, 'POST', '/v3/directline/conversations', { bearer: token });
    assert.equal(started.status, 201);

    // Web Chat-like clients on both instances: each must see what the other instance stored.
    const onFirst = connectClient(first.baseUrl, { token, conversationId, webSocket: true });
    const onSecond = connectClient(second.baseUrl, { token, conversationId, webSocket: true });
    clients.push(onFirst, onSecond);
    await onFirst.waitFor((received) => received.length >= 1, 'the welcome on the first instance');
    await onSecond.waitFor((received) => received.length >= 1, 'the welcome on the second instance');

    const sent: { clientActivityID: string; expected: string }[] = [];
    for (let i = 0; i < POSTS; i++) {
      const instance = i % 2 === 0 ? first : second;
      const help = i % 3 === 1;
      const clientActivityID = `two-instances-${i}`;
      const posted = await postMessage(instance.baseUrl, { conversationId, token }, help ? 'help' : 'qwertyuiop asdfgh', clientActivityID);
      assert.equal(posted.status, 200, JSON.stringify(posted.body));
      sent.push({ clientActivityID, expected: help ? en.t('help.intro') : en.t('bot.fallback') });
    }

    const polledFromFirst = (await readActivities(first.baseUrl, { conversationId, token })).body;
    const polledFromSecond = (await readActivities(second.baseUrl, { conversationId, token })).body;
    assert.deepEqual(polledFromFirst, polledFromSecond, 'both instances answer the same buffer');
    const activities = polledFromFirst.activities;
    assert.equal(polledFromFirst.watermark, String(activities.length));
    assert.deepEqual(
      activities.map((activity) => activity.id),
      activities.map((_, i) => `${conversationId}|${String(i + 1).padStart(7, '0')}`),
      'ids count up without gaps or duplicates',
    );

    // welcome, then per post: its echo, then its replies (replyToId = the echo), in posting order.
    const texts = activities.map((activity) => activity.text ?? '');
    assert.equal(texts.filter((text) => text.includes(en.t('bot.welcome'))).length, 1, 'one welcome');
    let position = 1;
    for (const { clientActivityID, expected } of sent) {
      const echo = activities[position];
      assert.equal(echo?.channelData?.clientActivityID, clientActivityID, `echo of ${clientActivityID} at ${position}`);
      position += 1;
      const replies: ActivitySetJson['activities'] = [];
      while (position < activities.length && activities[position].from.role === 'bot') replies.push(activities[position++]);
      assert.ok(replies.length >= 1, `a reply to ${clientActivityID}`);
      assert.ok(replies.every((reply) => reply.replyToId === echo.id));
      assert.ok(replies.some((reply) => reply.text?.includes(expected)), `${clientActivityID} answered with ${expected}`);
    }
    assert.equal(position, activities.length, 'nothing else in the conversation');

    // The WebSockets, each on one instance, got exactly the same, once each.
    const all = activities.length;
    await onFirst.waitFor((received) => received.length >= all, `${all} activities on the first instance's WebSocket`);
    await onSecond.waitFor((received) => received.length >= all, `${all} activities on the second instance's WebSocket`);
    // A marker posted after everything above: each stream delivers in order, so a duplicate of an
    // earlier activity would reach a socket before the marker's echo does.
    const markerId = 'two-instances-marker';
    assert.equal((await postMessage(first.baseUrl, { conversationId, token }, 'qwertyuiop marker', markerId)).status, 200);
    const isMarker = (activity: { channelData?: unknown }): boolean => (activity.channelData as { clientActivityID?: string } | undefined)?.clientActivityID === markerId;
    for (const [client, where] of [
      [onFirst, 'first'],
      [onSecond, 'second'],
    ] as const) {
      await client.waitFor((received) => received.some(isMarker), `the marker's echo on the ${where} instance's WebSocket`);
    }
    for (const client of [onFirst, onSecond]) {
      const beforeMarker = client.received.slice(0, client.received.findIndex(isMarker));
      assert.deepEqual(
        beforeMarker.map((activity) => activity.id),
        activities.map((activity) => activity.id),
      );
      assert.deepEqual(client.calls.filter((call) => call.url.includes('/activities?')), [], 'over the WebSocket, not by polling');
    }

    // Everything of the conversation in Redis expires.
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}dl:{${conversationId}}:*`);
      assert.ok(keys.length >= 2);
      for (const key of keys) assert.ok((await redis.pttl(key)) > 0, `${key} has a TTL`);
    } finally {
      redis.disconnect();
    }
  });
});
