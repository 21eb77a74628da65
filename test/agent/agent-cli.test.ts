import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { PasswordInputError, readNewPassword } from '../../src/agent/password-input';
import { openLedger } from '../../src/ledger/ledger';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import { AgentClient, RecordingCustomerChannel, startConsoleServer } from './agent-harness';

const ROOT = path.resolve(__dirname, '../..');
const HASH_KEY = 'agent-cli-test-key-0123456789';
const PASSWORD = 'a pass phrase for the console';

function cliEnv(ledgerDir: string): Record<string, string> {
  const { DATABASE_URL: _db, LEDGER_SCHEMA: _schema, LEDGER_HASH_KEY: _key, NODE_ENV: _env, ...inherited } = process.env;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...inherited, LEDGER_DIR: ledgerDir, LEDGER_HASH_KEY: HASH_KEY })) if (value !== undefined) env[name] = value;
  return env;
}

/** `npm run ledger -- ARGS` with `stdin` piped in, on the embedded ledger in `ledgerDir`. */
function npmLedger(args: readonly string[], stdin: string, ledgerDir: string): SpawnSyncReturns<string> {
  return spawnSync('npm', ['run', '--silent', 'ledger', '--', ...args], { cwd: ROOT, env: cliEnv(ledgerDir), input: stdin, encoding: 'utf8', timeout: 90_000 });
}

/** The same command without npm in between (what `npm run ledger` runs), for the many refusal cases. */
function ledgerCli(args: readonly string[], stdin: string, ledgerDir: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--require', 'tsx/cjs', 'src/cli/ledger.ts', ...args], { cwd: ROOT, env: cliEnv(ledgerDir), input: stdin, encoding: 'utf8', timeout: 90_000 });
}

describe('npm run ledger -- agent add', function () {
  this.timeout(180_000);
  let dir: string;
  let ledgerDir: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'agent-cli-'));
    ledgerDir = path.join(dir, 'ledger');
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates an account with the password from standard input (never echoed or logged), and the console signs it in', async () => {
    const run = npmLedger(['agent', 'add', '--username', 'giulia', '--role', 'supervisor'], `${PASSWORD}\n`, ledgerDir);
    assert.equal(run.status, 0, `exit ${String(run.status)}; stderr: ${run.stderr}`);
    assert.deepEqual(JSON.parse(run.stdout), { username: 'giulia', role: 'supervisor' });
    assert.ok(!run.stdout.includes(PASSWORD) && !run.stderr.includes(PASSWORD), 'the password is never printed');

    const ledger = await openLedger({ ledgerDir, hashKey: HASH_KEY });
    const hub = new MemoryHandoffHub({ timeoutSeconds: 600 });
    const server = await startConsoleServer({ ledger, hub, channel: new RecordingCustomerChannel() });
    try {
      const stored = (await ledger.db.query<{ password_hash: string }>("SELECT password_hash FROM agent_account WHERE username = 'giulia'")).rows[0];
      assert.ok(stored && !stored.password_hash.includes(PASSWORD), 'only a hash is stored');
      const audit = (await ledger.db.query<{ actor: string; action: string }>("SELECT actor, action FROM audit_log WHERE action = 'agent.added' AND entity_id = 'giulia'")).rows;
      assert.deepEqual(audit, [{ actor: 'system:cli', action: 'agent.added' }]);

      const agent = new AgentClient(server.baseUrl);
      const login = await agent.login('giulia', PASSWORD);
      assert.equal(login.status, 200);
      assert.equal(login.body.role, 'supervisor');
      assert.equal((await new AgentClient(server.baseUrl).login('giulia', `${PASSWORD}\n`)).status, 401, 'the line end was not part of the password');
    } finally {
      await server.close();
      await hub.close();
      await ledger.close();
    }
  });

  it('creates a surge account for outsourced staff during a breach (--role surge), and names the role in its refusals', async () => {
    const run = ledgerCli(['agent', 'add', '--username', 'sonia', '--role', 'surge'], `${PASSWORD}\n`, ledgerDir);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { username: 'sonia', role: 'surge' });
    const refused = ledgerCli(['agent', 'add', '--username', 'luca', '--role', 'outsourced'], `${PASSWORD}\n`, ledgerDir);
    assert.match(refused.stderr, /--role must be one of agent, supervisor, privacy, surge/);
    const ledger = await openLedger({ ledgerDir, hashKey: HASH_KEY });
    try {
      assert.deepEqual(await ledger.agents.get('sonia'), { username: 'sonia', role: 'surge' });
    } finally {
      await ledger.close();
    }
  });

  it('takes the first line only (CRLF too), and refuses a short password, a duplicate, a bad role, no password and a wrong subcommand with exit 2', () => {
    const crlf = ledgerCli(['agent', 'add', '--username', 'marco', '--role', 'agent'], `${PASSWORD}\r\nsecond line\r\n`, ledgerDir);
    assert.equal(crlf.status, 0, crlf.stderr);
    const cases: [string[], string, RegExp][] = [
      [['agent', 'add', '--username', 'luca', '--role', 'agent'], 'short\n', /at least 12 characters/],
      [['agent', 'add', '--username', 'marco', '--role', 'agent'], `${PASSWORD}\n`, /already exists/],
      [['agent', 'add', '--username', 'luca', '--role', 'admin'], `${PASSWORD}\n`, /--role must be one of agent, supervisor/],
      [['agent', 'add', '--username', 'luca'], `${PASSWORD}\n`, /--role must be one of/],
      [['agent', 'add', '--role', 'agent'], `${PASSWORD}\n`, /--username is required/],
      [['agent', 'add', '--username', 'luca', '--role', 'agent'], '', /no password on standard input/],
      [['agent', 'remove', '--username', 'luca'], '', /unknown subcommand "agent remove"/],
      [['agent', 'add', '--username', 'luca', '--role', 'agent', '--password', 'on the command line'], '', /does not take --password/],
    ];
    for (const [args, stdin, message] of cases) {
      const run = ledgerCli(args, stdin, ledgerDir);
      assert.equal(run.status, 2, `${args.join(' ')}: exit ${String(run.status)}; stderr: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.ok(!run.stderr.includes(PASSWORD), 'the password is never printed');
      assert.equal(run.stdout, '');
    }
  });
});

describe('reading a new password', () => {
  it('from a terminal: asks twice with echo off, and refuses two different answers', async () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[], setRawMode(mode: boolean) {
      this.modes.push(mode);
      return this;
    } });
    const prompt = new PassThrough();
    const shown: string[] = [];
    prompt.on('data', (chunk: Buffer) => shown.push(chunk.toString()));
    const reading = readNewPassword(tty, prompt);
    tty.write('secret passwordX\u007f\r');
    await new Promise((resolve) => setImmediate(resolve));
    tty.write('secret password\r');
    assert.equal(await reading, 'secret password');
    assert.deepEqual(tty.modes, [true, false, true, false]);
    assert.ok(!shown.join('').includes('secret'), 'nothing typed is echoed');

    const mismatch = readNewPassword(tty, prompt);
    tty.write('one password here\r');
    await new Promise((resolve) => setImmediate(resolve));
    tty.write('another password\r');
    await assert.rejects(mismatch, PasswordInputError);
  });
});
