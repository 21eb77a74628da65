/**
 * The load generator of `bench/run.ts`, a process of its own (docs/PERFORMANCE.md: what generates load never
 * runs inside the process it measures): autocannon driving `POST /api/messages` of one bot with expectReplies
 * activities. Run as `node --import tsx bench/turn-load.ts '<TurnLoadRequest as JSON>'`; prints one JSON line,
 * a `TurnLoadResult`.
 *
 * Every activity has its own id (a repeated id is a redelivery, which the bot skips). The n-th activity sent
 * goes to conversation n mod `conversations` and says the next line of `script` in that conversation, so each
 * conversation walks the script in order and no two turns of one conversation overlap (with far fewer
 * connections than conversations). A warm-up pass, then the measured pass; the conversations go on across both.
 */
import type { EventEmitter } from 'node:events';
import { percentile } from './percentile';

/** What to run, from bench/run.ts. */
export interface TurnLoadRequest {
  /** `http://127.0.0.1:<port>/api/messages` */
  readonly url: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly conversations: number;
  /** What each conversation says, in order, again and again. */
  readonly script: readonly string[];
  /** Keeps this run's conversations and activity ids apart from any other's. */
  readonly label: string;
  /** An answer (the raw JSON body of a 200) counts as a turn only if it contains this, as written… */
  readonly answerContains: string;
  /** …and none of these texts (the bot's apologies: a failed turn answers 200 with one). */
  readonly answerLacks: readonly string[];
}

export interface TurnLoadResult {
  /** Answered turns (200 with a right answer) per second of the measured pass. */
  readonly turnsPerSecond: number;
  readonly turns: number;
  readonly seconds: number;
  /** Time to the whole answer of each request of the measured pass, whatever its outcome. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  /** Connection errors and timeouts (autocannon's `errors`, timeouts included). */
  readonly errors: number;
  readonly timeouts: number;
  /** 200 answers without a reply or with an apology. */
  readonly wrongAnswers: number;
  readonly statusCodes: Readonly<Record<string, number>>;
}

/** The parts of autocannon 9 used here (it ships no types). */
interface AutocannonRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  setupRequest(request: AutocannonRequest, context: Record<string, unknown>): AutocannonRequest;
  onResponse(status: number, body: string, context: Record<string, unknown>): void;
}
interface AutocannonResult {
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly statusCodeStats: Readonly<Record<string, { count: number }>>;
}
type AutocannonInstance = EventEmitter & PromiseLike<AutocannonResult>;
const autocannon = require('autocannon') as (options: Record<string, unknown>) => AutocannonInstance;

/** JSON-escaped, as the text appears inside the raw answer. */
const asInJson = (text: string): string => JSON.stringify(text).slice(1, -1);

async function main(ask: TurnLoadRequest): Promise<void> {
  const url = new URL(ask.url);
  const lacks = ask.answerLacks.map(asInJson);
  let sequence = 0;
  let turns = 0;
  let wrongAnswers = 0;

  const request: AutocannonRequest = {
    method: 'POST',
    path: url.pathname,
    headers: { 'content-type': 'application/json' },
    // Called for every request autocannon sends (one per request: it rebuilds when setupRequest is given).
    setupRequest(req) {
      const n = sequence++;
      const conversationIndex = n % ask.conversations;
      const conversation = `bench-${ask.label}-${process.pid}-${conversationIndex}`;
      const text = ask.script[Math.floor(n / ask.conversations) % ask.script.length];
      req.body = JSON.stringify({
        type: 'message', id: `${ask.label}-${process.pid}-${n}`, channelId: 'bench', serviceUrl: 'http://127.0.0.1:1', deliveryMode: 'expectReplies', locale: 'en-US',
        conversation: { id: conversation }, from: { id: `u-${conversation}` }, recipient: { id: 'bot' }, text,
      });
      return req;
    },
    onResponse(status, body) {
      if (status !== 200) return; // counted by autocannon as non2xx
      if (body.includes(ask.answerContains) && !lacks.some((text) => body.includes(text))) turns += 1;
      else wrongAnswers += 1;
    },
  };
  const run = (seconds: number, latencies?: number[]): Promise<AutocannonResult> => {
    const instance = autocannon({ url: url.origin, connections: ask.connections, duration: seconds, requests: [request] });
    if (latencies) instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
    return Promise.resolve(instance);
  };

  if (ask.warmupSeconds > 0) await run(ask.warmupSeconds); // JIT, connections, the conversations' state created
  turns = 0;
  wrongAnswers = 0;
  // Tells bench/run.ts the measured pass begins (it reads the bot's CPU time from here).
  process.stdout.write(`${JSON.stringify({ measuring: true })}\n`);
  const latencies: number[] = [];
  const measured = await run(ask.seconds, latencies);
  latencies.sort((a, b) => a - b);
  const statusCodes = Object.fromEntries(Object.entries(measured.statusCodeStats).map(([code, stats]) => [code, stats.count]));
  const result: TurnLoadResult = {
    turnsPerSecond: turns / measured.duration,
    turns,
    seconds: measured.duration,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    non2xx: measured.non2xx,
    errors: measured.errors,
    timeouts: measured.timeouts,
    wrongAnswers,
    statusCodes,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main(JSON.parse(process.argv[2] ?? '') as TurnLoadRequest).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`turn-load failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
