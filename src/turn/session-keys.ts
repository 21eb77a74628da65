import { Activity } from 'botbuilder';

/** Storage key of a conversation's state: channel and conversation id, as botbuilder's ConversationState. */
export function conversationStateKey(activity: Pick<Activity, 'channelId' | 'conversation'>): string {
  return `${activity.channelId}/conversations/${activity.conversation.id}`;
}

/** Storage key of a person's preferences on a channel, as botbuilder's UserState. */
export function userStateKey(activity: Pick<Activity, 'channelId' | 'from'>): string {
  return `${activity.channelId}/users/${activity.from.id}`;
}

/** Which lifetime a storage key gets: short for conversations, long for user preferences. */
export function isUserStateKey(key: string): boolean {
  return /^[^/]*\/users\//.test(key);
}
