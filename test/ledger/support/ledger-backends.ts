import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { isAppError } from '../../../src/errors/app-error';
import { ErrorCode } from '../../../src/errors/codes';
import { Ledger, LedgerOptions, openLedger } from '../../../src/ledger/ledger';
import { LedgerError } from '../../../src/ledger/ledger-errors';
import { Subject } from '../../../src/ledger/subjects/subject-service';
import { HEAVY_HOOK_TIMEOUT_MS } from '../../support/hook-timeouts';
import { connectTestPostgres } from '../../support/services';

/** The shared PostgreSQL of the test machine; each ledger gets a schema of its own, dropped afterwards. */
export const TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_HASH_KEY = 'ledger-test-hash-key-0123456789';
/** The instant the ledger's clock shows unless a test moves it. */
export const FIXED_NOW = new Date('2026-11-29T10:00:00.000Z');

export type BackendName = 'pglite' | 'postgresql';

/** A clock a test sets or advances; every ledger of a block reads it. */
export class FakeClock {
  private current = FIXED_NOW.getTime();
  readonly now = (): Date => new Date(this.current);
  set(at: Date | string): void {
    this.current = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.current += ms;
  }
  reset(): void {
    this.current = FIXED_NOW.getTime();
  }
}

export interface BackendContext {
  readonly backend: BackendName;
  readonly clock: FakeClock;
  /** The block's ledger: opened fresh in before(), closed (and its schema dropped) in after(). */
  readonly ledger: Ledger;
  /** Options for another ledger on this backend: in memory, or in a new schema dropped in after(). */
  options(overrides?: Partial<LedgerOptions>): LedgerOptions;
  /** Opens another fresh ledger on this backend, closed and dropped with the block. */
  open(overrides?: Partial<LedgerOptions>): Promise<Ledger>;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

async function withPostgres<T>(work: (client: Client) => Promise<T>, url = TEST_DATABASE_URL): Promise<T> {
  // Refused (start it), timed out (there but busy) or another reason: connectTestPostgres says which.
  const client = await connectTestPostgres(url);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Fails (never skips) when PostgreSQL does not answer at `url`, naming the command that starts it. */
export async function requireLedgerPostgres(url = TEST_DATABASE_URL): Promise<void> {
  await withPostgres(async (client) => client.query('SELECT 1'), url);
}

/** True when a schema of this name exists on the test PostgreSQL. */
export function postgresSchemaExists(schema: string): Promise<boolean> {
  return withPostgres(async (client) => (await client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema])).rowCount === 1);
}

/**
 * Declares `name [pglite]` and `name [postgresql]`, each with a fresh ledger and a fake clock.
 * The PostgreSQL block fails (never skips) when the server is not there, saying how to start it.
 */
export function forEachBackend(name: string, fn: (ctx: BackendContext) => void): void {
  for (const backend of ['pglite', 'postgresql'] as const) {
    describe(`${name} [${backend}]`, function () {
      const clock = new FakeClock();
      const opened: Ledger[] = [];
      const schemas: string[] = [];
      let main: Ledger | undefined;
      const options = (overrides: Partial<LedgerOptions> = {}): LedgerOptions => {
        const base: LedgerOptions = { hashKey: TEST_HASH_KEY, now: clock.now };
        if (backend === 'pglite') return { ...base, ledgerDir: 'memory://', ...overrides };
        const schema = `ledger_test_${process.pid}_${randomBytes(4).toString('hex')}`;
        schemas.push(schema);
        return { ...base, databaseUrl: TEST_DATABASE_URL, schema, ...overrides };
      };
      const open = async (overrides?: Partial<LedgerOptions>): Promise<Ledger> => {
        const ledger = await openLedger(options(overrides));
        opened.push(ledger);
        return ledger;
      };
      const ctx: BackendContext = {
        backend,
        clock,
        get ledger(): Ledger {
          assert.ok(main, 'the ledger is opened in before()');
          return main;
        },
        options,
        open,
      };

      // Opening a ledger starts PGlite (or a pool) and runs every migration: slow on a loaded machine.
      before(async function () {
        this.timeout(HEAVY_HOOK_TIMEOUT_MS);
        if (backend === 'postgresql') await requireLedgerPostgres();
        main = await open();
      });
      beforeEach(() => clock.reset());
      after(async function () {
        this.timeout(HEAVY_HOOK_TIMEOUT_MS);
        for (const ledger of opened.splice(0)) await ledger.close().catch(() => undefined);
        if (schemas.length > 0) {
          await withPostgres(async (client) => {
            for (const schema of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
          });
        }
      });

      fn(ctx);
    });
  }
}

/** Asserts a LedgerError with this code whose message matches every pattern. */
export async function assertLedgerError(promise: Promise<unknown>, code: ErrorCode, ...patterns: RegExp[]): Promise<LedgerError> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof LedgerError, `expected a LedgerError, got ${String(caught)}`);
  assert.ok(isAppError(caught, code), `expected code ${code}, got ${caught.code}: ${caught.message}`);
  for (const pattern of patterns) assert.match(caught.message, pattern);
  return caught;
}

/** Row counts of the given tables, for "nothing was written" checks. */
export async function countRows(ledger: Ledger, tables: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = Number((await ledger.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  return counts;
}

let subjectCounter = 0;

/** Registers a new person with a unique e-mail address (GDPR, Italian). */
export function registerSubject(ledger: Ledger, email = `person-${process.pid}-${++subjectCounter}-${randomBytes(3).toString('hex')}@example.com`): Promise<Subject> {
  return ledger.subjects.register({ identifiers: [{ kind: 'email', value: email }], regime: 'gdpr', preferredLocale: 'it' }, { actor: 'system:test', reason: 'test subject' });
}

/** Passes a value the types forbid, as untrusted input (JSON, a form) would. */
export function untyped<T>(value: unknown): T {
  return value as T;
}
