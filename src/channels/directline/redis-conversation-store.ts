import type { Redis } from 'ioredis';
import { AppError, isAppError } from '../../errors/app-error';
import type { Logger } from '../../log/logger';
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
import { conversationFull } from './memory-conversation-store';

/*
 * Keys of one conversation share the hash tag {<conversationId>} (one Cluster slot, one script):
 *   <prefix>dl:{<cid>}:meta     string, the ConversationRecord as JSON
 *   <prefix>dl:{<cid>}:log      list, activity JSON in seq order (seq n at index n-1)
 *   <prefix>dl:{<cid>}:clients  hash, clientActivityID -> seq (a client's retry is not appended twice)
 * All three expire together, DIRECT_LINE_CONVERSATION_TTL_SECONDS after the last write.
 *
 * Notifications: every append or replace PUBLISHes "<cid> appended|updated <seq>" on
 * <prefix>dl:events, inside the same script. Each instance subscribes once (one extra
 * connection) and hands the event to its local listeners (WebSockets), which then read from
 * their own watermark — a lost notification delays nothing beyond the next keep-alive, and a
 * re-established subscription tells every listener to read again (`resync`).
 */

/** KEYS: meta, log, clients. ARGV: id prefix "<cid>|", JSON of the draft, ttl ms, max, clientActivityId or '', channel, cid. Returns {status, seq}: 1 appended, 0 duplicate, -1 no conversation, -2 full. */
const APPEND_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
if ARGV[5] ~= '' then
  local seen = redis.call('HGET', KEYS[3], ARGV[5])
  if seen then return {0, tonumber(seen)} end
end
local n = redis.call('LLEN', KEYS[2])
if n >= tonumber(ARGV[4]) then return {-2, n} end
n = n + 1
local draft = ARGV[2]
local rest = string.sub(draft, 2)
local sep = ','
if rest == '}' then sep = '' end
redis.call('RPUSH', KEYS[2], '{"id":' .. cjson.encode(ARGV[1] .. string.format('%07d', n)) .. sep .. rest)
if ARGV[5] ~= '' then redis.call('HSET', KEYS[3], ARGV[5], n) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
redis.call('PUBLISH', ARGV[6], ARGV[7] .. ' appended ' .. n)
return {1, n}`;

/** KEYS: meta, log. ARGV: seq, activity JSON, ttl ms, channel, cid. Returns 1 replaced, 0 no such activity, -1 no conversation. */
const REPLACE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local n = tonumber(ARGV[1])
if n < 1 or n > redis.call('LLEN', KEYS[2]) then return 0 end
redis.call('LSET', KEYS[2], n - 1, ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5] .. ' updated ' .. n)
return 1`;

/** KEYS: meta, log. ARGV: first index (= watermark), count. Returns nil when the conversation does not exist. */
const READ_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local first = tonumber(ARGV[1])
return redis.call('LRANGE', KEYS[2], first, first + tonumber(ARGV[2]) - 1)`;

/** Versioned names: a changed script gets a new name, never a stale definition. */
interface DirectLineCommands {
  psbDlAppendV1(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<[number, number]>;
  psbDlReplaceV1(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>;
  psbDlReadV1(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<string[] | null>;
}

export interface RedisConversationStoreOptions {
  /** Commands (a fail-fast client from createRedisClient). */
  readonly client: Redis;
  /** A second connection for SUBSCRIBE (a subscribed connection can do nothing else). */
  readonly subscriber: Redis;
  /** Key prefix, e.g. 'psb:'. */
  readonly prefix: string;
  /** Sliding lifetime after the last write, seconds. */
  readonly ttlSeconds: number;
  readonly logger: Logger;
}

const EVENT = /^(\S+) (appended|updated) (\d+)$/;

/** Conversations in Redis: any instance can serve any conversation, WebSockets hear every instance's writes. */
export class RedisConversationStore implements ConversationStore {
  readonly backend = 'redis' as const;
  private readonly client: Redis & DirectLineCommands;
  private readonly channel: string;
  private readonly listeners = new Map<string, Set<(event: ConversationEvent) => void>>();
  private closed = false;

  constructor(private readonly options: RedisConversationStoreOptions) {
    const client = options.client as Redis & Partial<DirectLineCommands>;
    if (typeof client.psbDlAppendV1 !== 'function') client.defineCommand('psbDlAppendV1', { lua: APPEND_SCRIPT });
    if (typeof client.psbDlReplaceV1 !== 'function') client.defineCommand('psbDlReplaceV1', { lua: REPLACE_SCRIPT });
    if (typeof client.psbDlReadV1 !== 'function') client.defineCommand('psbDlReadV1', { lua: READ_SCRIPT });
    this.client = client as Redis & DirectLineCommands;
    this.channel = `${options.prefix}dl:events`;

    const subscriber = options.subscriber;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.dispatch(message);
    });
    // ioredis re-subscribes by itself after a reconnect; subscribing again is harmless and covers
    // the first connection. Events published while we were away are lost: everyone reads again.
    const subscribe = (): void => {
      subscriber.subscribe(this.channel).then(
        () => this.resyncAll(),
        (err: unknown) => options.logger.warn({ err }, 'direct line: could not subscribe to conversation events; WebSockets fall back to keep-alive reads'),
      );
    };
    subscriber.on('ready', subscribe);
    if (subscriber.status === 'ready') subscribe();
  }

  async create(record: ConversationRecord): Promise<{ created: boolean; record: ConversationRecord }> {
    const key = this.key(record.conversationId, 'meta');
    const set = await this.call(() => this.client.set(key, JSON.stringify(record), 'PX', this.ttlMs(), 'NX'));
    if (set === 'OK') return { created: true, record };
    const existing = await this.get(record.conversationId);
    // Expired between the two calls: try once more.
    if (!existing) return this.create(record);
    return { created: false, record: existing };
  }

  async get(conversationId: string): Promise<ConversationRecord | undefined> {
    const json = await this.call(() => this.client.get(this.key(conversationId, 'meta')));
    return json === null ? undefined : (JSON.parse(json) as ConversationRecord);
  }

  async append(conversationId: string, draft: ActivityDraft, clientActivityId?: string): Promise<AppendResult | undefined> {
    const { id: _assigned, ...rest } = draft;
    const [status, seq] = await this.call(() =>
      this.client.psbDlAppendV1(
        3,
        this.key(conversationId, 'meta'),
        this.key(conversationId, 'log'),
        this.key(conversationId, 'clients'),
        `${conversationId}|`,
        JSON.stringify(rest),
        this.ttlMs(),
        MAX_ACTIVITIES_PER_CONVERSATION,
        clientActivityId ?? '',
        this.channel,
        conversationId,
      ),
    );
    if (status === -1) return undefined;
    if (status === -2) throw conversationFull();
    return { seq, id: activityId(conversationId, seq), duplicate: status === 0 };
  }

  async replace(conversationId: string, seq: number, draft: ActivityDraft): Promise<ReplaceOutcome> {
    const json = serializeActivity(activityId(conversationId, seq), draft);
    const status = await this.call(() =>
      this.client.psbDlReplaceV1(2, this.key(conversationId, 'meta'), this.key(conversationId, 'log'), seq, json, this.ttlMs(), this.channel, conversationId),
    );
    return status === 1 ? 'replaced' : status === 0 ? 'no-activity' : 'no-conversation';
  }

  async read(conversationId: string, afterSeq: number, limit: number): Promise<ActivityPage | undefined> {
    const items = await this.call(() => this.client.psbDlReadV1(2, this.key(conversationId, 'meta'), this.key(conversationId, 'log'), afterSeq, limit));
    if (items === null) return undefined;
    return { activities: items.map(parseActivity), watermark: afterSeq + items.length };
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
    if (this.client.status !== 'ready') return false;
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
  }

  private key(conversationId: string, part: 'meta' | 'log' | 'clients'): string {
    return `${this.options.prefix}dl:{${conversationId}}:${part}`;
  }

  private ttlMs(): number {
    return this.options.ttlSeconds * 1000;
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      if (isAppError(err)) throw err;
      throw new AppError('PSB_DL_UNAVAILABLE', 'the Direct Line conversation store (Redis) does not answer; try again shortly', {}, { cause: err });
    }
  }

  private dispatch(message: string): void {
    const match = EVENT.exec(message);
    if (!match) return;
    const set = this.listeners.get(match[1]);
    if (!set) return;
    const event: ConversationEvent = { kind: match[2] === 'updated' ? 'updated' : 'appended', seq: Number(match[3]) };
    for (const listener of [...set]) listener(event);
  }

  private resyncAll(): void {
    for (const set of this.listeners.values()) for (const listener of [...set]) listener({ kind: 'resync' });
  }
}
