import assert from 'node:assert/strict';
import { Activity } from 'botbuilder';
import { Translations } from '../../src/i18n/translator';
import { conversationUpdateActivity, messageActivity, postActivity, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';
import { REMEMBERED_ACTIVITY_IDS } from '../../src/turn/turn-runner';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';

interface ErrorResponse {
  error: { code: string; message: string; field?: string };
}

describe('POST /api/messages over HTTP (in-process state)', () => {
  let running: RunningApp;
  let translations: Translations;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    translations = await Translations.load();
    running = await startTestApp();
  });
  after(async () => running?.close());

  it('greets a new conversation with a welcome and the menu as suggested actions', async () => {
    const result = await postActivity(running.baseUrl, conversationUpdateActivity(uniqueConversationId('welcome')));
    assert.equal(result.status, 200);
    assert.equal(result.replies.length, 1);
    const welcome = result.replies[0];
    assert.ok(welcome.text?.includes(translations.for('en').t('bot.welcome')), `welcome text was: ${welcome.text}`);
    const titles = welcome.suggestedActions?.actions.map((a) => a.title) ?? [];
    assert.ok(titles.includes(translations.for('en').t('menu.language')), `menu was: ${titles.join(' | ')}`);
  });

  it('greets in Italian when the channel says it-IT', async () => {
    const result = await postActivity(running.baseUrl, conversationUpdateActivity(uniqueConversationId('welcome-it'), { locale: 'it-IT' }));
    assert.ok(result.replies[0].text?.includes(translations.for('it').t('bot.welcome')));
  });

  it('welcomes only once per conversation', async () => {
    const id = uniqueConversationId('once');
    await postActivity(running.baseUrl, conversationUpdateActivity(id));
    const second = await postActivity(running.baseUrl, conversationUpdateActivity(id));
    assert.equal(second.status, 200);
    assert.equal(second.replies.length, 0);
  });

  it('answers unrecognised text politely, never with silence', async () => {
    const id = uniqueConversationId('fallback');
    const result = await postActivity(running.baseUrl, messageActivity(id, 'qwertyuiop asdfgh'));
    assert.equal(result.status, 200);
    const en = translations.for('en');
    assert.ok(result.texts.some((t) => t.includes(en.t('bot.fallback'))), `replies: ${JSON.stringify(result.texts)}`);
  });

  it('processes a redelivered activity once', async () => {
    const activity = messageActivity(uniqueConversationId('retry'), 'hello there');
    const first = await postActivity(running.baseUrl, activity);
    const again = await postActivity(running.baseUrl, activity);
    assert.ok(first.replies.length > 0);
    assert.equal(again.status, 200);
    assert.deepEqual(again.replies, []);
  });

  it(`remembers the conversation's last ${REMEMBERED_ACTIVITY_IDS} activity ids: a redelivery within them is skipped, an older one is processed again`, async () => {
    const conversationId = uniqueConversationId('window');
    const sent = Array.from({ length: REMEMBERED_ACTIVITY_IDS + 1 }, () => messageActivity(conversationId, 'qwertyuiop asdfgh'));
    const firstAnswers: string[][] = [];
    for (const activity of sent) {
      const answer = await postActivity(running.baseUrl, activity);
      assert.ok(answer.replies.length > 0, `${activity.id} answered`);
      firstAnswers.push(answer.texts);
    }
    // Remembered now: the latest 50, i.e. every activity but the first.
    const oldestRemembered = await postActivity(running.baseUrl, sent[1]);
    assert.equal(oldestRemembered.status, 200);
    assert.deepEqual(oldestRemembered.replies, [], `the ${REMEMBERED_ACTIVITY_IDS}th latest is recognised and skipped`);
    const forgotten = await postActivity(running.baseUrl, sent[0]);
    assert.equal(forgotten.status, 200);
    // Same text every time, so a processed message gets what the second one got (the first also had the welcome).
    assert.deepEqual(forgotten.texts, firstAnswers[1], `the ${REMEMBERED_ACTIVITY_IDS + 1}th latest was forgotten: processed again`);
  });

  it('answers a 100 KB message with a polite "too long", in the customer language', async () => {
    const result = await postActivity(running.baseUrl, messageActivity(uniqueConversationId('long'), 'a'.repeat(100 * 1024), { locale: 'it-IT' }));
    assert.equal(result.status, 200);
    assert.deepEqual(result.texts.slice(-1), [translations.for('it').t('bot.tooLong', { max: 2000 })]);
  });

  it('strips control characters before reading the text: nothing left is an empty message', async () => {
    const id = uniqueConversationId('ctrl');
    const onlyControls = await postActivity(running.baseUrl, messageActivity(id, '\u0000\u0007\u001b\u202e'));
    assert.ok(onlyControls.texts.at(-1)?.startsWith(translations.for('en').t('bot.empty')), onlyControls.texts.at(-1));
  });

  const emptyMessages: { name: string; fields: Partial<Activity> }[] = [
    { name: 'no text and no attachments', fields: { text: undefined } },
    { name: 'an empty text', fields: { text: '' } },
    { name: 'only spaces and line breaks', fields: { text: ' \n\t  ' } },
    { name: 'only whitespace and an empty attachment list', fields: { text: '   ', attachments: [] } },
  ];
  for (const { name, fields } of emptyMessages) {
    it(`answers an empty message (${name}) by saying it was empty, with the menu — not "I can only read text"`, async () => {
      for (const locale of ['en', 'it'] as const) {
        const t = translations.for(locale);
        const result = await postActivity(running.baseUrl, messageActivity(uniqueConversationId(`empty-${locale}`), '', { locale: locale === 'it' ? 'it-IT' : 'en-US', ...fields }));
        assert.equal(result.status, 200);
        const last = result.replies.at(-1);
        assert.ok(last?.text?.startsWith(`${t.t('bot.empty')}\n\n`), `${locale}: ${last?.text}`);
        assert.ok(!result.texts.includes(t.t('bot.nonText')));
        const buttons = last?.suggestedActions?.actions.map((action) => action.title) ?? [];
        assert.ok(buttons.includes(t.t('menu.help')) && buttons.includes(t.t('menu.agent')), `${locale}: the menu as buttons: ${buttons.join(' | ')}`);
      }
    });
  }

  it('answers a message without text (an attachment only) by asking for text', async () => {
    const result = await postActivity(running.baseUrl, messageActivity(uniqueConversationId('attach'), '', { text: undefined, attachments: [{ contentType: 'image/png', contentUrl: 'http://127.0.0.1:1/x.png' }] }));
    assert.equal(result.texts.at(-1), translations.for('en').t('bot.nonText'));
  });

  const badRequests: { name: string; body: string; headers?: Record<string, string>; status: number; code: string; field?: string }[] = [
    { name: 'malformed JSON', body: '{"type": "message", ', status: 400, code: 'PSB_HTTP_BAD_JSON' },
    { name: 'an empty body', body: '', status: 400, code: 'PSB_HTTP_BAD_JSON' },
    { name: 'a JSON array', body: '[1,2]', status: 400, code: 'PSB_ACTIVITY_INVALID', field: '$' },
    { name: 'a missing conversation', body: JSON.stringify({ ...messageActivity('x', 'hi'), conversation: undefined }), status: 400, code: 'PSB_ACTIVITY_INVALID', field: 'conversation' },
    { name: 'a conversation without id', body: JSON.stringify({ ...messageActivity('x', 'hi'), conversation: {} }), status: 400, code: 'PSB_ACTIVITY_INVALID', field: 'conversation.id' },
    { name: 'a missing from', body: JSON.stringify({ ...messageActivity('x', 'hi'), from: undefined }), status: 400, code: 'PSB_ACTIVITY_INVALID', field: 'from' },
    { name: 'an unknown activity type', body: JSON.stringify({ ...messageActivity('x', 'hi'), type: 'telepathy' }), status: 400, code: 'PSB_ACTIVITY_TYPE_UNKNOWN', field: 'type' },
    { name: 'a text that is not a string', body: JSON.stringify({ ...messageActivity('x', 'hi'), text: { a: 1 } }), status: 400, code: 'PSB_ACTIVITY_INVALID', field: 'text' },
    { name: 'no serviceUrl without expectReplies', body: JSON.stringify({ ...messageActivity('x', 'hi'), deliveryMode: undefined, serviceUrl: undefined }), status: 400, code: 'PSB_ACTIVITY_INVALID', field: 'serviceUrl' },
    { name: 'a body over 256 KB', body: JSON.stringify(messageActivity('x', 'a'.repeat(300 * 1024))), status: 413, code: 'PSB_HTTP_BODY_TOO_LARGE' },
    { name: 'a non-JSON content type', body: 'hello', headers: { 'content-type': 'text/plain' }, status: 415, code: 'PSB_HTTP_BAD_CONTENT_TYPE' },
  ];
  for (const row of badRequests) {
    it(`refuses ${row.name} with ${row.status} and a JSON reason`, async () => {
      const result = await postActivity(running.baseUrl, row.body, row.headers);
      assert.equal(result.status, row.status);
      const body = result.body as ErrorResponse;
      assert.equal(body.error.code, row.code);
      assert.ok(body.error.message.length > 10);
      if (row.field) assert.equal(body.error.field, row.field);
    });
  }

  it('answers unknown routes and wrong methods with JSON, and stays up after all of the above', async () => {
    const notFound = await fetch(`${running.baseUrl}/nope`);
    assert.equal(notFound.status, 404);
    assert.equal(((await notFound.json()) as ErrorResponse).error.code, 'PSB_NOT_FOUND');
    const wrongMethod = await fetch(`${running.baseUrl}/api/messages`);
    assert.equal(wrongMethod.status, 405);
    assert.equal(((await wrongMethod.json()) as ErrorResponse).error.code, 'PSB_METHOD_NOT_ALLOWED');
    const health = await fetch(`${running.baseUrl}/healthz`);
    assert.equal(health.status, 200);
  });

  it('reports readiness with the backend of each part', async () => {
    const response = await fetch(`${running.baseUrl}/readyz`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { status: string; checks: Record<string, { backend: string; status: string }> };
    assert.equal(body.status, 'ready');
    assert.deepEqual(body.checks.sessionState, { backend: 'in-process', status: 'up' });
    assert.deepEqual(body.checks.ledger, { backend: 'pglite', status: 'up' });
  });

  it('answers expectReplies with the messages only: no BotState trace activity to a customer\'s channel', async () => {
    const result = await postActivity(running.baseUrl, messageActivity(uniqueConversationId('no-trace'), 'help', { channelId: 'webchat' }));
    assert.equal(result.status, 200);
    const activities = (result.body as { activities: Partial<Activity>[] }).activities;
    assert.ok(activities.length > 0, 'the bot answered');
    assert.deepEqual(activities.filter((a) => a.type !== 'message').map((a) => `${a.type} ${a.name ?? ''}`), []);
  });

  it('still gives the Bot Framework Emulator its BotState trace (the inspector\'s dialog memory)', async () => {
    const result = await postActivity(running.baseUrl, messageActivity(uniqueConversationId('emulator-trace'), 'help', { channelId: 'emulator' }));
    const activities = (result.body as { activities: Partial<Activity>[] }).activities;
    const traces = activities.filter((a) => a.type === 'trace');
    assert.deepEqual(traces.map((a) => a.name), ['BotState']);
    assert.equal(traces[0].valueType, 'https://www.botframework.com/schemas/botState');
  });
});
