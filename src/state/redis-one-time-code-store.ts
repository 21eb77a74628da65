import type { Redis } from 'ioredis';
import { AppError } from '../errors/app-error';
import { isIdentifierKind } from '../ledger/subjects/identifiers';
import type { CodeAttempt, OneTimeCodeStore, PendingCode, PendingCodeState, SendLimit, SendReservation } from '../privacy/identity/one-time-code-store';

/**
 * KEYS: one sorted set of send times per limit. ARGV: window ms, now ms, token, then each
 * limit's max. Trims every set to the window; when any is full answers the ms until its oldest
 * counted send leaves the window and counts nothing; otherwise adds the send to all. Atomic.
 */
const RESERVE_LUA = `
local window = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local retry = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local max = tonumber(ARGV[3 + i])
  local count = redis.call('ZCARD', key)
  if count >= max then
    local oldest = redis.call('ZRANGE', key, count - max, count - max, 'WITHSCORES')
    local wait = tonumber(oldest[2]) + window - now
    if wait < 1 then wait = 1 end
    if wait > retry then retry = wait end
  end
end
if retry > 0 then return retry end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
end
return 0`;

/** KEYS[1]: the pending code. ARGV[1]: max attempts. Counts one attempt unless used up or consumed; answers {counted, fields}. */
const BEGIN_ATTEMPT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local consumed = redis.call('HGET', KEYS[1], 'consumedBy')
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
local counted = 0
if (not consumed or consumed == '') and attempts < tonumber(ARGV[1]) then
  redis.call('HINCRBY', KEYS[1], 'attempts', 1)
  counted = 1
end
return { counted, redis.call('HGETALL', KEYS[1]) }`;

/** KEYS[1]: the pending code. ARGV: code id, consumer. 1 when this consumer holds it now. */
const CONSUME_LUA = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
local consumed = redis.call('HGET', KEYS[1], 'consumedBy')
if consumed and consumed ~= '' then
  if consumed == ARGV[2] then return 1 end
  return 0
end
redis.call('HSET', KEYS[1], 'consumedBy', ARGV[2])
return 1`;

interface CodeCommands {
  psbOtcReserveV1(numKeys: number, ...args: (string | number)[]): Promise<number>;
  psbOtcBeginAttemptV1(numKeys: number, key: string, maxAttempts: number): Promise<[number, string[]] | null>;
  psbOtcConsumeV1(numKeys: number, key: string, codeId: string, consumer: string): Promise<number>;
}

export interface RedisOneTimeCodeStoreOptions {
  /** The caller's client (not closed by the store). */
  readonly client: Redis;
  /** Every key starts with it, e.g. `psb:identity-code:`. */
  readonly prefix: string;
}

function stateOf(fields: readonly string[]): PendingCodeState {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
  const kind = map.get('kind');
  if (!isIdentifierKind(kind)) throw new AppError('PSB_IDENTITY_CODES_UNAVAILABLE', 'a stored one-time code is unreadable (unknown claim kind)');
  const subjectId = map.get('subjectId') ?? '';
  const consumedBy = map.get('consumedBy') ?? '';
  return {
    id: map.get('id') ?? '',
    ...(subjectId !== '' ? { subjectId } : {}),
    claimKind: kind,
    claimMasked: map.get('masked') ?? '',
    codeHash: map.get('hash') ?? '',
    expiresAt: Number(map.get('expiresAt') ?? 0),
    attempts: Number(map.get('attempts') ?? 0),
    ...(consumedBy !== '' ? { consumedBy } : {}),
  };
}

/** A pipeline or MULTI answers each command's error in place instead of rejecting: make it reject. */
function failOnError(results: [Error | null, unknown][] | null): void {
  if (results === null) throw new Error('the transaction was discarded');
  const failed = results.find(([err]) => err !== null);
  if (failed?.[0]) throw failed[0];
}

/**
 * One-time codes and their limits in Redis, shared by every instance: a code sent through one
 * instance is checked through another, and limits count sends and attempts made anywhere.
 * Keys: `${prefix}code:<conversation hash>` (a hash with the code's hash and counters, TTL past
 * its expiry) and `${prefix}limit:<hash>` (sorted sets of send times, TTL one window). Every
 * counting step is one Lua script.
 */
export class RedisOneTimeCodeStore implements OneTimeCodeStore {
  private readonly client: Redis & CodeCommands;
  private readonly prefix: string;

  constructor(options: RedisOneTimeCodeStoreOptions) {
    const withCommands = options.client as Redis & Partial<CodeCommands>;
    if (typeof withCommands.psbOtcReserveV1 !== 'function') withCommands.defineCommand('psbOtcReserveV1', { lua: RESERVE_LUA });
    if (typeof withCommands.psbOtcBeginAttemptV1 !== 'function') withCommands.defineCommand('psbOtcBeginAttemptV1', { lua: BEGIN_ATTEMPT_LUA });
    if (typeof withCommands.psbOtcConsumeV1 !== 'function') withCommands.defineCommand('psbOtcConsumeV1', { lua: CONSUME_LUA });
    this.client = withCommands as Redis & CodeCommands;
    this.prefix = options.prefix;
  }

  async reserveSend(limits: readonly SendLimit[], windowMs: number, now: number, token: string): Promise<SendReservation> {
    const keys = limits.map((limit) => this.limitKey(limit.key));
    const retryAfterMs = await this.run(() => this.client.psbOtcReserveV1(keys.length, ...keys, windowMs, now, token, ...limits.map((limit) => limit.max)));
    return retryAfterMs > 0 ? { allowed: false, retryAfterMs } : { allowed: true };
  }

  async releaseSend(keys: readonly string[], token: string): Promise<void> {
    const pipeline = this.client.pipeline();
    for (const key of keys) pipeline.zrem(this.limitKey(key), token);
    await this.run(async () => failOnError(await pipeline.exec()));
  }

  async putPending(conversation: string, code: PendingCode, keepMs: number): Promise<void> {
    const key = this.codeKey(conversation);
    const fields = { id: code.id, subjectId: code.subjectId ?? '', kind: code.claimKind, masked: code.claimMasked, hash: code.codeHash, expiresAt: String(code.expiresAt), attempts: '0' };
    await this.run(async () => failOnError(await this.client.multi().del(key).hset(key, fields).pexpire(key, keepMs).exec()));
  }

  async beginAttempt(conversation: string, maxAttempts: number): Promise<CodeAttempt | undefined> {
    const reply = await this.run(() => this.client.psbOtcBeginAttemptV1(1, this.codeKey(conversation), maxAttempts));
    if (!reply) return undefined;
    return { counted: Number(reply[0]) === 1, code: stateOf(reply[1]) };
  }

  async consume(conversation: string, codeId: string, consumer: string): Promise<boolean> {
    return (await this.run(() => this.client.psbOtcConsumeV1(1, this.codeKey(conversation), codeId, consumer))) === 1;
  }

  async close(): Promise<void> {
    // The client belongs to the caller.
  }

  private codeKey(conversation: string): string {
    return `${this.prefix}code:${conversation}`;
  }

  private limitKey(key: string): string {
    return `${this.prefix}limit:${key}`;
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw new AppError('PSB_IDENTITY_CODES_UNAVAILABLE', 'the one-time code store (Redis) does not answer; try again shortly', {}, { cause: err });
    }
  }
}
