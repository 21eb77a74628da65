import assert from 'node:assert/strict';
import type WebSocket from 'ws';
import { Translations } from '../../../src/i18n/translator';
import { eventually } from '../../support/hang-guard';
import { HEAVY_HOOK_TIMEOUT_MS } from '../../support/hook-timeouts';
import { PrivateRedis, startPrivateRedis } from '../../support/private-redis';
import { RunningApp, startTestApp } from '../../support/test-app';
import { ActivitySetJson, dlFetch, startConversation, TEST_SECRET, tryWebSocket } from './support/direct-line-http';

/** How long a stream message may take to arrive before the test gives up (a guard against a hang, not a timing check). */
const ARRIVAL_GUARD_MS = 15_000;

interface StreamedActivity {
  readonly id?: string;
  readonly type?: string;
  readonly text?: string;
  readonly from?: { readonly role?: string };
  readonly channelData?: { readonly clientActivityID?: string };
}

function streamed(messages: readonly string[]): StreamedActivity[] {
  return messages.filter((m) => m !== '').flatMap((m) => (JSON.parse(m) as ActivitySetJson).activities as StreamedActivity[]);
}

/**
 * Web Chat's conversation store (Redis) goes down while a customer's stream is open: the post is
 * answered 200 and the customer sees, in the chat, their message and the localized "temporarily
 * unavailable" sentence — not a bare HTTP 503 that Web Chat shows as "Send failed".
 */
describe('Direct Line during a Redis outage', function () {
  this.timeout(60_000);
  let redis: PrivateRedis;
  let running: RunningApp;
  let translations: Translations;
  let socket: WebSocket | undefined;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    translations = await Translations.load();
    redis = await startPrivateRedis();
    running = await startTestApp({ REDIS_URL: redis.url, DIRECT_LINE_SECRET: TEST_SECRET });
  });
  after(async () => {
    socket?.terminate();
    await running?.close();
    await redis?.close();
  });

  it('a customer posting while Redis is down sees the localized "unavailable" message in the chat', async () => {
    const conversation = await startConversation(running.baseUrl, { locale: 'it-IT' });
    const stream = await tryWebSocket(conversation.streamUrl);
    assert.ok(stream.opened, 'the stream opened');
    socket = stream.socket;
    await eventually(() => streamed(stream.messages).some((a) => a.type === 'message'), 'the welcome on the stream', ARRIVAL_GUARD_MS);

    await redis.stop();
    const posted = await dlFetch<{ id: string }>(running.baseUrl, 'POST', `/v3/directline/conversations/${conversation.conversationId}/activities`, {
      bearer: conversation.token,
      body: { type: 'message', from: { id: 'whoever' }, text: 'ritiro il consenso', locale: 'it-IT', channelData: { clientActivityID: 'outage-1' } },
    });
    assert.equal(posted.status, 200, JSON.stringify(posted.body));

    const unavailable = translations.for('it').t('bot.unavailable');
    await eventually(() => streamed(stream.messages).some((a) => a.text === unavailable), 'the "unavailable" message on the stream', ARRIVAL_GUARD_MS);
    const activities = streamed(stream.messages);
    const echo = activities.find((a) => a.channelData?.clientActivityID === 'outage-1');
    assert.ok(echo, 'the echo Web Chat waits for (else "Send failed")');
    assert.equal(echo.id, posted.body.id);
    const notice = activities.find((a) => a.text === unavailable);
    assert.equal(notice?.from?.role, 'bot');
  });

  it('without an open stream, the post still gets a 503 JSON reason (nothing to show it in)', async () => {
    // Redis is still down from the previous test; this conversation's token is minted without it.
    const token = running.app.directLine?.issueToken({ locale: 'en' });
    assert.ok(token);
    const posted = await dlFetch<{ error: { code: string } }>(running.baseUrl, 'POST', `/v3/directline/conversations/${token.conversationId}/activities`, {
      bearer: token.token,
      body: { type: 'message', text: 'hello' },
    });
    assert.equal(posted.status, 503);
    assert.equal(posted.body.error.code, 'PSB_DL_UNAVAILABLE');
  });
});
