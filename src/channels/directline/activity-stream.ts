import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { AppError, isAppError } from '../../errors/app-error';
import type { Logger } from '../../log/logger';
import { errorBody, httpStatusOf } from '../../server/error-status';
import { ConversationEvent, ConversationStore, MAX_ACTIVITIES_PER_READ } from './conversation-store';
import { parseWatermark } from './direct-line-activities';
import { DIRECT_LINE_BASE_PATH } from './direct-line-routes';
import { DirectLineService } from './direct-line-service';
import { queryParam } from './http-helpers';
import { LocalNotices } from './local-notices';

/** What a client may send us on the stream: directlinejs sends empty pings only. */
const MAX_CLIENT_MESSAGE_BYTES = 4 * 1024;
const STREAM_PATH = new RegExp(`^${DIRECT_LINE_BASE_PATH}/conversations/([^/?#]+)/stream$`);

export interface ActivityStreamDeps {
  service: DirectLineService;
  store: ConversationStore;
  /** Keep-alive interval, ms: an empty message and a ping to each socket, a dead one closed, missed activities read. */
  keepAliveMs: number;
  logger: Logger;
  /** Notices sent to this instance's sockets outside the store (the store-outage message). */
  notices?: LocalNotices;
}

/** The HTTP(S) server whose `upgrade` events we take (restify's `server.server`). */
export type UpgradeSource = Pick<EventEmitter, 'on' | 'off' | 'listenerCount'>;

interface StreamClient {
  readonly ws: WebSocket;
  readonly conversationId: string;
  /** Seq of the last activity this socket was sent. */
  watermark: number;
  alive: boolean;
  pumping: boolean;
  again: boolean;
  unsubscribe(): void;
}

/**
 * The `streamUrl` WebSockets (`ws`, no server of its own: it takes the HTTP server's `upgrade`).
 * A socket first gets what came after its watermark, then every activity as it is stored — on
 * this instance or another (the store's notifications) — as `{ activities, watermark }`, and an
 * empty message every keep-alive interval, as Azure's Direct Line does. Messages from the client
 * are ignored.
 */
export class ActivityStream {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES, perMessageDeflate: false });
  private readonly clients = new Set<StreamClient>();
  private readonly timer: NodeJS.Timeout;
  private readonly logger: Logger;
  private httpServer?: UpgradeSource;

  constructor(private readonly deps: ActivityStreamDeps) {
    this.logger = deps.logger;
    this.timer = setInterval(() => this.keepAlive(), deps.keepAliveMs);
    this.timer.unref();
  }

  /** Serves stream upgrades on this HTTP server (other upgrade paths are left to other listeners). */
  attach(httpServer: UpgradeSource): void {
    this.httpServer = httpServer;
    httpServer.on('upgrade', this.onUpgrade);
  }

  /** Open sockets (for tests and metrics). */
  get size(): number {
    return this.clients.size;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.httpServer?.off('upgrade', this.onUpgrade);
    for (const client of this.clients) {
      client.unsubscribe();
      client.ws.terminate();
    }
    this.clients.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const match = STREAM_PATH.exec(path);
    if (!match) {
      // Someone else's upgrade path; if nobody else listens, say so rather than hang.
      if ((this.httpServer?.listenerCount('upgrade') ?? 0) <= 1) this.reject(socket, new AppError('PSB_NOT_FOUND', `no WebSocket at ${path}`));
      return;
    }
    socket.on('error', (err) => this.logger.debug({ err }, 'direct line stream: socket error before upgrade'));
    let conversationId: string;
    let watermark: number;
    try {
      conversationId = decodeURIComponent(match[1]);
      watermark = parseWatermark(queryParam(req, 'watermark'));
    } catch (err) {
      this.reject(socket, isAppError(err) ? err : new AppError('PSB_DL_CONVERSATION_NOT_FOUND'));
      return;
    }
    this.deps.service.authorizeStream(conversationId, queryParam(req, 't') ?? '').then(
      () => this.wss.handleUpgrade(req, socket, head, (ws) => this.connect(ws, conversationId, watermark)),
      (err: unknown) => this.reject(socket, err),
    );
  };

  private reject(socket: Duplex, err: unknown): void {
    let appError: AppError;
    if (isAppError(err)) {
      appError = err;
    } else {
      const errorId = randomUUID();
      this.logger.error({ err, errorId }, 'direct line stream: upgrade failed');
      appError = new AppError('PSB_INTERNAL', `unexpected error; quote ${errorId} when reporting it`, { errorId });
    }
    const status = httpStatusOf(appError);
    const json = JSON.stringify(errorBody(appError));
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${json}`,
    );
  }

  private connect(ws: WebSocket, conversationId: string, watermark: number): void {
    const client: StreamClient = { ws, conversationId, watermark, alive: true, pumping: false, again: false, unsubscribe: () => undefined };
    const unsubscribeStore = this.deps.store.subscribe(conversationId, (event) => this.onEvent(client, event));
    // A notice keeps the socket's watermark: it is not in the log, and what is stored must still come.
    const unsubscribeNotices = this.deps.notices?.subscribe(conversationId, (activities) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ activities, watermark: String(client.watermark) }));
    });
    client.unsubscribe = () => {
      unsubscribeStore();
      unsubscribeNotices?.();
    };
    this.clients.add(client);
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', () => {
      client.alive = true;
    });
    ws.on('error', (err) => this.logger.debug({ err, conversationId }, 'direct line stream: socket error'));
    ws.on('close', () => {
      client.unsubscribe();
      this.clients.delete(client);
    });
    void this.pump(client);
  }

  private onEvent(client: StreamClient, event: ConversationEvent): void {
    if (event.kind === 'updated' && event.seq <= client.watermark) {
      void this.sendUpdate(client, event.seq);
      return;
    }
    void this.pump(client);
  }

  /** Sends what came after the socket's watermark; one pump at a time per socket, re-run when asked meanwhile. */
  private async pump(client: StreamClient): Promise<void> {
    if (client.pumping) {
      client.again = true;
      return;
    }
    client.pumping = true;
    try {
      do {
        client.again = false;
        const page = await this.deps.service.page(client.conversationId, client.watermark);
        if (page.activities.length === 0 || client.ws.readyState !== WebSocket.OPEN) continue;
        client.watermark = Number(page.watermark);
        client.ws.send(JSON.stringify(page));
        if (page.activities.length === MAX_ACTIVITIES_PER_READ) client.again = true;
      } while (client.again && client.ws.readyState === WebSocket.OPEN);
    } catch (err) {
      if (isAppError(err, 'PSB_DL_CONVERSATION_NOT_FOUND')) {
        client.ws.close(1000, 'conversation ended');
      } else {
        // Redis away: the next keep-alive reads again.
        this.logger.warn({ err, conversationId: client.conversationId }, 'direct line stream: could not read the conversation; retrying at the next keep-alive');
      }
    } finally {
      client.pumping = false;
    }
  }

  /** An activity the client already has was replaced: send the new version (same id, watermark unchanged). */
  private async sendUpdate(client: StreamClient, seq: number): Promise<void> {
    try {
      const page = await this.deps.store.read(client.conversationId, seq - 1, 1);
      if (page && page.activities.length === 1 && client.ws.readyState === WebSocket.OPEN) {
        client.ws.send(JSON.stringify({ activities: page.activities, watermark: String(client.watermark) }));
      }
    } catch (err) {
      this.logger.warn({ err, conversationId: client.conversationId }, 'direct line stream: could not read an updated activity');
    }
  }

  private keepAlive(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      if (client.ws.readyState !== WebSocket.OPEN) continue;
      client.ws.ping();
      client.ws.send('');
      void this.pump(client);
    }
  }
}
