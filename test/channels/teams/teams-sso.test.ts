import assert from 'node:assert/strict';
import { Activity, TestAdapter, TurnContext } from 'botbuilder';
import { TeamsSso, TOKEN_EXCHANGE_INVOKE, VERIFY_STATE_INVOKE } from '../../../src/channels/teams/teams-sso';
import { teamsActivity, teamsConversationId, teamsPerson } from './teams-activities';
import { entraToken, FakeUserTokens, recordedInvoke, SSO_CONNECTION, SSO_RESOURCE } from './teams-sso-fakes';

const SERVICE_URL = 'https://smba.trafficmanager.net/emea/';
const SSO_TOKEN = 'teams-sso-token-for-the-bot-app';

function contextOf(activity: Partial<Activity>): TurnContext {
  return new TurnContext(new TestAdapter(), activity);
}

describe('Teams SSO (recorded invoke payloads, a fake token service)', () => {
  const person = teamsPerson('Signed In');
  const conversationId = teamsConversationId('personal');
  let tokens: FakeUserTokens;
  let sso: TeamsSso;

  beforeEach(() => {
    tokens = new FakeUserTokens();
    sso = new TeamsSso(SSO_CONNECTION, () => tokens);
  });

  const exchange = (value: Record<string, unknown> = { token: SSO_TOKEN }, conversationType = 'personal') =>
    contextOf(recordedInvoke('signin-token-exchange', { from: person, conversationId, serviceUrl: SERVICE_URL, conversationType }, value));

  it('the recorded payloads are the invokes it handles, and a message is not', () => {
    assert.ok(sso.isSignInInvoke(exchange().activity));
    assert.equal(exchange().activity.name, TOKEN_EXCHANGE_INVOKE);
    const verify = recordedInvoke('signin-verify-state', { from: person, conversationId, serviceUrl: SERVICE_URL });
    assert.equal(verify.name, VERIFY_STATE_INVOKE);
    assert.ok(sso.isSignInInvoke(verify));
    assert.ok(!sso.isSignInInvoke(teamsActivity({ conversationType: 'personal', conversationId, serviceUrl: SERVICE_URL, from: person, text: 'hi' })));
  });

  it('a token exchanged for the sender’s own account: 200 echoing the id, and the sender’s object id (never the token)', async () => {
    tokens.allowExchange(SSO_TOKEN, person.id, person.aadObjectId);
    const outcome = await sso.handleInvoke(exchange());
    assert.deepEqual(outcome.response, { status: 200, body: { id: 'a1c3e2f0-5b7d-4e21-9c3a-8d6f4b2e1a07', connectionName: SSO_CONNECTION } });
    assert.equal(outcome.aadObjectId, person.aadObjectId);
    assert.deepEqual(tokens.calls, [{ op: 'exchangeToken', userId: person.id, connectionName: SSO_CONNECTION, channelId: 'msteams' }]);
    const said = JSON.stringify(outcome);
    assert.ok(!said.includes(SSO_TOKEN) && !said.includes(entraToken(person.aadObjectId)), 'no token in the outcome');
  });

  it('an exchange the token service refuses: 412 with a failure detail, so Teams shows the sign-in button', async () => {
    const outcome = await sso.handleInvoke(exchange());
    assert.equal(outcome.response.status, 412);
    const body = outcome.response.body as { id: string; connectionName: string; failureDetail: string };
    assert.equal(body.id, 'a1c3e2f0-5b7d-4e21-9c3a-8d6f4b2e1a07');
    assert.equal(body.connectionName, SSO_CONNECTION);
    assert.match(body.failureDetail, /^PSB_TEAMS_SSO_EXCHANGE_REFUSED: /, 'a code from the error registry, not a sentence made up in code');
    assert.equal(outcome.aadObjectId, undefined);
  });

  it('another connection, no token, or a group chat: 412 without asking the token service', async () => {
    tokens.allowExchange(SSO_TOKEN, person.id, person.aadObjectId);
    for (const context of [exchange({ token: SSO_TOKEN, connectionName: 'Other' }), exchange({ token: '' }), exchange({ token: SSO_TOKEN }, 'groupChat')]) {
      const outcome = await sso.handleInvoke(context);
      assert.equal(outcome.response.status, 412);
      assert.equal(outcome.aadObjectId, undefined);
    }
    assert.deepEqual(tokens.calls, []);
  });

  it('a token service that does not answer: the exchange is refused (412), the magic code vouches for nobody, the card is not made — each after the time limit, not the HTTP client\'s', async () => {
    const never = new Promise<never>(() => undefined);
    const hanging = { getSignInResource: () => never, exchangeToken: () => never, getUserToken: () => never };
    const impatient = new TeamsSso(SSO_CONNECTION, () => hanging, 20);
    const outcome = await impatient.handleInvoke(exchange());
    assert.equal(outcome.response.status, 412);
    const verify = contextOf(recordedInvoke('signin-verify-state', { from: person, conversationId, serviceUrl: SERVICE_URL }));
    assert.deepEqual(await impatient.handleInvoke(verify), { response: { status: 200 } });
    const message = contextOf(teamsActivity({ conversationType: 'personal', conversationId, serviceUrl: SERVICE_URL, from: person, text: 'check my consents' }));
    await assert.rejects(impatient.signInCard(message, { text: 'Sign in, or type', button: 'Sign in with Teams' }), /did not answer the sign-in resource/);
  });

  it('a token naming another account than the sender’s vouches for nobody', async () => {
    tokens.allowExchange(SSO_TOKEN, person.id, teamsPerson('Someone Else').aadObjectId);
    const outcome = await sso.handleInvoke(exchange());
    assert.equal(outcome.response.status, 200);
    assert.equal(outcome.aadObjectId, undefined);
  });

  it('signin/verifyState: the sign-in card’s magic code redeemed for the sender’s token', async () => {
    tokens.allowMagicCode('482913', person.id, person.aadObjectId);
    const verify = contextOf(recordedInvoke('signin-verify-state', { from: person, conversationId, serviceUrl: SERVICE_URL }));
    const outcome = await sso.handleInvoke(verify);
    assert.deepEqual(outcome, { response: { status: 200 }, aadObjectId: person.aadObjectId });
    const wrong = await sso.handleInvoke(contextOf(recordedInvoke('signin-verify-state', { from: person, conversationId, serviceUrl: SERVICE_URL }, { state: '000000' })));
    assert.deepEqual(wrong, { response: { status: 200 } });
  });

  it('the sign-in card is an OAuthCard for the connection, with the token exchange resource Teams needs for silent SSO', async () => {
    const message = contextOf(teamsActivity({ conversationType: 'personal', conversationId, serviceUrl: SERVICE_URL, from: person, text: 'check my consents' }));
    assert.ok(sso.appliesTo(message));
    const card = await sso.signInCard(message, { text: 'Sign in, or type', button: 'Sign in with Teams' });
    assert.equal(card.contentType, 'application/vnd.microsoft.card.oauth');
    const content = card.content as { connectionName: string; text: string; buttons: { title: string; type: string; value: string }[]; tokenExchangeResource: { uri: string } };
    assert.equal(content.connectionName, SSO_CONNECTION);
    assert.equal(content.text, 'Sign in, or type');
    assert.equal(content.buttons[0].title, 'Sign in with Teams');
    assert.equal(content.buttons[0].type, 'signin');
    assert.equal(content.tokenExchangeResource.uri, SSO_RESOURCE);
  });

  it('applies only to a Teams personal chat with a sender’s object id', () => {
    const group = contextOf(teamsActivity({ conversationType: 'groupChat', conversationId: teamsConversationId('groupChat'), serviceUrl: SERVICE_URL, from: person, text: 'hi' }));
    assert.ok(!sso.appliesTo(group));
    const webchat = contextOf({ ...teamsActivity({ conversationType: 'personal', conversationId, serviceUrl: SERVICE_URL, from: person, text: 'hi' }), channelId: 'webchat' });
    assert.ok(!sso.appliesTo(webchat));
    const noClient = new TeamsSso(SSO_CONNECTION, () => undefined);
    assert.ok(!noClient.appliesTo(contextOf(teamsActivity({ conversationType: 'personal', conversationId, serviceUrl: SERVICE_URL, from: person, text: 'hi' }))));
  });
});
