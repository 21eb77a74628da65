import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { messageActivity, postActivity, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { BotFrameworkKeyServer } from '../support/bot-framework-key-server';

/**
 * Bot Framework tokens checked against real signing keys served from this machine
 * (BOT_OPENID_METADATA_URL): a genuine token runs the turn; forgeries get 401 JSON; keys that
 * cannot be fetched get 503 with Retry-After — never a 500, and never a request to Microsoft.
 */
const APP_ID = '00000000-0000-0000-0000-000000000011';
const CHANNEL_ISSUER = 'https://api.botframework.com';
/** An issuer the SDK treats as Microsoft's (Emulator / Azure AD v1 tokens). */
const MICROSOFT_ISSUER = 'https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/';

function channelClaims(serviceUrl: string): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: CHANNEL_ISSUER, aud: APP_ID, serviceurl: serviceUrl, nbf: now - 60, exp: now + 600 };
}

function microsoftClaims(): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: MICROSOFT_ISSUER, aud: APP_ID, appid: APP_ID, ver: '1.0', nbf: now - 60, exp: now + 600 };
}

/** A local URL where nothing listens: a port taken and released again. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1/.well-known/openidconfiguration`;
}

function errorCode(body: unknown): string | undefined {
  return (body as { error?: { code?: string } } | undefined)?.error?.code;
}

describe('forged Bot Framework tokens against a local key server', () => {
  let keys: BotFrameworkKeyServer;
  let running: RunningApp;
  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    keys = await BotFrameworkKeyServer.start();
    running = await startTestApp({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-a-real-secret', BOT_OPENID_METADATA_URL: keys.metadataUrl });
  });
  after(async () => {
    await running?.close();
    await keys?.close();
  });

  it('a token signed with the published key runs the turn, its keys read from the local server', async () => {
    const activity = messageActivity(uniqueConversationId('token-ok'), 'hello');
    const result = await postActivity(running.baseUrl, activity, { authorization: `Bearer ${keys.sign(channelClaims(String(activity.serviceUrl)))}` });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.ok(result.replies.length > 0, 'the bot answered');
    assert.ok(keys.requests.includes('/v1/keys'), 'the keys came from BOT_OPENID_METADATA_URL');
  });

  it('a Microsoft-issued (Emulator) token is checked against the same local keys', async () => {
    const result = await postActivity(running.baseUrl, messageActivity(uniqueConversationId('token-ms'), 'hello'), { authorization: `Bearer ${keys.sign(microsoftClaims())}` });
    assert.equal(result.status, 200, JSON.stringify(result.body));
  });

  const forgeries: [string, (k: BotFrameworkKeyServer, serviceUrl: string) => string][] = [
    ['the published kid signed with another key', (k, s) => k.forgeWithWrongKey(channelClaims(s))],
    ['the published kid with alg none', (k, s) => k.forgeUnsigned(channelClaims(s))],
    ['the published kid HMAC-signed with the public key (HS256)', (k, s) => k.forgeHs256(channelClaims(s))],
    ['a Microsoft-issued token signed with another key', (k) => k.forgeWithWrongKey(microsoftClaims())],
    ['a Microsoft-issued token with alg none', (k) => k.forgeUnsigned(microsoftClaims())],
  ];
  for (const [name, forge] of forgeries) {
    it(`${name} gets 401 with a JSON reason, and the bot does not run`, async () => {
      const activity = messageActivity(uniqueConversationId('token-forged'), 'hello');
      const token = forge(keys, String(activity.serviceUrl));
      const result = await postActivity(running.baseUrl, activity, { authorization: `Bearer ${token}` });
      assert.equal(result.status, 401, JSON.stringify(result.body));
      assert.equal(errorCode(result.body), 'PSB_UNAUTHORIZED');
      assert.deepEqual(result.replies, []);
      assert.ok(!running.logs.text.includes(token.split('.')[2] || token), 'the token is not logged');
    });
  }
});

describe('Bot Framework signing keys that cannot be fetched', () => {
  const cases: [string, () => Promise<{ url: string; close(): Promise<void> }>][] = [
    ['nothing listens at the metadata address (offline)', async () => ({ url: await deadUrl(), close: async () => undefined })],
    [
      'the metadata host answers 500',
      async () => {
        const server = await BotFrameworkKeyServer.start();
        server.respondWith(500);
        return { url: server.metadataUrl, close: () => server.close() };
      },
    ],
  ];
  for (const [name, startKeys] of cases) {
    describe(name, () => {
      let keys: { url: string; close(): Promise<void> };
      let running: RunningApp;
      let signer: BotFrameworkKeyServer;
      before(async function () {
        this.timeout(HEAVY_HOOK_TIMEOUT_MS);
        keys = await startKeys();
        signer = await BotFrameworkKeyServer.start();
        running = await startTestApp({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-a-real-secret', BOT_OPENID_METADATA_URL: keys.url });
      });
      after(async () => {
        await running?.close();
        await keys?.close();
        await signer?.close();
      });

      for (const [issuer, claims] of [
        ['a channel token', (s: string) => channelClaims(s)],
        ["a token naming Microsoft's issuer", () => microsoftClaims()],
      ] as const) {
        it(`${issuer} gets 503 with Retry-After and a JSON reason, not 500`, async () => {
          const activity = messageActivity(uniqueConversationId('token-nokeys'), 'hello');
          const response = await fetch(`${running.baseUrl}/api/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${signer.sign(claims(String(activity.serviceUrl)))}` },
            body: JSON.stringify(activity),
          });
          const body: unknown = await response.json();
          assert.equal(response.status, 503, JSON.stringify(body));
          assert.equal(errorCode(body), 'PSB_BOT_KEYS_UNAVAILABLE');
          assert.ok(Number(response.headers.get('retry-after')) > 0, 'Retry-After says when to try again');
        });
      }
    });
  }
});
