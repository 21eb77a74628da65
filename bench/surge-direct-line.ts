/**
 * One customer's Direct Line conversation as Web Chat holds it (bench/surge.ts): a token minted with the secret
 * (what a company's page does on its server), the conversation started with that token, its `streamUrl`
 * WebSocket open for the replies, messages posted over HTTP — to whichever instance the caller names, as a load
 * balancer without affinity would. Everything the stream brings is kept in order with its arrival time.
 */
import WebSocket from 'ws';

/** The parts of a Direct Line activity the surge reads. */
export interface DirectLineActivity {
  readonly id: string;
  readonly type: string;
  readonly text?: string;
  readonly from: { readonly id: string; readonly role?: string };
  readonly replyToId?: string;
  readonly attachments?: readonly { readonly contentType: string; readonly content?: unknown }[];
  readonly channelData?: { readonly clientActivityID?: string };
}

/** A bot activity as the stream brought it, with when (performance.now()). */
export interface Arrival {
  readonly activity: DirectLineActivity;
  readonly at: number;
}

/** What waiting for the next bot activity gave. */
export type NextReply = { readonly kind: 'reply'; readonly arrival: Arrival } | { readonly kind: 'timeout' } | { readonly kind: 'closed'; readonly reason: string };

/** An HTTP call that failed: a status other than 2xx, or no answer at all (`status` undefined). */
export class DirectLineCallError extends Error {
  constructor(
    readonly call: string,
    readonly status: number | undefined,
    detail: string,
  ) {
    super(`${call}: ${status === undefined ? detail : `${status} ${detail}`}`);
    this.name = 'DirectLineCallError';
  }
}

interface ConversationJson {
  readonly conversationId: string;
  readonly token: string;
  readonly streamUrl: string;
}

/** An error body's code (`{ error: { code } }`), never the message (it could quote input). */
function errorCodeOf(text: string): string {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : text.slice(0, 80);
  } catch {
    return text.slice(0, 80);
  }
}

async function call<T>(what: string, url: string, init: RequestInit & { timeoutMs: number }): Promise<T> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs) });
    text = await response.text();
  } catch (err) {
    const cause = err as Error & { cause?: { code?: string } };
    throw new DirectLineCallError(what, undefined, cause.name === 'TimeoutError' ? `no answer within ${init.timeoutMs} ms` : (cause.cause?.code ?? cause.message));
  }
  if (response.status < 200 || response.status > 299) throw new DirectLineCallError(what, response.status, errorCodeOf(text));
  try {
    return (text ? JSON.parse(text) : undefined) as T;
  } catch {
    throw new DirectLineCallError(what, response.status, 'an answer that is not JSON');
  }
}

export class DirectLineConversation {
  /** Ids of every activity the stream brought (echoes and replies), in order, each once. */
  readonly streamed: string[] = [];
  /** What the stream did that a client does not expect: a repeated id, an unreadable message. */
  readonly anomalies: string[] = [];
  private readonly seen = new Set<string>();
  private readonly replies: Arrival[] = [];
  private wake: (() => void) | undefined;
  private socket: WebSocket | undefined;
  private closedBecause: string | undefined;
  private ending = false;

  private constructor(
    private readonly conversation: ConversationJson,
    private readonly userId: string,
    private readonly timeoutMs: number,
  ) {}

  get id(): string {
    return this.conversation.conversationId;
  }

  /** Token (secret) and conversation start (token) on `baseUrl`; the welcome turn has run when this resolves. */
  static async start(baseUrl: string, secret: string, locale: string, timeoutMs: number): Promise<DirectLineConversation> {
    const json = { 'content-type': 'application/json' };
    const generated = await call<{ token: string }>('POST /tokens/generate', `${baseUrl}/v3/directline/tokens/generate`, { method: 'POST', headers: { authorization: `Bearer ${secret}` }, timeoutMs });
    const started = await call<ConversationJson>('POST /conversations', `${baseUrl}/v3/directline/conversations`, { method: 'POST', headers: { ...json, authorization: `Bearer ${generated.token}` }, body: JSON.stringify({ locale }), timeoutMs });
    const claims = JSON.parse(Buffer.from(started.token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { user?: string };
    return new DirectLineConversation(started, String(claims.user ?? ''), timeoutMs);
  }

  /** Opens the `streamUrl` WebSocket; resolves once it is open. */
  openStream(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.conversation.streamUrl, { perMessageDeflate: false, handshakeTimeout: this.timeoutMs });
      this.socket = socket;
      socket.on('message', (data) => this.onMessage(String(data)));
      socket.once('open', () => resolve());
      // `on`, not `once`: a second error event without a listener would end the whole surge.
      socket.on('error', (err) => {
        this.closedBecause ??= `stream error: ${err.message}`;
        reject(new DirectLineCallError('GET streamUrl (WebSocket)', undefined, err.message));
      });
      socket.once('close', (code) => {
        if (!this.ending) this.closedBecause ??= `stream closed by the server (${code})`;
        this.wake?.();
      });
    });
  }

  /** Posts a message as Web Chat does; resolves with the activity id the endpoint gave it. */
  async post(baseUrl: string, text: string, clientActivityID: string): Promise<string> {
    const body = { type: 'message', from: { id: this.userId }, text, locale: 'en-US', textFormat: 'plain', channelData: { clientActivityID } };
    const answer = await call<{ id?: string }>('POST /activities', `${baseUrl}/v3/directline/conversations/${encodeURIComponent(this.id)}/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.conversation.token}` },
      body: JSON.stringify(body),
      timeoutMs: this.timeoutMs,
    });
    if (typeof answer?.id !== 'string') throw new DirectLineCallError('POST /activities', 200, 'no activity id in the answer');
    return answer.id;
  }

  /** The next bot activity the stream brought (or brings before `deadline`, a performance.now() time). */
  async next(deadline: number): Promise<NextReply> {
    for (;;) {
      const arrival = this.replies.shift();
      if (arrival) return { kind: 'reply', arrival };
      if (this.closedBecause !== undefined) return { kind: 'closed', reason: this.closedBecause };
      const left = deadline - performance.now();
      if (left <= 0) return { kind: 'timeout' };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Bot activities the stream brought that nobody has taken with `next`. */
  get unread(): number {
    return this.replies.length;
  }

  /** Every activity the endpoint holds for the conversation (polling, on `baseUrl`), in order. */
  async stored(baseUrl: string): Promise<DirectLineActivity[]> {
    const all: DirectLineActivity[] = [];
    let watermark = '';
    for (;;) {
      const page = await call<{ activities: DirectLineActivity[]; watermark: string }>('GET /activities', `${baseUrl}/v3/directline/conversations/${encodeURIComponent(this.id)}/activities?watermark=${watermark}`, {
        headers: { authorization: `Bearer ${this.conversation.token}` },
        timeoutMs: this.timeoutMs,
      });
      all.push(...page.activities);
      if (page.activities.length === 0 || page.watermark === watermark) return all;
      watermark = page.watermark;
    }
  }

  close(): void {
    this.ending = true;
    this.socket?.close(1000);
  }

  private onMessage(text: string): void {
    if (text === '') return; // keep-alive
    const at = performance.now();
    let activities: DirectLineActivity[];
    try {
      activities = (JSON.parse(text) as { activities: DirectLineActivity[] }).activities;
    } catch {
      this.anomalies.push('an unreadable stream message');
      return;
    }
    for (const activity of activities) {
      if (this.seen.has(activity.id)) {
        this.anomalies.push(`activity ${activity.id.split('|')[1] ?? activity.id} came twice on the stream`);
        continue;
      }
      this.seen.add(activity.id);
      this.streamed.push(activity.id);
      if (activity.from.id !== this.userId) this.replies.push({ activity, at });
    }
    this.wake?.();
  }
}
