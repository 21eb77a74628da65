import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { isAppError } from '../../src/errors/app-error';
import { acquireLedgerFolderLock, ledgerLockFile, LedgerFolderOwner } from '../../src/ledger/db/ledger-folder-lock';
import { DEMO_CUSTOMERS } from '../../src/ledger/demo/seed-demo';

const ROOT = path.resolve(__dirname, '../..');
const HASH_KEY = 'ledger-lock-test-key-0123456789';
const HOLDER_SCRIPT = 'test/ledger/support/ledger-holder.ts';

/** The environment of a child on the embedded ledger in `ledgerDir`: no DATABASE_URL, no Redis. */
function childEnv(ledgerDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const { DATABASE_URL: _db, LEDGER_SCHEMA: _schema, REDIS_URL: _redis, NODE_ENV: _env, ...inherited } = process.env;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...inherited, LEDGER_DIR: ledgerDir, LEDGER_HASH_KEY: HASH_KEY, ...extra })) if (value !== undefined) env[name] = value;
  return env;
}

function runCli(ledgerDir: string, args: readonly string[], input?: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--require', 'tsx/cjs', 'src/cli/ledger.ts', ...args], { cwd: ROOT, env: childEnv(ledgerDir), input, encoding: 'utf8', timeout: 90_000 });
}

/** A holder process (support/ledger-holder.ts) and the lines it printed; waits on lines, never on time. */
class Holder {
  readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private readonly waiters: (() => void)[] = [];
  private stderr = '';
  private exited = false;

  constructor(ledgerDir: string) {
    this.child = spawn(process.execPath, ['--require', 'tsx/cjs', HOLDER_SCRIPT], { cwd: ROOT, env: childEnv(ledgerDir), stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.push(line));
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    this.child.on('exit', () => {
      this.exited = true;
      this.push(undefined);
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get errorOutput(): string {
    return this.stderr;
  }

  private push(line: string | undefined): void {
    if (line !== undefined) this.lines.push(line);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** The first line matching `pattern`; rejects when the child exits without printing one. */
  async line(pattern: RegExp): Promise<string> {
    for (;;) {
      const found = this.lines.find((l) => pattern.test(l));
      if (found !== undefined) return found;
      if (this.exited) throw new Error(`holder ${this.pid} exited without a line matching ${String(pattern)}; stdout: ${JSON.stringify(this.lines)}; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  async exit(): Promise<void> {
    if (this.exited) return;
    await new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
  }

  /** Opens the ledger and waits until it holds it. */
  async open(): Promise<this> {
    await this.line(/^armed /);
    this.send('go');
    await this.line(/^opened /);
    return this;
  }

  async close(): Promise<void> {
    this.send('close');
    await this.line(/^closed$/);
    await this.exit();
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exit();
  }
}

const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The one-line refusal naming `pid`, as the CLI prints it after `ledger <command>: `. */
function refusal(ledgerDir: string, pid: number): string {
  return `the embedded ledger ${escape(path.resolve(ledgerDir))} is in use by process ${pid} \\(node ${escape(HOLDER_SCRIPT)}\\) on this machine since ${ISO}: stop that process first, or set DATABASE_URL to keep the ledger in PostgreSQL, which several processes can share`;
}

describe('one process per embedded ledger folder (the lock beside it)', function () {
  this.timeout(180_000);
  let dir: string;
  let ledgerDir: string;
  const holders: Holder[] = [];
  const holder = (): Holder => {
    const h = new Holder(ledgerDir);
    holders.push(h);
    return h;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ledger-lock-'));
    ledgerDir = path.join(dir, 'ledger');
  });
  afterEach(async () => {
    for (const h of holders.splice(0)) await h.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('beside a running holder, seed-demo, agent add and export refuse at once naming its pid, and write nothing behind its back', async () => {
    const bot = await holder().open();
    const lockOwner = JSON.parse(readFileSync(ledgerLockFile(ledgerDir), 'utf8')) as LedgerFolderOwner;
    assert.deepEqual([lockOwner.pid, lockOwner.host, lockOwner.command], [bot.pid, hostname(), `node ${HOLDER_SCRIPT}`]);

    const runs: [string, SpawnSyncReturns<string>][] = [
      ['seed-demo', runCli(ledgerDir, ['seed-demo'])],
      ['agent', runCli(ledgerDir, ['agent', 'add', '--username', 'dora', '--role', 'agent'], 'a long enough password 123\n')],
      ['export', runCli(ledgerDir, ['export', '--subject', DEMO_CUSTOMERS[0].email])],
    ];
    for (const [command, run] of runs) {
      assert.equal(run.status, 1, `${command}: ${run.stderr}`);
      assert.equal(run.stdout, '', `${command} answered nothing (no stale copy)`);
      assert.match(run.stderr, new RegExp(`^(ledger: warning: [^\\n]*\\n)*ledger ${command}: ${refusal(ledgerDir, bot.pid)} \\[PSB_LEDGER_LOCKED\\]\\n$`));
    }

    await bot.close();
    assert.equal(existsSync(ledgerLockFile(ledgerDir)), false, 'closing released the lock');
    // Nothing was written while the holder had the folder: the demo customer is unknown, no agent exists.
    const exported = runCli(ledgerDir, ['export', '--subject', DEMO_CUSTOMERS[0].email]);
    assert.equal(exported.status, 2, exported.stderr);
    assert.match(exported.stderr, /\[PSB_LEDGER_UNKNOWN_SUBJECT\]/);
    // Released: the CLI now works, and releases the folder in turn.
    const seeded = runCli(ledgerDir, ['seed-demo']);
    assert.equal(seeded.status, 0, seeded.stderr);
    assert.equal(existsSync(ledgerLockFile(ledgerDir)), false);
  });

  it('a second start of the bot on the same folder exits non-zero with one line naming the running process', async () => {
    const bot = await holder().open();
    const second = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'src/main.ts'], { cwd: ROOT, env: childEnv(ledgerDir, { PORT: '0', LOG_LEVEL: 'info' }), encoding: 'utf8', timeout: 120_000 });
    assert.notEqual(second.status, 0, 'the second start exits non-zero');
    assert.equal(second.signal, null, 'it exits by itself, not by the timeout');
    const lockLines = `${second.stdout}${second.stderr}`.split('\n').filter((l) => l.includes('PSB_LEDGER_LOCKED'));
    assert.equal(lockLines.length, 1, `one line says why: ${second.stderr}`);
    assert.match(lockLines[0], new RegExp(`^start-up failed \\[PSB_LEDGER_LOCKED\\]: ${refusal(ledgerDir, bot.pid)}$`));
    assert.doesNotMatch(second.stdout, /listening on/);
    // The running holder still has its lock and its ledger.
    assert.equal((JSON.parse(readFileSync(ledgerLockFile(ledgerDir), 'utf8')) as LedgerFolderOwner).pid, bot.pid);
  });

  it('the lock of a killed holder (dead pid) is taken over, and released again on close', async () => {
    const dead = await holder().open();
    await dead.kill();
    assert.equal((JSON.parse(readFileSync(ledgerLockFile(ledgerDir), 'utf8')) as LedgerFolderOwner).pid, dead.pid, 'SIGKILL left the lock behind');
    const run = runCli(ledgerDir, ['seed-demo']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(existsSync(ledgerLockFile(ledgerDir)), false, 'the CLI released the lock it took over');
  });

  /** Starts three holders together on the folder; exactly one opens it, the others name the winner. */
  async function race(): Promise<void> {
    const contenders = [holder(), holder(), holder()];
    await Promise.all(contenders.map((c) => c.line(/^armed /)));
    for (const c of contenders) c.send('go');
    const outcomes = await Promise.all(contenders.map((c) => c.line(/^(opened|refused) /)));
    const winners = contenders.filter((_, i) => outcomes[i].startsWith('opened'));
    assert.equal(winners.length, 1, `exactly one opener wins: ${JSON.stringify(outcomes)}`);
    const [winner] = winners;
    for (const [i, c] of contenders.entries()) {
      if (c === winner) continue;
      assert.equal(outcomes[i], 'refused PSB_LEDGER_LOCKED');
      await c.exit();
      assert.match(c.errorOutput, new RegExp(`^${refusal(ledgerDir, winner.pid)}\\n$`));
    }
    await winner.close();
  }

  it('three openers racing on a fresh folder: exactly one wins', race);

  it('three openers racing to take over a dead holder\'s lock: exactly one wins', async () => {
    await (await holder().open()).kill();
    assert.ok(existsSync(ledgerLockFile(ledgerDir)));
    await race();
  });
});

describe('ledger folder lock (in one process)', () => {
  let dir: string;
  let ledgerDir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ledger-lock-unit-'));
    ledgerDir = path.join(dir, 'ledger');
    mkdirSync(ledgerDir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function refused(expected: RegExp): Promise<void> {
    await assert.rejects(acquireLedgerFolderLock(ledgerDir, 'second'), (err: unknown) => {
      assert.ok(isAppError(err, 'PSB_LEDGER_LOCKED'), String(err));
      assert.match(err.message, expected);
      return true;
    });
  }

  it('the same process cannot open the folder twice; after release it can', async () => {
    const lock = await acquireLedgerFolderLock(ledgerDir, 'first');
    await refused(new RegExp(`in use by process ${process.pid} \\(first\\) on this machine`));
    lock.release();
    lock.release(); // idempotent
    (await acquireLedgerFolderLock(ledgerDir, 'again')).release();
  });

  it('a lock from another host is never taken over: the message names the host and the file to delete', async () => {
    const owner: LedgerFolderOwner = { pid: 1, host: 'another-host.example', since: '2026-12-01T10:00:00.000Z', command: 'node dist/src/main.js' };
    writeFileSync(ledgerLockFile(ledgerDir), JSON.stringify(owner));
    await refused(new RegExp(`in use by process 1 \\(node dist/src/main\\.js\\) on host another-host\\.example since 2026-12-01T10:00:00\\.000Z: .*; if nothing on another-host\\.example uses this folder any more, delete ${escape(ledgerLockFile(ledgerDir))}$`));
  });

  it('a lock holding our own pid that this process does not hold (an earlier life, e.g. pid 1 in a restarted container) is taken over', async () => {
    writeFileSync(ledgerLockFile(ledgerDir), JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-12-01T10:00:00.000Z', command: 'node dist/src/main.js' }));
    const lock = await acquireLedgerFolderLock(ledgerDir, 'reborn');
    assert.equal((JSON.parse(readFileSync(lock.file, 'utf8')) as LedgerFolderOwner).command, 'reborn');
    lock.release();
  });

  it('a damaged lock file is refused with what to do', async () => {
    writeFileSync(ledgerLockFile(ledgerDir), 'not json');
    await refused(/cannot be read: if no process uses the ledger, delete it$/);
  });
});
