import assert from 'node:assert/strict';
import { Activity, Entity, TestAdapter, TurnContext } from 'botbuilder';
import { AuthenticationConstants, ClaimsIdentity } from 'botframework-connector';
import { TEAMS_MAX_SUGGESTED_ACTIONS, actionPresentationFor } from '../../../src/channels/teams/action-presentation';
import { stripRecipientMention } from '../../../src/channels/teams/bot-mention';
import { isSharedConversation, teamsContext, TeamsConversationType } from '../../../src/channels/teams/teams-context';
import { TEAMS_BOT, TENANT_ID, teamsActivity, teamsConversationId, teamsPerson } from './teams-activities';

const SERVICE_URL = 'http://127.0.0.1:1';

function contextFor(activity: Partial<Activity>, identity?: ClaimsIdentity): TurnContext {
  const adapter = new TestAdapter();
  const context = new TurnContext(adapter, activity);
  if (identity) context.turnState.set(adapter.BotIdentityKey, identity);
  return context;
}

function teamsTurn(conversationType: TeamsConversationType, extra: Partial<Activity> = {}): Partial<Activity> {
  return teamsActivity({ conversationType, conversationId: teamsConversationId(conversationType), serviceUrl: SERVICE_URL, text: 'hi', extra });
}

describe('teamsContext', () => {
  for (const conversationType of ['personal', 'groupChat', 'channel'] as const) {
    it(`exposes tenant, aadObjectId and conversation type in a ${conversationType} turn`, () => {
      const person = teamsPerson();
      const activity = teamsActivity({ conversationType, conversationId: teamsConversationId(conversationType), serviceUrl: SERVICE_URL, from: person, text: 'hi' });
      assert.deepEqual(teamsContext(contextFor(activity)), {
        tenantId: TENANT_ID,
        aadObjectId: person.aadObjectId,
        conversationType,
        shared: conversationType !== 'personal',
        channelAuthenticated: false,
      });
    });
  }

  it('is undefined outside Teams', () => {
    assert.equal(teamsContext(contextFor({ ...teamsTurn('personal'), channelId: 'directline' })), undefined);
  });

  it('takes the tenant from either place Teams puts it, lower-cased', () => {
    const upper = TENANT_ID.toUpperCase();
    const onlyConversation = teamsTurn('personal', { channelData: {} });
    onlyConversation.conversation = { ...onlyConversation.conversation!, tenantId: upper };
    assert.equal(teamsContext(contextFor(onlyConversation))?.tenantId, TENANT_ID);
    const onlyChannelData = teamsTurn('personal', { channelData: { tenant: { id: upper } } });
    onlyChannelData.conversation = { ...onlyChannelData.conversation!, tenantId: undefined };
    assert.equal(teamsContext(contextFor(onlyChannelData))?.tenantId, TENANT_ID);
  });

  const untrusted: { name: string; activity: () => Partial<Activity>; field: 'tenantId' | 'aadObjectId' }[] = [
    {
      name: 'two different tenants',
      field: 'tenantId',
      activity: () => teamsTurn('personal', { channelData: { tenant: { id: '11111111-1111-1111-1111-111111111111' } } }),
    },
    { name: 'a tenant that is not a GUID', field: 'tenantId', activity: () => teamsTurn('personal', { channelData: { tenant: { id: 'contoso' } } }) },
    {
      name: 'no tenant anywhere (channelData not even an object)',
      field: 'tenantId',
      activity: () => {
        const activity = teamsTurn('personal', { channelData: 'tenant' });
        activity.conversation = { ...activity.conversation!, tenantId: undefined };
        return activity;
      },
    },
    { name: 'an object id that is not a GUID', field: 'aadObjectId', activity: () => teamsTurn('personal', { from: { id: '29:x', name: 'X', aadObjectId: "1' OR '1'='1" } }) },
    { name: 'no object id', field: 'aadObjectId', activity: () => teamsTurn('personal', { from: { id: '29:x', name: 'X' } }) },
  ];
  for (const row of untrusted) {
    it(`leaves ${row.field} undefined for ${row.name}`, () => {
      const found = teamsContext(contextFor(row.activity()));
      assert.ok(found);
      assert.equal(found[row.field], undefined);
    });
  }

  const types: { declared: unknown; isGroup?: boolean; expected: TeamsConversationType }[] = [
    { declared: undefined, isGroup: false, expected: 'personal' },
    { declared: undefined, isGroup: true, expected: 'groupChat' },
    { declared: 'meeting', expected: 'groupChat' },
  ];
  for (const row of types) {
    it(`reads conversation type ${String(row.declared)} (isGroup ${String(row.isGroup)}) as ${row.expected}, the shared side when unsure`, () => {
      const activity = teamsTurn('personal');
      activity.conversation = { ...activity.conversation!, conversationType: row.declared as string, isGroup: row.isGroup ?? false };
      assert.equal(teamsContext(contextFor(activity))?.conversationType, row.expected);
      assert.equal(isSharedConversation(activity), row.expected !== 'personal');
    });
  }

  it('counts the channel as authenticated only with a validated Bot Framework channel token', () => {
    const activity = teamsTurn('personal');
    const anonymous = new ClaimsIdentity([], AuthenticationConstants.AnonymousAuthType);
    const fromChannel = new ClaimsIdentity([{ type: AuthenticationConstants.IssuerClaim, value: AuthenticationConstants.ToBotFromChannelTokenIssuer }], true);
    const fromElsewhere = new ClaimsIdentity([{ type: AuthenticationConstants.IssuerClaim, value: 'https://sts.windows.net/x/' }], true);
    assert.equal(teamsContext(contextFor(activity))?.channelAuthenticated, false, 'no identity');
    assert.equal(teamsContext(contextFor(activity, anonymous))?.channelAuthenticated, false, 'authentication disabled');
    assert.equal(teamsContext(contextFor(activity, fromElsewhere))?.channelAuthenticated, false, 'a token not from a channel');
    assert.equal(teamsContext(contextFor(activity, fromChannel))?.channelAuthenticated, true);
  });
});

describe('where options go: suggested actions or an Adaptive Card', () => {
  it('Teams personal chat (up to three) and other channels keep suggested actions; Teams group chats and channels get cards', () => {
    assert.equal(actionPresentationFor(teamsTurn('personal'), 3), 'suggestedActions');
    assert.equal(actionPresentationFor(teamsTurn('groupChat'), 2), 'adaptiveCard');
    assert.equal(actionPresentationFor(teamsTurn('channel'), 1), 'adaptiveCard');
    assert.equal(actionPresentationFor({ ...teamsTurn('groupChat'), channelId: 'directline' }, 10), 'suggestedActions');
  });

  it('Teams personal chat shows at most three suggested actions: four or more go out as a card', () => {
    assert.equal(actionPresentationFor(teamsTurn('personal'), TEAMS_MAX_SUGGESTED_ACTIONS + 1), 'adaptiveCard');
    assert.equal(actionPresentationFor(teamsTurn('personal'), 10), 'adaptiveCard');
    assert.equal(actionPresentationFor({ ...teamsTurn('personal'), channelId: 'webchat' }, 10), 'suggestedActions');
  });
});

describe('stripRecipientMention', () => {
  const mention = (name: string, id: string = TEAMS_BOT.id, text: string | undefined = `<at>${name}</at>`): Entity => ({ type: 'mention', text, mentioned: { id, name } });
  const rows: { name: string; text: string; entities: Entity[]; expected: string }[] = [
    { name: 'a leading mention', text: '<at>Privacy Bot</at> help\n', entities: [mention('Privacy Bot')], expected: 'help' },
    { name: 'a mention in the middle', text: 'please <at>Privacy Bot</at> help', entities: [mention('Privacy Bot')], expected: 'please help' },
    { name: 'the bot mentioned twice', text: '<at>Privacy Bot</at> help <at>Privacy Bot</at>', entities: [mention('Privacy Bot'), mention('Privacy Bot')], expected: 'help' },
    {
      name: 'a name split into two mentions',
      text: '<at>Privacy</at>&nbsp;<at>Bot</at> language',
      entities: [mention('Privacy'), mention('Bot')],
      expected: 'language',
    },
    { name: 'a mention entity without text', text: '<at>Privacy Bot</at> help', entities: [mention('Privacy Bot', TEAMS_BOT.id, undefined)], expected: 'help' },
    { name: 'someone else mentioned', text: '<at>Privacy Bot</at> help <at>Alice</at>', entities: [mention('Privacy Bot'), mention('Alice', '29:alice')], expected: 'help <at>Alice</at>' },
    { name: 'no mention at all', text: 'help  me', entities: [], expected: 'help  me' },
  ];
  for (const row of rows) {
    it(`handles ${row.name}`, () => {
      const activity: Partial<Activity> = { type: 'message', text: row.text, entities: row.entities, recipient: { ...TEAMS_BOT } };
      assert.equal(stripRecipientMention(activity), row.expected);
      assert.equal(activity.text, row.expected);
    });
  }

  it('leaves an activity without text alone', () => {
    const activity: Partial<Activity> = { type: 'message', value: { menu: 'help' }, recipient: { ...TEAMS_BOT }, entities: [mention('Privacy Bot')] };
    assert.equal(stripRecipientMention(activity), undefined);
  });
});
