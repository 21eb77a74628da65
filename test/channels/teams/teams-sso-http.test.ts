import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Activity } from 'botbuilder';
import { Translations, Translator } from '../../../src/i18n/translator';
import { openLedger } from '../../../src/ledger/ledger';
import { DEVELOPMENT_HASH_KEY } from '../../../src/ledger/ledger-config';
import { HEAVY_HOOK_TIMEOUT_MS } from '../../support/hook-timeouts';
import { postActivity, RunningApp, startTestApp } from '../../support/test-app';
import { ConnectorStub } from './connector-stub';
import { teamsActivity, teamsConversationId, TeamsPerson, teamsPerson } from './teams-activities';
import { FakeUserTokens, recordedInvoke, SSO_CONNECTION, SSO_RESOURCE } from './teams-sso-fakes';

/*
 * Teams SSO through /api/messages: the bot with TEAMS_SSO_CONNECTION set and a fake token service
 * (what Bot Service's would answer), Teams' invokes as recorded. A linked account that signs in is
 * verified without a code; a refused exchange answers 412 and the code flow goes on from what the
 * customer types; an account linked to nobody gets the code flow.
 */

async function ledgerWithLinkedTeamsUser(dir: string, aadObjectId: string): Promise<string> {
  const ledger = await openLedger({ ledgerDir: dir, hashKey: DEVELOPMENT_HASH_KEY });
  try {
    const subject = await ledger.subjects.register(
      { identifiers: [{ kind: 'email', value: 'sso.teams.user@example.com' }, { kind: 'aad_object_id', value: aadObjectId }], regime: 'gdpr' },
      { actor: 'system:test', reason: 'test subject with a linked Teams account' },
    );
    return subject.id;
  } finally {
    await ledger.close();
  }
}

describe('Teams SSO over HTTP (TEAMS_SSO_CONNECTION, recorded invokes, a fake token service)', () => {
  let dir: string;
  let connector: ConnectorStub;
  let running: RunningApp | undefined;
  let en: Translator;
  let subjectId: string;
  const tokens = new FakeUserTokens();
  const linked = teamsPerson('Linked');
  const unlinked = teamsPerson('Unlinked');
  const SSO_TOKEN = 'teams-sso-token-for-the-bot-app-7f3a';

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    en = (await Translations.load()).for('en');
    dir = mkdtempSync(path.join(tmpdir(), 'teams-sso-'));
    subjectId = await ledgerWithLinkedTeamsUser(path.join(dir, 'ledger'), linked.aadObjectId);
    connector = await ConnectorStub.start();
    running = await startTestApp({ LEDGER_DIR: path.join(dir, 'ledger'), TEAMS_SSO_CONNECTION: SSO_CONNECTION }, { teamsUserTokens: () => tokens });
  });
  after(async () => {
    await running?.close();
    await connector?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const askForConsents = (from: TeamsPerson, conversationId: string) =>
    teamsActivity({ conversationType: 'personal', conversationId, serviceUrl: connector.serviceUrl, from, text: en.t('menu.consentCheck'), expectReplies: true });
  const say = (from: TeamsPerson, conversationId: string, text: string) => teamsActivity({ conversationType: 'personal', conversationId, serviceUrl: connector.serviceUrl, from, text, expectReplies: true });
  const exchangeInvoke = (from: TeamsPerson, conversationId: string, token: string) => recordedInvoke('signin-token-exchange', { from, conversationId, serviceUrl: connector.serviceUrl }, { token, connectionName: SSO_CONNECTION });

  /** The gate's first answer in a personal chat: the OAuthCard with the token exchange resource. */
  async function expectSignInCard(from: TeamsPerson, conversationId: string): Promise<void> {
    assert.ok(running);
    const asked = await postActivity(running.baseUrl, askForConsents(from, conversationId));
    assert.equal(asked.status, 200, JSON.stringify(asked.body));
    const card = asked.replies.at(-1)?.attachments?.[0];
    assert.equal(card?.contentType, 'application/vnd.microsoft.card.oauth', `replies: ${JSON.stringify(asked.replies)}`);
    const content = card?.content as { connectionName: string; text: string; tokenExchangeResource: { uri: string } };
    assert.equal(content.connectionName, SSO_CONNECTION);
    assert.equal(content.text, en.t('teamsSso.card.text'));
    assert.equal(content.tokenExchangeResource.uri, SSO_RESOURCE);
  }

  it('a linked account signs in silently: 200 to the exchange, "signed in", the consents card — no code, and one verification in the ledger', async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    assert.ok(running);
    const conversationId = teamsConversationId('personal');
    tokens.allowExchange(SSO_TOKEN, linked.id, linked.aadObjectId);
    await expectSignInCard(linked, conversationId);

    const exchanged = await postActivity(running.baseUrl, exchangeInvoke(linked, conversationId, SSO_TOKEN));
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    assert.deepEqual(exchanged.body, { id: 'a1c3e2f0-5b7d-4e21-9c3a-8d6f4b2e1a07', connectionName: SSO_CONNECTION });
    const sent: Partial<Activity>[] = connector.activitiesFor(conversationId).filter((activity) => activity.type === 'message');
    assert.equal(sent[0]?.text, en.t('teamsSso.signedIn'), JSON.stringify(sent.map((a) => a.text)));
    assert.ok(sent.some((activity) => (activity.attachments ?? []).some((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')), 'the consents card');
    assert.ok(!sent.some((activity) => activity.text === en.t('identity.prompt')), 'not asked who they are');
    assert.ok(!running.logs.text.includes(SSO_TOKEN), 'the Teams token is not logged');
    assert.ok(!running.logs.text.includes(linked.aadObjectId), 'the object id is not logged');

    // The same session needs no second sign-in.
    const again = await postActivity(running.baseUrl, askForConsents(linked, conversationId));
    assert.ok(!again.replies.some((reply) => reply.attachments?.[0]?.contentType === 'application/vnd.microsoft.card.oauth'), 'no second sign-in card');

    await running.close();
    running = undefined;
    const ledger = await openLedger({ ledgerDir: path.join(dir, 'ledger'), hashKey: DEVELOPMENT_HASH_KEY });
    try {
      const verifications = await ledger.verifications.forSubject(subjectId);
      assert.deepEqual(
        verifications.map((v) => [v.method, v.level, v.outcome, v.channel]),
        [['channel_authenticated', 'verified', 'verified', 'msteams']],
      );
    } finally {
      await ledger.close();
    }
    running = await startTestApp({ LEDGER_DIR: path.join(dir, 'ledger'), TEAMS_SSO_CONNECTION: SSO_CONNECTION }, { teamsUserTokens: () => tokens });
  });

  it('a refused exchange answers 412 (Teams shows the sign-in button); the customer types their email and the code flow goes on', async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    assert.ok(running);
    const conversationId = teamsConversationId('personal');
    await expectSignInCard(linked, conversationId);
    const refused = await postActivity(running.baseUrl, exchangeInvoke(linked, conversationId, 'a-token-the-service-refuses'));
    assert.equal(refused.status, 412);
    assert.equal((refused.body as { connectionName: string }).connectionName, SSO_CONNECTION);
    assert.deepEqual(connector.activitiesFor(conversationId), [], 'nothing said on a refused exchange');

    const typed = await postActivity(running.baseUrl, say(linked, conversationId, 'sso.teams.user@example.com'));
    assert.equal(typed.status, 200);
    assert.equal(typed.texts[0], en.t('identity.noted', { identifier: 's***@example.com' }), JSON.stringify(typed.texts));
    assert.ok(!typed.replies.some((reply) => (reply.attachments ?? []).length > 0 && reply.attachments?.[0]?.contentType === 'application/vnd.microsoft.card.oauth'));
  });

  it('a signed-in account linked to nobody: 200, then the usual question who they are', async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    assert.ok(running);
    const conversationId = teamsConversationId('personal');
    tokens.allowExchange(SSO_TOKEN, unlinked.id, unlinked.aadObjectId);
    await expectSignInCard(unlinked, conversationId);
    const exchanged = await postActivity(running.baseUrl, exchangeInvoke(unlinked, conversationId, SSO_TOKEN));
    assert.equal(exchanged.status, 200);
    const texts = connector.activitiesFor(conversationId).map((activity) => activity.text);
    assert.deepEqual(texts, [en.t('identity.prompt')]);
  });

  it('in a group chat no sign-in card: the private-chat button, as without SSO', async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    assert.ok(running);
    const conversationId = teamsConversationId('groupChat');
    const asked = await postActivity(
      running.baseUrl,
      teamsActivity({ conversationType: 'groupChat', conversationId, serviceUrl: connector.serviceUrl, from: linked, text: en.t('menu.consentCheck'), mentionBot: true, expectReplies: true }),
    );
    assert.equal(asked.status, 200);
    assert.ok(!asked.replies.some((reply) => reply.attachments?.[0]?.contentType === 'application/vnd.microsoft.card.oauth'), JSON.stringify(asked.replies));
  });
});
