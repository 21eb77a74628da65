import net from 'node:net';
import type { Redis } from 'ioredis';

export const REDIS_START = 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';
export const POSTGRES_START = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

function canConnect(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Fails the calling test (never skips it) when Redis is not there, saying how to start it. */
export async function requireRedis(url = 'redis://127.0.0.1:6379'): Promise<void> {
  const { hostname, port } = new URL(url);
  if (!(await canConnect(hostname, Number(port || 6379)))) {
    throw new Error(`Redis is not reachable at ${url}. These tests need the real Redis; start it with:\n  ${REDIS_START}`);
  }
}

/** Fails the calling test when PostgreSQL is not there, saying how to start it. */
export async function requirePostgres(url = 'postgres://postgres@127.0.0.1:5432/test'): Promise<void> {
  const { hostname, port } = new URL(url);
  if (!(await canConnect(hostname, Number(port || 5432)))) {
    throw new Error(`PostgreSQL is not reachable at ${url}. These tests need the real PostgreSQL; start it with:\n  ${POSTGRES_START}`);
  }
}

/** A key prefix no other run uses, so tests delete only what they wrote. */
export function uniqueRedisPrefix(label = 'psb-test'): string {
  return `${label}:${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}:`;
}

export async function deleteKeysWithPrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  const pattern = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
