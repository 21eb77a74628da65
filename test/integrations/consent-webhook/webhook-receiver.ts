import http from 'node:http';
import { AddressInfo } from 'node:net';

/** One POST the receiver saw, raw body as sent. */
export interface ReceivedPost {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** What the receiver answered. */
  readonly status: number;
}

/**
 * A company system listening for the consent webhook on 127.0.0.1: down (port closed), failing
 * (answering a status such as 503), or up (200). Keeps every post it answered.
 */
export class WebhookReceiver {
  readonly posts: ReceivedPost[] = [];
  private server: http.Server | undefined;
  private status = 200;
  private listeners: (() => void)[] = [];
  private arrivals: (() => void)[] = [];
  private gate: Promise<void> | undefined;

  private constructor(readonly port: number) {}

  /** Picks a free port and leaves it closed: the receiver starts down. */
  static async reserve(): Promise<WebhookReceiver> {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return new WebhookReceiver(port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/consent?tenant=acme`;
  }

  /** Posts answered 2xx: what the company's system actually took. */
  get accepted(): ReceivedPost[] {
    return this.posts.filter((p) => p.status >= 200 && p.status < 300);
  }

  /** Listens and answers every post with `status`. */
  async answer(status: number): Promise<void> {
    this.status = status;
    if (this.server) return;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        for (const notify of this.arrivals.splice(0)) notify();
        await this.gate;
        this.posts.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status: this.status });
        // Two calls: restify (loaded by other tests) patches writeHead so that it no longer returns `res`.
        res.writeHead(this.status, { 'content-type': 'text/plain' });
        res.end(this.status < 300 ? 'ok' : 'down for maintenance');
        for (const notify of this.listeners.splice(0)) notify();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Resolves once at least `count` posts have been accepted. */
  async acceptedAtLeast(count: number): Promise<void> {
    while (this.accepted.length < count) await new Promise<void>((resolve) => this.listeners.push(resolve));
  }

  /** Holds every answer until the returned function is called (a slow receiver). */
  hold(): () => void {
    let release = (): void => undefined;
    this.gate = new Promise<void>((resolve) => {
      release = () => {
        this.gate = undefined;
        resolve();
      };
    });
    return release;
  }

  /** Resolves when the next post arrives (before it is answered). */
  nextArrival(): Promise<void> {
    return new Promise<void>((resolve) => this.arrivals.push(resolve));
  }

  /** Stops listening: the port is closed again. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
