import assert from 'node:assert/strict';
import net from 'node:net';
import { connectTestPostgres, POSTGRES_START, REDIS_START, requirePostgres, requireRedis } from './services';

/** A port on 127.0.0.1 where nothing listens: bound once to learn a free number, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A listening socket that accepts every connection and never says a word: a server that is there but busy. */
async function silentServer(): Promise<{ port: number; accepted: () => number; close(): Promise<void> }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    accepted: () => sockets.length,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The timeout the "timed out" cases use: a parameter of the check, not a measurement. */
const SHORT_TIMEOUT_MS = 200;

async function failureOf(check: Promise<unknown>): Promise<string> {
  let message = '';
  await assert.rejects(check, (err: unknown) => {
    assert.ok(err instanceof Error, String(err));
    message = err.message;
    return true;
  });
  return message;
}

describe('service checks say refused (nothing listens) apart from timed out (there but busy)', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  before(async () => {
    silent = await silentServer();
  });
  after(async () => silent?.close());

  const checks = [
    { name: 'requireRedis', service: 'Redis', start: REDIS_START, run: (port: number, timeoutMs?: number) => requireRedis(`redis://127.0.0.1:${port}`, { timeoutMs }) },
    { name: 'requirePostgres', service: 'PostgreSQL', start: POSTGRES_START, run: (port: number, timeoutMs?: number) => requirePostgres(`postgres://postgres@127.0.0.1:${port}/test`, { timeoutMs }) },
    {
      name: 'connectTestPostgres',
      service: 'PostgreSQL',
      start: POSTGRES_START,
      run: async (port: number, timeoutMs?: number) => (await connectTestPostgres(`postgres://postgres@127.0.0.1:${port}/test`, { connectionTimeoutMillis: timeoutMs })).end(),
    },
  ];

  for (const check of checks) {
    it(`${check.name}: a closed port is "refused", names host:port and the command that starts ${check.service}`, async () => {
      const port = await closedPort();
      const message = await failureOf(check.run(port));
      assert.match(message, new RegExp(`^${check.service} refused the connection at 127\\.0\\.0\\.1:${port}: nothing listens there`));
      assert.ok(message.includes(check.start), message);
      assert.doesNotMatch(message, /timed out/);
    });

    it(`${check.name}: a socket that accepts and never answers is "timed out", with host:port and the timeout, and no start command`, async () => {
      const acceptedBefore = silent.accepted();
      const message = await failureOf(check.run(silent.port, SHORT_TIMEOUT_MS));
      assert.ok(silent.accepted() > acceptedBefore, 'the check did reach the silent server');
      assert.match(message, new RegExp(`^${check.service} at 127\\.0\\.0\\.1:${silent.port} accepted the connection but gave no .+ within ${SHORT_TIMEOUT_MS} ms: it timed out, it was not refused`));
      assert.match(message, /slow or busy/);
      assert.ok(!message.includes(check.start), 'starting a second server is not the advice when one is there');
      assert.doesNotMatch(message, /refused the connection/);
    });
  }

  it('the real shared services pass the same checks', async () => {
    await requireRedis();
    await requirePostgres();
    const client = await connectTestPostgres('postgres://postgres@127.0.0.1:5432/test');
    try {
      assert.equal((await client.query<{ one: number }>('SELECT 1 AS one')).rows[0].one, 1);
    } finally {
      await client.end();
    }
  });
});
