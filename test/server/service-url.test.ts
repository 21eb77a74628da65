import assert from 'node:assert/strict';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import { AppError } from '../../src/errors/app-error';
import { readAllowedServiceUrls, ServiceUrlPolicy } from '../../src/server/service-url-policy';
import { newHandoff } from '../agent/agent-harness';
import { ConnectorStub } from '../channels/teams/connector-stub';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { LogCapture, messageActivity, postActivity, RunningApp, startTestApp, trainedRecognizer, uniqueConversationId } from '../support/test-app';

/**
 * The real app as production without channel authentication runs it (NODE_ENV=production,
 * ALLOW_UNAUTHENTICATED=true, no MicrosoftAppId). The options are the test defaults with those
 * three settings, so the test does not depend on every other production-only secret.
 */
async function startUnauthenticatedProduction(allowedServiceUrls: string): Promise<RunningApp> {
  const testOptions = loadConfig({ PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', LEDGER_DIR: 'memory://', ALLOWED_SERVICE_URLS: allowedServiceUrls });
  const options = Object.freeze({ ...testOptions, nodeEnv: 'production' as const, allowUnauthenticated: true });
  const logs = new LogCapture();
  const app = await createApp(options, logs.logger, { recognizer: await trainedRecognizer() });
  const port = await app.listen();
  return { app, baseUrl: `http://127.0.0.1:${port}`, logs, close: () => app.close() };
}

function isError(code: string): (err: unknown) => boolean {
  return (err: unknown) => err instanceof AppError && err.code === code;
}

describe('serviceUrl: the bot contacts only hosts the deployment chose', () => {
  describe('ALLOWED_SERVICE_URLS and the policy', () => {
    it('reads a comma-separated list of http(s) base URLs, normalised', () => {
      assert.deepEqual(readAllowedServiceUrls({ ALLOWED_SERVICE_URLS: ' https://SMBA.trafficmanager.net/emea/ , http://127.0.0.1:3978 ' }), ['https://smba.trafficmanager.net/emea', 'http://127.0.0.1:3978']);
      assert.deepEqual(readAllowedServiceUrls({}), []);
    });

    for (const bad of ['ftp://example.com', 'not a url', 'https://user:pw@example.com', 'https://example.com/?x=1', 'https://example.com/#f']) {
      it(`refuses "${bad}" naming the variable`, () => {
        assert.throws(() => loadConfig({ ALLOWED_SERVICE_URLS: bad }), (err: unknown) => isError('PSB_CONFIG_INVALID')(err) && (err as AppError).details.variable === 'ALLOWED_SERVICE_URLS');
      });
    }

    it('restricts only production without MicrosoftAppId; matches an entry or a path below it on the same origin', () => {
      const allowed = ['https://smba.trafficmanager.net/emea'];
      const production = new ServiceUrlPolicy({ nodeEnv: 'production', microsoftAppId: '', allowedServiceUrls: allowed });
      assert.equal(production.restricted, true);
      assert.equal(production.allows('https://smba.trafficmanager.net/emea/'), true);
      assert.equal(production.allows('https://smba.trafficmanager.net/emea/v3'), true);
      assert.equal(production.allows('https://smba.trafficmanager.net/emea-evil'), false);
      assert.equal(production.allows('https://smba.trafficmanager.net.evil.example/emea'), false);
      assert.equal(production.allows('https://smba.trafficmanager.net/amer'), false);
      assert.equal(new ServiceUrlPolicy({ nodeEnv: 'production', microsoftAppId: 'app-id', allowedServiceUrls: [] }).allows('https://anywhere.example'), true);
      assert.equal(new ServiceUrlPolicy({ nodeEnv: 'development', microsoftAppId: '', allowedServiceUrls: [] }).allows('http://127.0.0.1:1'), true);
    });
  });

  describe('POST /api/messages without serviceUrl (development)', function () {
    this.timeout(60_000);
    let running: RunningApp;
    before(async function () {
      this.timeout(HEAVY_HOOK_TIMEOUT_MS);
      running = await startTestApp();
    });
    after(async () => running?.close());

    it('is refused with 400 JSON naming serviceUrl', async () => {
      const answer = await postActivity(running.baseUrl, messageActivity(uniqueConversationId('no-url'), 'hello', { serviceUrl: undefined, deliveryMode: undefined }));
      assert.equal(answer.status, 400);
      assert.deepEqual((answer.body as { error: { code: string; field: string } }).error.field, 'serviceUrl');
      assert.equal((answer.body as { error: { code: string } }).error.code, 'PSB_ACTIVITY_INVALID');
    });

    it('with deliveryMode expectReplies is answered in the response', async () => {
      const answer = await postActivity(running.baseUrl, messageActivity(uniqueConversationId('no-url-er'), 'hello', { serviceUrl: undefined }));
      assert.equal(answer.status, 200);
      assert.ok(answer.replies.length > 0, 'the bot replied in the body');
    });

    it('a handoff from such a conversation is never continued through the public Bot Framework host', async () => {
      const { ticket } = await running.app.handoff.hub.enqueue(
        newHandoff({ channelId: 'test', conversation: { route: 'botframework', reference: { conversation: { id: uniqueConversationId('no-url-handoff') }, channelId: 'test', user: { id: 'u' }, bot: { id: 'bot' } } } }),
      );
      await assert.rejects(running.app.handoff.customerChannel.deliverAgentMessage(ticket, 'alice', 'hello'), isError('PSB_CUSTOMER_UNREACHABLE'));
    });
  });

  describe('production without channel authentication (real app, connector stubs)', function () {
    this.timeout(60_000);
    let running: RunningApp;
    let allowed: ConnectorStub;
    let other: ConnectorStub;

    before(async function () {
      this.timeout(HEAVY_HOOK_TIMEOUT_MS);
      allowed = await ConnectorStub.start();
      other = await ConnectorStub.start();
      running = await startUnauthenticatedProduction(`${allowed.serviceUrl}/`);
    });
    after(async () => {
      await running?.close();
      await allowed?.close();
      await other?.close();
    });

    it('replies to a serviceUrl in ALLOWED_SERVICE_URLS', async () => {
      const conversationId = uniqueConversationId('allowed');
      const answer = await postActivity(running.baseUrl, messageActivity(conversationId, 'hello', { serviceUrl: allowed.serviceUrl, deliveryMode: undefined }));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.ok(allowed.messagesFor(conversationId).length > 0, 'the reply reached the allowed connector');
    });

    it('refuses any other serviceUrl with 403 JSON before the turn runs: that host gets nothing', async () => {
      for (const deliveryMode of [undefined, 'expectReplies']) {
        const conversationId = uniqueConversationId('other');
        const answer = await postActivity(running.baseUrl, messageActivity(conversationId, 'hello', { serviceUrl: other.serviceUrl, deliveryMode }));
        assert.equal(answer.status, 403, JSON.stringify(answer.body));
        assert.deepEqual(answer.body, { error: { code: 'PSB_SERVICE_URL_NOT_ALLOWED', message: 'this bot replies only to the serviceUrls in ALLOWED_SERVICE_URLS (production without MicrosoftAppId)', field: 'serviceUrl' } });
        assert.deepEqual(answer.replies, []);
      }
      assert.deepEqual(other.received, [], 'the answer came before any turn: nothing was sent there');
    });

    it('still answers expectReplies without serviceUrl in the response', async () => {
      const answer = await postActivity(running.baseUrl, messageActivity(uniqueConversationId('er'), 'hello', { serviceUrl: undefined }));
      assert.equal(answer.status, 200);
      assert.ok(answer.replies.length > 0);
    });

    it('continues a handoff proactively only to an allowed serviceUrl', async () => {
      const reference = (serviceUrl: string, id: string) => ({ route: 'botframework', reference: { serviceUrl, conversation: { id }, channelId: 'test', user: { id: 'u' }, bot: { id: 'bot' } } });
      const toAllowed = uniqueConversationId('handoff-ok');
      const { ticket: good } = await running.app.handoff.hub.enqueue(newHandoff({ channelId: 'test', conversation: reference(allowed.serviceUrl, toAllowed) }));
      await running.app.handoff.customerChannel.deliverAgentMessage(good, 'alice', 'hello from an agent');
      assert.equal(allowed.messagesFor(toAllowed).length, 1);

      const { ticket: bad } = await running.app.handoff.hub.enqueue(newHandoff({ channelId: 'test', conversation: reference(other.serviceUrl, uniqueConversationId('handoff-bad')) }));
      await assert.rejects(running.app.handoff.customerChannel.deliverAgentMessage(bad, 'alice', 'hello'), isError('PSB_CUSTOMER_UNREACHABLE'));
      assert.deepEqual(other.received, []);
    });
  });
});
