/**
 * `npm run bench:startup` (last in `npm run bench`): how long `npm start` takes until `/readyz` answers 200
 * (issue 15: within 3 s on a warm machine with the embedded defaults).
 *
 * Warm means built once and caches filled: before timing anything it runs the build check once
 * (`node scripts/build-if-stale.js`, which builds, trains the intent models and makes the ledger template
 * only when something changed). Then, `BENCH_STARTUP_RUNS` times (5; 3 with `--quick`), `npm start` is
 * spawned exactly as a person types it, on the embedded defaults (in-process state, PGlite ledger; REDIS_URL
 * and DATABASE_URL removed from its environment) with a new temporary ledger folder and a free port, and
 * `/readyz` is polled every 20 ms: "new ledger" is spawn → first 200. It is stopped (SIGTERM to its process
 * group) and started again on the same folder: "restart", as on a deployed machine. Each line also gives what
 * the bot's own `start-up: ready` log line says: its time from its process start (the difference is npm and
 * the build check), its CPU time (which a busy machine barely moves, unlike wall time) and its steps.
 * Printed: a table, the medians, the load average, whether the median new-ledger start is within 3 s, then JSON.
 * A benchmark, not a test: it asserts nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Child, freePort, ROOT, waitUntilReady } from './bot-process';

const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? (QUICK ? 3 : 5));
const GOAL_MS = 3_000;
const STOP_LIMIT_MS = 20_000;
const POLL_MS = 20;

/** What the bot's `start-up: ready` line carries (src/startup/startup-timeline.ts). */
interface BotStartup {
  readonly readyMs: number;
  readonly cpuMs: number;
  readonly phases: Record<string, number>;
}

interface StartResult {
  readonly kind: 'new ledger' | 'restart';
  /** Spawn of `npm start` → first `/readyz` 200. */
  readonly readyMs: number;
  /** The bot's own line, when it logged one. */
  readonly bot?: BotStartup;
}

/** The environment of `npm start` on the embedded defaults: no Redis, no PostgreSQL, this folder and port. */
function embeddedEnv(ledgerDir: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LEDGER_DIR: ledgerDir, PORT: String(port), HOST: '127.0.0.1' };
  for (const name of ['REDIS_URL', 'DATABASE_URL', 'METRICS_PORT', 'NODE_ENV']) delete env[name];
  return env;
}

/** One `npm start`, timed to its first `/readyz` 200, then stopped. */
async function timeOneStart(kind: StartResult['kind'], ledgerDir: string): Promise<StartResult> {
  const port = await freePort();
  const spawnedAt = performance.now();
  // Its own process group, so stopping it reaches npm and the node it execs, and nothing else.
  const child = new Child('npm start', spawn('npm', ['start'], { cwd: ROOT, env: embeddedEnv(ledgerDir, port), stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  const startupLine = (): BotStartup | undefined => child.lines.find((line) => line.msg === 'start-up: ready')?.startup as BotStartup | undefined;
  try {
    const readyMs = await waitUntilReady(child, port, spawnedAt, (status) => status === 200);
    // The ready line is written just before /readyz can answer; give the pipe a moment to deliver it.
    for (let wait = 0; startupLine() === undefined && wait < 50 && !child.hasExited; wait++) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    return { kind, readyMs, bot: startupLine() };
  } finally {
    await stopGroup(child);
  }
}

/** SIGTERM to the whole group (npm, the shell, the bot), SIGKILL if it is still there after STOP_LIMIT_MS. */
async function stopGroup(child: Child): Promise<void> {
  if (child.hasExited) return;
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const stopped = await Promise.race([child.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOP_LIMIT_MS).unref())]);
  if (!stopped) {
    signal('SIGKILL');
    await child.exited;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const seconds = (ms: number | undefined): string => (ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`);

function phasesText(bot: BotStartup | undefined): string {
  if (!bot) return '(no start-up line logged)';
  return Object.entries(bot.phases)
    .map(([name, ms]) => `${name} ${ms}`)
    .join(', ');
}

async function main(): Promise<void> {
  // Warm caches first, untimed: a stale build (or a missing model or template) is made now, not in a timed start.
  const check = spawnSync(process.execPath, ['scripts/build-if-stale.js'], { cwd: ROOT, stdio: 'inherit' });
  if (check.status !== 0) throw new Error(`the build failed (exit ${check.status}); nothing was timed`);
  const loadBefore = os.loadavg()[0];
  const results: StartResult[] = [];
  for (let run = 0; run < RUNS; run++) {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'psb-bench-startup-'));
    try {
      const ledgerDir = path.join(folder, 'ledger');
      results.push(await timeOneStart('new ledger', ledgerDir));
      results.push(await timeOneStart('restart', ledgerDir));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }
  const loadAfter = os.loadavg()[0];

  console.log(`\nnpm start → first /readyz 200, embedded defaults (in-process state, PGlite ledger), ${RUNS} runs, ${os.cpus().length} cores, load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}`);
  console.log('| start | npm start → ready | bot process → ready | bot CPU | steps (ms, wall; started together, so they overlap) |');
  console.log('|---|---|---|---|---|');
  for (const result of results) console.log(`| ${result.kind} | ${seconds(result.readyMs)} | ${seconds(result.bot?.readyMs)} | ${seconds(result.bot?.cpuMs)} | ${phasesText(result.bot)} |`);
  const summary: Record<string, { readyMs: number; botReadyMs?: number; botCpuMs?: number }> = {};
  for (const kind of ['new ledger', 'restart'] as const) {
    const of = results.filter((result) => result.kind === kind);
    const bots = of.flatMap((result) => (result.bot ? [result.bot] : []));
    summary[kind] = {
      readyMs: Math.round(median(of.map((result) => result.readyMs))),
      ...(bots.length > 0 ? { botReadyMs: Math.round(median(bots.map((bot) => bot.readyMs))), botCpuMs: Math.round(median(bots.map((bot) => bot.cpuMs))) } : {}),
    };
    console.log(`median, ${kind}: ${seconds(summary[kind].readyMs)} (the bot's process ${seconds(summary[kind].botReadyMs)}, CPU ${seconds(summary[kind].botCpuMs)})`);
  }
  const newLedger = summary['new ledger'].readyMs;
  console.log(`goal (issue 15): /readyz 200 within ${GOAL_MS / 1000} s of npm start, new ledger: ${newLedger <= GOAL_MS ? 'met' : 'not met'} (median ${seconds(newLedger)})`);
  console.log(JSON.stringify({ bench: 'startup', runs: RUNS, loadAverage: [Number(loadBefore.toFixed(2)), Number(loadAfter.toFixed(2))], medians: summary, starts: results }));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
