import assert from 'node:assert/strict';
import { Activity, ActivityTypes, ConfigurationBotFrameworkAuthentication, TurnContext } from 'botbuilder';
import { AuthenticationConstants, ClaimsIdentity, ConnectorClient } from 'botframework-connector';
import { BoundedPromiseCache } from '../../src/adapter/bounded-promise-cache';
import { BotAdapter } from '../../src/adapter/create-adapter';
import { ReusingBotFrameworkAuthentication } from '../../src/adapter/reusing-authentication';

const SERVICE_URL = 'https://smba.trafficmanager.net/emea/';
const OTHER_SERVICE_URL = 'https://smba.trafficmanager.net/amer/';

function message(serviceUrl = SERVICE_URL): Activity {
  return { type: ActivityTypes.Message, id: `a-${Math.random()}`, channelId: 'msteams', serviceUrl, text: 'hi', conversation: { id: 'c1' }, from: { id: 'u1' }, recipient: { id: 'bot' } } as Activity;
}

function botIdentity(appId: string): ClaimsIdentity {
  return new ClaimsIdentity([{ type: AuthenticationConstants.AudienceClaim, value: appId }], true);
}

describe('BoundedPromiseCache', () => {
  it('makes a value once per key and hands the same one out again, to concurrent callers too', async () => {
    const cache = new BoundedPromiseCache<object>(10);
    let made = 0;
    const make = async (): Promise<object> => ({ n: ++made });
    const [a, b] = await Promise.all([cache.get('k', make), cache.get('k', make)]);
    assert.equal(a, b);
    assert.equal(await cache.get('k', make), a);
    assert.notEqual(await cache.get('other', make), a);
    assert.equal(made, 2);
  });

  it('forgets a creation that failed, so the next request tries again', async () => {
    const cache = new BoundedPromiseCache<string>(10);
    await assert.rejects(cache.get('k', async () => Promise.reject(new Error('token endpoint down'))), /token endpoint down/);
    assert.equal(await cache.get('k', async () => 'made'), 'made');
  });

  it('keeps at most its capacity, dropping the least recently used', async () => {
    const cache = new BoundedPromiseCache<string>(2);
    await cache.get('a', async () => 'a1');
    await cache.get('b', async () => 'b1');
    await cache.get('a', async () => 'a2'); // a is now the most recent
    await cache.get('c', async () => 'c1'); // evicts b
    assert.equal(cache.size, 2);
    assert.equal(await cache.get('a', async () => 'a3'), 'a1');
    assert.equal(await cache.get('b', async () => 'b2'), 'b2');
  });
});

describe('ReusingBotFrameworkAuthentication', () => {
  it('reuses one connector client per service URL and audience across requests, instead of one per turn', async () => {
    const auth = new ReusingBotFrameworkAuthentication(new ConfigurationBotFrameworkAuthentication({}));
    const first = await auth.authenticateRequest(message(), '');
    const second = await auth.authenticateRequest(message(), '');
    assert.ok(first.connectorFactory && second.connectorFactory);
    const client = await first.connectorFactory.create(SERVICE_URL, first.audience);
    assert.ok(client instanceof ConnectorClient);
    assert.equal(await second.connectorFactory.create(SERVICE_URL, second.audience), client);
    assert.notEqual(await second.connectorFactory.create(OTHER_SERVICE_URL, second.audience), client, 'another service URL, another client');
    assert.notEqual(await second.connectorFactory.create(SERVICE_URL, 'https://api.botframework.us'), client, 'another audience, another client');
  });

  it('keeps the clients of different bot app ids apart (their credentials differ)', async () => {
    const auth = new ReusingBotFrameworkAuthentication(new ConfigurationBotFrameworkAuthentication({}));
    const forA = await auth.createConnectorFactory(botIdentity('app-a')).create(SERVICE_URL, undefined);
    const forB = await auth.createConnectorFactory(botIdentity('app-b')).create(SERVICE_URL, undefined);
    assert.notEqual(forA, forB);
    assert.equal(await auth.createConnectorFactory(botIdentity('app-a')).create(SERVICE_URL, undefined), forA);
    const tokensA = await auth.createUserTokenClient(botIdentity('app-a'));
    assert.equal(await auth.createUserTokenClient(botIdentity('app-a')), tokensA);
    assert.notEqual(await auth.createUserTokenClient(botIdentity('app-b')), tokensA);
  });

  it('still checks every request: with an app id configured, a request without a token is refused', async () => {
    const auth = new ReusingBotFrameworkAuthentication(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: 'app-a', MicrosoftAppPassword: 'secret' }));
    await assert.rejects(auth.authenticateRequest(message(), ''), (err: { statusCode?: number }) => err.statusCode === 401);
  });
});

describe('BotAdapter turns', () => {
  it('give every turn from the same service URL the same connector client: built once, not per turn', async () => {
    const adapter = new BotAdapter(new ConfigurationBotFrameworkAuthentication({}));
    const seen: unknown[] = [];
    const logic = async (context: TurnContext): Promise<void> => {
      seen.push(context.turnState.get(adapter.ConnectorClientKey));
    };
    await adapter.processIncoming('', { ...message(), deliveryMode: 'expectReplies' }, logic);
    await adapter.processIncoming('', { ...message(), deliveryMode: 'expectReplies' }, logic);
    await adapter.processIncoming('', { ...message(OTHER_SERVICE_URL), deliveryMode: 'expectReplies' }, logic);
    assert.equal(seen.length, 3);
    assert.ok(seen[0] instanceof ConnectorClient);
    assert.equal(seen[1], seen[0]);
    assert.notEqual(seen[2], seen[0]);
  });
});
