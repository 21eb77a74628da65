import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HandoffHub } from '../handoff/handoff-hub';
import type { HandoffEvent, HandoffTicket } from '../handoff/handoff-types';
import type { Logger } from '../log/logger';
import { ticketSummary } from './agent-views';
import { handoffScopeOf, mayOpen } from './console-roles';
import { isIncidentHandoff } from './incident-handoffs';
import type { ActiveSession, AgentSessions } from './sessions/agent-sessions';

export interface AgentEventStreamsDeps {
  readonly hub: HandoffHub;
  readonly sessions: AgentSessions;
  /** Interval of keep-alive comments and session rechecks, milliseconds. */
  readonly keepAliveMs: number;
  readonly logger: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

interface Stream {
  readonly session: ActiveSession;
  readonly res: ServerResponse;
  readonly timer: NodeJS.Timeout;
  readonly ended: () => void;
}

/** How long the browser waits before reconnecting a dropped stream, milliseconds. */
const RETRY_MS = 3000;

/**
 * The agents' live view (`GET /agent/api/events`, Server-Sent Events), fed by the hub's events of
 * every instance:
 *
 * - `queue` `{change: 'queued'|'claimed'|'closed', ticketId}` to everyone (a `surge` agent: for
 *   handoffs about an incident only): reload the queue;
 * - `ticket` `{ticket}` (a summary: status, agent, outcome) to the holder and supervisors, on claim and close;
 * - `message` `{ticketId, line, liveText?}` for customer and agent lines, to the holder and
 *   supervisors: `line` as kept (redacted), `liveText` what the customer typed when redaction
 *   changed it — so the agent can compare a number the customer gives. This stream is the only
 *   place it reaches, and only roles that verify identities (not `surge`) get it; the detail route
 *   (`GET /handoffs/:id`) serves the kept transcript;
 * - `signed-out` when the session ends (sign-out here, or found gone at a keep-alive), then the stream closes.
 *
 * Comments (`: keep-alive`) go out every `keepAliveMs`, so proxies keep the connection open; each
 * also rechecks the session without extending it, so an idle console still expires.
 */
export class AgentEventStreams {
  private readonly streams = new Set<Stream>();
  private readonly holders = new Map<string, string | undefined>();
  private readonly log: Logger;
  private readonly now: () => Date;
  private unsubscribe?: () => void;
  /** Events are handled one after another, so a holder lookup never reorders a conversation. */
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly deps: AgentEventStreamsDeps) {
    this.log = deps.logger.child({ module: 'agent-events' });
    this.now = deps.now ?? (() => new Date());
  }

  start(): void {
    this.unsubscribe ??= this.deps.hub.subscribe((event) => {
      this.pending = this.pending.then(() => this.dispatch(event)).catch((err: unknown) => this.log.warn({ err, event: event.type }, 'agent events: an event could not be delivered'));
    });
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Serves one stream until the client goes away or the session ends. */
  serve(req: IncomingMessage, res: ServerResponse, session: ActiveSession): Promise<void> {
    return new Promise((resolve) => {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
        'X-Content-Type-Options': 'nosniff',
      });
      res.write(`retry: ${RETRY_MS}\n\n`);
      const timer = setInterval(() => void this.keepAlive(stream), this.deps.keepAliveMs);
      timer.unref();
      const stream: Stream = {
        session,
        res,
        timer,
        ended: () => {
          clearInterval(timer);
          this.streams.delete(stream);
          resolve();
        },
      };
      this.streams.add(stream);
      req.once('close', stream.ended);
      res.once('close', stream.ended);
      send(res, 'ready', { username: session.username, role: session.role });
    });
  }

  /** Ends every stream of a session (sign-out on this instance). */
  endSession(key: string): void {
    for (const stream of [...this.streams]) if (stream.session.key === key) this.finish(stream);
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const stream of [...this.streams]) this.finish(stream);
  }

  private finish(stream: Stream): void {
    send(stream.res, 'signed-out', {});
    stream.res.end();
    stream.ended();
  }

  private async keepAlive(stream: Stream): Promise<void> {
    let alive = true;
    try {
      alive = (await this.deps.sessions.resolveKey(stream.session.key, false)) !== undefined;
    } catch (err) {
      // The store is down: keep the stream; the next API call will say so.
      this.log.debug({ err }, 'agent events: could not recheck a session');
    }
    if (!this.streams.has(stream)) return;
    if (alive) stream.res.write(': keep-alive\n\n');
    else this.finish(stream);
  }

  private async dispatch(event: HandoffEvent): Promise<void> {
    if (this.streams.size === 0 && event.type !== 'claimed' && event.type !== 'closed') return;
    switch (event.type) {
      case 'queued':
        this.broadcast(event.ticket, 'queue', { change: 'queued', ticketId: event.ticket.id });
        return;
      case 'claimed':
      case 'closed': {
        const ticket = event.ticket;
        if (event.type === 'claimed') this.holders.set(ticket.id, ticket.agent);
        else this.holders.delete(ticket.id);
        this.broadcast(ticket, 'queue', { change: event.type, ticketId: ticket.id });
        const summary = ticketSummary(ticket, this.now());
        for (const stream of this.streams) if (mayWatch(stream.session, ticket.agent)) send(stream.res, 'ticket', { ticket: summary });
        return;
      }
      case 'customer.message':
      case 'agent.message': {
        const holder = await this.holderOf(event.ticketId);
        const kept = { ticketId: event.ticketId, line: event.line };
        const typed = event.type === 'customer.message' && event.liveText !== undefined ? { ...kept, liveText: event.liveText } : kept;
        for (const stream of this.streams) if (mayWatch(stream.session, holder)) send(stream.res, 'message', mayOpen(stream.session.role, 'identity') ? typed : kept);
        return;
      }
      default:
        return;
    }
  }

  /** Who holds a ticket: from the claim event when this instance heard it, else from the hub. */
  private async holderOf(ticketId: string): Promise<string | undefined> {
    if (this.holders.has(ticketId)) return this.holders.get(ticketId);
    const ticket = await this.deps.hub.get(ticketId);
    if (ticket?.status === 'claimed') this.holders.set(ticketId, ticket.agent);
    return ticket?.agent;
  }

  /** To every stream whose role works this ticket's kind of handoff. */
  private broadcast(ticket: HandoffTicket, name: string, data: unknown): void {
    for (const stream of this.streams) if (handoffScopeOf(stream.session.role) === 'all' || isIncidentHandoff(ticket)) send(stream.res, name, data);
  }
}

function mayWatch(session: ActiveSession, holder: string | undefined): boolean {
  return session.role === 'supervisor' || (holder !== undefined && holder === session.username);
}

/** One SSE event; JSON has no raw newlines, so `data` is one line. */
function send(res: ServerResponse, name: string, data: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}
