/**
 * Incident mode under a surge (issue 13, "Measured"), the method of docs/PERFORMANCE.md: the bot in its
 * own process (src/main.ts, as operators run it, on PostgreSQL and Redis), load from other processes
 * (bench/incident-child.ts), baselines measured in the same run.
 *
 * Before the bot starts, an incident is published in its ledger through the concern service (a
 * suspected breach reported, confirmed, its notice set in en and it, published). Then:
 *
 * 1. turns per second over HTTP (expectReplies), the load of bench/incident-child.ts, for the stock echo
 *    bot (another process) and for this bot answering "help" and "what happened?" (the notice); the
 *    ratios of the incident turns to both;
 * 2. a burst: BENCH_BURST_CUSTOMERS customers open their conversation as the Web Chat page does
 *    (`POST /webchat/token`, the conversation started with the token, its WebSocket stream), then all ask
 *    "what happened?" at once and wait for the answer on their stream: errors, p50/p99 time to answer,
 *    total time. First with a connection per customer, as browsers post; then with the posts through a
 *    pool of BENCH_BURST_SOCKETS connections (as a proxy that pools them; 0 skips this second burst).
 *
 * A benchmark, not a test: it prints numbers and asserts nothing about them; an error is counted, never
 * retried. Knobs: BENCH_SECONDS (5), BENCH_WARMUP_SECONDS (3), BENCH_CONCURRENCY (16),
 * BENCH_BURST_CUSTOMERS (2000), BENCH_BURST_SOCKETS (256), BENCH_BURST_SETUP_CONCURRENCY (32),
 * BENCH_BURST_TIMEOUT_SECONDS (60), BENCH_INCIDENT_LEDGER (`postgres` | `embedded`), DATABASE_URL,
 * BENCH_REDIS_URL.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import Redis from 'ioredis';
import { openLedger } from '../src/ledger/ledger';
import { loadLedgerConfig } from '../src/ledger/ledger-config';
import type { IncidentNoticeText } from '../src/privacy/concerns/concern-types';
import { openConcerns } from '../src/privacy/concerns/create-concerns';
import { BotProcess } from '../test/support/bot-process';
import { deleteKeysWithPrefix, requirePostgres, requireRedis, uniqueRedisPrefix } from '../test/support/services';
import { removeSharedTestStores, SharedTestStores } from '../test/support/shared-stores';
import type { BurstRequest, BurstResult, LoadRequest, LoadResult } from './incident-child';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
/** Conversations the load cycles through. */
const CONVERSATIONS = 200;
const CUSTOMERS = Number(process.env.BENCH_BURST_CUSTOMERS ?? 2000);
const BURST_SOCKETS = Number(process.env.BENCH_BURST_SOCKETS ?? 256);
const SETUP_CONCURRENCY = Number(process.env.BENCH_BURST_SETUP_CONCURRENCY ?? 32);
const BURST_TIMEOUT_SECONDS = Number(process.env.BENCH_BURST_TIMEOUT_SECONDS ?? 60);
/** Tokens and conversations the bot lets 127.0.0.1 have: both bursts' customers, and some. */
const TOKEN_ALLOWANCE = 2 * CUSTOMERS + 100;
const LEDGER = process.env.BENCH_INCIDENT_LEDGER === 'embedded' ? 'embedded' : 'postgres';
const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CHILD = path.join(__dirname, 'incident-child.ts');
const ECHO_BOT = path.join(__dirname, 'echo-bot.ts');
const QUESTION = 'what happened?';

/** A fictitious notice; `MARKER` is how an answer is recognised as the notice. */
const MARKER = 'stolen password';
const NOTICE_EN: IncidentNoticeText = {
  whatHappened: 'On 2 December someone used a stolen password to read part of our customer database.',
  whatData: 'Names, email addresses and order history. No payment card data.',
  whatWeDo: 'We locked the account, reset every staff password and told the data protection authority.',
  whatYouShouldDo: 'Be careful with emails asking for your password: we never ask for it.',
};
const NOTICE_IT: IncidentNoticeText = {
  whatHappened: 'Il 2 dicembre qualcuno ha usato una password rubata per leggere parte del nostro archivio clienti.',
  whatData: 'Nomi, indirizzi email e storico degli ordini. Nessun dato delle carte di pagamento.',
  whatWeDo: "Abbiamo bloccato l'account, reimpostato le password del personale e informato il Garante.",
  whatYouShouldDo: 'Faccia attenzione alle email che le chiedono la password: noi non la chiediamo mai.',
};
const CUSTOMER = { actor: 'customer:bench', reason: 'reported a suspected breach in chat (bench)' };
const TEAM = { actor: 'agent:privacy-bench', reason: 'privacy team publishes the incident notice (bench)' };

/** Reported, confirmed, notice set and published, as the console would; the bot is not running yet. */
async function publishIncident(env: Record<string, string>): Promise<string> {
  const ledger = await openLedger(loadLedgerConfig(env));
  try {
    const concerns = await openConcerns(ledger);
    const { reference } = await concerns.report(
      { subjectId: null, topic: 'breach', description: 'I got an email from you that quoted another customer’s order.', occurred: null, dataCategories: [], dataPhrase: null, contact: null, channel: 'webchat', conversation: null, locale: 'en', timeZone: 'Europe/Rome' },
      CUSTOMER,
    );
    const incident = await concerns.confirmBreach(reference, { title: 'Customer database read with a stolen password' }, TEAM);
    await concerns.setNotice(incident.reference, { en: NOTICE_EN, it: NOTICE_IT }, TEAM);
    await concerns.publishNotice(incident.reference, TEAM);
    return incident.reference;
  } finally {
    await ledger.close();
  }
}

/** A child process under the same loader (tsx) as this one: bench/incident-child.ts in a mode, or `script`. */
function child(args: readonly string[], script = CHILD, env: Record<string, string> = {}): ChildProcess {
  // restify (in the echo bot) warns about process.binding at load: noise in the report.
  return spawn(process.execPath, [...process.execArgv, '--no-deprecation', script, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
}

async function firstLine(proc: ChildProcess): Promise<string> {
  const lines = createInterface({ input: proc.stdout! });
  const exited = once(proc, 'exit').then(([code]) => {
    const script = proc.spawnargs.find((arg) => arg.endsWith('.ts')) ?? CHILD;
    throw new Error(`bench/${path.basename(script)} exited with ${String(code)} before answering`);
  });
  const [line] = (await Promise.race([once(lines, 'line'), exited])) as [string];
  lines.close();
  return line;
}

async function runChild<T>(mode: 'load' | 'burst', request: LoadRequest | BurstRequest): Promise<T> {
  return JSON.parse(await firstLine(child([mode, JSON.stringify(request)]))) as T;
}

const load = (port: number, label: string, text: string, expect?: string): Promise<LoadResult> =>
  runChild<LoadResult>('load', { port, label, text, ...(expect ? { expect } : {}), seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, concurrency: CONCURRENCY, conversations: CONVERSATIONS });

/** Resident memory of a process, MB (/proc, Linux). */
function rssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 1 : 0)} ms` : 'n/a');
const seconds = (value: number): string => (Number.isFinite(value) ? `${(value / 1000).toFixed(1)} s` : 'n/a');
const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
const thousands = (n: number): string => n.toLocaleString('en-US');

function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('   '));
  }
}

interface Measured {
  readonly echo: LoadResult & { rssMb: number };
  readonly help: LoadResult;
  readonly incident: LoadResult;
  readonly botIdleRssMb: number;
  readonly botLoadedRssMb: number;
  readonly bursts: readonly BurstRun[];
}

/** One burst, with the bot's memory after it and what it logged at warn or above meanwhile. */
interface BurstRun {
  readonly label: string;
  readonly result: BurstResult;
  readonly rssAfterMb: number;
  readonly botWarnings: ReadonlyMap<string, number>;
}

const errorCount = (result: BurstResult): number => Object.values(result.errors).reduce((sum, n) => sum + n, 0);

function report(m: Measured, backend: string): void {
  console.log(`\n1. turns per second over HTTP (expectReplies): ${CONCURRENCY} connections, ${SECONDS} s after a ${WARMUP_SECONDS} s warm-up, ${CONVERSATIONS} conversations, unique activity ids; load from another process`);
  printTable([
    ['', 'turns/s', 'p50', 'p99', 'errors', 'RSS', 'ratio to echo', 'ratio to "help"'],
    ['stock echo bot, "what happened?" (baseline)', m.echo.perSecond.toFixed(0), ms(m.echo.p50Ms), ms(m.echo.p99Ms), String(m.echo.errors), `${m.echo.rssMb} MB`, '1.00×', ''],
    ['this bot, "help" (an ordinary turn)', m.help.perSecond.toFixed(0), ms(m.help.p50Ms), ms(m.help.p99Ms), String(m.help.errors), '', ratio(m.help.perSecond, m.echo.perSecond), '1.00×'],
    ['this bot, "what happened?" (the notice)', m.incident.perSecond.toFixed(0), ms(m.incident.p50Ms), ms(m.incident.p99Ms), String(m.incident.errors), `${m.botLoadedRssMb} MB`, ratio(m.incident.perSecond, m.echo.perSecond), ratio(m.incident.perSecond, m.help.perSecond)],
  ]);
  console.log(`   this bot: ${backend}; RSS ${m.botIdleRssMb} MB idle after start, ${m.botLoadedRssMb} MB after the load. An answer without "${MARKER}" (the notice) or "Echo:" counts as an error.`);

  console.log(`\n2. burst over Direct Line: ${thousands(CUSTOMERS)} customers open their conversation as the Web Chat page does, then all ask "${QUESTION}" at once and wait for the answer on their stream; load from another process`);
  const cell = (f: (run: BurstRun) => string): string[] => m.bursts.map(f);
  printTable([
    ['', ...m.bursts.map((run) => run.label)],
    ['conversations opened first (token, start, stream)', ...cell((r) => `${thousands(r.result.opened)} in ${seconds(r.result.setupMs)}`)],
    ['answered with the notice', ...cell((r) => `${thousands(r.result.answered)} of ${thousands(r.result.opened)}`)],
    ['errors', ...cell((r) => String(errorCount(r.result)))],
    ['time to answer, p50', ...cell((r) => ms(r.result.p50Ms))],
    ['time to answer, p99', ...cell((r) => ms(r.result.p99Ms))],
    ['time to answer, max', ...cell((r) => ms(r.result.maxMs))],
    ['total time, all asking → last answer', ...cell((r) => seconds(r.result.totalMs))],
    ['answers with the notice per second', ...cell((r) => (r.result.totalMs > 0 ? (r.result.answered / (r.result.totalMs / 1000)).toFixed(0) : 'n/a'))],
    ['bot RSS after the burst', ...cell((r) => `${r.rssAfterMb} MB`)],
  ]);
  for (const run of m.bursts) {
    for (const [kind, n] of Object.entries(run.result.errors)) console.log(`   ${run.label}: error: ${kind} × ${n}`);
    for (const [message, n] of run.botWarnings) console.log(`   ${run.label}: the bot logged ${message} × ${n}`);
  }
  console.log(
    `   Conversations are opened ${SETUP_CONCURRENCY} at a time; the WebSocket streams are one per customer. Time to answer runs from the customer's post being issued (waiting for a connection included) to the answer on the stream. ` +
      `Direct Line limits are the defaults except two, raised for this bench because every customer comes from 127.0.0.1: WEBCHAT_TOKEN_LIMIT and WEBCHAT_MAX_CONVERSATIONS_PER_ADDRESS = ${thousands(TOKEN_ALLOWANCE)}; DIRECT_LINE_RATE_LIMIT_POSTS stays at its default (each conversation posts once).`,
  );
  console.log('\nAbsolute numbers move by ±30 % between runs on this shared 2-core machine; compare the ratios within one run.');
  const errors = m.echo.errors + m.help.errors + m.incident.errors + m.bursts.reduce((sum, run) => sum + errorCount(run.result), 0);
  console.log(`errors: ${errors}`);
}

/** Pino's levels by label (the bot logs labels, see src/log/logger.ts) and number. */
const WARN_OR_ABOVE = new Map<unknown, string>([['warn', 'warn'], ['error', 'error'], ['fatal', 'fatal'], [40, 'warn'], [50, 'error'], [60, 'fatal']]);

/** What the bot logged at warn or above from line `from` on, by level, message and error code. */
function botWarnings(bot: BotProcess, from: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of bot.lines.slice(from)) {
    const level = WARN_OR_ABOVE.get(line.level);
    if (!level) continue;
    const code = typeof line.code === 'string' ? line.code : (line.err as { code?: unknown } | undefined)?.code;
    const key = `${level} "${line.msg}"${typeof code === 'string' ? ` (${code})` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The burst as customers' browsers make it (a connection each), then, if asked, through a pool of connections. */
async function bursts(bot: BotProcess, baseUrl: string): Promise<BurstRun[]> {
  const variants: { label: string; sockets: number | null }[] = [{ label: 'a connection per customer', sockets: null }];
  if (BURST_SOCKETS > 0) variants.push({ label: `posts through ${BURST_SOCKETS} connections`, sockets: BURST_SOCKETS });
  const runs: BurstRun[] = [];
  for (const variant of variants) {
    const from = bot.lines.length;
    const result = await runChild<BurstResult>('burst', { baseUrl, customers: CUSTOMERS, text: QUESTION, expect: MARKER, setupConcurrency: SETUP_CONCURRENCY, sockets: variant.sockets, timeoutSeconds: BURST_TIMEOUT_SECONDS });
    runs.push({ label: variant.label, result, rssAfterMb: rssMb(bot.pid), botWarnings: botWarnings(bot, from) });
  }
  return runs;
}

async function main(): Promise<void> {
  await requireRedis(REDIS_URL);
  if (LEDGER === 'postgres') await requirePostgres(POSTGRES_URL);
  const stores: SharedTestStores = { redisUrl: REDIS_URL, redisPrefix: uniqueRedisPrefix('psb-bench-incident'), databaseUrl: POSTGRES_URL, schema: `bench_incident_${process.pid}` };
  const ledgerDir = LEDGER === 'embedded' ? mkdtempSync(path.join(os.tmpdir(), 'psb-bench-incident-')) : undefined;
  const env: Record<string, string> = {
    ...(ledgerDir ? { LEDGER_DIR: ledgerDir } : { DATABASE_URL: POSTGRES_URL, LEDGER_SCHEMA: stores.schema }),
    LEDGER_HASH_KEY: 'bench-incident-hash-key-0123456789',
    REDIS_URL,
    REDIS_PREFIX: stores.redisPrefix,
    // Every customer of the bursts comes from one address (see the report).
    WEBCHAT_TOKEN_LIMIT: String(TOKEN_ALLOWANCE),
    WEBCHAT_MAX_CONVERSATIONS_PER_ADDRESS: String(TOKEN_ALLOWANCE),
  };
  const backend = ledgerDir ? 'embedded PGlite ledger, Redis state' : 'PostgreSQL ledger, Redis state';
  console.log(`incident mode: the bot (src/main.ts) in its own process, ${backend}; an incident notice published beforehand`);
  let echo: ChildProcess | undefined;
  let bot: BotProcess | undefined;
  try {
    const reference = await publishIncident(env);
    console.log(`published the notice of ${reference}`);
    echo = child([], ECHO_BOT, { PORT: '0' }); // any free port, whatever PORT the shell has
    const { port: echoPort } = JSON.parse(await firstLine(echo)) as { port: number };
    const started = await BotProcess.start(env);
    bot = started.bot;
    const botIdleRssMb = rssMb(bot.pid);
    const echoResult = await load(echoPort, 'echo', QUESTION, `Echo: ${QUESTION}`);
    const echoRss = rssMb(echo.pid);
    const help = await load(started.port, 'help', 'help');
    const incident = await load(started.port, 'incident', QUESTION, MARKER);
    const botLoadedRssMb = rssMb(bot.pid);
    report({ echo: { ...echoResult, rssMb: echoRss }, help, incident, botIdleRssMb, botLoadedRssMb, bursts: await bursts(bot, started.baseUrl) }, backend);
  } finally {
    echo?.stdin?.end();
    echo?.kill();
    if (bot) {
      // As an operator stops it (graceful shutdown); killed only if that takes longer than 20 s.
      bot.signal('SIGTERM');
      await Promise.race([bot.exited, new Promise((resolve) => setTimeout(resolve, 20_000).unref())]);
      await bot.dispose();
    }
    if (ledgerDir) {
      rmSync(ledgerDir, { recursive: true, force: true });
      // The lock file beside the folder (src/ledger/db/ledger-folder-lock.ts), left by a bot that was killed.
      rmSync(`${ledgerDir}.lock`, { force: true });
    }
    await removeStores(stores, ledgerDir === undefined);
  }
}

/** The bench's Redis keys, and the PostgreSQL schema it made (when it made one); nobody else's. */
async function removeStores(stores: SharedTestStores, madeSchema: boolean): Promise<void> {
  if (madeSchema) return removeSharedTestStores(stores);
  const client = new Redis(stores.redisUrl);
  try {
    await deleteKeysWithPrefix(client, stores.redisPrefix);
  } finally {
    client.disconnect();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
