/**
 * The other processes of `bench/incident.ts` (PERFORMANCE.md: what generates load never runs inside
 * the process it measures). Two modes, each answering one JSON line on stdout (the stock echo bot,
 * the baseline, is bench/echo-bot.ts):
 *
 * - `load <json>`: keep-alive connections (node:http) each posting one
 *   expectReplies activity after the other to `/api/messages`, unique activity ids, conversations
 *   cycling — for a warm-up, then the measured seconds. Prints turns/s, p50/p99 and errors (a status
 *   other than 200, or an answer without the expected text).
 * - `burst <json>`: customers as the Web Chat page makes them — `POST /webchat/token`, the conversation
 *   started with that token (`POST /v3/directline/conversations`), its `streamUrl` WebSocket open — then
 *   all of them post the same question at once, each waiting for the bot's answer (the reply to its
 *   post) on its stream. Prints the times to answer and every error by kind.
 */
import http from 'node:http';
import WebSocket from 'ws';
import { percentile } from './percentile';

/** What `load` is asked to do. */
export interface LoadRequest {
  readonly port: number;
  readonly text: string;
  /** Text every answer must contain (raw JSON body); absent: a 200 is enough. */
  readonly expect?: string;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly concurrency: number;
  readonly conversations: number;
  /** Keeps this run's conversations apart from another run's against the same bot. */
  readonly label: string;
}

export interface LoadResult {
  readonly perSecond: number;
  readonly turns: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Statuses other than 200, failed requests, and answers without the expected text. */
  readonly errors: number;
  readonly wrongAnswers: number;
}

/** What `burst` is asked to do. */
export interface BurstRequest {
  readonly baseUrl: string;
  readonly customers: number;
  readonly text: string;
  /** Text the bot's answer must contain. */
  readonly expect: string;
  /** Customers opening their conversation at the same time before the burst. */
  readonly setupConcurrency: number;
  /** HTTP connections the burst's posts share; null: one per customer, as browsers (the WebSockets are one per customer regardless). */
  readonly sockets: number | null;
  /** A customer still without an answer after this long counts as an error. */
  readonly timeoutSeconds: number;
}

export interface BurstResult {
  readonly customers: number;
  /** Conversations opened (token, start, stream) before the burst, and how long that took. */
  readonly opened: number;
  readonly setupMs: number;
  readonly answered: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** From the first post to the last answer. */
  readonly totalMs: number;
  readonly errors: Readonly<Record<string, number>>;
}


interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

function request(agent: http.Agent, url: URL, method: string, body: string | undefined, headers: Record<string, string>, keepBody: boolean): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method, agent, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) } },
      (res) => {
        const parts: Buffer[] = [];
        if (keepBody) res.on('data', (chunk: Buffer) => parts.push(chunk));
        else res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: keepBody ? Buffer.concat(parts).toString('utf8') : '' }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// ───────────────────────────── load ─────────────────────────────

async function load(ask: LoadRequest): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: ask.concurrency });
  const url = new URL(`http://127.0.0.1:${ask.port}/api/messages`);
  let sequence = 0;
  const activityBody = (): string => {
    sequence += 1;
    const conversation = `bench-${ask.label}-${process.pid}-${sequence % ask.conversations}`;
    return JSON.stringify({
      type: 'message', id: `b-${ask.label}-${process.pid}-${sequence}`, channelId: 'bench', serviceUrl: 'http://127.0.0.1:1', deliveryMode: 'expectReplies', locale: 'en-US',
      conversation: { id: conversation }, from: { id: `u-${conversation}` }, recipient: { id: 'bot' }, text: ask.text,
    });
  };
  const pass = async (seconds: number, record: boolean): Promise<{ turns: number; errors: number; wrong: number; latencies: number[] }> => {
    const deadline = Date.now() + seconds * 1000;
    const latencies: number[] = [];
    let turns = 0;
    let errors = 0;
    let wrong = 0;
    await Promise.all(
      Array.from({ length: ask.concurrency }, async () => {
        while (Date.now() < deadline) {
          const started = performance.now();
          try {
            const answer = await request(agent, url, 'POST', activityBody(), {}, ask.expect !== undefined);
            if (answer.status !== 200) errors += 1;
            else if (ask.expect !== undefined && !answer.body.includes(ask.expect)) wrong += 1;
            else {
              turns += 1;
              if (record) latencies.push(performance.now() - started);
            }
          } catch {
            errors += 1;
          }
        }
      }),
    );
    return { turns, errors, wrong, latencies };
  };
  await pass(ask.warmupSeconds, false); // JIT, connections, the conversations' state created
  const measured = await pass(ask.seconds, true);
  const sorted = measured.latencies.sort((a, b) => a - b);
  const result: LoadResult = {
    perSecond: measured.turns / ask.seconds,
    turns: measured.turns,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    errors: measured.errors + measured.wrong,
    wrongAnswers: measured.wrong,
  };
  agent.destroy();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ───────────────────────────── burst ─────────────────────────────

/** One customer with an open conversation and stream. */
interface Customer {
  readonly conversationId: string;
  readonly token: string;
  readonly socket: WebSocket;
  /** The bot's messages by the id they reply to, with when they arrived. */
  readonly replies: Map<string, { at: number; text: string }>;
  /** Called when a reply arrives (the post waits on it). */
  onReply?: () => void;
}

async function openCustomer(ask: BurstRequest, agent: http.Agent, errors: Record<string, number>): Promise<Customer | undefined> {
  const count = (kind: string): undefined => {
    errors[kind] = (errors[kind] ?? 0) + 1;
    return undefined;
  };
  let grant: { token: string };
  try {
    // As web/page.js asks: the browser's language in the body.
    const answer = await request(agent, new URL('/webchat/token', ask.baseUrl), 'POST', JSON.stringify({ locale: 'en-US' }), {}, true);
    if (answer.status !== 200) return count(`POST /webchat/token ${answer.status}`);
    grant = JSON.parse(answer.body) as { token: string };
  } catch (err) {
    return count(`POST /webchat/token ${(err as NodeJS.ErrnoException).code ?? 'failed'}`);
  }
  let started: { conversationId: string; token: string; streamUrl: string };
  try {
    const answer = await request(agent, new URL('/v3/directline/conversations', ask.baseUrl), 'POST', undefined, { authorization: `Bearer ${grant.token}` }, true);
    if (answer.status !== 201 && answer.status !== 200) return count(`POST /v3/directline/conversations ${answer.status}`);
    started = JSON.parse(answer.body) as typeof started;
  } catch (err) {
    return count(`POST /v3/directline/conversations ${(err as NodeJS.ErrnoException).code ?? 'failed'}`);
  }
  const replies = new Map<string, { at: number; text: string }>();
  const socket = new WebSocket(started.streamUrl, { perMessageDeflate: false });
  const customer: Customer = { conversationId: started.conversationId, token: started.token, socket, replies };
  socket.on('message', (data: Buffer) => {
    const at = performance.now();
    if (data.length === 0) return; // keep-alive
    const set = JSON.parse(data.toString('utf8')) as { activities?: { type: string; from?: { role?: string }; replyToId?: string; text?: string }[] };
    for (const activity of set.activities ?? []) {
      if (activity.type === 'message' && activity.from?.role === 'bot' && activity.replyToId && !replies.has(activity.replyToId)) replies.set(activity.replyToId, { at, text: activity.text ?? '' });
    }
    customer.onReply?.();
  });
  const opened = await new Promise<boolean>((resolve) => {
    socket.once('open', () => resolve(true));
    socket.once('error', () => resolve(false));
  });
  if (!opened) return count('stream WebSocket not opened');
  socket.on('error', () => count('stream WebSocket error'));
  return customer;
}

/** Posts the question and resolves with the time to the bot's answer (ms), or the kind of error. */
async function ask(customer: Customer, burst: BurstRequest, agent: http.Agent, clientActivityID: string): Promise<{ ms: number; postedAt: number } | { error: string; postedAt: number }> {
  const postedAt = performance.now();
  const body = JSON.stringify({ type: 'message', from: { id: 'customer' }, text: burst.text, locale: 'en-US', channelData: { clientActivityID } });
  let id: string;
  try {
    const answer = await request(agent, new URL(`/v3/directline/conversations/${encodeURIComponent(customer.conversationId)}/activities`, burst.baseUrl), 'POST', body, { authorization: `Bearer ${customer.token}` }, true);
    if (answer.status !== 200) return { error: `POST …/activities ${answer.status}`, postedAt };
    id = (JSON.parse(answer.body) as { id: string }).id;
  } catch (err) {
    return { error: `POST …/activities ${(err as NodeJS.ErrnoException).code ?? 'failed'}`, postedAt };
  }
  const reply = customer.replies.get(id) ?? (await waitForReply(customer, id, postedAt + burst.timeoutSeconds * 1000));
  if (!reply) return { error: `no answer within ${burst.timeoutSeconds} s`, postedAt };
  if (!reply.text.includes(burst.expect)) return { error: `answer without the notice: "${reply.text.slice(0, 120).replace(/\s+/g, ' ')}…"`, postedAt };
  return { ms: reply.at - postedAt, postedAt };
}

function waitForReply(customer: Customer, id: string, deadline: number): Promise<{ at: number; text: string } | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(undefined), Math.max(0, deadline - performance.now()));
    const finish = (value: { at: number; text: string } | undefined): void => {
      clearTimeout(timer);
      customer.onReply = undefined;
      resolve(value);
    };
    customer.onReply = () => {
      const reply = customer.replies.get(id);
      if (reply) finish(reply);
    };
    customer.socket.once('close', () => finish(customer.replies.get(id)));
  });
}

async function burst(request: BurstRequest): Promise<void> {
  const errors: Record<string, number> = {};
  const setupAgent = new http.Agent({ keepAlive: true, maxSockets: request.setupConcurrency });
  const setupStarted = performance.now();
  const customers: Customer[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: request.setupConcurrency }, async () => {
      while (next < request.customers) {
        next += 1;
        const customer = await openCustomer(request, setupAgent, errors);
        if (customer) customers.push(customer);
      }
    }),
  );
  const setupMs = performance.now() - setupStarted;
  setupAgent.destroy();
  // The welcomes of the last conversations opened are delivered before the burst starts.
  await new Promise((resolve) => setTimeout(resolve, 500));

  const postAgent = new http.Agent({ keepAlive: true, maxSockets: request.sockets ?? Infinity });
  const burstStarted = performance.now();
  const outcomes = await Promise.all(customers.map((customer, i) => ask(customer, request, postAgent, `burst-${process.pid}-${i}`)));
  const times: number[] = [];
  let lastAnswer = burstStarted;
  for (const outcome of outcomes) {
    if ('error' in outcome) errors[outcome.error] = (errors[outcome.error] ?? 0) + 1;
    else {
      times.push(outcome.ms);
      lastAnswer = Math.max(lastAnswer, outcome.postedAt + outcome.ms);
    }
  }
  const sorted = times.sort((a, b) => a - b);
  const result: BurstResult = {
    customers: request.customers,
    opened: customers.length,
    setupMs,
    answered: times.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    totalMs: lastAnswer - burstStarted,
    errors,
  };
  for (const customer of customers) customer.socket.terminate();
  postAgent.destroy();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ───────────────────────────── main ─────────────────────────────

const [mode, json] = process.argv.slice(2);
const fail = (err: unknown): never => {
  process.stderr.write(`incident-child ${mode} failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
};
if (mode === 'load') load(JSON.parse(json) as LoadRequest).then(() => process.exit(0), fail);
else if (mode === 'burst') burst(JSON.parse(json) as BurstRequest).then(() => process.exit(0), fail);
else {
  process.stderr.write('usage: incident-child.ts load <json> | burst <json>\n');
  process.exit(2);
}
