import assert from 'node:assert/strict';
import { Activity, Middleware } from 'botbuilder';
import { MENU_REGISTRY, availableMenu } from '../../dialogs/menu';
import { TeamsSignInInvoke } from '../../src/bot/teams-sign-in-invoke';
import { TeamsSso } from '../../src/channels/teams/teams-sso';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import type { Ledger } from '../../src/ledger/ledger';
import { PolicyAction } from '../../src/privacy/assurance/assurance-policy';
import type { IdentityService } from '../../src/privacy/identity/identity-service';
import { LogCapture } from '../support/test-app';
import { GatedProbeDialog, PROBE_DIALOG_ID, probeSays } from '../handoff-bot/handoff-support';
import { FakeUserTokens, recordedInvoke, SSO_CONNECTION } from '../channels/teams/teams-sso-fakes';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { ACTIVITY_LOCALE, DialogWorld, loadWorld } from './dialog-harness';
import { FeatureConversation } from './feature-conversation';
import { FeatureDialogs, featureDialogs } from './feature-dialogs';
import { channelAuthenticated, teamsActivity } from './teams-sender';
import { ledgerWithOneCustomer } from './identity-support';

const ASK = '<needs a level>';
const KNOWN_EMAIL = 'giulia.rossi@example.com';
const AAD_LINKED = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const AAD_UNLINKED = '00000000-2222-4333-8444-555555555555';
const SSO_TOKEN = 'teams-sso-token';
const MENU = availableMenu(MENU_REGISTRY.map((entry) => (entry.id === 'consent.check' ? { ...entry, dialogId: PROBE_DIALOG_ID, available: true } : entry)));
const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';

describe('assurance gate with Teams SSO (TEAMS_SSO_CONNECTION)', function () {
  this.timeout(30_000);
  let world: DialogWorld;
  let ledger: Ledger;
  let identity: IdentityService;
  let subjectId: string;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    world = await loadWorld();
    ({ ledger, identity, subjectId } = await ledgerWithOneCustomer('teams-sign-in-gate', [
      { kind: 'email', value: KNOWN_EMAIL },
      { kind: 'aad_object_id', value: AAD_LINKED },
    ]));
  });
  after(async () => {
    await ledger?.close();
  });

  interface Setup {
    readonly feature: FeatureDialogs;
    readonly conversation: FeatureConversation;
    readonly tokens: FakeUserTokens;
    readonly activity: Partial<Activity>;
  }

  /** The gate in a Teams personal chat (a validated channel token), SSO on, the bot's invoke edge as middleware. */
  function setup(locale: ShippedLocale, action: PolicyAction, aadObjectId: string): Setup {
    const tokens = new FakeUserTokens();
    const sso = new TeamsSso(SSO_CONNECTION, () => tokens);
    const feature = featureDialogs({ identity, menu: MENU, teamsSso: sso });
    const invokes = new TeamsSignInInvoke({ sso, assurance: feature.assurance, logger: new LogCapture().logger });
    // PrivacyBot's part: the invoke's outcome into the session, then the dialogs resume.
    const edge: Middleware = {
      onTurn: async (context, next) => {
        if (!invokes.handles(context)) return next();
        const response = await invokes.answer(context, async () => next());
        await context.sendActivity({ type: 'invokeResponse', value: response });
      },
    };
    const activity = teamsActivity(aadObjectId, 'personal');
    const conversation = new FeatureConversation(world, {
      activityLocale: ACTIVITY_LOCALE[locale],
      dialogs: [...feature.dialogs, new GatedProbeDialog(feature.gate, action)],
      menu: MENU,
      intents: { [ASK]: 'consent.check' },
      channelId: 'msteams',
      activity,
      middleware: [channelAuthenticated, edge],
    });
    return { feature, conversation, tokens, activity };
  }

  const exchange = (s: Setup, token = SSO_TOKEN): Partial<Activity> => {
    const invoke = recordedInvoke('signin-token-exchange', { from: { id: s.activity.from?.id ?? '', name: 'Anna', aadObjectId: s.activity.from?.aadObjectId ?? '' }, conversationId: s.activity.conversation?.id ?? '', serviceUrl: 'https://smba.trafficmanager.net/emea/' }, { token });
    const { serviceUrl: _serviceUrl, ...rest } = invoke;
    return rest;
  };

  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: a linked Teams account is not verified silently: the sign-in card comes first, in the customer's language`, async () => {
      const t = world.translations.for(locale);
      const s = setup(locale, 'consent.view', AAD_LINKED);
      const before = (await ledger.verifications.forSubject(subjectId)).length;
      const replies = await s.conversation.sendForActivities({ type: 'message', text: ASK });
      assert.equal(replies.length, 1, JSON.stringify(replies));
      const card = replies[0].attachments?.[0];
      assert.equal(card?.contentType, OAUTH_CARD);
      const content = card?.content as { text: string; connectionName: string; buttons: { title: string }[] };
      assert.equal(content.text, t.t('teamsSso.card.text'));
      assert.equal(content.buttons[0].title, t.t('teamsSso.card.button'));
      assert.equal(content.connectionName, SSO_CONNECTION);
      assert.equal((await ledger.verifications.forSubject(subjectId)).length, before, 'nothing recorded before the sign-in');
    });
  }

  it('the exchange for the linked account: "signed in", the waiting dialog granted verified, one verification recorded', async () => {
    const t = world.translations.for('en');
    const s = setup('en', 'consent.view', AAD_LINKED);
    s.tokens.allowExchange(SSO_TOKEN, s.activity.from?.id ?? '', AAD_LINKED);
    await s.conversation.say(ASK);
    const before = (await ledger.verifications.forSubject(subjectId)).length;
    const replies = await s.conversation.sendForActivities({ ...exchange(s), locale: undefined });
    const texts = replies.filter((reply) => reply.type === 'message').map((reply) => reply.text);
    assert.deepEqual(texts, [t.t('teamsSso.signedIn'), probeSays({ granted: true, level: 'verified' })]);
    assert.deepEqual(replies.find((reply) => reply.type === 'invokeResponse')?.value, { status: 200, body: { id: 'a1c3e2f0-5b7d-4e21-9c3a-8d6f4b2e1a07', connectionName: SSO_CONNECTION } });
    const recorded = (await ledger.verifications.forSubject(subjectId)).slice(before);
    assert.deepEqual(recorded.map((v) => [v.method, v.level, v.outcome, v.channel]), [['channel_authenticated', 'verified', 'verified', 'msteams']]);
    assert.deepEqual(await s.conversation.say(ASK), [probeSays({ granted: true, level: 'verified' })], 'no second card in the session');
  });

  it('a refused exchange: 412, nothing said; what the customer types then is read as their identifier', async () => {
    const t = world.translations.for('en');
    const s = setup('en', 'consent.withdraw', AAD_LINKED);
    await s.conversation.say(ASK);
    const refused = await s.conversation.sendForActivities(exchange(s, 'refused'));
    assert.deepEqual(refused.filter((reply) => reply.type === 'message'), []);
    assert.equal((refused.find((reply) => reply.type === 'invokeResponse')?.value as { status: number }).status, 412);
    assert.deepEqual(await s.conversation.say(KNOWN_EMAIL), [t.t('identity.noted', { identifier: 'g***@example.com' }), probeSays({ granted: true, level: 'identified' })]);
    const again = await s.conversation.sendForActivities({ type: 'message', text: ASK });
    assert.ok(!again.some((reply) => reply.attachments?.[0]?.contentType === OAUTH_CARD), 'the card is offered once per session');
  });

  it('a signed-in account linked to nobody: the usual question who they are', async () => {
    const t = world.translations.for('en');
    const s = setup('en', 'consent.view', AAD_UNLINKED);
    s.tokens.allowExchange(SSO_TOKEN, s.activity.from?.id ?? '', AAD_UNLINKED);
    await s.conversation.say(ASK);
    const replies = await s.conversation.sendForActivities(exchange(s));
    assert.deepEqual(replies.filter((reply) => reply.type === 'message').map((reply) => reply.text), [t.t('identity.prompt')]);
  });

  it('the token service cannot make the card: the code flow, unchanged (the identity question)', async () => {
    const t = world.translations.for('en');
    const s = setup('en', 'consent.view', AAD_LINKED);
    s.tokens.failSignInResource();
    assert.deepEqual(await s.conversation.say(ASK), [t.t('identity.prompt')]);
  });
});
