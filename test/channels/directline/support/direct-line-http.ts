import WebSocket from 'ws';

/** A Direct Line secret for tests (at least 32 characters). Never a real one. */
export const TEST_SECRET = 'test-direct-line-secret-0123456789abcdef';

export interface JsonResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface ErrorJson {
  error: { code: string; message: string; field?: string };
}

export interface ConversationJson {
  conversationId: string;
  token: string;
  expires_in: number;
  streamUrl: string;
}

export interface ActivitySetJson {
  activities: { id: string; type: string; text?: string; from: { id: string; role?: string }; channelData?: Record<string, unknown>; replyToId?: string }[];
  watermark: string;
}

/** One Direct Line (or connector) HTTP call: JSON in, JSON out, any status. */
export async function dlFetch<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: { bearer?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** Token from the secret, then the conversation started with it (the welcome is stored when this resolves). */
export async function startConversation(baseUrl: string, body: unknown = {}, secret = TEST_SECRET): Promise<ConversationJson> {
  const generated = await dlFetch<{ token: string }>(baseUrl, 'POST', '/v3/directline/tokens/generate', { bearer: secret, body });
  if (generated.status !== 200) throw new Error(`tokens/generate answered ${generated.status}: ${JSON.stringify(generated.body)}`);
  const started = await dlFetch<ConversationJson>(baseUrl, 'POST', '/v3/directline/conversations', { bearer: generated.body.token });
  if (started.status !== 201) throw new Error(`conversations answered ${started.status}: ${JSON.stringify(started.body)}`);
  return started.body;
}

export function postMessage(baseUrl: string, conversation: { conversationId: string; token: string }, text: string, clientActivityID?: string) {
  return dlFetch<{ id: string }>(baseUrl, 'POST', `/v3/directline/conversations/${conversation.conversationId}/activities`, {
    bearer: conversation.token,
    body: { type: 'message', from: { id: 'whoever' }, text, locale: 'en-US', ...(clientActivityID ? { channelData: { clientActivityID } } : {}) },
  });
}

export function readActivities(baseUrl: string, conversation: { conversationId: string; token: string }, watermark = '') {
  return dlFetch<ActivitySetJson>(baseUrl, 'GET', `/v3/directline/conversations/${conversation.conversationId}/activities?watermark=${watermark}`, { bearer: conversation.token });
}

/**
 * What a raw WebSocket upgrade to `url` gets: open (with every text message received, collected
 * from the first, which can arrive with the handshake), or the HTTP status of the refusal.
 */
export function tryWebSocket(url: string): Promise<{ opened: true; socket: WebSocket; messages: string[] } | { opened: false; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const messages: string[] = [];
    socket.on('message', (data: Buffer) => messages.push(data.toString('utf8')));
    socket.once('open', () => resolve({ opened: true, socket, messages }));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ opened: false, status: res.statusCode ?? 0, body }));
    });
    socket.once('error', (err) => reject(err));
  });
}
