import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { freePort } from './free-port';
import os from 'node:os';
import path from 'node:path';

export interface PrivateRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (no password, even when started with `requirepass`). */
  readonly url: string;
  /** Kills the server (SIGKILL: an outage, not a shutdown); the port is kept for start(). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (nothing is kept on disk). */
  start(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open but nothing is answered. */
  pause(): void;
  /** Unfreezes a paused server (SIGCONT). */
  resume(): void;
  /** Stops the server for good and removes its directory. Safe to call twice. */
  close(): Promise<void>;
}

export interface PrivateRedisOptions {
  /** More redis-server arguments, e.g. ['--requirepass', 'secret']. @default [] */
  readonly args?: readonly string[];
}

/** Servers still running, killed when the test process exits whatever happened. */
const live = new Set<() => void>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const kill of live) kill();
  });
}

/** True when a Redis answers PING on the port (the answer may also be NOAUTH: it is up). */
function answersPing(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (up: boolean): void => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Hang guard for redis-server answering PING after it was spawned (normally ~50 ms; a loaded machine takes longer), in ms. */
const START_HANG_GUARD_MS = 20_000;

/**
 * A redis-server of the test's own on a free port (temp dir, `--save "" --appendonly no`), for
 * what must not touch the shared Redis: outages, pauses, command counting. It can be stopped
 * and started again on the same port, so a client keeps its URL across an outage. Needs the
 * `redis-server` binary (Debian package redis-server). Call close() in after(); a server left
 * running is killed when the test process exits.
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'psb-redis-'));
  let child: ChildProcess | undefined;
  let closed = false;

  const kill = (): void => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  const onExit = (): void => {
    kill();
    removeDir();
  };

  const start = async (): Promise<void> => {
    if (closed) throw new Error('this private redis-server was closed; start a new one');
    if (child && child.exitCode === null && child.signalCode === null) throw new Error(`private redis-server on port ${port} is already running`);
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...(options.args ?? [])];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-2000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    let failure: Error | undefined;
    proc.once('error', (err) => {
      failure = new Error(`cannot run redis-server (install the Debian package redis-server): ${err.message}`);
    });
    proc.once('exit', (code, signal) => {
      failure ??= new Error(`private redis-server on port ${port} exited (code ${code}, signal ${signal}):\n${output}`);
    });
    const deadline = Date.now() + START_HANG_GUARD_MS;
    while (Date.now() < deadline) {
      if (failure) {
        child = undefined;
        throw failure;
      }
      // Our own process must be alive and answering: a foreign server on the port does not count.
      if (proc.exitCode === null && (await answersPing(port))) return;
      await sleep(25);
    }
    kill();
    child = undefined;
    throw new Error(`hang guard: private redis-server on port ${port} did not answer PING within ${START_HANG_GUARD_MS} ms (it normally takes well under a second):\n${output}`);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL'); // kills a paused (SIGSTOP) server too, without letting it run first
    await exited;
    // The kernel closes a process's sockets before its parent hears of the exit: one check, no wait.
    if (!(await portIsClosed(port))) throw new Error(`private redis-server on port ${port} exited but the port still accepts connections: another process took it`);
  };

  const signal = (name: NodeJS.Signals): void => {
    if (!child) throw new Error(`private redis-server on port ${port} is not running`);
    child.kill(name);
  };

  killAllOnExit();
  live.add(onExit);
  try {
    await start();
  } catch (err) {
    live.delete(onExit);
    removeDir();
    throw err;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    close: async () => {
      if (closed) return;
      closed = true;
      await stop();
      live.delete(onExit);
      removeDir();
    },
  };
}
