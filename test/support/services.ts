import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Client, ClientConfig } from 'pg';
import { failedMessage, probeService, refusedMessage, ServiceDescription, timedOutMessage, unavailableMessage } from './service-probe';

/** How CI (.ci/run) starts the shared Redis; quoted when a test finds it down. */
export const REDIS_START = 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';
/** How CI starts PostgreSQL; quoted when a test finds it down. */
export const POSTGRES_START = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

/**
 * How long a check waits for a service's first answer, in ms: a two-core machine running the
 * suite (or `scripts/busy-machine.sh`) can take seconds to schedule a reply. Past it the failure
 * says "timed out" (there but slow or busy), not "refused" (nothing listens).
 */
export const SERVICE_CHECK_TIMEOUT_MS = 10_000; // 10 s
/** `connectionTimeoutMillis` of the tests' own pg connections, in ms. */
export const POSTGRES_CONNECT_TIMEOUT_MS = 15_000; // 15 s

export interface ServiceCheckOptions {
  /** @default SERVICE_CHECK_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

function hostAndPort(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', port: Number(parsed.port || defaultPort) };
}

const firstLine = (reply: Buffer): string => reply.toString('latin1').split('\r\n')[0];

/**
 * Fails the calling test or hook (never skips it) when no Redis answers PING at `url`: "refused"
 * with the command that starts the shared one when nothing listens, "timed out" when something
 * holds the connection without answering. A Redis that asks for a password counts as up.
 */
export async function requireRedis(url = 'redis://127.0.0.1:6379', options: ServiceCheckOptions = {}): Promise<void> {
  const { host, port } = hostAndPort(url, 6379);
  const timeoutMs = options.timeoutMs ?? SERVICE_CHECK_TIMEOUT_MS;
  const service: ServiceDescription = { name: 'Redis', host, port, start: REDIS_START, awaited: 'answer to PING' };
  const outcome = await probeService({ host, port, send: 'PING\r\n', complete: (reply) => reply.includes('\r\n'), timeoutMs });
  if (outcome.kind !== 'answered') throw new Error(unavailableMessage(service, outcome, timeoutMs));
  const line = firstLine(outcome.reply);
  if (line !== '+PONG' && !line.startsWith('-NOAUTH')) throw new Error(failedMessage(service, `PING was answered with "${line.slice(0, 80)}", not PONG: is it Redis?`));
}

/** PostgreSQL's SSLRequest: the one message any server answers with a single byte, S or N, before any login. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/**
 * Fails the calling test or hook when PostgreSQL does not answer at `url` ("refused" with the
 * command that starts it, or "timed out"). It sends an SSLRequest and reads the one-byte answer,
 * so a server that accepts connections but cannot serve them counts as timed out; it does not log in.
 */
export async function requirePostgres(url = 'postgres://postgres@127.0.0.1:5432/test', options: ServiceCheckOptions = {}): Promise<void> {
  const { host, port } = hostAndPort(url, 5432);
  const timeoutMs = options.timeoutMs ?? SERVICE_CHECK_TIMEOUT_MS;
  const service: ServiceDescription = { name: 'PostgreSQL', host, port, start: POSTGRES_START, awaited: 'answer to an SSLRequest' };
  const outcome = await probeService({ host, port, send: SSL_REQUEST, timeoutMs });
  if (outcome.kind !== 'answered') throw new Error(unavailableMessage(service, outcome, timeoutMs));
  const answer = outcome.reply.toString('latin1', 0, 1);
  if (answer !== 'S' && answer !== 'N') throw new Error(failedMessage(service, `an SSLRequest was answered with "${firstLine(outcome.reply).slice(0, 80)}": is it PostgreSQL?`));
}

/**
 * A connected pg `Client` for a test's own work on the shared PostgreSQL (schemas, side
 * queries). A failed connection says which it was: refused (nothing listens: start it with
 * POSTGRES_START), timed out after `connectionTimeoutMillis` (there but slow or busy), or
 * another error (login, database) with the server's own words.
 */
export async function connectTestPostgres(url: string, config: Omit<ClientConfig, 'connectionString'> = {}): Promise<Client> {
  const timeoutMs = config.connectionTimeoutMillis ?? POSTGRES_CONNECT_TIMEOUT_MS;
  const client = new Client({ ...config, connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.end().catch(() => undefined);
    const { host, port } = hostAndPort(url, 5432);
    const service: ServiceDescription = { name: 'PostgreSQL', host, port, start: POSTGRES_START, awaited: 'finished connection (start-up and login)' };
    const cause = err as NodeJS.ErrnoException;
    if (cause.code === 'ECONNREFUSED') throw new Error(refusedMessage(service), { cause });
    // pg destroys the socket with exactly this message when connectionTimeoutMillis passes.
    if (cause.message === 'timeout expired') throw new Error(timedOutMessage(service, timeoutMs), { cause });
    throw new Error(failedMessage(service, cause.message), { cause });
  }
}

/** A key prefix no other run uses (`psb-test:<pid>-<random>:`), so a test deletes only what it wrote. */
export function uniqueRedisPrefix(label = 'psb-test'): string {
  return `${label}:${process.pid}-${randomBytes(6).toString('hex')}:`;
}

/** The keys under `prefix` (glob characters in it taken literally), a SCAN batch at a time. */
export async function* keysUnder(client: Redis, prefix: string, batch = 500): AsyncGenerator<string[]> {
  if (prefix === '') throw new Error('keysUnder needs a non-empty prefix: the Redis is shared');
  const pattern = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', batch);
    cursor = next;
    if (keys.length > 0) yield keys;
  } while (cursor !== '0');
}

/** Deletes the keys under `prefix` (glob characters in it taken literally), returns how many. */
export async function deleteKeysWithPrefix(client: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  for await (const keys of keysUnder(client, prefix)) deleted += await client.del(...keys);
  return deleted;
}

/** Drops a test's own PostgreSQL schema with everything in it (quoted as an identifier); no one else's data. */
export async function dropTestSchema(databaseUrl: string, schema: string): Promise<void> {
  const pg = await connectTestPostgres(databaseUrl);
  try {
    await pg.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '""')}" CASCADE`);
  } finally {
    await pg.end();
  }
}
