/*
 * The Lua scripts of RedisHandoffHub. Each state transition is one script: Redis runs a script
 * alone, so the check ("is it still queued?", "is it yours?") and the change cannot be split by
 * another instance, and the event is PUBLISHed inside the same script — a transition and its
 * event happen together or not at all, exactly once whichever instance made it.
 *
 * Keys of one ticket (passed as KEYS, never built inside a script):
 *   T = <prefix>ticket:<id>      HASH  doc (JSON, written once by TypeScript, never decoded here),
 *                                      status, agent, claimedAt, closedAt, outcome (JSON)
 *   L = <prefix>transcript:<id>  LIST  one JSON line per entry, trimmed to the last N
 * Indexes:
 *   Q = <prefix>queue            ZSET  queued ids, score = enqueue sequence (INCR of S)
 *   W = <prefix>waiting          ZSET  queued ids, score = createdAt in ms (what the sweep reads)
 *   C = <prefix>claimed          ZSET  claimed ids, score = claimedAt in ms
 *   S = <prefix>seq              STRING the enqueue counter
 *
 * Every script returns { code, ... }: 'ok' then the ticket as JSON (see WIRE), or an error code
 * ('not_found', 'already_claimed', 'not_claimed', 'not_yours', 'closed') then the status found.
 * cjson only encodes strings here; numbers and the caller's documents pass through untouched.
 */

/**
 * Lua: the ticket in T/L as one JSON text, built by concatenation (no decode/encode of the
 * stored JSON): {"doc":…,"status":…,["agent":…,"claimedAt":…,"closedAt":…,"outcome":…,]"transcript":[…]}.
 */
const WIRE = `
local function wire(t, l)
  local h = redis.call('HMGET', t, 'doc', 'status', 'agent', 'claimedAt', 'closedAt', 'outcome')
  local parts = { '{"doc":', h[1], ',"status":', cjson.encode(h[2]) }
  if h[3] then parts[#parts + 1] = ',"agent":' .. cjson.encode(h[3]) end
  if h[4] then parts[#parts + 1] = ',"claimedAt":' .. cjson.encode(h[4]) end
  if h[5] then parts[#parts + 1] = ',"closedAt":' .. cjson.encode(h[5]) end
  if h[6] then parts[#parts + 1] = ',"outcome":' .. h[6] end
  parts[#parts + 1] = ',"transcript":[' .. table.concat(redis.call('LRANGE', l, 0, -1), ',') .. ']}'
  return table.concat(parts)
end
local function publish(channel, kind, ticket)
  redis.call('PUBLISH', channel, '{"type":"' .. kind .. '","ticket":' .. ticket .. '}')
end
local function close_keys(t, l, ttl)
  redis.call('EXPIRE', t, ttl)
  redis.call('EXPIRE', l, ttl)
end
`;

/**
 * KEYS: T L Q W S. ARGV: id, doc JSON, createdAt ms, max lines, channel, then the initial
 * transcript lines (JSON). Returns { 'ok', ticket, position } or { 'exists' } (an id reused).
 */
export const ENQUEUE_SCRIPT = `${WIRE}
if redis.call('EXISTS', KEYS[1]) == 1 then return { 'exists' } end
redis.call('HSET', KEYS[1], 'doc', ARGV[2], 'status', 'queued')
for i = 6, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[4]), -1)
redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[5]), ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
local ticket = wire(KEYS[1], KEYS[2])
publish(ARGV[5], 'queued', ticket)
return { 'ok', ticket, redis.call('ZRANK', KEYS[3], ARGV[1]) + 1 }`;

/**
 * KEYS: T L Q W C. ARGV: id, agent, claimedAt ISO, claimedAt ms, channel. queued → claimed; the
 * holder claiming again gets the ticket back (no second event); anyone else: already_claimed.
 */
export const CLAIM_SCRIPT = `${WIRE}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return { 'not_found' } end
if status == 'claimed' then
  if redis.call('HGET', KEYS[1], 'agent') == ARGV[2] then return { 'ok', wire(KEYS[1], KEYS[2]) } end
  return { 'already_claimed', status }
end
if status ~= 'queued' then return { 'closed', status } end
redis.call('HSET', KEYS[1], 'status', 'claimed', 'agent', ARGV[2], 'claimedAt', ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[1])
local ticket = wire(KEYS[1], KEYS[2])
publish(ARGV[5], 'claimed', ticket)
return { 'ok', ticket }`;

/**
 * KEYS: T L Q W C. ARGV: id, closedAt ISO, ttl seconds, channel. queued|claimed → cancelled; the
 * ticket leaves every index and its keys start to expire.
 */
export const CANCEL_SCRIPT = `${WIRE}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return { 'not_found' } end
if status ~= 'queued' and status ~= 'claimed' then return { 'closed', status } end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'closedAt', ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
close_keys(KEYS[1], KEYS[2], ARGV[3])
local ticket = wire(KEYS[1], KEYS[2])
publish(ARGV[4], 'closed', ticket)
return { 'ok', ticket }`;

/**
 * KEYS: T L C. ARGV: id, agent, supervisor ('1' or '0'), outcome JSON, closedAt ISO, ttl seconds,
 * channel. claimed → completed, by its holder or a supervisor.
 */
export const COMPLETE_SCRIPT = `${WIRE}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return { 'not_found' } end
if status == 'queued' then return { 'not_claimed', status } end
if status ~= 'claimed' then return { 'closed', status } end
if ARGV[3] ~= '1' and redis.call('HGET', KEYS[1], 'agent') ~= ARGV[2] then return { 'not_yours', status } end
redis.call('HSET', KEYS[1], 'status', 'completed', 'closedAt', ARGV[5], 'outcome', ARGV[4])
redis.call('ZREM', KEYS[3], ARGV[1])
close_keys(KEYS[1], KEYS[2], ARGV[6])
local ticket = wire(KEYS[1], KEYS[2])
publish(ARGV[7], 'closed', ticket)
return { 'ok', ticket }`;

/**
 * KEYS: T L. ARGV: 'customer' or 'agent', agent, supervisor ('1' or '0'), line JSON, max lines,
 * channel, event JSON. Appends to an open ticket; an agent line needs the ticket claimed and held
 * by that agent (or a supervisor). Returns { 'ok' }. Only the line is stored; the event (for a
 * customer line it may carry the typed, unredacted text) is PUBLISHed and never written anywhere.
 */
export const APPEND_SCRIPT = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return { 'not_found' } end
if status ~= 'queued' and status ~= 'claimed' then return { 'closed', status } end
if ARGV[1] == 'agent' then
  if status == 'queued' then return { 'not_claimed', status } end
  if ARGV[3] ~= '1' and redis.call('HGET', KEYS[1], 'agent') ~= ARGV[2] then return { 'not_yours', status } end
end
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
redis.call('PUBLISH', ARGV[6], ARGV[7])
return { 'ok' }`;

/**
 * KEYS: T L Q W. ARGV: id, cutoff ms, closedAt ISO, ttl seconds, channel. queued → timed_out when
 * it has waited since the cutoff or longer; { 'skip' } otherwise (claimed, closed, or already
 * timed out by another sweeper: each ticket times out once).
 */
export const TIME_OUT_SCRIPT = `${WIRE}
if redis.call('HGET', KEYS[1], 'status') ~= 'queued' then return { 'skip' } end
local since = redis.call('ZSCORE', KEYS[4], ARGV[1])
if not since or tonumber(since) > tonumber(ARGV[2]) then return { 'skip' } end
redis.call('HSET', KEYS[1], 'status', 'timed_out', 'closedAt', ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
close_keys(KEYS[1], KEYS[2], ARGV[4])
local ticket = wire(KEYS[1], KEYS[2])
publish(ARGV[5], 'closed', ticket)
return { 'ok', ticket }`;

/** KEYS: T1 L1 T2 L2 …. Returns one ticket JSON per pair, nil for a ticket that is gone. */
export const READ_SCRIPT = `${WIRE}
local out = {}
for i = 1, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then out[#out + 1] = wire(KEYS[i], KEYS[i + 1]) else out[#out + 1] = false end
end
return out`;

/** Command names carry a version: a changed script gets a new name, never a stale definition. */
export const HANDOFF_COMMANDS = {
  psbHandoffEnqueueV1: ENQUEUE_SCRIPT,
  psbHandoffClaimV1: CLAIM_SCRIPT,
  psbHandoffCancelV1: CANCEL_SCRIPT,
  psbHandoffCompleteV1: COMPLETE_SCRIPT,
  psbHandoffAppendV1: APPEND_SCRIPT,
  psbHandoffTimeOutV1: TIME_OUT_SCRIPT,
  psbHandoffReadV1: READ_SCRIPT,
} as const;

type ScriptCall = (numKeys: number, ...keysThenArgs: (string | number)[]) => Promise<unknown>;

export type HandoffCommands = { [name in keyof typeof HANDOFF_COMMANDS]: ScriptCall };
