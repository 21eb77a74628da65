import { constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { PROJECT_ROOT } from '../../paths';
import { migrate, Migration, readMigrations } from './migrator';
import { createPgliteDatabase } from './pglite-database';

/**
 * A new embedded ledger starts from a copy of a template folder instead of running initdb and the
 * migrations. initdb in WebAssembly (a second PostgreSQL instance, then a tar copy of what it made) takes
 * 3–6 s on the two-core machine, and the migrations' DDL on a folder-backed PGlite another 1–3 s; copying
 * the template takes 0.15 s (about 1 s when the machine is loaded) and opening the copy 0.7 s.
 *
 * What initdb and the migrations make depends only on the PGlite build and the migration files (they are
 * DDL and one constant row), so a template is kept per PGlite version and migrations checksum, like the
 * intent models in the model cache: made on first need (or by `npm run build`), reused after. It is made by
 * the real migrator, so its `ledger_migration` rows carry the files' checksums, and the ledger's own
 * `migrate()` at open checks them as for any ledger (their `applied_at` is when the template was made).
 *
 * Every ledger made from one template shares its PostgreSQL system identifier; nothing here uses it (no
 * replication between embedded ledgers).
 */

/** Where templates are kept, one folder per PGlite version and set of migrations. */
export const DEFAULT_PGLITE_TEMPLATE_ROOT = path.join(PROJECT_ROOT, 'data', 'pglite-template');

/** The installed PGlite's version: a template is only valid for the build that made it. */
export function pgliteVersion(): string {
  const entry = require.resolve('@electric-sql/pglite');
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
    if (parsed.name === '@electric-sql/pglite' && parsed.version) return parsed.version;
  }
  throw new Error('cannot find the version of @electric-sql/pglite');
}

/**
 * The template folder of this PGlite version and these migrations under `root`; it exists only once
 * complete (made aside, then renamed).
 */
export function templateFolder(root: string = DEFAULT_PGLITE_TEMPLATE_ROOT, migrations: readonly Migration[] = readMigrations()): string {
  const checksum = createHash('sha256');
  for (const migration of migrations) checksum.update(`${migration.name}\t${migration.checksum}\n`);
  return path.join(root, `pglite-${pgliteVersion()}-${checksum.digest('hex').slice(0, 16)}`);
}

/** A data folder PGlite has never initialised: missing or empty. */
export function isUninitialised(dataDir: string): boolean {
  try {
    return readdirSync(dataDir).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/**
 * Makes the template of this PGlite version and these migrations when there is none: initdb and the
 * migrations in a private folder beside it, closed cleanly, then renamed into place, so a reader never sees
 * half a template. Two processes making it at once both succeed; the second one's copy is dropped. Returns
 * the template folder.
 */
export async function ensurePgliteTemplate(root: string = DEFAULT_PGLITE_TEMPLATE_ROOT, migrations: readonly Migration[] = readMigrations()): Promise<string> {
  const folder = templateFolder(root, migrations);
  if (existsSync(folder)) return folder;
  mkdirSync(root, { recursive: true });
  const draft = `${folder}.${process.pid}.draft`;
  rmSync(draft, { recursive: true, force: true });
  try {
    const db = await createPgliteDatabase({ dataDir: draft });
    try {
      await migrate(db, [...migrations]);
    } finally {
      await db.close();
    }
    renameSync(draft, folder);
    removeOtherTemplates(root, folder);
  } catch (err) {
    // Someone else's template got there first: theirs is as good as ours.
    if (!existsSync(folder)) throw err;
  } finally {
    rmSync(draft, { recursive: true, force: true });
  }
  return folder;
}

/** Templates of an earlier PGlite or earlier migrations are not used again. */
function removeOtherTemplates(root: string, keep: string): void {
  for (const name of readdirSync(root)) {
    const folder = path.join(root, name);
    if (folder !== keep && /^pglite-.+-[0-9a-f]{16}$/.test(name)) rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Fills an uninitialised data folder from the template (made first if missing), so PGlite opens it as an
 * existing, migrated database. The copy is made beside the folder and renamed over it (an empty folder is
 * replaced), so a crash leaves either the empty folder or a complete one. Returns the names of the
 * migrations the copy holds (every migration file, in order), or undefined, touching nothing, when the
 * folder already holds anything. The caller holds the folder's lock.
 */
export async function seedFromTemplate(dataDir: string, root: string = DEFAULT_PGLITE_TEMPLATE_ROOT, migrations: readonly Migration[] = readMigrations()): Promise<string[] | undefined> {
  if (!isUninitialised(dataDir)) return undefined;
  const template = await ensurePgliteTemplate(root, migrations);
  const target = path.resolve(dataDir);
  const draft = `${target}.${process.pid}.seeding`;
  rmSync(draft, { recursive: true, force: true });
  try {
    await copyFolder(template, draft);
    // rename(2) replaces an empty folder in one step.
    renameSync(draft, target);
  } finally {
    rmSync(draft, { recursive: true, force: true });
  }
  return migrations.map((migration) => migration.name);
}

/** Files copied at once: enough to keep the thread pool (4 threads) busy. */
const COPY_CONCURRENCY = 8;

/**
 * Copies a folder tree with its permissions: the folders made at once, the files (about 1,100 in a template) copied by the thread
 * pool several at a time, so the start goes on (loading modules) meanwhile. FICLONE: a copy-on-write clone
 * where the file system has them, a plain copy elsewhere.
 */
export async function copyFolder(from: string, to: string): Promise<void> {
  const files: string[] = [];
  const walk = (relative: string): void => {
    // PostgreSQL wants its folders private (0700), as the template's are.
    mkdirSync(path.join(to, relative), { recursive: true, mode: statSync(path.join(from, relative)).mode & 0o777 });
    for (const entry of readdirSync(path.join(from, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else files.push(child);
    }
  };
  walk('');
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++];
      await copyFile(path.join(from, file), path.join(to, file), constants.COPYFILE_FICLONE);
    }
  };
  await Promise.all(Array.from({ length: COPY_CONCURRENCY }, worker));
}
