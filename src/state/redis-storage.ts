import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Storage, StoreItems } from 'botbuilder';
import { AppError } from '../errors/app-error';
import { DocumentChange, DocumentStorage, StoredDocument } from './document-storage';
import { ANY_ETAG, CREATE_ONLY_ETAG } from './etag';
import { RedisStorageOptions, ResolvedRedisStorageOptions, resolveRedisStorageOptions } from './redis-storage-options';
import { StateConflictError, StateUnavailableError } from './state-errors';

export { isStateConflict, StateConflictError, StateUnavailableError } from './state-errors';

/*
 * Representation: each storage key is a Redis HASH { e: eTag, d: JSON of the document without
 * its eTag }. The write script checks eTags with one HGET per key and never decodes JSON (no
 * cjson in Lua, cost independent of the document's size); the document is stored exactly as
 * JSON.stringify made it, so what comes back is what MemoryStorage would give. Expiry is the
 * key's own PEXPIRE, set on write and slid on read.
 *
 * Both scripts are registered with defineCommand: ioredis sends EVAL the first time on a
 * connection and EVALSHA after, one round trip either way (and falls back to EVAL by itself if
 * a restarted Redis lost its script cache). All keys of a call go to one script, so this needs
 * a single Redis (or, on Cluster, keys that share a hash slot).
 */

/**
 * KEYS: full keys. ARGV[i]: TTL in ms of KEYS[i]. Returns [eTag1, doc1, eTag2, doc2, …], nil
 * pairs for missing keys; every key found gets its TTL back (sliding expiry).
 */
const READ_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'e', 'd')
  out[#out + 1] = v[1]
  out[#out + 1] = v[2]
  if v[1] then redis.call('PEXPIRE', key, ARGV[i]) end
end
return out`;

/**
 * KEYS: full keys. ARGV: 4 values per key: expected eTag ('' = unconditional, CREATE_ONLY_ETAG =
 * the key must not exist, anything else = the stored eTag must equal it, so a missing key is a
 * conflict), new eTag, JSON document, TTL in ms. Every check runs before any write, and a
 * script runs alone in Redis: all keys are written or none. Returns 0 when written, else the
 * 1-based index of the first key whose check failed.
 */
const WRITE_SCRIPT = `
local n = #KEYS
for i = 1, n do
  local expected = ARGV[(i - 1) * 4 + 1]
  if expected ~= '' then
    local current = redis.call('HGET', KEYS[i], 'e')
    if expected == ARGV[n * 4 + 1] then
      if current then return i end
    elseif current ~= expected then
      return i
    end
  end
end
for i = 1, n do
  local base = (i - 1) * 4
  redis.call('HSET', KEYS[i], 'e', ARGV[base + 2], 'd', ARGV[base + 3])
  redis.call('PEXPIRE', KEYS[i], ARGV[base + 4])
end
return 0`;

/** Command names carry a version: a changed script gets a new name, never a stale definition. */
interface StateCommands {
  psbStateReadV1(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<(string | null)[]>;
  psbStateWriteV1(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>;
}

/** 96 random bits drawn once per process: eTags of different processes never collide. */
const PROCESS_ETAG_PREFIX = randomBytes(12).toString('base64url');
let eTagCount = 0;

/**
 * A new eTag: this process's random prefix and a count, so never equal to an eTag issued before
 * (by any process), to '*' or to CREATE_ONLY_ETAG — without drawing random bytes on every write.
 */
function newETag(): string {
  eTagCount += 1;
  return `${PROCESS_ETAG_PREFIX}.${eTagCount.toString(36)}`;
}

/** The condition a change puts on its key: '' when it writes unconditionally. */
function expectedETag(item: Record<string, unknown>): string {
  const eTag = item.eTag;
  return typeof eTag === 'string' && eTag !== ANY_ETAG ? eTag : '';
}

/**
 * botbuilder `Storage` on Redis with real optimistic concurrency. A change that carries the
 * eTag it read is written only if the stored eTag is still that one (a key that is gone counts
 * as changed); `'*'`, an empty or no eTag writes unconditionally, and `CREATE_ONLY_ETAG` only if
 * the key does not exist. A write is atomic across all its keys: one failed check and nothing
 * is written, and it rejects with `StateConflictError` naming the key. Like MemoryStorage, the
 * stored document never keeps the caller's eTag; unlike it, the caller's objects get their new
 * eTag after a successful write, so writing the same object again in the same turn succeeds.
 *
 * Cost: one round trip per `read`, `write` and `delete`, whatever the number of keys. Any
 * failure to reach Redis rejects with `StateUnavailableError` (the client fails fast: see
 * `createRedisClient`).
 */
export class RedisStorage implements Storage, DocumentStorage {
  private readonly options: ResolvedRedisStorageOptions;
  private readonly client: Redis & StateCommands;

  constructor(options: RedisStorageOptions) {
    this.options = resolveRedisStorageOptions(options);
    const client = this.options.client as Redis & Partial<StateCommands>;
    // Several storages may share one client; a command is defined once per client.
    if (typeof client.psbStateReadV1 !== 'function') client.defineCommand('psbStateReadV1', { lua: READ_SCRIPT });
    if (typeof client.psbStateWriteV1 !== 'function') client.defineCommand('psbStateWriteV1', { lua: WRITE_SCRIPT });
    this.client = client as Redis & StateCommands;
  }

  async read(keys: string[]): Promise<StoreItems> {
    const documents = await this.readDocuments(keys);
    const items: StoreItems = {};
    for (const [key, { eTag, json }] of Object.entries(documents)) items[key] = { ...(JSON.parse(json) as Record<string, unknown>), eTag };
    return items;
  }

  async readDocuments(keys: readonly string[]): Promise<Record<string, StoredDocument>> {
    if (keys.length === 0) return {};
    const ttls = keys.map((key) => this.ttlMs(key));
    let flat: (string | null)[];
    try {
      flat = await this.client.psbStateReadV1(keys.length, ...keys.map((key) => this.redisKey(key)), ...ttls);
    } catch (err) {
      throw new StateUnavailableError('read', err);
    }
    const documents: Record<string, StoredDocument> = {};
    keys.forEach((key, i) => {
      const eTag = flat[i * 2];
      const json = flat[i * 2 + 1];
      if (typeof eTag === 'string' && typeof json === 'string') documents[key] = { eTag, json };
    });
    return documents;
  }

  async write(changes: StoreItems): Promise<void> {
    const documents: Record<string, DocumentChange> = {};
    for (const [key, change] of Object.entries(changes)) {
      const item = (change ?? {}) as Record<string, unknown>;
      const { eTag: _callerETag, ...doc } = item;
      documents[key] = { expectedETag: expectedETag(item), json: JSON.stringify(doc) };
    }
    const eTags = await this.writeDocuments(documents);
    for (const [key, eTag] of Object.entries(eTags)) {
      const item = changes[key];
      if (item && typeof item === 'object') item.eTag = eTag;
    }
  }

  async writeDocuments(changes: Readonly<Record<string, DocumentChange>>): Promise<Record<string, string>> {
    const keys = Object.keys(changes);
    if (keys.length === 0) return {};
    const args: (string | number)[] = [];
    const eTags: Record<string, string> = {};
    for (const key of keys) {
      const { expectedETag: expected, json } = changes[key];
      const eTag = newETag();
      eTags[key] = eTag;
      args.push(expected === ANY_ETAG ? '' : expected, eTag, json, this.ttlMs(key));
    }
    args.push(CREATE_ONLY_ETAG);
    let failed: number;
    try {
      failed = await this.client.psbStateWriteV1(keys.length, ...keys.map((key) => this.redisKey(key)), ...args);
    } catch (err) {
      throw new StateUnavailableError('write', err);
    }
    if (failed > 0) throw new StateConflictError(keys[failed - 1]);
    return eTags;
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.client.del(...keys.map((key) => this.redisKey(key)));
    } catch (err) {
      throw new StateUnavailableError('delete', err);
    }
  }

  private redisKey(key: string): string {
    return `${this.options.prefix}${key}`;
  }

  private ttlMs(key: string): number {
    const seconds = this.options.ttlSecondsForKey(key);
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
      throw new AppError('PSB_CONFIG_INVALID', `RedisStorage option "ttlSecondsForKey" must return a positive number of seconds (got ${String(seconds)})`, {
        option: 'ttlSecondsForKey',
      });
    }
    return Math.max(1, Math.round(seconds * 1000));
  }
}
