import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hangGuard } from './hang-guard';

const ROOT = path.resolve(__dirname, '../..');

/** One JSON line the bot logged. */
export interface BotLogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** How the process ended. */
export interface BotExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Start-up trains the classifier and creates an embedded ledger: about 10 s on an idle two-core
 * machine, a minute or more while the suite and its burners share it — four minutes guards a hang.
 */
const START_HANG_GUARD_MS = 240_000;

/**
 * The bot as operators run it: `src/main.ts` in its own Node process (through tsx, as
 * `--require tsx/cjs`, so signals reach the bot itself and not a wrapper), on a free port of
 * 127.0.0.1, in-process session state and an embedded ledger in a temporary folder unless `env`
 * says otherwise. Its stdout is read as pino JSON lines.
 */
export class BotProcess {
  readonly lines: BotLogLine[] = [];
  readonly exited: Promise<BotExit>;
  private readonly waiters = new Set<() => void>();
  private stderr = '';
  private hasExited = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly ledgerDir: string,
  ) {
    let pending = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const text = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (text.startsWith('{')) this.lines.push(JSON.parse(text) as BotLogLine);
        newline = pending.indexOf('\n');
      }
      for (const wake of [...this.waiters]) wake();
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise<BotExit>((resolve) =>
      // 'close', not 'exit': every line the bot wrote has been read by then.
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.hasExited = true;
        resolve({ code, signal });
        for (const wake of [...this.waiters]) wake();
      }),
    );
  }

  /** Starts the bot and resolves once it logged that it listens, with its port. */
  static async start(env: Record<string, string> = {}): Promise<{ bot: BotProcess; port: number; baseUrl: string }> {
    const ledgerDir = mkdtempSync(path.join(os.tmpdir(), 'psb-shutdown-'));
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'src/main.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', LEDGER_DIR: ledgerDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const bot = new BotProcess(child, ledgerDir);
    const listening = await bot.waitForLog((line) => line.msg.startsWith('privacy bot listening'), 'the bot logging "listening"', START_HANG_GUARD_MS);
    const port = Number(listening.port);
    return { bot, port, baseUrl: `http://127.0.0.1:${port}` };
  }

  /** Resolves with the first line (already logged or to come) that matches; fails if the process exits first. */
  waitForLog(matches: (line: BotLogLine) => boolean, what: string, limitMs: number): Promise<BotLogLine> {
    let wake = (): void => undefined;
    const found = new Promise<BotLogLine>((resolve, reject) => {
      wake = () => {
        const line = this.lines.find(matches);
        if (line) resolve(line);
        else if (this.hasExited) reject(new Error(`the bot exited before ${what}; stderr: ${this.stderr.slice(-2000)}`));
      };
      this.waiters.add(wake);
      wake();
    });
    return hangGuard(found, what, limitMs).finally(() => this.waiters.delete(wake));
  }

  /** The bot's process id (e.g. for its memory in /proc); undefined if it could not be spawned. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Ends the process if a test left it running, and removes its ledger folder. */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    rmSync(this.ledgerDir, { recursive: true, force: true });
  }
}
