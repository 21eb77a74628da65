import assert from 'node:assert/strict';
import http, { IncomingHttpHeaders } from 'node:http';
import { AddressInfo } from 'node:net';
import net from 'node:net';
import { BotProcess } from '../support/bot-process';
import { hangGuard } from '../support/hang-guard';

/** A request, a reply, a log line: milliseconds normally; these only catch a hang. */
const HANG_GUARD_MS = 30_000;
/** The whole drain and exit of a bot with nothing left to wait for: about a second normally. */
const EXIT_HANG_GUARD_MS = 60_000;

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly reusedSocket: boolean;
}

function request(url: string, options: { method?: string; body?: unknown; agent?: http.Agent } = {}): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(url, { method: options.method ?? 'GET', agent: options.agent ?? false, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, reusedSocket: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * A Bot Framework connector (where a channel's `serviceUrl` points) that holds the bot's first
 * reply unanswered until `release()`: the turn that sends it stays in flight as long as the test
 * wants. Later replies are answered at once.
 */
class HoldingConnector {
  readonly replies: unknown[] = [];
  readonly firstReply: Promise<void>;
  private arrived = (): void => undefined;
  private released = false;
  private readonly held: (() => void)[] = [];

  private constructor(private readonly server: http.Server) {
    this.firstReply = new Promise<void>((resolve) => (this.arrived = resolve));
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        this.replies.push(JSON.parse(body) as unknown);
        // Not chained: restify, once loaded in this process, patches writeHead to return nothing.
        const answer = (): void => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id: `reply-${this.replies.length}` }));
        };
        this.arrived();
        if (this.released) answer();
        else this.held.push(answer);
      });
    });
  }

  static async start(): Promise<HoldingConnector> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new HoldingConnector(server);
  }

  get serviceUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  release(): void {
    this.released = true;
    for (const answer of this.held.splice(0)) answer();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function message(serviceUrl: string, conversationId: string, text: string): Record<string, unknown> {
  return {
    type: 'message',
    id: `activity-${conversationId}`,
    channelId: 'emulator',
    serviceUrl,
    from: { id: 'customer-1', name: 'Customer' },
    recipient: { id: 'bot', name: 'Bot' },
    conversation: { id: conversationId },
    locale: 'en-US',
    text,
  };
}

describe('graceful shutdown of the running process (SIGTERM)', function () {
  // Each test starts a bot process (see BotProcess.start's hang guard); the drain itself takes milliseconds.
  this.timeout(360_000);
  let bot: BotProcess | undefined;
  let connector: HoldingConnector | undefined;
  afterEach(async () => {
    connector?.release();
    await bot?.dispose();
    await connector?.close();
    bot = undefined;
    connector = undefined;
  });

  it('finishes the turn in flight, says 503 to /readyz and to new work with Connection: close, then exits 0', async () => {
    connector = await HoldingConnector.start();
    const started = await BotProcess.start();
    bot = started.bot;
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const turnAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // A keep-alive connection, idle when the signal comes.
      assert.equal((await request(`${started.baseUrl}/healthz`, { agent: keepAlive })).status, 200);
      assert.equal((await request(`${started.baseUrl}/readyz`)).status, 200, 'ready before the signal');

      // A turn in flight: the bot's reply is held by the connector.
      const turn = request(`${started.baseUrl}/api/messages`, { method: 'POST', body: message(connector.serviceUrl, 'conv-shutdown-turn', 'hello'), agent: turnAgent });
      await hangGuard(connector.firstReply, 'the bot sending its first reply', HANG_GUARD_MS);

      bot.signal('SIGTERM');
      await bot.waitForLog((line) => line.msg.startsWith('shutting down'), 'the bot logging "shutting down"', HANG_GUARD_MS);

      const readiness = await request(`${started.baseUrl}/readyz`);
      assert.equal(readiness.status, 503, '/readyz turns 503 at once');
      assert.equal((JSON.parse(readiness.body) as { status: string }).status, 'shutting down');
      assert.equal(readiness.headers.connection, 'close');

      const newTurn = await request(`${started.baseUrl}/api/messages`, { method: 'POST', body: message(connector.serviceUrl, 'conv-shutdown-late', 'hello') });
      assert.equal(newTurn.status, 503, 'new work is refused');
      assert.equal((JSON.parse(newTurn.body) as { error: { code: string } }).error.code, 'PSB_SHUTTING_DOWN');
      assert.equal(newTurn.headers['retry-after'], '1');
      assert.equal(newTurn.headers.connection, 'close');

      const onKeptConnection = await request(`${started.baseUrl}/healthz`, { agent: keepAlive });
      assert.equal(onKeptConnection.reusedSocket, true, 'the request travelled on the keep-alive connection opened before the signal');
      assert.equal(onKeptConnection.status, 200);
      assert.equal(onKeptConnection.headers.connection, 'close', 'a keep-alive response during the drain closes its connection');

      connector.release();
      const answered = await hangGuard(turn, 'the turn in flight being answered', HANG_GUARD_MS);
      assert.equal(answered.status, 200, 'the turn in flight completed');
      assert.equal(answered.headers.connection, 'close', 'the keep-alive turn response carries Connection: close');
      assert.ok(connector.replies.length >= 1, 'its reply reached the channel');
      assert.equal(
        connector.replies.filter((reply) => (reply as { conversation?: { id?: string } }).conversation?.id === 'conv-shutdown-late').length,
        0,
        'the refused turn never ran',
      );

      const exit = await hangGuard(bot.exited, 'the bot exiting after the drain', EXIT_HANG_GUARD_MS);
      assert.deepEqual(exit, { code: 0, signal: null });
      assert.ok(bot.lines.some((line) => line.msg === 'shut down cleanly'));
    } finally {
      keepAlive.destroy();
      turnAgent.destroy();
    }
  });

  it('exits non-zero by SHUTDOWN_TIMEOUT_SECONDS when a client stops mid-body, naming what was still running', async () => {
    const started = await BotProcess.start({ SHUTDOWN_TIMEOUT_SECONDS: '2' });
    bot = started.bot;
    const socket = net.connect(started.port, '127.0.0.1');
    try {
      // Half a body, then silence. Expect: 100-continue makes the server say when it took the request.
      const accepted = new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.write(
        ['POST /api/messages HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 400', 'Expect: 100-continue', '', '{"type":"message","te'].join('\r\n'),
      );
      await hangGuard(accepted, 'the server answering 100 Continue', HANG_GUARD_MS);

      bot.signal('SIGTERM');
      const exit = await hangGuard(bot.exited, 'the bot exiting at its shutdown deadline', EXIT_HANG_GUARD_MS);
      assert.notEqual(exit.code, 0, 'past the deadline the exit code says the shutdown was not clean');
      assert.equal(exit.signal, null, 'the bot ended itself; nobody had to kill it');
      const deadline = bot.lines.find((line) => line.msg.startsWith('shutdown deadline passed'));
      assert.ok(deadline, 'a log line says the deadline passed');
      assert.ok(Array.isArray(deadline.stillRunning) && deadline.stillRunning.includes('HTTP POST /api/messages'), `it names the stalled request: ${JSON.stringify(deadline.stillRunning)}`);
      assert.ok(!bot.lines.some((line) => line.msg === 'shut down cleanly'));
    } finally {
      socket.destroy();
    }
  });
});
