/**
 * Where Direct Line conversations and their activities live: Redis when `REDIS_URL` is set (any
 * instance can serve any conversation), in-process otherwise. The store assigns every activity its
 * sequence number — the watermark — and its id `<conversationId>|<seq, 7 digits>`, atomically, so
 * two instances appending to one conversation never reorder or lose an activity.
 */

/** Most activities one conversation may hold; one more gets `PSB_DL_CONVERSATION_FULL`. */
export const MAX_ACTIVITIES_PER_CONVERSATION = 2000;
/** Most activities one read (a poll, a WebSocket message) returns; the client reads on from the new watermark. */
export const MAX_ACTIVITIES_PER_READ = 100;

/** What is known about a conversation besides its activities. */
export interface ConversationRecord {
  readonly conversationId: string;
  /** The one user of the conversation; user activities are forced to this `from.id`. */
  readonly userId: string;
  /** Language the conversation started with, when the client named one. */
  readonly locale?: string;
  /** ISO time of the start. */
  readonly createdAt: string;
}

/** An activity as stored and served, without its id (the store assigns it). A JSON object with a `type`. */
export type ActivityDraft = Readonly<Record<string, unknown>> & { readonly type: string };

/** An activity as clients read it: the draft with `id` first. */
export type StoredActivity = Readonly<Record<string, unknown>> & { readonly id: string; readonly type: string };

export interface AppendResult {
  /** 1-based position; also the watermark just after this activity. */
  readonly seq: number;
  readonly id: string;
  /** True when this client activity id was seen before: nothing was appended, `seq`/`id` are the first one's. */
  readonly duplicate: boolean;
}

export interface ActivityPage {
  readonly activities: readonly StoredActivity[];
  /** Seq of the last activity returned, or the watermark asked for when none. */
  readonly watermark: number;
}

/** What a subscriber hears about a conversation (on whichever instance it happened). */
export type ConversationEvent =
  | { readonly kind: 'appended'; readonly seq: number }
  | { readonly kind: 'updated'; readonly seq: number }
  /** Notifications may have been missed (the pub/sub connection came back): read again. */
  | { readonly kind: 'resync' };

export type ReplaceOutcome = 'replaced' | 'no-activity' | 'no-conversation';

export interface ConversationStore {
  /** For the start-up log and `/readyz`. */
  readonly backend: 'redis' | 'in-process';
  /** Creates the conversation unless it exists; either way answers the record that is stored. */
  create(record: ConversationRecord): Promise<{ created: boolean; record: ConversationRecord }>;
  get(conversationId: string): Promise<ConversationRecord | undefined>;
  /**
   * Appends an activity, giving it the next seq and its id; slides the conversation's TTL. With a
   * `clientActivityId` seen before in this conversation, appends nothing and answers the first
   * one's id (a client's retry). Undefined when the conversation does not exist.
   * @throws AppError `PSB_DL_CONVERSATION_FULL` past {@link MAX_ACTIVITIES_PER_CONVERSATION}.
   */
  append(conversationId: string, draft: ActivityDraft, clientActivityId?: string): Promise<AppendResult | undefined>;
  /** Replaces the activity at `seq` (its id stays). */
  replace(conversationId: string, seq: number, draft: ActivityDraft): Promise<ReplaceOutcome>;
  /** Up to `limit` activities after `afterSeq`; undefined when the conversation does not exist. */
  read(conversationId: string, afterSeq: number, limit: number): Promise<ActivityPage | undefined>;
  /** Hears about this conversation's changes, from any instance; returns the unsubscribe function. */
  subscribe(conversationId: string, listener: (event: ConversationEvent) => void): () => void;
  /** True when the backend answers; never rejects. */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}

/** `<conversationId>|0000042` */
export function activityId(conversationId: string, seq: number): string {
  return `${conversationId}|${String(seq).padStart(7, '0')}`;
}

/** The seq of an id of this conversation, or undefined when it is not one. */
export function seqOfActivityId(conversationId: string, id: string): number | undefined {
  const prefix = `${conversationId}|`;
  if (!id.startsWith(prefix)) return undefined;
  const digits = id.slice(prefix.length);
  if (!/^\d{7,}$/.test(digits)) return undefined;
  const seq = Number(digits);
  return Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
}

/** The stored JSON: `id` first, then the draft. */
export function serializeActivity(id: string, draft: ActivityDraft): string {
  const { id: _replaced, ...rest } = draft;
  return JSON.stringify({ id, ...rest });
}

export function parseActivity(json: string): StoredActivity {
  return JSON.parse(json) as StoredActivity;
}
