import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import restify, { Server } from 'restify';
import type { Redis } from 'ioredis';
import { AgentConsoleConfig, DEFAULT_AGENT_CONSOLE_CONFIG } from '../../src/agent/agent-console-config';
import { AgentConsole, createAgentConsole } from '../../src/agent/create-agent-console';
import type { CustomerChannel } from '../../src/handoff/customer-channel';
import type { HandoffHub } from '../../src/handoff/handoff-hub';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import type { HandoffTicket, NewHandoff } from '../../src/handoff/handoff-types';
import type { AgentRole } from '../../src/ledger/agents/agent-service';
import { Ledger, openLedger } from '../../src/ledger/ledger';
import type { AccessRequests } from '../../src/privacy/access/access-requests';
import type { ReportPreview } from '../../src/privacy/access/copy/copy-preview';
import type { Concerns } from '../../src/privacy/concerns/concerns';
import type { ExpectedPolicy } from '../support/content-security-policy';
import { LogCapture } from '../support/test-app';
import { NO_TRUSTED_PROXY, TrustProxy } from '../../src/config/trust-proxy';
import { clientAddressResolver } from '../../src/server/client-address';

/** Every call the console made to the customer side, in order. */
export type ChannelCall =
  | { readonly kind: 'agentJoined'; readonly ticketId: string }
  | { readonly kind: 'deliverAgentMessage'; readonly ticketId: string; readonly agent: string; readonly text: string }
  | { readonly kind: 'handoffClosed'; readonly ticketId: string; readonly ticket: HandoffTicket };

/** A CustomerChannel that records what it is asked to deliver (and can be told to fail). */
export class RecordingCustomerChannel implements CustomerChannel {
  readonly calls: ChannelCall[] = [];
  failing = false;

  async deliverAgentMessage(ticket: HandoffTicket, agent: string, text: string): Promise<void> {
    this.check();
    this.calls.push({ kind: 'deliverAgentMessage', ticketId: ticket.id, agent, text });
  }

  async agentJoined(ticket: HandoffTicket): Promise<void> {
    this.check();
    this.calls.push({ kind: 'agentJoined', ticketId: ticket.id });
  }

  async handoffClosed(ticket: HandoffTicket): Promise<void> {
    this.check();
    this.calls.push({ kind: 'handoffClosed', ticketId: ticket.id, ticket });
  }

  private check(): void {
    if (this.failing) throw new Error('customer channel down (test)');
  }
}

export const PASSWORDS: Readonly<Record<string, string>> = Object.freeze({
  alice: 'alice has a long password',
  bob: 'bob has a long password too',
  sara: 'sara supervises with a long password',
  pia: 'pia works access requests with a long password',
  sam: 'sam helps during a breach surge with a long password',
});

/** Registers the test agents: alice and bob (agents), sara (supervisor); with `privacyTeam`, pia (privacy); with `surge`, sam (surge). */
export async function addTestAgents(ledger: Ledger, options: { privacyTeam?: boolean; surge?: boolean } = {}): Promise<void> {
  const roles: Record<string, AgentRole> = {
    alice: 'agent',
    bob: 'agent',
    sara: 'supervisor',
    ...(options.privacyTeam ? { pia: 'privacy' as const } : {}),
    ...(options.surge ? { sam: 'surge' as const } : {}),
  };
  for (const [username, role] of Object.entries(roles)) {
    if (!(await ledger.agents.get(username))) await ledger.agents.add(username, role, PASSWORDS[username], { actor: 'system:test', reason: 'test agent' });
  }
}

export function openTestLedger(): Promise<Ledger> {
  return openLedger({ ledgerDir: 'memory://', hashKey: 'agent-console-test-key-0123456789' });
}

export interface ConsoleServer {
  readonly console: AgentConsole;
  readonly server: Server;
  readonly baseUrl: string;
  readonly logs: LogCapture;
  close(): Promise<void>;
}

export interface ConsoleServerOptions {
  readonly ledger: Ledger;
  readonly hub: HandoffHub;
  readonly channel: CustomerChannel;
  readonly config?: Partial<AgentConsoleConfig>;
  /** Sessions in Redis through this client; in-process without. */
  readonly redis?: Redis;
  readonly redisPrefix?: string;
  /** `TRUST_PROXY`. @default none */
  readonly trustProxy?: TrustProxy;
  /** The console's clock (sessions, in-process limits, back-off). */
  readonly now?: () => Date;
  /** Serves the Requests view over these access requests. */
  readonly accessRequests?: AccessRequests;
  readonly reportPreview?: ReportPreview;
  /** Serves the Concerns and Incidents views (and the published notice) over these concerns. */
  readonly concerns?: Concerns;
}

/** The console's route group on its own restify server, on a free port. */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const logs = new LogCapture();
  const agentConsole = await createAgentConsole({
    config: { ...DEFAULT_AGENT_CONSOLE_CONFIG, ...options.config },
    hub: options.hub,
    customerChannel: options.channel,
    ledger: options.ledger,
    redisUrl: '',
    redisPrefix: options.redisPrefix ?? 'psb-test:',
    ...(options.redis ? { redisClient: options.redis } : {}),
    bodyLimitBytes: 64 * 1024,
    clientAddress: clientAddressResolver(options.trustProxy ?? NO_TRUSTED_PROXY),
    logger: logs.logger,
    ...(options.now ? { now: options.now } : {}),
    ...(options.accessRequests ? { accessRequests: options.accessRequests } : {}),
    ...(options.reportPreview ? { reportPreview: options.reportPreview } : {}),
    ...(options.concerns ? { concerns: options.concerns } : {}),
  });
  const server = restify.createServer({ handleUncaughtExceptions: false });
  agentConsole.routes(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    console: agentConsole,
    server,
    baseUrl: `http://127.0.0.1:${port}`,
    logs,
    close: async () => {
      await agentConsole.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Closes what a suite's `before` opened, the server first (any of them may be missing if `before` failed). */
export async function closeConsoleServer(app: ConsoleServer | undefined, hub: HandoffHub | undefined, ledger: Ledger | undefined): Promise<void> {
  await app?.close();
  await hub?.close();
  await ledger?.close();
}

/** Runs `run` against a console server over a fresh ledger holding the test agents (`agents` as `addTestAgents` takes them), closed whatever happens. */
export async function withConsoleServer(
  options: Omit<ConsoleServerOptions, 'ledger' | 'hub' | 'channel'> & { readonly agents?: { privacyTeam?: boolean; surge?: boolean } },
  run: (app: ConsoleServer) => Promise<void>,
): Promise<void> {
  const { agents, ...serverOptions } = options;
  const ledger = await openTestLedger();
  const hub = new MemoryHandoffHub({ timeoutSeconds: 600 });
  const app = await startConsoleServer({ ...serverOptions, ledger, hub, channel: new RecordingCustomerChannel() });
  try {
    await addTestAgents(ledger, agents);
    await run(app);
  } finally {
    await closeConsoleServer(app, hub, ledger);
  }
}

/** An agent signed in to `app` with their test password; fails the test if the login is refused. */
export async function signedInAgent(app: ConsoleServer, username: string): Promise<AgentClient> {
  const client = new AgentClient(app.baseUrl);
  const answer = await client.login(username);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return client;
}

/** The policy of a page the console shows in a sandboxed frame (a copy's preview, a notification draft): no script, nothing fetched. */
export const SANDBOXED_PAGE_POLICY: ExpectedPolicy = {
  sandbox: [],
  'default-src': ["'none'"],
  'style-src': ["'unsafe-inline'"],
  'img-src': ['data:'],
  'font-src': ['data:'],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'self'"],
};

let conversationSeq = 0;

/** A handoff as the bot would queue it. */
export function newHandoff(extra: Partial<NewHandoff> = {}): NewHandoff {
  conversationSeq += 1;
  return {
    reason: 'verification',
    locale: 'it',
    pendingAction: 'consent.view',
    channelId: 'webchat',
    conversation: { conversation: { id: `conv-${process.pid}-${conversationSeq}` }, serviceUrl: 'http://127.0.0.1:1', user: { id: `user-${conversationSeq}` } },
    transcript: [
      { from: 'customer', text: 'I want to see my consents', at: new Date(Date.now() - 60_000).toISOString() },
      { from: 'bot', text: 'I need to verify who you are first.', at: new Date(Date.now() - 59_000).toISOString() },
    ],
    ...extra,
  };
}

export interface HttpAnswer<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** A browser-like client of the agent API: keeps the cookie, sends the CSRF token on POST. */
export class AgentClient {
  cookie = '';
  csrfToken = '';

  constructor(readonly baseUrl: string) {}

  async login(username: string, password = PASSWORDS[username] ?? ''): Promise<HttpAnswer<{ username: string; role: string; csrfToken: string }>> {
    const answer = await this.request<{ username: string; role: string; csrfToken: string }>('POST', '/agent/api/login', { username, password }, { csrf: false });
    const setCookie = answer.headers.get('set-cookie');
    if (answer.status === 200 && setCookie) {
      this.cookie = setCookie.split(';')[0];
      this.csrfToken = answer.body.csrfToken;
    }
    return answer;
  }

  get<T = unknown>(path: string): Promise<HttpAnswer<T>> {
    return this.request<T>('GET', path);
  }

  post<T = unknown>(path: string, body?: unknown, options: { csrf?: boolean | string } = {}): Promise<HttpAnswer<T>> {
    return this.request<T>('POST', path, body, options);
  }

  async request<T>(method: string, path: string, body?: unknown, options: { csrf?: boolean | string } = {}): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const csrf = options.csrf ?? true;
    if (method !== 'GET' && csrf !== false) headers['x-csrf-token'] = typeof csrf === 'string' ? csrf : this.csrfToken;
    const response = await fetch(this.baseUrl + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const raw = await response.text();
    let parsed: unknown = raw;
    try {
      parsed = raw ? JSON.parse(raw) : undefined;
    } catch {
      parsed = raw;
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }
}

export interface ErrorAnswer {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
}

/** The error code of a refusal. */
export function errorCode(answer: { body: unknown }): string {
  return (answer.body as ErrorAnswer).error.code;
}

/** Nothing reached the service (a helper: `deepEqual(calls, [])` would narrow the array's type for the rest of the test). */
export function assertNoCalls(service: { readonly calls: readonly unknown[] }): void {
  assert.deepEqual([...service.calls], [], 'nothing reached the service');
}

/** One Server-Sent Event. */
export interface SseEvent {
  readonly event: string;
  readonly data: unknown;
}

/** Reads `GET /agent/api/events` as a browser would; `next` waits for the next event matching a predicate. */
export class SseReader {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  ended = false;
  private buffer = '';
  private waiters: (() => void)[] = [];
  private readonly abort = new AbortController();

  private constructor(readonly status: number) {}

  static async open(client: AgentClient): Promise<SseReader> {
    const controller = new AbortController();
    const response = await fetch(`${client.baseUrl}/agent/api/events`, { headers: client.cookie ? { cookie: client.cookie } : {}, signal: controller.signal });
    const reader = new SseReader(response.status);
    reader.abort.signal.addEventListener('abort', () => controller.abort());
    if (response.body) void reader.pump(response.body);
    else reader.ended = true;
    return reader;
  }

  /** The first event (already read or still to come) that matches; `timeoutMs` only guards against a hang. */
  async next(predicate: (event: SseEvent) => boolean, timeoutMs = 5000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (this.ended) throw new Error(`the event stream ended without the event; got ${JSON.stringify(this.events)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`hang guard: no such event within ${timeoutMs} ms (events normally arrive in milliseconds; this limit only catches a hang); got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once the server has ended the stream (woken by the stream's end); `timeoutMs` only guards against a hang. */
  async waitEnded(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`hang guard: the event stream is still open after ${timeoutMs} ms (it normally ends at once; this limit only catches a hang)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.abort.abort();
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        this.buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = this.buffer.indexOf('\n\n')) >= 0) {
          this.parse(this.buffer.slice(0, end));
          this.buffer = this.buffer.slice(end + 2);
        }
        this.wake();
      }
    } catch {
      // aborted
    }
    this.ended = true;
    this.wake();
  }

  private parse(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) this.events.push({ event, data: JSON.parse(data.join('\n')) as unknown });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
