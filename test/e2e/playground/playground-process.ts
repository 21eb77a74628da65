import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../support/free-port';

/** Our mock Teams for the playground: the tenant, the bot's real name, people with valid GUID object ids. */
export const PLAYGROUND_CONFIG = path.join(__dirname, '.m365agentsplayground.yml');
const CLI = require.resolve('@microsoft/m365agentsplayground/cli.js');

/** One activity the playground recorded (its events recording): who sent it to whom, and the body. */
export interface RecordedEvent {
  readonly conversationId: string;
  readonly direction: string;
  readonly activityName: string;
  readonly request: { readonly body: Record<string, unknown> & { text?: string; suggestedActions?: { actions?: unknown[] }; attachments?: { contentType: string; content?: unknown }[] } };
}

export const TO_BOT = 'Microsoft 365 Agents Playground -> User Application';
export const FROM_BOT = 'User Application -> Microsoft 365 Agents Playground';

/**
 * Microsoft 365 Agents Playground (the lockfile's version, nothing fetched) as Teams, offline: no
 * browser of its own, no telemetry, our config, its events recording in a temporary directory.
 */
export class PlaygroundProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly workDir: string,
    readonly url: string,
    private readonly output: () => string,
  ) {}

  /** @param asUser a user of the config to be the playground's current user instead of the config's own (another member). */
  static async start(botEndpoint: string, asUser?: { readonly id: string; readonly name: string }): Promise<PlaygroundProcess> {
    const workDir = mkdtempSync(path.join(tmpdir(), 'psb-playground-'));
    const config = asUser ? writeConfigAs(workDir, asUser) : PLAYGROUND_CONFIG;
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'start', '-e', botEndpoint, '-c', 'msteams', '--disable-telemetry', '--enable-events-recording', '-p', String(port)], {
      cwd: workDir,
      env: { ...process.env, TEAMSAPPTESTER_BROWSER: 'none', M365_AGENTS_PLAYGROUND_CONFIG_PATH: config, M365_AGENTS_PLAYGROUND_LOGFILE: path.join(workDir, 'playground.log') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const listening = await new Promise<number>((resolve, reject) => {
      const check = (): void => {
        const match = /Listening on (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      };
      child.stdout?.on('data', check);
      child.on('exit', (code) => reject(new Error(`Agents Playground exited (${code}) before listening:\n${output}`)));
    });
    return new PlaygroundProcess(child, workDir, `http://127.0.0.1:${listening}`, () => output);
  }

  /** Everything the playground recorded so far, in order. */
  events(): RecordedEvent[] {
    const dir = path.join(this.workDir, 'devTools');
    const files = readdirSync(dir).filter((name) => name.startsWith('events_recording_'));
    return files.flatMap((name) =>
      readFileSync(path.join(dir, name), 'utf8')
        .split('\n---\n')
        .filter((part) => part.trim() !== '')
        .map((part) => JSON.parse(part) as RecordedEvent),
    );
  }

  get log(): string {
    return this.output();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/**
 * Our config with `user` as the current user and the config's current user among the others (the
 * playground has one current user per process; a second process is a second member of the same chats).
 */
function writeConfigAs(workDir: string, user: { readonly id: string; readonly name: string }): string {
  const text = readFileSync(PLAYGROUND_CONFIG, 'utf8');
  const blocks = text.split(/\n(?=currentUser:|users:|personalChat:)/);
  const current = blocks.find((block) => block.startsWith('currentUser:')) ?? '';
  const users = blocks.find((block) => block.startsWith('users:')) ?? '';
  const entries = users.split(/\n(?=  - id: )/).slice(1);
  const chosen = entries.find((entry) => entry.includes(`id: ${user.id}\n`) && entry.includes(`name: ${user.name}\n`));
  if (!chosen) throw new Error(`no user ${user.id} (${user.name}) in ${PLAYGROUND_CONFIG}`);
  const asCurrent = `currentUser:\n${chosen.replace(/^  - /, '    ').replace(/^    /gm, '  ')}`;
  const formerCurrent = `  - ${current.replace(/^currentUser:\n/, '').replace(/^  /gm, '    ').trimStart()}`;
  const otherUsers = ['users:', formerCurrent, ...entries.filter((entry) => entry !== chosen)].join('\n');
  const file = path.join(workDir, '.m365agentsplayground.yml');
  writeFileSync(file, blocks.map((block) => (block === current ? asCurrent : block === users ? otherUsers : block)).join('\n'));
  return file;
}
