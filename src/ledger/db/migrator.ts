import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../paths';
import { LedgerError } from '../ledger-errors';
import { SqlDatabase } from './sql-database';

/** SQL files are read from the source tree (tsc does not copy them to dist/). */
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'src', 'ledger', 'db', 'migrations');

export interface Migration {
  /** From the file name: `003_requests.sql` → 3. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface MigrationReport {
  readonly applied: string[];
  readonly alreadyApplied: number;
}

/** Reads `NNN_name.sql` files in version order; a gap or a duplicate version is an error. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const migrations = files.map((file) => {
    const match = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new LedgerError('PSB_LEDGER_MIGRATION', `migration file "${file}" must be named NNN_name.sql`, { file });
    const sql = readFileSync(path.join(dir, file), 'utf8');
    return { version: Number(match[1]), name: file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new LedgerError('PSB_LEDGER_MIGRATION', `migrations must be numbered 001, 002, … without gaps; found ${m.name} at position ${i + 1}`, { file: m.name });
  });
  return migrations;
}

/**
 * Applies pending migrations, each in its own transaction together with its row in
 * `ledger_migration`: a failing migration leaves the schema as it was. Running twice changes
 * nothing. An applied migration whose file changed since is refused (history is not rewritten).
 */
export async function migrate(db: SqlDatabase, migrations = readMigrations()): Promise<MigrationReport> {
  await db.query(`CREATE TABLE IF NOT EXISTS ledger_migration (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const applied = new Map((await db.query<{ version: number; checksum: string; name: string }>('SELECT version, checksum, name FROM ledger_migration')).rows.map((r) => [r.version, r]));
  const report: string[] = [];
  for (const migration of migrations) {
    const done = applied.get(migration.version);
    if (done) {
      if (done.checksum !== migration.checksum) {
        throw new LedgerError('PSB_LEDGER_MIGRATION', `migration ${migration.name} was changed after it was applied; add a new migration instead`, { file: migration.name });
      }
      continue;
    }
    try {
      await db.transaction(async (tx) => {
        // Another instance may be migrating at the same moment: the first one wins, the other waits.
        await tx.query('LOCK TABLE ledger_migration IN EXCLUSIVE MODE');
        const again = await tx.query('SELECT 1 FROM ledger_migration WHERE version = $1', [migration.version]);
        if (again.rowCount > 0 || again.rows.length > 0) return;
        for (const statement of splitStatements(migration.sql)) await tx.query(statement);
        await tx.query('INSERT INTO ledger_migration (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
      });
    } catch (err) {
      throw new LedgerError('PSB_LEDGER_MIGRATION', `migration ${migration.name} failed and was rolled back: ${(err as Error).message}`, { file: migration.name }, { cause: err });
    }
    report.push(migration.name);
  }
  return { applied: report, alreadyApplied: migrations.length - report.length };
}

/**
 * Splits a migration file into statements (extended query protocol takes one at a time). Knows
 * about dollar-quoted bodies ($$ … $$), quotes and `--` comments, which is all our migrations use.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  let dollarTag: string | undefined;
  let quote: string | undefined;
  while (i < sql.length) {
    const ch = sql[i];
    if (dollarTag) {
      if (sql.startsWith(dollarTag, i)) {
        current += dollarTag;
        i += dollarTag.length;
        dollarTag = undefined;
      } else {
        current += ch;
        i += 1;
      }
      continue;
    }
    if (quote) {
      current += ch;
      i += 1;
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      current += '\n';
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
      i += 1;
      continue;
    }
    if (ch === '$') {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))?.[0];
      if (tag) {
        dollarTag = tag;
        current += tag;
        i += tag.length;
        continue;
      }
    }
    if (ch === ';') {
      if (current.trim()) statements.push(current.trim());
      current = '';
      i += 1;
      continue;
    }
    current += ch;
    i += 1;
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}
