import { randomUUID } from 'node:crypto';
import { Activity } from 'botbuilder';
import { TeamsConversationType } from '../../../src/channels/teams/teams-context';

/** The bot as Teams addresses it ("28:" + its app id) and the name people @mention. */
export const TEAMS_BOT = { id: '28:00000000-0000-0000-0000-0000000000b0', name: 'Privacy Bot' } as const;
export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';

/** Someone in Teams: an id of the bot's own ("29:…") and the Entra object id identity logic links. */
export interface TeamsPerson {
  readonly id: string;
  readonly name: string;
  readonly aadObjectId: string;
}

export function teamsPerson(name = 'Alice'): TeamsPerson {
  const aadObjectId = randomUUID();
  return { id: `29:1${aadObjectId.replace(/-/g, '')}`, name, aadObjectId };
}

/** A conversation id shaped as Teams makes them for each conversation type. */
export function teamsConversationId(type: TeamsConversationType): string {
  const unique = randomUUID().replace(/-/g, '');
  if (type === 'personal') return `a:1${unique}`;
  if (type === 'groupChat') return `19:${unique}@thread.v2`;
  return `19:${unique}@thread.tacv2;messageid=${Date.now()}`;
}

export interface TeamsActivityOptions {
  readonly type?: 'message' | 'conversationUpdate';
  readonly conversationType: TeamsConversationType;
  readonly conversationId: string;
  readonly serviceUrl: string;
  readonly from?: TeamsPerson;
  readonly text?: string;
  readonly value?: unknown;
  readonly locale?: string;
  /** Ask for the replies in the HTTP response instead of through the connector. */
  readonly expectReplies?: boolean;
  /** Prefix the text with an @mention of the bot, as Teams does in group chats and channels. */
  readonly mentionBot?: boolean;
  readonly extra?: Partial<Activity>;
}

let sequence = 0;

/** An activity as Teams (through Azure Bot Service) posts it to /api/messages. */
export function teamsActivity(options: TeamsActivityOptions): Partial<Activity> {
  sequence += 1;
  const from = options.from ?? teamsPerson();
  const mention = `<at>${TEAMS_BOT.name}</at>`;
  const text = options.text === undefined ? undefined : options.mentionBot ? `${mention} ${options.text}\n` : options.text;
  const channelData: Record<string, unknown> = { tenant: { id: TENANT_ID } };
  if (options.conversationType === 'channel') {
    channelData.team = { id: '19:team-general@thread.tacv2' };
    channelData.channel = { id: options.conversationId.split(';')[0] };
  }
  return {
    type: options.type ?? 'message',
    id: `f:${process.pid}${sequence}${Date.now()}`,
    timestamp: new Date(),
    channelId: 'msteams',
    serviceUrl: options.serviceUrl,
    from: { id: from.id, name: from.name, aadObjectId: from.aadObjectId },
    recipient: { ...TEAMS_BOT },
    conversation: {
      id: options.conversationId,
      conversationType: options.conversationType,
      tenantId: TENANT_ID,
      isGroup: options.conversationType !== 'personal',
      name: '',
    },
    locale: options.locale ?? 'en-US',
    text,
    value: options.value,
    entities: options.mentionBot ? [{ type: 'mention', text: mention, mentioned: { ...TEAMS_BOT } }] : undefined,
    channelData,
    ...(options.expectReplies ? { deliveryMode: 'expectReplies' } : {}),
    ...options.extra,
  };
}

/** Teams' notice that the bot was installed: the bot alone in `membersAdded`. */
export function teamsBotInstalled(options: Omit<TeamsActivityOptions, 'type' | 'text' | 'value'>): Partial<Activity> {
  return teamsActivity({ ...options, type: 'conversationUpdate', extra: { membersAdded: [{ ...TEAMS_BOT }], ...options.extra } });
}
