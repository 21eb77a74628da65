import { randomBytes } from 'node:crypto';
import { Channels } from 'botbuilder';
import { AppError } from '../../errors/app-error';
import { assertActivityShape } from '../../server/activity-guard';
import { ActivityDraft, activityId } from './conversation-store';
import { ConversationStart } from './direct-line-tokens';

/**
 * The channel id of activities from our Direct Line endpoint. 'directline' rather than 'webchat':
 * the endpoint speaks the Direct Line protocol to any client (Web Chat is one), and botbuilder's
 * channel capabilities (suggested actions, card actions) are the same for both.
 */
export const DIRECT_LINE_CHANNEL_ID = Channels.Directline;

/** Activity types a Direct Line client may post (what Web Chat sends). Others get 400. */
export const CLIENT_ACTIVITY_TYPES: ReadonlySet<string> = new Set(['message', 'event', 'typing']);

/** Fields a client may not choose: the endpoint sets them (ids, times, who and where). */
const SERVER_FIELDS = ['id', 'timestamp', 'channelId', 'conversation', 'from', 'recipient', 'serviceUrl', 'callerId', 'deliveryMode'] as const;

export interface ChannelAccountLike {
  readonly id: string;
  readonly name?: string;
  readonly role?: string;
}

const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,64}$/;
const USER_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;
const LANGUAGE_TAG = /^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8}){0,4}$/;
const CHANNEL_DATA_KEY = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
const MAX_CLIENT_ACTIVITY_ID_LENGTH = 200;
const MAX_NAME_LENGTH = 100;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidRequest(field: string, message: string): AppError {
  return new AppError('PSB_DL_INVALID_REQUEST', message, { field });
}

/** 24 URL-safe random characters (144 bits): unguessable, safe in URLs, Redis keys and JSON. */
export function newConversationId(): string {
  return randomBytes(18).toString('base64url');
}

/** `dl_` + random, as Azure names users it invented. */
export function newUserId(): string {
  return `dl_${randomBytes(12).toString('base64url')}`;
}

/** True when the id could be one of ours (anything else cannot exist). */
export function isConversationId(value: string): boolean {
  return CONVERSATION_ID.test(value);
}

/** `{ user: { id } }` of a token or conversation request, checked; undefined when absent. */
export function userIdFrom(body: unknown): string | undefined {
  if (!isRecord(body) || body.user === undefined || body.user === null) return undefined;
  if (!isRecord(body.user)) throw invalidRequest('user', 'user must be an object such as { "id": "dl_123" }');
  const id = body.user.id;
  if (id === undefined || id === null) return undefined;
  if (typeof id !== 'string' || !USER_ID.test(id)) throw invalidRequest('user.id', 'user.id must be 1 to 128 characters of letters, digits and _ . : @ -');
  return id;
}

/** A BCP 47-looking tag, checked; undefined when absent. */
export function localeFrom(value: unknown, field = 'locale'): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !LANGUAGE_TAG.test(value)) throw invalidRequest(field, `${field} must be a language tag such as it-IT`);
  return value;
}

/** Small flat facts for the start of a conversation (at most 10, short keys, short values). */
export function startChannelDataFrom(value: unknown): Readonly<Record<string, string | number | boolean>> | undefined {
  if (value === undefined) return undefined;
  const problem = 'channelData must be a flat object of at most 10 short keys with string (≤ 100 characters), number or boolean values';
  if (!isRecord(value) || Object.keys(value).length > 10) throw invalidRequest('channelData', problem);
  const out: Record<string, string | number | boolean> = {};
  for (const [key, item] of Object.entries(value)) {
    const ok = CHANNEL_DATA_KEY.test(key) && (typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item)) || (typeof item === 'string' && item.length <= 100));
    if (!ok) throw invalidRequest('channelData', problem);
    out[key] = item as string | number | boolean;
  }
  return Object.keys(out).length > 0 ? Object.freeze(out) : undefined;
}

/** `?watermark=`: empty or absent = from the start; else the seq of the last activity seen. */
export function parseWatermark(raw: string | null | undefined): number {
  if (raw === null || raw === undefined || raw === '' || raw === '-') return 0;
  if (!/^\d{1,9}$/.test(raw)) throw invalidRequest('watermark', 'watermark must be the number a previous answer gave');
  return Number(raw);
}

export interface UserActivityInput {
  readonly body: unknown;
  readonly conversationId: string;
  readonly userId: string;
  readonly bot: ChannelAccountLike;
  /** Only to satisfy the shared shape check; the bridge sets the real one. */
  readonly serviceUrl: string;
  readonly timestamp: string;
}

/**
 * A customer's activity as the bot and the client will see it: what the client posted, with the
 * channel, conversation, recipient, time and — whatever the client claimed — the conversation's
 * own user as `from` (a client cannot speak as another user). Also returns the client's
 * `channelData.clientActivityID`, which the echo keeps (Web Chat matches it, else "Send failed").
 */
export function userActivity(input: UserActivityInput): { draft: ActivityDraft; clientActivityId?: string } {
  const { body } = input;
  if (!isRecord(body)) throw new AppError('PSB_ACTIVITY_INVALID', 'the body must be a JSON object (an activity)', { field: '$' });
  const rest: Record<string, unknown> = { ...body };
  for (const field of SERVER_FIELDS) delete rest[field];
  const claimed = isRecord(body.from) ? body.from : {};
  const name = typeof claimed.name === 'string' && claimed.name.trim() !== '' ? claimed.name.slice(0, MAX_NAME_LENGTH) : undefined;
  const draft: ActivityDraft = {
    ...rest,
    type: typeof body.type === 'string' ? body.type : '',
    channelId: DIRECT_LINE_CHANNEL_ID,
    conversation: { id: input.conversationId },
    from: { id: input.userId, ...(name ? { name } : {}), role: 'user' },
    recipient: { ...input.bot, role: 'bot' },
    timestamp: input.timestamp,
  };
  assertActivityShape({ ...draft, serviceUrl: input.serviceUrl });
  if (!CLIENT_ACTIVITY_TYPES.has(draft.type)) {
    throw new AppError('PSB_ACTIVITY_TYPE_UNKNOWN', `a Direct Line client may post ${[...CLIENT_ACTIVITY_TYPES].join(', ')} activities, not "${draft.type.slice(0, 40)}"`, { field: 'type' });
  }
  if (draft.channelData !== undefined && !isRecord(draft.channelData)) throw new AppError('PSB_ACTIVITY_INVALID', 'channelData must be an object', { field: 'channelData' });
  const clientId = isRecord(draft.channelData) ? draft.channelData.clientActivityID : undefined;
  const clientActivityId = typeof clientId === 'string' && clientId !== '' && clientId.length <= MAX_CLIENT_ACTIVITY_ID_LENGTH ? clientId : undefined;
  return { draft, clientActivityId };
}

/**
 * What the bot hears when a conversation starts: `membersAdded` [bot, user], as Azure sends it,
 * so the welcome appears. Its id is seq 0 of the conversation (never an activity clients read).
 */
export function conversationStartActivity(input: {
  conversationId: string;
  userId: string;
  bot: ChannelAccountLike;
  timestamp: string;
  locale?: string;
  start?: ConversationStart;
}): ActivityDraft & { id: string } {
  const user = { id: input.userId, role: 'user' };
  const bot = { ...input.bot, role: 'bot' };
  return {
    id: activityId(input.conversationId, 0),
    type: 'conversationUpdate',
    channelId: DIRECT_LINE_CHANNEL_ID,
    conversation: { id: input.conversationId },
    from: user,
    recipient: bot,
    membersAdded: [bot, user],
    timestamp: input.timestamp,
    ...(input.locale ? { locale: input.locale } : {}),
    ...(input.start?.channelData ? { channelData: { ...input.start.channelData } } : {}),
  };
}

/**
 * An activity the bot sent (through our connector routes) as clients will read it: the
 * endpoint's conversation, channel and time; the bot as `from`; no `serviceUrl` (an internal
 * address that clients have no use for).
 */
export function botActivity(input: { body: unknown; conversationId: string; bot: ChannelAccountLike; timestamp: string; replyToId?: string }): ActivityDraft {
  const { body } = input;
  if (!isRecord(body) || typeof body.type !== 'string' || body.type === '') {
    throw new AppError('PSB_ACTIVITY_INVALID', 'the body must be an activity with a type', { field: 'type' });
  }
  const { id: _id, serviceUrl: _serviceUrl, callerId: _callerId, ...rest } = body;
  const from = isRecord(body.from) && typeof body.from.id === 'string' ? body.from : input.bot;
  return {
    ...rest,
    type: body.type,
    channelId: DIRECT_LINE_CHANNEL_ID,
    conversation: { id: input.conversationId },
    from: { ...from, role: 'bot' },
    timestamp: input.timestamp,
    ...(input.replyToId && body.replyToId === undefined ? { replyToId: input.replyToId } : {}),
  };
}
