import assert from 'node:assert/strict';
import { Activity } from 'botframework-directlinejs';
import { Translations, Translator } from '../../../src/i18n/translator';
import { HEAVY_HOOK_TIMEOUT_MS } from '../../support/hook-timeouts';
import { isLoopback, OutboundRecorder, recordOutbound } from '../../support/outbound-recorder';
import { RunningApp, startTestApp } from '../../support/test-app';
import { connectClient, provideGlobalWebSocket, TestClient } from '../directline/support/direct-line-client';

/*
 * README: on the website "nothing leaves the company's servers". The browser's side is checked in
 * test/e2e/webchat.test.ts (the page loads nothing from elsewhere); this is the server's side: the
 * app runs in this process while a Web Chat conversation goes through it — page, bundle, token,
 * Direct Line over a WebSocket, the bot's replies through the connector routes — and every
 * connection the process begins is recorded. Only this machine may be reached.
 */

const textOf = (activity: Activity): string => ('text' in activity && typeof activity.text === 'string' ? activity.text : '');

const configurations: readonly { name: string; env: Record<string, string> }[] = [
  { name: 'the defaults of npm start', env: {} },
  // With a Bot Framework identity the SDK could fetch tokens or keys from Microsoft: it must not, for Web Chat.
  { name: 'a Bot Framework identity set (MicrosoftAppId, as in production)', env: { MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'not-a-real-secret' } },
];

for (const configuration of configurations) {
  describe(`the server itself connects nowhere but this machine during a Web Chat conversation (${configuration.name})`, function () {
    this.timeout(60_000);
    let recorder: OutboundRecorder;
    let running: RunningApp | undefined;
    let client: TestClient | undefined;
    let restoreWebSocket: () => void;
    let en: Translator;

    before(async function () {
      this.timeout(HEAVY_HOOK_TIMEOUT_MS);
      en = (await Translations.load()).for('en');
      restoreWebSocket = provideGlobalWebSocket();
      // From before start-up: what the app does when it starts counts too.
      recorder = recordOutbound();
      running = await startTestApp(configuration.env);
    });
    after(async () => {
      client?.end();
      await running?.close();
      recorder?.stop();
      restoreWebSocket?.();
    });

    it('loads the page, talks with the bot, and every connection attempt and DNS lookup was for this machine', async () => {
      assert.ok(running);
      const { baseUrl } = running;
      const page = await fetch(`${baseUrl}/`);
      assert.equal(page.status, 200);
      const html = await page.text();
      const bundle = /src="\/?(webchat\/[^"]+\/webchat\.js)"/.exec(html);
      assert.ok(bundle, 'the page names the Web Chat bundle it serves');
      assert.equal((await fetch(`${baseUrl}/${bundle[1]}`)).status, 200);

      const tokenAnswer = await fetch(`${baseUrl}/webchat/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ locale: 'en-US' }) });
      assert.equal(tokenAnswer.status, 200);
      const { token } = (await tokenAnswer.json()) as { token: string };

      client = connectClient(baseUrl, { token, webSocket: true });
      await client.waitFor((received) => received.some((activity) => textOf(activity).includes(en.t('bot.welcome'))), 'the welcome');
      await client.post({ type: 'message', from: { id: 'customer', name: 'Customer' }, text: 'help', locale: 'en-US', channelData: { clientActivityID: 'outbound-help' } });
      await client.waitFor((received) => received.some((activity) => textOf(activity).includes(en.t('help.intro'))), 'the help');
      client.end();
      client = undefined;

      const { attempts, lookups } = recorder;
      assert.ok(attempts.length > 0, 'the recorder saw the connections of this conversation (it works)');
      assert.deepEqual(
        attempts.filter((attempt) => !isLoopback(attempt.host)),
        [],
        'every connection went to this machine',
      );
      assert.deepEqual(
        lookups.filter((name) => !isLoopback(name)),
        [],
        'no other host name was even looked up',
      );
    });
  });
}
