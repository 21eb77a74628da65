/**
 * `npm run bench`, the turn benchmark (issue 15; the method is docs/PERFORMANCE.md's). One after the other, each
 * in a process of its own, started, waited for, loaded, stopped:
 *
 * 1. the stock echo bot (bench/echo-bot.ts: CloudAdapter, ActivityHandler, no state): the baseline;
 * 2. this bot on in-process state, its ledger embedded (PGlite) in a temporary folder;
 * 3. this bot on Redis and PostgreSQL, under a Redis key prefix and a PostgreSQL schema of this run only,
 *    both removed afterwards (nothing else is touched: the services are shared).
 *
 * This bot runs as operators run it: its entry point (`node dist/src/main.js` when the build is newer than
 * every source file, else `node --import tsx src/main.ts`), NODE_ENV=production with keys made for the run,
 * ALLOW_UNAUTHENTICATED=true (local HTTP, no channel tokens) and the load's serviceUrl in ALLOWED_SERVICE_URLS.
 * Each system is timed from spawn to its first `/readyz` 200 (the echo bot, which has no such route: to its
 * first HTTP answer); this bot is started twice, the first start making its ledger, and the restart (a warm
 * start, as on a deployed machine) is the one timed and loaded. The load is bench/turn-load.ts (autocannon, in
 * another process): BENCH_CONNECTIONS connections, 400 conversations each walking "hi" → "check my consents" →
 * "cancel" → "help", unique activity ids, deliveryMode expectReplies, BENCH_SECONDS measured after
 * BENCH_WARMUP_SECONDS of warm-up. Printed: turns/s, p50, p99, non-2xx, errors, RSS of the process after start
 * and after the load (/proc), ratios to the echo bot; a table, then JSON.
 *
 * `--quick` (or BENCH_QUICK=1), for a laptop: 3 s, 8 connections. Knobs: BENCH_SECONDS (10), BENCH_CONNECTIONS
 * (32), BENCH_WARMUP_SECONDS (3), BENCH_BOT_ENTRY (`built` | `source`), BENCH_REDIS_URL, DATABASE_URL.
 * A benchmark, not a test: it asserts nothing about speed; an error is counted, never retried.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { requirePostgres, requireRedis, uniqueRedisPrefix } from '../test/support/services';
import { removeSharedTestStores, SharedTestStores } from '../test/support/shared-stores';
import type { TurnLoadRequest, TurnLoadResult } from './turn-load';

const ROOT = path.resolve(__dirname, '..');
const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 10));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? (QUICK ? 8 : 32));
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONVERSATIONS = 400;
const SCRIPT = ['hi', 'check my consents', 'cancel', 'help'] as const;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The serviceUrl of the load's activities (nothing is sent there: the replies come back in the HTTP answer). */
const SERVICE_URL = 'http://127.0.0.1:1';
/** Start-up trains no model when the cache is warm; a cold cache on a busy two-core machine takes minutes. */
const READY_LIMIT_MS = 240_000;
const STOP_LIMIT_MS = 20_000;

/** One system under test, as measured. */
interface SystemResult {
  readonly system: string;
  /** Spawn → ready of the process loaded; for this bot a restart, its ledger already made (a warm start). */
  readonly readyMs: number;
  /** This bot only: spawn → ready of its very first start, which makes the ledger (database, migrations). */
  readonly firstStartMs?: number;
  readonly rssStartMb: number;
  readonly rssAfterMb: number;
  readonly load: TurnLoadResult;
  /** What the process logged at warn or above during the load, by level and message. */
  readonly warnings: Readonly<Record<string, number>>;
}

// ───────────────────────────── processes ─────────────────────────────

/** A process of the bench, its log lines (JSON ones parsed) kept from the moment it starts. */
class Child {
  readonly lines: Record<string, unknown>[] = [];
  readonly exited: Promise<number | null>;
  private stderr = '';
  private done = false;

  constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
  ) {
    let pending = '';
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
        const text = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (!text.startsWith('{')) continue;
        try {
          this.lines.push(JSON.parse(text) as Record<string, unknown>);
        } catch {
          // not a log line: ignored, as other text on stdout
        }
      }
    });
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr = (this.stderr + chunk).slice(-4000)));
    this.exited = new Promise((resolve) =>
      proc.once('close', (code: number | null) => {
        this.done = true;
        resolve(code);
      }),
    );
  }

  get pid(): number {
    if (this.proc.pid === undefined) throw new Error(`${this.name} could not be spawned`);
    return this.proc.pid;
  }

  get hasExited(): boolean {
    return this.done;
  }

  lastErrors(): string {
    return this.stderr.trim();
  }

  /** Asks it to stop (SIGTERM, standard input closed); killed if it is still there after STOP_LIMIT_MS. */
  async stop(): Promise<void> {
    if (this.done) return;
    this.proc.stdin?.end();
    this.proc.kill('SIGTERM');
    const stopped = await Promise.race([this.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOP_LIMIT_MS).unref())]);
    if (!stopped) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }
}

const running = new Set<Child>();

function start(name: string, args: readonly string[], env: NodeJS.ProcessEnv): Child {
  const child = new Child(name, spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] }));
  running.add(child);
  void child.exited.then(() => running.delete(child));
  return child;
}

/** A port free on 127.0.0.1 right now (the system is told it with PORT). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The status of `GET url`, or undefined when nothing answers yet. */
function statusOf(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** Ms from `spawnedAt` until `GET /readyz` answers as `ready` wants; fails if the process exits first. */
async function waitUntilReady(child: Child, port: number, spawnedAt: number, ready: (status: number) => boolean): Promise<number> {
  const url = `http://127.0.0.1:${port}/readyz`;
  for (;;) {
    const status = await statusOf(url);
    if (status !== undefined && ready(status)) return performance.now() - spawnedAt;
    if (child.hasExited) throw new Error(`${child.name} exited before it was ready: ${child.lastErrors().slice(-2000)}`);
    if (performance.now() - spawnedAt > READY_LIMIT_MS) throw new Error(`${child.name} not ready within ${READY_LIMIT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resident memory of a process, MB (/proc, Linux). */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

/** The load generator, in its own process; resolves with its one line of JSON. */
async function load(port: number, label: string, answerContains: string, answerLacks: readonly string[]): Promise<TurnLoadResult> {
  const request: TurnLoadRequest = { url: `http://127.0.0.1:${port}/api/messages`, connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS, conversations: CONVERSATIONS, script: SCRIPT, label, answerContains, answerLacks };
  const generator = start('the load generator', ['--import', 'tsx', path.join(__dirname, 'turn-load.ts'), JSON.stringify(request)], { PATH: process.env.PATH ?? '' });
  const code = await generator.exited;
  const [result] = generator.lines;
  if (code !== 0 || result === undefined) throw new Error(`bench/turn-load.ts exited with ${String(code)}: ${generator.lastErrors()}`);
  return result as unknown as TurnLoadResult;
}

/** Pino's levels by label (the bot logs labels) and number. */
const WARN_OR_ABOVE = new Map<unknown, string>([['warn', 'warn'], ['error', 'error'], ['fatal', 'fatal'], [40, 'warn'], [50, 'error'], [60, 'fatal']]);

function warningsSince(child: Child, from: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of child.lines.slice(from)) {
    const level = WARN_OR_ABOVE.get(line.level);
    if (!level) continue;
    const key = `${level} "${String(line.msg)}"${typeof line.code === 'string' ? ` (${line.code})` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

interface Expectations {
  /** Whether a status of `GET /readyz` means ready. */
  readonly ready: (status: number) => boolean;
  readonly answerContains: string;
  readonly answerLacks: readonly string[];
  /** Start, stop (SIGTERM, as an operator) and start again before the load: the second start is the one timed. */
  readonly restart: boolean;
}

/** Spawns the system and resolves once it is ready, with the time that took. */
async function startReady(system: string, args: readonly string[], env: NodeJS.ProcessEnv, port: number, expect: Expectations): Promise<{ child: Child; readyMs: number }> {
  const spawnedAt = performance.now();
  const child = start(system, args, { ...env, PORT: String(port) });
  try {
    return { child, readyMs: await waitUntilReady(child, port, spawnedAt, expect.ready) };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** Starts a system (twice if asked), times it to ready, loads it, stops it. */
async function measure(system: string, label: string, args: readonly string[], env: NodeJS.ProcessEnv, expect: Expectations): Promise<SystemResult> {
  const port = await freePort();
  console.log(`${system}: starting…`);
  let firstStartMs: number | undefined;
  if (expect.restart) {
    const first = await startReady(system, args, env, port, expect);
    firstStartMs = first.readyMs;
    await first.child.stop();
    console.log(`${system}: first start (a new ledger) ready after ${(firstStartMs / 1000).toFixed(2)} s; stopped, starting again…`);
  }
  const { child, readyMs } = await startReady(system, args, env, port, expect);
  try {
    const rssStartMb = rssMb(child.pid);
    console.log(`${system}: ready after ${(readyMs / 1000).toFixed(2)} s (RSS ${rssStartMb} MB); ${WARMUP_SECONDS} s warm-up, ${SECONDS} s measured…`);
    const from = child.lines.length;
    const result = await load(port, label, expect.answerContains, expect.answerLacks);
    const rssAfterMb = rssMb(child.pid);
    return { system, readyMs, ...(firstStartMs === undefined ? {} : { firstStartMs }), rssStartMb, rssAfterMb, load: result, warnings: warningsSince(child, from) };
  } finally {
    await child.stop();
  }
}

// ───────────────────────────── the systems ─────────────────────────────

/** How this bot is started: the build when it is newer than every source file (or BENCH_BOT_ENTRY says). */
function botEntry(): { args: string[]; description: string } {
  const built = path.join(ROOT, 'dist/src/main.js');
  const source = { args: ['--import', 'tsx', 'src/main.ts'], description: 'node --import tsx src/main.ts' };
  const build = { args: ['dist/src/main.js'], description: 'node dist/src/main.js (the build)' };
  const wanted = process.env.BENCH_BOT_ENTRY;
  if (wanted === 'source') return source;
  if (wanted === 'built') {
    if (!existsSync(built)) throw new Error('BENCH_BOT_ENTRY=built, but there is no dist/src/main.js: run `npm run build` first');
    return build;
  }
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  const newerSource = ['src', 'dialogs'].some((folder) => newestTs(path.join(ROOT, folder)) > builtAt);
  return newerSource ? { ...source, description: `${source.description} (dist/ is missing or older than the sources: \`npm run build\` to measure the build)` } : build;
}

function newestTs(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestTs(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * NODE_ENV=production as deployed, with keys made for this run (nothing it signs or seals outlives it),
 * transports that are never reached by this script, and the ledger as the only data source.
 */
function productionEnv(folder: string): NodeJS.ProcessEnv {
  const dataSources = path.join(folder, 'data-sources.json');
  writeFileSync(dataSources, JSON.stringify({ sources: [{ id: 'ledger', kind: 'ledger' }] }));
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ALLOW_UNAUTHENTICATED: 'true',
    ALLOWED_SERVICE_URLS: SERVICE_URL,
    LEDGER_HASH_KEY: randomBytes(32).toString('hex'),
    LEDGER_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    DIRECT_LINE_SECRET: randomBytes(32).toString('hex'),
    IDENTITY_CODE_KEY: randomBytes(32).toString('hex'),
    RECEIPT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    EMAIL_TRANSPORT: 'smtp://127.0.0.1:1',
    EMAIL_FROM: 'privacy@example.com',
    SMS_TRANSPORT: 'https://127.0.0.1:1/Messages.json',
    SMS_ACCOUNT_SID: 'AC-bench',
    SMS_AUTH_TOKEN: 'bench',
    SMS_FROM: '+15005550006',
    DATA_SOURCES_FILE: dataSources,
  };
}

/** The starts of the bot's apologies (locales/en): a failed turn answers 200 with one of them. */
function apologies(): string[] {
  const messages = JSON.parse(readFileSync(path.join(ROOT, 'locales/en/messages.json'), 'utf8')) as { bot: Record<string, string> };
  return ['apology', 'unavailable', 'busy'].map((key) => messages.bot[key].split('{{')[0]);
}

// ───────────────────────────── report ─────────────────────────────

const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 1 : 0)} ms` : 'n/a');
const times = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a');
const errorsOf = (load: TurnLoadResult): number => load.errors + load.wrongAnswers;

function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('   '));
  }
}

function report(results: readonly SystemResult[], entry: string): void {
  const [echo] = results;
  const rows = results.map((r) => ({
    ...r,
    turnsPerSecondRatio: r.load.turnsPerSecond / echo.load.turnsPerSecond,
    p99Ratio: r.load.p99Ms / echo.load.p99Ms,
  }));
  console.log(`\nturns over HTTP (expectReplies): ${CONNECTIONS} connections, ${SECONDS} s after a ${WARMUP_SECONDS} s warm-up, ${CONVERSATIONS} conversations walking "${SCRIPT.join('" → "')}", unique activity ids; each system in its own process, the load (autocannon) in another`);
  printTable([
    ['system', 'first start', 'ready after', 'turns/s', 'p50', 'p99', 'non-2xx', 'errors', 'RSS start', 'RSS after', 'turns/s ÷ echo', 'p99 ÷ echo'],
    ...rows.map((r) => [r.system, r.firstStartMs === undefined ? '' : `${(r.firstStartMs / 1000).toFixed(2)} s`, `${(r.readyMs / 1000).toFixed(2)} s`, r.load.turnsPerSecond.toFixed(0), ms(r.load.p50Ms), ms(r.load.p99Ms), String(r.load.non2xx), String(errorsOf(r.load)), `${r.rssStartMb} MB`, `${r.rssAfterMb} MB`, times(r.turnsPerSecondRatio), times(r.p99Ratio)]),
  ]);
  console.log(`   this bot: ${entry}, NODE_ENV=production. "ready after": spawn → first /readyz 200 of the process loaded, for this bot a restart on the ledger its first start made ("first start": a new ledger, migrations included); the echo bot: spawn → its first HTTP answer.`);
  console.log('   errors: failed connections, timeouts, and 200 answers without a message or with an apology ("temporarily unavailable", "something went wrong").');
  for (const r of rows) {
    for (const [what, n] of Object.entries(r.warnings)) console.log(`   ${r.system}: logged ${what} × ${n}`);
  }
  const redis = rows[rows.length - 1];
  const met = redis.turnsPerSecondRatio >= 1.5 && redis.load.p99Ms <= echo.load.p99Ms;
  console.log(`   goal of issue 15, this bot on Redis ≥ 1.50× the echo bot's turns/s with p99 ≤ the echo bot's: ${met ? 'met' : 'not met'} (${times(redis.turnsPerSecondRatio)}, p99 ${ms(redis.load.p99Ms)} vs ${ms(echo.load.p99Ms)}).`);
  console.log('   Absolute numbers move by ±30 % between runs on a shared machine; compare the ratios within one run.\n');
  const json = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(os.totalmem() / 1e9), loadAverage: os.loadavg().map((n) => Number(n.toFixed(2))), node: process.version },
    method: { quick: QUICK, connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS, conversations: CONVERSATIONS, script: SCRIPT, loadGenerator: 'autocannon 9 (bench/turn-load.ts)', botEntry: entry, nodeEnv: 'production' },
    systems: rows.map((r) => ({
      system: r.system,
      ...(r.firstStartMs === undefined ? {} : { firstStartSeconds: Number((r.firstStartMs / 1000).toFixed(2)) }),
      readySeconds: Number((r.readyMs / 1000).toFixed(2)),
      turnsPerSecond: Math.round(r.load.turnsPerSecond),
      p50Ms: Number(r.load.p50Ms.toFixed(1)),
      p99Ms: Number(r.load.p99Ms.toFixed(1)),
      turns: r.load.turns,
      non2xx: r.load.non2xx,
      errors: r.load.errors,
      timeouts: r.load.timeouts,
      wrongAnswers: r.load.wrongAnswers,
      statusCodes: r.load.statusCodes,
      rssStartMb: r.rssStartMb,
      rssAfterMb: r.rssAfterMb,
      turnsPerSecondRatioToEcho: Number(r.turnsPerSecondRatio.toFixed(3)),
      p99RatioToEcho: Number(r.p99Ratio.toFixed(3)),
      loggedWarnings: r.warnings,
    })),
    goalMet: met,
  };
  console.log(JSON.stringify(json, null, 2));
}

// ───────────────────────────── main ─────────────────────────────

async function main(): Promise<void> {
  await requireRedis(REDIS_URL);
  await requirePostgres(POSTGRES_URL);
  const entry = botEntry();
  const folder = mkdtempSync(path.join(os.tmpdir(), 'psb-bench-turns-'));
  const stores: SharedTestStores = { redisUrl: REDIS_URL, redisPrefix: uniqueRedisPrefix('psb-bench-turns'), databaseUrl: POSTGRES_URL, schema: `bench_turns_${process.pid}_${randomBytes(4).toString('hex')}` };
  const cleanUp = async (): Promise<void> => {
    await Promise.all([...running].map((child) => child.stop()));
    rmSync(folder, { recursive: true, force: true });
    await removeSharedTestStores(stores);
  };
  process.once('SIGINT', () => {
    console.error('interrupted: stopping the processes and removing what the bench made');
    void cleanUp().finally(() => process.exit(130));
  });
  console.log(`turn benchmark${QUICK ? ' (--quick)' : ''}: ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)}; this bot started with ${entry.description}`);
  try {
    const results: SystemResult[] = [];
    const lacks = apologies();
    results.push(
      await measure('stock echo bot (CloudAdapter, no state)', 'echo', ['--no-deprecation', '--import', 'tsx', path.join(__dirname, 'echo-bot.ts')], { PATH: process.env.PATH ?? '' }, { ready: () => true, answerContains: 'Echo: ', answerLacks: [], restart: false }),
    );
    const botExpect: Expectations = { ready: (status) => status === 200, answerContains: '"type":"message"', answerLacks: lacks, restart: true };
    const ledgerDir = path.join(folder, 'ledger');
    mkdirSync(ledgerDir);
    results.push(await measure('this bot, in-process state (embedded ledger)', 'memory', entry.args, { ...productionEnv(folder), LEDGER_DIR: ledgerDir }, botExpect));
    results.push(
      await measure('this bot, Redis + PostgreSQL', 'redis', entry.args, { ...productionEnv(folder), REDIS_URL, REDIS_PREFIX: stores.redisPrefix, DATABASE_URL: POSTGRES_URL, LEDGER_SCHEMA: stores.schema }, botExpect),
    );
    report(results, entry.description);
  } finally {
    await cleanUp();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
