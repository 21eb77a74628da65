import type { ActivityDraft } from './conversation-store';

/** Activities pushed to this instance's open streams of a conversation, outside the store. */
export type LocalNoticeHandler = (activities: readonly ActivityDraft[]) => void;

/**
 * In-process delivery for when the conversation store (Redis) does not answer: nothing can be
 * stored or read, but a customer whose WebSocket is open on this instance can still be told,
 * in the chat, that the bot is temporarily unavailable (instead of Web Chat's bare "Send failed").
 * Nothing published here is kept: it is a notice, not part of the conversation's log.
 */
export class LocalNotices {
  private readonly handlers = new Map<string, Set<LocalNoticeHandler>>();

  subscribe(conversationId: string, handler: LocalNoticeHandler): () => void {
    const set = this.handlers.get(conversationId) ?? new Set<LocalNoticeHandler>();
    set.add(handler);
    this.handlers.set(conversationId, set);
    return () => {
      set.delete(handler);
      if (set.size === 0) this.handlers.delete(conversationId);
    };
  }

  /** Hands `activities` to every open stream of the conversation here; returns how many got them. */
  publish(conversationId: string, activities: readonly ActivityDraft[]): number {
    const set = this.handlers.get(conversationId);
    for (const handler of set ?? []) handler(activities);
    return set?.size ?? 0;
  }
}
