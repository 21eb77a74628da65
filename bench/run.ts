/**
 * `npm run bench`, the turn benchmark (issue 15; the method is docs/PERFORMANCE.md's). One after the other, each
 * in a process of its own, started, waited for, loaded, stopped:
 *
 * 1. the stock echo bot (bench/echo-bot.ts: CloudAdapter, ActivityHandler, no state): the baseline;
 * 2. that echo bot on this bot's adapter, and 3. on this bot's adapter, turn runner and session state on Redis
 *    (bench/layered-echo-bot.ts): where a turn's time goes — the protocol, then state, then the rest (dialogs,
 *    language understanding, translations, the transcript), which is this bot's figure minus the third's;
 * 4. this bot on in-process state, its ledger embedded (PGlite) in a temporary folder;
 * 5. this bot on Redis and PostgreSQL, under a Redis key prefix and a PostgreSQL schema of this run only,
 *    both removed afterwards (nothing else is touched: the services are shared).
 *
 * This bot runs as operators run it: its entry point (`node dist/src/main.js` when the build is up to date as
 * `npm start` judges it, else `node --import tsx src/main.ts`), NODE_ENV=production with keys made for the run,
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
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requirePostgres, requireRedis, uniqueRedisPrefix } from '../test/support/services';
import { removeSharedTestStores, SharedTestStores } from '../test/support/shared-stores';
import { apologies, botEntry, Child, cpuSeconds, freePort, productionEnv, rssMb, start, stopAll, waitUntilReady, warningsSince } from './bot-process';
import type { TurnLoadRequest, TurnLoadResult } from './turn-load';

const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 10));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? (QUICK ? 8 : 32));
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONVERSATIONS = 400;
const ECHO = 'stock echo bot (CloudAdapter, no state)';
const ECHO_ON_ADAPTER = "echo bot on this bot's adapter";
const ECHO_ON_STATE = "echo bot on this bot's adapter + Redis state";
const BOT_ON_REDIS = 'this bot, Redis + PostgreSQL';
const SCRIPT = ['hi', 'check my consents', 'cancel', 'help'] as const;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

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
  /** The process's CPU time (user + system) per answered turn of the measured pass, µs: steadier than turns/s on a shared machine. */
  readonly cpuUsPerTurn: number;
  /** What the process logged at warn or above during the load, by level and message. */
  readonly warnings: Readonly<Record<string, number>>;
}

// ───────────────────────────── processes ─────────────────────────────

/** What the load measured, and the CPU time the system under load used per answered turn of the measured pass. */
interface LoadOutcome {
  readonly result: TurnLoadResult;
  /** User + system CPU of the system's process during the measured pass ÷ its answered turns, µs. */
  readonly cpuUsPerTurn: number;
}

/** The load generator, in its own process; resolves with its result line, and the system's CPU time per turn. */
async function load(target: Child, port: number, label: string, answerContains: string, answerLacks: readonly string[]): Promise<LoadOutcome> {
  const request: TurnLoadRequest = { url: `http://127.0.0.1:${port}/api/messages`, connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS, conversations: CONVERSATIONS, script: SCRIPT, label, answerContains, answerLacks };
  const generator = start('the load generator', ['--import', 'tsx', path.join(__dirname, 'turn-load.ts'), JSON.stringify(request)], { PATH: process.env.PATH ?? '' });
  let cpuAtStart = Number.NaN;
  const watch = setInterval(() => {
    if (Number.isNaN(cpuAtStart) && generator.lines.some((line) => line.measuring === true)) cpuAtStart = cpuSeconds(target.pid);
  }, 5);
  const code = await generator.exited.finally(() => clearInterval(watch));
  const cpuAtEnd = cpuSeconds(target.pid);
  const result = generator.lines.find((line) => 'turnsPerSecond' in line);
  if (code !== 0 || result === undefined) throw new Error(`bench/turn-load.ts exited with ${String(code)}: ${generator.lastErrors()}`);
  const turns = (result as unknown as TurnLoadResult).turns;
  return { result: result as unknown as TurnLoadResult, cpuUsPerTurn: turns > 0 ? ((cpuAtEnd - cpuAtStart) * 1e6) / turns : Number.NaN };
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
    const { result, cpuUsPerTurn } = await load(child, port, label, expect.answerContains, expect.answerLacks);
    const rssAfterMb = rssMb(child.pid);
    return { system, readyMs, ...(firstStartMs === undefined ? {} : { firstStartMs }), rssStartMb, rssAfterMb, load: result, cpuUsPerTurn, warnings: warningsSince(child, from) };
  } finally {
    await child.stop();
  }
}

// ───────────────────────────── report ─────────────────────────────

const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 1 : 0)} ms` : 'n/a');
const us = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(0)} µs` : 'n/a');
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
    ['system', 'first start', 'ready after', 'turns/s', 'p50', 'p99', 'CPU/turn', 'non-2xx', 'errors', 'RSS start', 'RSS after', 'turns/s ÷ echo', 'p99 ÷ echo'],
    ...rows.map((r) => [r.system, r.firstStartMs === undefined ? '' : `${(r.firstStartMs / 1000).toFixed(2)} s`, `${(r.readyMs / 1000).toFixed(2)} s`, r.load.turnsPerSecond.toFixed(0), ms(r.load.p50Ms), ms(r.load.p99Ms), us(r.cpuUsPerTurn), String(r.load.non2xx), String(errorsOf(r.load)), `${r.rssStartMb} MB`, `${r.rssAfterMb} MB`, times(r.turnsPerSecondRatio), times(r.p99Ratio)]),
  ]);
  const cpuOf = (label: string): number => results.find((r) => r.system === label)?.cpuUsPerTurn ?? Number.NaN;
  const [adapterOnly, withState, thisBot] = [cpuOf(ECHO_ON_ADAPTER), cpuOf(ECHO_ON_STATE), cpuOf(BOT_ON_REDIS)];
  console.log(`   CPU/turn: the process's user + system CPU time in the measured pass ÷ its answered turns. Where this bot's turn on Redis goes: the protocol on this bot's adapter ${us(adapterOnly)}, + session state on Redis ${us(withState - adapterOnly)}, + dialogs, language understanding, translations, transcript and logging ${us(thisBot - withState)} = ${us(thisBot)}; the stock echo bot ${us(cpuOf(ECHO))}.`);
  const budget = cpuOf(ECHO) / 1.5;
  const left = budget - withState;
  console.log(`   At the same CPU use, 1.5× the echo bot's turns/s is a budget of about ${us(budget)} a turn; protocol and state take ${us(withState)}, which leaves ${left > 0 ? us(left) : 'nothing'} for the conversation (it takes ${us(thisBot - withState)}).`);
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
      cpuUsPerTurn: Math.round(r.cpuUsPerTurn),
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
    await stopAll();
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
      await measure(ECHO, 'echo', ['--no-deprecation', '--import', 'tsx', path.join(__dirname, 'echo-bot.ts')], { PATH: process.env.PATH ?? '' }, { ready: () => true, answerContains: 'Echo: ', answerLacks: [], restart: false }),
    );
    const echoOnOurLayers = (layers: 'adapter' | 'state'): Promise<SystemResult> =>
      measure(
        layers === 'adapter' ? ECHO_ON_ADAPTER : ECHO_ON_STATE,
        `echo-${layers}`,
        ['--no-deprecation', '--import', 'tsx', path.join(__dirname, 'layered-echo-bot.ts')],
        { PATH: process.env.PATH ?? '', ECHO_LAYERS: layers, REDIS_URL, REDIS_PREFIX: stores.redisPrefix },
        { ready: () => true, answerContains: 'Echo: ', answerLacks: [], restart: false },
      );
    results.push(await echoOnOurLayers('adapter'), await echoOnOurLayers('state'));
    const botExpect: Expectations = { ready: (status) => status === 200, answerContains: '"type":"message"', answerLacks: lacks, restart: true };
    const ledgerDir = path.join(folder, 'ledger');
    mkdirSync(ledgerDir);
    results.push(await measure('this bot, in-process state (embedded ledger)', 'memory', entry.args, { ...productionEnv(folder), LEDGER_DIR: ledgerDir }, botExpect));
    results.push(
      await measure(BOT_ON_REDIS, 'redis', entry.args, { ...productionEnv(folder), REDIS_URL, REDIS_PREFIX: stores.redisPrefix, DATABASE_URL: POSTGRES_URL, LEDGER_SCHEMA: stores.schema }, botExpect),
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
