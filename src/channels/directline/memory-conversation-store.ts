import { AppError } from '../../errors/app-error';
import {
  ActivityDraft,
  ActivityPage,
  activityId,
  AppendResult,
  ConversationEvent,
  ConversationRecord,
  ConversationStore,
  MAX_ACTIVITIES_PER_CONVERSATION,
  parseActivity,
  ReplaceOutcome,
  serializeActivity,
} from './conversation-store';

interface Conversation {
  record: ConversationRecord;
  /** Serialized activities, so what a reader gets can never be changed by another. */
  activities: string[];
  clientActivityIds: Map<string, number>;
  expiresAt: number;
}

export interface MemoryConversationStoreOptions {
  /** Sliding lifetime after the last write, seconds. */
  readonly ttlSeconds: number;
  /** Clock in ms (tests). @default Date.now */
  readonly now?: () => number;
  /** How often expired conversations are dropped, ms. @default 60000 */
  readonly sweepIntervalMs?: number;
}

/** Conversations in this process only (no `REDIS_URL`): one instance, lost on restart. */
export class MemoryConversationStore implements ConversationStore {
  readonly backend = 'in-process' as const;
  private readonly conversations = new Map<string, Conversation>();
  private readonly listeners = new Map<string, Set<(event: ConversationEvent) => void>>();
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: MemoryConversationStoreOptions) {
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    this.sweeper.unref();
  }

  async create(record: ConversationRecord): Promise<{ created: boolean; record: ConversationRecord }> {
    const existing = this.live(record.conversationId);
    if (existing) return { created: false, record: existing.record };
    this.conversations.set(record.conversationId, { record, activities: [], clientActivityIds: new Map(), expiresAt: this.expiry() });
    return { created: true, record };
  }

  async get(conversationId: string): Promise<ConversationRecord | undefined> {
    return this.live(conversationId)?.record;
  }

  async append(conversationId: string, draft: ActivityDraft, clientActivityId?: string): Promise<AppendResult | undefined> {
    const conversation = this.live(conversationId);
    if (!conversation) return undefined;
    const seen = clientActivityId === undefined ? undefined : conversation.clientActivityIds.get(clientActivityId);
    if (seen !== undefined) return { seq: seen, id: activityId(conversationId, seen), duplicate: true };
    if (conversation.activities.length >= MAX_ACTIVITIES_PER_CONVERSATION) throw conversationFull();
    const seq = conversation.activities.length + 1;
    const id = activityId(conversationId, seq);
    conversation.activities.push(serializeActivity(id, draft));
    if (clientActivityId !== undefined) conversation.clientActivityIds.set(clientActivityId, seq);
    conversation.expiresAt = this.expiry();
    this.emit(conversationId, { kind: 'appended', seq });
    return { seq, id, duplicate: false };
  }

  async replace(conversationId: string, seq: number, draft: ActivityDraft): Promise<ReplaceOutcome> {
    const conversation = this.live(conversationId);
    if (!conversation) return 'no-conversation';
    if (seq < 1 || seq > conversation.activities.length) return 'no-activity';
    conversation.activities[seq - 1] = serializeActivity(activityId(conversationId, seq), draft);
    conversation.expiresAt = this.expiry();
    this.emit(conversationId, { kind: 'updated', seq });
    return 'replaced';
  }

  async read(conversationId: string, afterSeq: number, limit: number): Promise<ActivityPage | undefined> {
    const conversation = this.live(conversationId);
    if (!conversation) return undefined;
    const activities = conversation.activities.slice(afterSeq, afterSeq + limit).map(parseActivity);
    return { activities, watermark: afterSeq + activities.length };
  }

  subscribe(conversationId: string, listener: (event: ConversationEvent) => void): () => void {
    const set = this.listeners.get(conversationId) ?? new Set();
    set.add(listener);
    this.listeners.set(conversationId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(conversationId) === set) this.listeners.delete(conversationId);
    };
  }

  async isReady(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.listeners.clear();
  }

  private expiry(): number {
    return this.now() + this.options.ttlSeconds * 1000;
  }

  private live(conversationId: string): Conversation | undefined {
    const conversation = this.conversations.get(conversationId);
    if (conversation && conversation.expiresAt <= this.now()) {
      this.conversations.delete(conversationId);
      return undefined;
    }
    return conversation;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, conversation] of this.conversations) if (conversation.expiresAt <= now) this.conversations.delete(id);
  }

  private emit(conversationId: string, event: ConversationEvent): void {
    const set = this.listeners.get(conversationId);
    if (!set) return;
    // After the caller's await resumes, as a notification from Redis would arrive.
    for (const listener of [...set]) queueMicrotask(() => listener(event));
  }
}

export function conversationFull(): AppError {
  return new AppError('PSB_DL_CONVERSATION_FULL', `a Direct Line conversation holds at most ${MAX_ACTIVITIES_PER_CONVERSATION} activities; start a new conversation`, {
    limit: MAX_ACTIVITIES_PER_CONVERSATION,
  });
}
