import assert from 'node:assert/strict';
import { Activity } from 'botframework-directlinejs';
import { Translations, Translator } from '../../../src/i18n/translator';
import { RunningApp, startTestApp } from '../../support/test-app';
import { connectClient, provideGlobalWebSocket, TestClient } from './support/direct-line-client';
import { dlFetch, TEST_SECRET } from './support/direct-line-http';
import { HEAVY_HOOK_TIMEOUT_MS } from '../../support/hook-timeouts';

/** The seq of an activity id `<conversationId>|0000042`. */
function seqOf(id: string | undefined): number {
  const match = /\|(\d{7,})$/.exec(id ?? '');
  if (!match) throw new Error(`not a Direct Line activity id: ${id}`);
  return Number(match[1]);
}

function textOf(activity: Activity | undefined): string {
  return activity && 'text' in activity && typeof activity.text === 'string' ? activity.text : '';
}

async function generateToken(baseUrl: string, userId: string): Promise<{ token: string; conversationId: string }> {
  const response = await dlFetch<{ token: string; conversationId: string; expires_in: number }>(baseUrl, 'POST', '/v3/directline/tokens/generate', {
    bearer: TEST_SECRET,
    body: { user: { id: userId } },
  });
  assert.equal(response.status, 200);
  assert.equal(response.body.expires_in, 1800);
  return response.body;
}

function userMessage(text: string, clientActivityID: string): Activity {
  // Web Chat posts this shape; from.id is what the client claims, the endpoint decides.
  return { type: 'message', from: { id: 'mallory', name: 'Customer' }, text, locale: 'en-US', channelData: { clientActivityID } };
}

let counter = 0;
const uniqueUser = (): string => `dl_protocol-${process.pid}-${++counter}`;

describe('Direct Line 3.0 with botframework-directlinejs as the client', () => {
  let running: RunningApp;
  let en: Translator;
  let restoreWebSocket: () => void;
  const clients: TestClient[] = [];
  const connect = (...args: Parameters<typeof connectClient>): TestClient => {
    const client = connectClient(...args);
    clients.push(client);
    return client;
  };

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    en = (await Translations.load()).for('en');
    restoreWebSocket = provideGlobalWebSocket();
    running = await startTestApp({ DIRECT_LINE_SECRET: TEST_SECRET });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.end();
  });
  after(async () => {
    await running?.close();
    restoreWebSocket?.();
  });

  for (const mode of [
    { name: 'WebSocket stream', webSocket: true },
    { name: 'polling', webSocket: false },
  ]) {
    describe(`over ${mode.name}`, () => {
      const usedTheRightTransport = (client: TestClient): void => {
        const polls = client.calls.filter((call) => call.method === 'GET' && call.url.includes('/activities'));
        if (mode.webSocket) assert.deepEqual(polls, [], 'a WebSocket client never polls');
        else assert.ok(polls.length > 0, 'a polling client polls');
      };

      it('starts the conversation from a token and shows the welcome with the menu', async () => {
        const { token, conversationId } = await generateToken(running.baseUrl, uniqueUser());
        const client = connect(running.baseUrl, { token, webSocket: mode.webSocket });
        await client.waitFor((received) => received.length >= 1, 'the welcome');
        const [welcome] = client.received;
        assert.equal(welcome.type, 'message');
        assert.ok(textOf(welcome).includes(en.t('bot.welcome')), textOf(welcome));
        assert.equal(welcome.from.role, 'bot');
        assert.equal(welcome.conversation?.id, conversationId);
        assert.equal(welcome.id, `${conversationId}|0000001`);
        assert.ok(welcome.timestamp && !Number.isNaN(Date.parse(welcome.timestamp)));
        const titles = 'suggestedActions' in welcome ? (welcome.suggestedActions?.actions ?? []).map((action) => action.title) : [];
        assert.ok(titles.includes(en.t('menu.help')), `menu: ${titles.join(' | ')}`);
        usedTheRightTransport(client);
      });

      it("echoes the customer's message with its clientActivityID and the token's user, then answers", async () => {
        const userId = uniqueUser();
        const { token, conversationId } = await generateToken(running.baseUrl, userId);
        const client = connect(running.baseUrl, { token, webSocket: mode.webSocket });
        await client.waitFor((received) => received.length >= 1, 'the welcome');

        const id = await client.post(userMessage('qwertyuiop asdfgh', 'client-fallback-1'));
        assert.match(id, new RegExp(`^${conversationId}\\|\\d{7}$`));
        await client.waitFor((received) => received.some((a) => textOf(a).includes(en.t('bot.fallback'))), 'the fallback');
        const echo = client.received.find((a) => a.channelData?.clientActivityID === 'client-fallback-1');
        assert.ok(echo, 'the echo carries the clientActivityID (else Web Chat shows "Send failed")');
        assert.equal(echo.id, id);
        assert.equal(echo.from.id, userId, 'from.id is the token user, not what the client claimed');
        assert.equal(echo.from.role, 'user');
        assert.equal(textOf(echo), 'qwertyuiop asdfgh');
        const reply = client.received[client.received.indexOf(echo) + 1];
        assert.ok(textOf(reply).includes(en.t('bot.fallback')), 'the reply follows its echo');
        assert.equal(reply.from.role, 'bot');

        await client.post(userMessage('help', 'client-help-1'));
        await client.waitFor((received) => received.some((a) => textOf(a).includes(en.t('help.intro'))), 'the help');
        const ids = client.received.map((a) => a.id);
        assert.deepEqual(ids, [...new Set(ids)], 'no activity twice');
        assert.deepEqual(ids.map(seqOf), ids.map((_, i) => i + 1), 'ids count up from 1 in arrival order');
        usedTheRightTransport(client);
      });

      it('refreshes the token and reconnects from a watermark without duplicates', async () => {
        const first = await generateToken(running.baseUrl, uniqueUser());
        const client = connect(running.baseUrl, { token: first.token, webSocket: mode.webSocket });
        await client.waitFor((received) => received.length >= 1, 'the welcome');
        await client.post(userMessage('qwertyuiop asdfgh', 'before-reconnect'));
        await client.waitFor((received) => received.length >= 3, 'echo and reply');
        const watermark = seqOf(client.received.at(-1)?.id);
        client.end();

        const refreshed = await dlFetch<{ token: string; conversationId: string; expires_in: number }>(running.baseUrl, 'POST', '/v3/directline/tokens/refresh', { bearer: first.token });
        assert.equal(refreshed.status, 200);
        assert.equal(refreshed.body.conversationId, first.conversationId);
        assert.notEqual(refreshed.body.token, first.token);
        assert.equal(refreshed.body.expires_in, 1800);

        const again = connect(running.baseUrl, { token: refreshed.body.token, conversationId: first.conversationId, watermark: String(watermark), webSocket: mode.webSocket });
        await again.post(userMessage('help', 'after-reconnect'));
        await again.waitFor((received) => received.some((a) => textOf(a).includes(en.t('help.intro'))), 'the help after reconnecting');
        const seqs = again.received.map((a) => seqOf(a.id));
        assert.ok(
          seqs.every((seq) => seq > watermark),
          `nothing at or before watermark ${watermark} again: ${seqs.join(',')}`,
        );
        assert.deepEqual(seqs, [...new Set(seqs)]);
        assert.equal(again.received[0].channelData?.clientActivityID, 'after-reconnect');
        assert.ok(again.calls.some((call) => call.method === 'GET' && call.url.includes(`/conversations/${first.conversationId}?watermark=${watermark}`)), 'reconnected with GET /conversations/:id');
      });
    });
  }

  it('a proactive message, and its later update, reach the customer like replies (through the connector routes)', async () => {
    const userId = uniqueUser();
    const { token, conversationId } = await generateToken(running.baseUrl, userId);
    const client = connect(running.baseUrl, { token, webSocket: true });
    await client.waitFor((received) => received.length >= 1, 'the welcome');
    const directLine = running.app.directLine;
    assert.ok(directLine);

    const reference = { channelId: 'directline', conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' }, user: { id: userId, name: '' }, bot: { id: 'privacy-bot', name: '' } };
    let sentId = '';
    await directLine.continueConversation(reference, async (context) => {
      const sent = await context.sendActivity(en.t('bot.unavailable'));
      sentId = sent?.id ?? '';
    });
    assert.equal(sentId, `${conversationId}|0000002`, 'the connector route answered with the stored id');
    await client.waitFor((received) => received.some((a) => a.id === sentId), 'the proactive message');

    await directLine.continueConversation(reference, async (context) => {
      await context.updateActivity({ id: sentId, type: 'message', text: en.t('bot.busy'), conversation: reference.conversation });
    });
    await client.waitFor((received) => received.filter((a) => a.id === sentId).length === 2, 'the update of the same activity');
    assert.equal(textOf(client.received.filter((a) => a.id === sentId)[1]), en.t('bot.busy'));
    const stored = await dlFetch<{ activities: { id: string; text?: string }[] }>(running.baseUrl, 'GET', `/v3/directline/conversations/${conversationId}/activities`, { bearer: token });
    assert.deepEqual(
      stored.body.activities.filter((a) => a.id === sentId).map((a) => a.text),
      [en.t('bot.busy')],
      'the update replaced the stored activity',
    );
  });

  it('a token minted in-process for our page carries the browser language: the welcome comes in Italian', async () => {
    const directLine = running.app.directLine;
    assert.ok(directLine);
    const grant = directLine.issueToken({ locale: 'it-IT', channelData: { gpc: true } });
    assert.equal(grant.expires_in, 1800);
    const client = connect(running.baseUrl, { token: grant.token, webSocket: true });
    await client.waitFor((received) => received.length >= 1, 'the welcome');
    const italian = (await Translations.load()).for('it');
    assert.ok(textOf(client.received[0]).includes(italian.t('bot.welcome')), textOf(client.received[0]));
    assert.match(String(client.received[0].conversation?.id), /^[A-Za-z0-9_-]{24}$/);
    assert.equal(client.received[0].conversation?.id, grant.conversationId);
  });

  it('a server holding the secret can run a conversation too (its user is fixed at the start)', async () => {
    const client = connect(running.baseUrl, { secret: TEST_SECRET, webSocket: false });
    await client.waitFor((received) => received.length >= 1, 'the welcome');
    await client.post(userMessage('qwertyuiop asdfgh', 'secret-client-1'));
    await client.waitFor((received) => received.some((a) => textOf(a).includes(en.t('bot.fallback'))), 'the fallback');
    const echo = client.received.find((a) => a.channelData?.clientActivityID === 'secret-client-1');
    assert.match(echo?.from.id ?? '', /^dl_/, 'the user the conversation was started with, not the claimed one');
  });
});

describe('Direct Line with MicrosoftAppId set (offline: no Bot Framework token is fetched or checked)', () => {
  let running: RunningApp;
  let en: Translator;
  let client: TestClient | undefined;
  let restoreWebSocket: () => void;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    en = (await Translations.load()).for('en');
    restoreWebSocket = provideGlobalWebSocket();
    running = await startTestApp({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'not-a-real-secret', DIRECT_LINE_SECRET: TEST_SECRET });
  });
  after(async () => {
    client?.end();
    await running?.close();
    restoreWebSocket?.();
  });

  it('welcomes and answers, and /api/messages still demands a Bot Framework token', async () => {
    const { token } = await generateToken(running.baseUrl, uniqueUser());
    client = connectClient(running.baseUrl, { token, webSocket: false });
    await client.waitFor((received) => received.length >= 1, 'the welcome');
    assert.ok(textOf(client.received[0]).includes(en.t('bot.welcome')));
    await client.post(userMessage('qwertyuiop asdfgh', 'offline-1'));
    await client.waitFor((received) => received.some((a) => textOf(a).includes(en.t('bot.fallback'))), 'the fallback');
    assert.equal(client.received[0].from.id, '00000000-0000-0000-0000-000000000001', 'the bot speaks as its app id');

    const channel = await dlFetch(running.baseUrl, 'POST', '/api/messages', { body: { type: 'message', channelId: 'directline', serviceUrl: running.baseUrl, conversation: { id: 'x' }, from: { id: 'y' } } });
    assert.equal(channel.status, 401);
  });
});
