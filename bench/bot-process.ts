/**
 * The processes of the benches (bench/run.ts, bench/surge.ts): this bot and its helpers spawned as operators run
 * them, their JSON log lines kept, waited for on `/readyz`, measured in /proc, stopped. This bot is started from
 * its entry point (`node dist/src/main.js` when the build is up to date as `npm start` judges it, else
 * `node --import tsx src/main.ts`; BENCH_BOT_ENTRY = `built` | `source` decides), NODE_ENV=production with keys
 * made for the run (productionEnv).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { inputsFingerprint, whyStale } from '../scripts/build-if-stale';
import { freePort } from '../test/support/free-port';

export { freePort };

export const ROOT = path.resolve(__dirname, '..');
/** The serviceUrl of the turn bench's activities (nothing is sent there: the replies come back in the HTTP answer). */
export const SERVICE_URL = 'http://127.0.0.1:1';
/** Start-up trains no model when the cache is warm; a cold cache on a busy two-core machine takes minutes. */
export const READY_LIMIT_MS = 240_000;
const STOP_LIMIT_MS = 20_000;

/** A process of the bench, its log lines (JSON ones parsed) kept from the moment it starts. */
export class Child {
  readonly lines: Record<string, unknown>[] = [];
  readonly exited: Promise<number | null>;
  /** How it ended ("exit code 1", "signal SIGKILL"), once it has. */
  exitStatus: string | undefined;
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
      proc.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.done = true;
        this.exitStatus = signal ? `signal ${signal}` : `exit code ${String(code)}`;
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

/** Spawns `node args…` in the project folder with exactly `env`. */
export function start(name: string, args: readonly string[], env: NodeJS.ProcessEnv): Child {
  const child = new Child(name, spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] }));
  running.add(child);
  void child.exited.then(() => running.delete(child));
  return child;
}

/** Stops every process `start` spawned that still runs. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/** The status of `GET url`, or undefined when nothing answers yet. */
export function statusOf(url: string): Promise<number | undefined> {
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
export async function waitUntilReady(child: Child, port: number, spawnedAt: number, ready: (status: number) => boolean): Promise<number> {
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
export function rssMb(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return Number.NaN; // the process is gone: its exit is reported, not this
  }
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

/** CPU time a process has used so far, user + system, in seconds (/proc, Linux: clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  try {
    // The fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Pino's levels by label (the bot logs labels) and number. */
const WARN_OR_ABOVE = new Map<unknown, string>([['warn', 'warn'], ['error', 'error'], ['fatal', 'fatal'], [40, 'warn'], [50, 'error'], [60, 'fatal']]);

/** What a process logged at warn or above since its `from`-th line, by level and message. */
export function warningsSince(child: Child, from: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of child.lines.slice(from)) {
    const level = WARN_OR_ABOVE.get(line.level);
    if (!level) continue;
    const key = `${level} "${String(line.msg)}"${typeof line.code === 'string' ? ` (${line.code})` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/**
 * The distinct errors behind what a process logged at warn or above since its `from`-th line: for each log
 * message, its first `err` (type, message, the top frames of its stack and of its causes), so a failed turn in a
 * bench says why. The bot's log redacts personal data; this adds nothing it did not log.
 */
export function errorSamplesSince(child: Child, from: number, perMessage = 3): string[] {
  const seen = new Map<string, Set<string>>();
  const describe = (err: unknown, depth = 0): string => {
    if (typeof err !== 'object' || err === null || depth > 3) return '';
    const e = err as { type?: unknown; message?: unknown; code?: unknown; stack?: unknown; cause?: unknown };
    const frames = typeof e.stack === 'string' ? e.stack.split('\n').filter((l) => l.trim().startsWith('at ')).slice(0, 4).map((l) => l.trim()).join(' | ') : '';
    const cause = describe(e.cause, depth + 1);
    return `${String(e.type ?? 'Error')}${typeof e.code === 'string' ? ` [${e.code}]` : ''}: ${String(e.message ?? '')}${frames ? ` (${frames})` : ''}${cause ? ` ← caused by ${cause}` : ''}`;
  };
  for (const line of child.lines.slice(from)) {
    if (!WARN_OR_ABOVE.has(line.level) || line.err === undefined) continue;
    const key = String(line.msg);
    const samples = seen.get(key) ?? new Set<string>();
    if (samples.size < perMessage) samples.add(describe(line.err));
    seen.set(key, samples);
  }
  return [...seen.entries()].flatMap(([msg, samples]) => [...samples].map((sample) => `"${msg}": ${sample}`));
}

/**
 * How this bot is started: the build when it is up to date by the same rule `npm start` uses
 * (scripts/build-if-stale.js: a fingerprint of every build input), else from source (or BENCH_BOT_ENTRY says).
 */
export function botEntry(): { args: string[]; description: string } {
  const built = path.join(ROOT, 'dist/src/main.js');
  const source = { args: ['--import', 'tsx', 'src/main.ts'], description: 'node --import tsx src/main.ts' };
  const build = { args: ['dist/src/main.js'], description: 'node dist/src/main.js (the build)' };
  const wanted = process.env.BENCH_BOT_ENTRY;
  if (wanted === 'source') return source;
  if (wanted === 'built') {
    if (!existsSync(built)) throw new Error('BENCH_BOT_ENTRY=built, but there is no dist/src/main.js: run `npm run build` first');
    return build;
  }
  const stale = whyStale(ROOT, inputsFingerprint(ROOT));
  return stale === undefined ? build : { ...source, description: `${source.description} (the build is not up to date: ${stale}; \`npm run build\` to measure the build)` };
}

/**
 * NODE_ENV=production as deployed, with keys made for this run (nothing it signs or seals outlives it),
 * transports that are never reached by the turn bench, and the ledger as the only data source. Several
 * instances of one deployment share one such environment (the same keys).
 */
export function productionEnv(folder: string): NodeJS.ProcessEnv {
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
    // BENCH_BOT_NODE_OPTIONS: Node's options for the bots, e.g. a heap limit as a small instance would have.
    ...(process.env.BENCH_BOT_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_BOT_NODE_OPTIONS } : {}),
  };
}

/** The starts of the bot's apologies (locales/en): a failed turn answers 200 with one of them. */
export function apologies(): string[] {
  const messages = JSON.parse(readFileSync(path.join(ROOT, 'locales/en/messages.json'), 'utf8')) as { bot: Record<string, string> };
  return ['apology', 'unavailable', 'busy'].map((key) => messages.bot[key].split('{{')[0]);
}
