import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Redis } from 'ioredis';

/** How CI (.ci/run) starts the shared Redis; quoted when a test finds it down. */
export const REDIS_START = 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';
/** How CI starts PostgreSQL; quoted when a test finds it down. */
export const POSTGRES_START = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

const CHECK_TIMEOUT_MS = 1500;

function hostAndPort(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', port: Number(parsed.port || defaultPort) };
}

/**
 * Connects, optionally sends `probe`, and resolves true when the connection opens (no probe) or
 * the first reply line satisfies `accept`. Never rejects.
 */
function answers(host: string, port: number, probe?: string, accept?: (firstLine: string) => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(CHECK_TIMEOUT_MS, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => (probe === undefined ? done(true) : socket.write(probe)));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      const end = reply.indexOf('\r\n');
      if (end >= 0) done(accept ? accept(reply.slice(0, end)) : true);
    });
  });
}

/**
 * Fails the calling test or hook (never skips it) when no Redis answers PING at `url`, with
 * the command that starts the shared one. A Redis that asks for a password counts as up.
 */
export async function requireRedis(url = 'redis://127.0.0.1:6379'): Promise<void> {
  const { host, port } = hostAndPort(url, 6379);
  const up = await answers(host, port, 'PING\r\n', (line) => line === '+PONG' || line.startsWith('-NOAUTH'));
  if (!up) {
    throw new Error(`Redis does not answer at ${host}:${port}. These tests need the real Redis; start it with:\n  ${REDIS_START}`);
  }
}

/**
 * Fails the calling test or hook when nothing listens on PostgreSQL's port at `url`, with the
 * command that starts it. A TCP check only: it does not log in.
 */
export async function requirePostgres(url = 'postgres://postgres@127.0.0.1:5432/test'): Promise<void> {
  const { host, port } = hostAndPort(url, 5432);
  if (!(await answers(host, port))) {
    throw new Error(`PostgreSQL does not accept connections at ${host}:${port}. These tests need the real PostgreSQL; start it with:\n  ${POSTGRES_START}`);
  }
}

/** A key prefix no other run uses (`psb-test:<pid>-<random>:`), so a test deletes only what it wrote. */
export function uniqueRedisPrefix(label = 'psb-test'): string {
  return `${label}:${process.pid}-${randomBytes(6).toString('hex')}:`;
}

/** SCANs for the keys under `prefix` (glob characters in it taken literally), deletes them, returns how many. */
export async function deleteKeysWithPrefix(client: Redis, prefix: string): Promise<number> {
  if (prefix === '') throw new Error('deleteKeysWithPrefix needs a non-empty prefix: the Redis is shared');
  const pattern = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
