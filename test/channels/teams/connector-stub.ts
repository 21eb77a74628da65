import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Activity } from 'botbuilder';

/** One activity the bot sent to the connector. */
export interface ReceivedActivity {
  readonly conversationId: string;
  /** The activity replied to (the path's last segment), when the bot used "reply to activity". */
  readonly replyToId?: string;
  readonly activity: Partial<Activity>;
}

const ACTIVITIES_ROUTE = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?\/?$/;

/**
 * A stand-in for the Bot Framework connector (what Teams' `serviceUrl` points at), on a free
 * local port: `POST /v3/conversations/:id/activities[/:replyToId]` records the activity and
 * answers `{ id }`, as the real service does. Anything else gets 404.
 */
export class ConnectorStub {
  readonly received: ReceivedActivity[] = [];
  private sequence = 0;

  private constructor(
    private readonly server: Server,
    readonly serviceUrl: string,
  ) {}

  static async start(): Promise<ConnectorStub> {
    let stub: ConnectorStub | undefined;
    const server = createServer((req, res) => {
      if (!stub) throw new Error('connector stub not ready');
      stub.handle(req, res).catch(() => {
        res.statusCode = 500;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    stub = new ConnectorStub(server, `http://127.0.0.1:${port}`);
    return stub;
  }

  /** What the bot sent to one conversation, in order. */
  activitiesFor(conversationId: string): Partial<Activity>[] {
    return this.received.filter((entry) => entry.conversationId === conversationId).map((entry) => entry.activity);
  }

  /** The message activities sent to one conversation (typing indicators and the like left out). */
  messagesFor(conversationId: string): Partial<Activity>[] {
    return this.activitiesFor(conversationId).filter((activity) => activity.type === 'message');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = ACTIVITIES_ROUTE.exec(new URL(req.url ?? '/', this.serviceUrl).pathname);
    if (req.method !== 'POST' || !route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NotFound', message: `${req.method} ${req.url}` } }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<Activity>;
    this.received.push({
      conversationId: decodeURIComponent(route[1]),
      replyToId: route[2] === undefined ? undefined : decodeURIComponent(route[2]),
      activity,
    });
    this.sequence += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `stub-${this.sequence}` }));
  }
}
