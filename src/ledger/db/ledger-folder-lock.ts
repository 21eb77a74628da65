import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { LedgerError } from '../ledger-errors';

/**
 * One process per embedded ledger folder. PGlite does not lock its folder: a second process opening it
 * reads a stale copy and writes behind the first one's back, and records are lost when either closes. So the folder's
 * owner writes a lock file beside it (`<folder>.lock`, outside PGlite's data directory) naming itself; any
 * other opener reads it and refuses, naming the owner. A lock whose owner has died (same host, no such pid)
 * is taken over.
 */

/** Who holds an embedded ledger folder: what the lock file holds (JSON), and what a refused opener is told. */
export interface LedgerFolderOwner {
  readonly pid: number;
  readonly host: string;
  /** ISO instant the owner opened the folder. */
  readonly since: string;
  /** What the owner is, e.g. `node dist/src/main.js` or `ledger seed-demo`; never its arguments (they may name a customer). */
  readonly command: string;
}

/** A held folder lock. `release()` is idempotent and synchronous (it also runs on process exit). */
export interface LedgerFolderLock {
  readonly file: string;
  release(): void;
}

/** Lock files this process holds, released best-effort when the process exits without closing its ledger. */
const heldHere = new Set<string>();
process.on('exit', () => {
  for (const file of heldHere) rmSync(file, { force: true });
});

/** The lock file of an embedded ledger folder: beside it, so it never lands in PGlite's data directory. */
export function ledgerLockFile(dataDir: string): string {
  const folder = path.resolve(dataDir);
  return path.join(path.dirname(folder), `${path.basename(folder)}.lock`);
}

/** The running script, without its arguments: `node dist/src/main.js`. */
function defaultCommand(): string {
  const script = process.argv[1] ? path.relative(process.cwd(), process.argv[1]) || process.argv[1] : '';
  return [path.basename(process.execPath), script].filter(Boolean).join(' ');
}

/**
 * Creates `file` holding `content`, or returns false when it exists. The content is written to a private
 * file first and hard-linked into place (link fails when the name exists, like O_EXCL), so another process
 * never reads a half-written owner.
 */
function createExclusively(file: string, content: string): boolean {
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.draft`;
  writeFileSync(draft, content, { flag: 'wx' });
  try {
    linkSync(draft, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(draft, { force: true });
  }
}

type ReadOwner = { kind: 'owner'; owner: LedgerFolderOwner } | { kind: 'gone' } | { kind: 'damaged' };

function readOwner(file: string): ReadOwner {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw err;
  }
  try {
    const value = JSON.parse(text) as Partial<LedgerFolderOwner>;
    if (Number.isInteger(value.pid) && typeof value.host === 'string' && typeof value.since === 'string' && typeof value.command === 'string') {
      return { kind: 'owner', owner: value as LedgerFolderOwner };
    }
  } catch {
    // falls through: not JSON
  }
  return { kind: 'damaged' };
}

/** True only when the owner certainly no longer runs: same host, and no process has its pid (or it is this one's earlier life). */
function ownerIsDead(owner: LedgerFolderOwner): boolean {
  if (owner.host !== hostname()) return false; // another machine's pids cannot be checked
  // Our own pid in a lock we do not hold: an earlier process with the same pid (pid 1 in a restarted container).
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'; // EPERM: alive, another user's
  }
}

const sameOwner = (a: LedgerFolderOwner, b: LedgerFolderOwner): boolean => a.pid === b.pid && a.host === b.host && a.since === b.since;

/**
 * Removes the lock of a dead owner, unless another opener got there first. A guard file makes "read, still
 * the dead owner, remove" one step among takers: without it, a slow taker could remove the lock a faster
 * one has just taken.
 */
function removeDeadOwnersLock(file: string, dead: LedgerFolderOwner, me: LedgerFolderOwner): 'done' | 'busy' {
  const guard = `${file}.takeover`;
  if (!createExclusively(guard, JSON.stringify(me))) {
    const taker = readOwner(guard);
    if (taker.kind === 'owner' && !ownerIsDead(taker.owner)) return 'busy';
    rmSync(guard, { force: true }); // a taker died mid-way, or the guard is damaged
    return 'done';
  }
  try {
    const current = readOwner(file);
    if (current.kind === 'owner' && sameOwner(current.owner, dead)) rmSync(file, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
  return 'done';
}

function inUse(dataDir: string, file: string, owner: LedgerFolderOwner): LedgerError {
  const where = owner.host === hostname() ? 'on this machine' : `on host ${owner.host}`;
  const remote = owner.host === hostname() ? '' : `; if nothing on ${owner.host} uses this folder any more, delete ${file}`;
  return new LedgerError(
    'PSB_LEDGER_LOCKED',
    `the embedded ledger ${path.resolve(dataDir)} is in use by process ${owner.pid} (${owner.command}) ${where} since ${owner.since}: ` +
      `stop that process first, or set DATABASE_URL to keep the ledger in PostgreSQL, which several processes can share${remote}`,
    { lockFile: file, pid: owner.pid, host: owner.host, since: owner.since, command: owner.command },
  );
}

/** How many times contention is re-examined before giving up. */
const MAX_ATTEMPTS = 200;
/** Pause while another opener takes over a dead owner's lock (it holds the guard for microseconds of file work). */
const TAKEOVER_PAUSE_MS = 10;

/**
 * Takes the lock of an embedded ledger folder for this process.
 * @param command what this process is, shown to refused openers. @default the script, e.g. `node dist/src/main.js`
 * @throws LedgerError `PSB_LEDGER_LOCKED` naming the live owner (pid, command, since) and what to do.
 */
export async function acquireLedgerFolderLock(dataDir: string, command: string = defaultCommand()): Promise<LedgerFolderLock> {
  const file = ledgerLockFile(dataDir);
  const me: LedgerFolderOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (createExclusively(file, `${JSON.stringify(me)}\n`)) {
      heldHere.add(file);
      return {
        file,
        release: () => {
          if (!heldHere.delete(file)) return;
          const current = readOwner(file);
          if (current.kind === 'owner' && sameOwner(current.owner, me)) rmSync(file, { force: true });
        },
      };
    }
    const last = readOwner(file);
    if (last.kind === 'gone') continue; // released between our two looks: try again
    if (last.kind === 'damaged') {
      throw new LedgerError('PSB_LEDGER_LOCKED', `the lock file ${file} of the embedded ledger ${path.resolve(dataDir)} cannot be read: if no process uses the ledger, delete it`, { lockFile: file });
    }
    if (heldHere.has(file) || !ownerIsDead(last.owner)) throw inUse(dataDir, file, last.owner);
    if (removeDeadOwnersLock(file, last.owner, me) === 'busy') await new Promise((resolve) => setTimeout(resolve, TAKEOVER_PAUSE_MS));
  }
  throw new LedgerError('PSB_LEDGER_LOCKED', `the embedded ledger ${path.resolve(dataDir)} is being opened by other processes at this very moment; try again`, { lockFile: file });
}
