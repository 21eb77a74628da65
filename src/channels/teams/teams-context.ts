import { Activity, TurnContext } from 'botbuilder';
import { AuthenticationConstants, ClaimsIdentity, GovernmentConstants } from 'botframework-connector';

/** Where a Teams conversation happens: the bot's 1:1 chat, a group chat, or a team channel. */
export type TeamsConversationType = 'personal' | 'groupChat' | 'channel';

/**
 * What a Teams turn tells about who is talking and where, in plain values (no Bot Framework
 * types), for identity logic: a Teams user whose `aadObjectId` is linked to a subject may count as
 * channel-authenticated — only when `channelAuthenticated` and never in a `shared` conversation.
 */
export interface TeamsContext {
  /** Microsoft Entra tenant (lower-case GUID); undefined when absent, malformed, or when Teams' two copies disagree. */
  readonly tenantId?: string;
  /** The sender's Microsoft Entra object id (lower-case GUID); undefined when absent or malformed. */
  readonly aadObjectId?: string;
  readonly conversationType: TeamsConversationType;
  /** True in group chats and channels: others read every reply, so no personal data may be shown. */
  readonly shared: boolean;
  /**
   * True when the adapter checked a Bot Framework channel token for this request (MicrosoftAppId
   * set). Without it, tenant and object id are claims anyone could post.
   */
  readonly channelAuthenticated: boolean;
}

/** The channel id Teams uses in activities. */
export const TEAMS_CHANNEL_ID = 'msteams';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Issuers of the tokens the Bot Framework channels (Teams among them) send to bots. */
const CHANNEL_TOKEN_ISSUERS: ReadonlySet<string> = new Set([AuthenticationConstants.ToBotFromChannelTokenIssuer, GovernmentConstants.ToBotFromChannelTokenIssuer]);

function guid(value: unknown): string | undefined {
  return typeof value === 'string' && GUID.test(value) ? value.toLowerCase() : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The tenant from `conversation.tenantId` and `channelData.tenant.id`; two different values count as none. */
function tenantOf(activity: Partial<Activity>): string | undefined {
  const channelData: unknown = activity.channelData;
  const tenant = isRecord(channelData) && isRecord(channelData.tenant) ? channelData.tenant.id : undefined;
  const candidates = [activity.conversation?.tenantId, tenant].filter((value) => value !== undefined && value !== null && value !== '');
  const ids = new Set(candidates.map(guid));
  if (ids.size !== 1) return undefined;
  return [...ids][0];
}

/**
 * The conversation type as Teams names it. When it is missing, `isGroup` decides; an unknown
 * value counts as a group chat, so that personal data is never shown where others may read it.
 */
export function teamsConversationType(activity: Partial<Activity>): TeamsConversationType {
  const declared = activity.conversation?.conversationType;
  if (declared === 'personal' || declared === 'groupChat' || declared === 'channel') return declared;
  if (declared === undefined || declared === null || declared === '') return activity.conversation?.isGroup ? 'groupChat' : 'personal';
  return 'groupChat';
}

/** Whether the request of this turn carried a Bot Framework channel token that the adapter validated. */
function isChannelAuthenticated(context: TurnContext): boolean {
  const identity: unknown = context.turnState.get(context.adapter.BotIdentityKey);
  if (!(identity instanceof ClaimsIdentity) || !identity.isAuthenticated) return false;
  // With authentication disabled the adapter sets an "anonymous" identity without claims.
  const issuer = identity.getClaimValue(AuthenticationConstants.IssuerClaim);
  return issuer !== null && CHANNEL_TOKEN_ISSUERS.has(issuer);
}

/** Whether an activity comes from Microsoft Teams. */
export function isTeamsActivity(activity: Partial<Activity>): boolean {
  return activity.channelId === TEAMS_CHANNEL_ID;
}

/**
 * Whether others can read the bot's replies in this conversation: a Teams group chat or channel,
 * or any channel's group conversation. Dialogs that would show personal data must refuse there.
 */
export function isSharedConversation(activity: Partial<Activity>): boolean {
  if (isTeamsActivity(activity)) return teamsConversationType(activity) !== 'personal';
  return activity.conversation?.isGroup === true;
}

/** The Teams facts of this turn, or undefined when the turn does not come from Teams. */
export function teamsContext(context: TurnContext): TeamsContext | undefined {
  const activity = context.activity;
  if (!isTeamsActivity(activity)) return undefined;
  const conversationType = teamsConversationType(activity);
  return {
    tenantId: tenantOf(activity),
    aadObjectId: guid(activity.from?.aadObjectId),
    conversationType,
    shared: conversationType !== 'personal',
    channelAuthenticated: isChannelAuthenticated(context),
  };
}
