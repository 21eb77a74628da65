import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAppError } from '../../src/errors/app-error';
import { migrate, readMigrations } from '../../src/ledger/db/migrator';
import { createPgDatabase } from '../../src/ledger/db/pg-database';
import { createPgliteDatabase } from '../../src/ledger/db/pglite-database';
import { SqlDatabase } from '../../src/ledger/db/sql-database';
import { Ledger, LedgerOptions, openLedger } from '../../src/ledger/ledger';
import { loadLedgerConfig } from '../../src/ledger/ledger-config';
import { IdentifierCipher, keyIdOf, LedgerKeyring } from '../../src/ledger/subjects/identifier-cipher';
import { rotateIdentifierKey } from '../../src/ledger/subjects/identifier-encryption';
import { IdentifierHasher, IdentifierKind } from '../../src/ledger/subjects/identifiers';
import { SubjectService } from '../../src/ledger/subjects/subject-service';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { assertLedgerError, BackendContext, forEachBackend, TEST_HASH_KEY } from './support/ledger-backends';

const SYSTEM = { actor: 'system:test', reason: 'identifier encryption test' };
const KEY_A = randomBytes(32);
const KEY_B = randomBytes(32);
const KEY_C = randomBytes(32);
const ring = (current: Buffer, ...previous: Buffer[]): LedgerKeyring => ({ current, previous });

interface StoredRow {
  kind: IdentifierKind;
  value: string | null;
  value_ciphertext: string | null;
  key_id: string | null;
}

async function storedRows(ledger: Ledger, subjectId?: string): Promise<StoredRow[]> {
  const where = subjectId ? 'WHERE subject_id = $1' : '';
  return (await ledger.db.query<StoredRow>(`SELECT kind, value, value_ciphertext, key_id FROM subject_identifier ${where} ORDER BY kind, lookup_hash`, subjectId ? [subjectId] : [])).rows;
}

/** A person with an e-mail, a phone and a customer number, all unique to the test. */
function newPerson(): { kind: IdentifierKind; value: string }[] {
  const tag = randomBytes(3).toString('hex');
  return [
    { kind: 'email', value: `person-${tag}@example.com` },
    { kind: 'phone', value: `+39347${String(randomBytes(3).readUIntBE(0, 3) % 10_000_000).padStart(7, '0')}` },
    { kind: 'customer_number', value: `C-${tag.toUpperCase()}` },
  ];
}

/**
 * Options of a ledger that outlives its close (a folder for PGlite, a schema for PostgreSQL), so a
 * test can reopen it with other keys. The folder is removed by the returned cleanup; the schema by the block.
 */
function durableOptions(ctx: BackendContext): { options: (keys: LedgerKeyring) => LedgerOptions; cleanup: () => void } {
  if (ctx.backend === 'pglite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-keys-'));
    return { options: (keys) => ctx.options({ ledgerDir: dir, encryptionKeys: keys }), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const base = ctx.options();
  return { options: (keys) => ({ ...base, encryptionKeys: keys }), cleanup: () => undefined };
}

async function withLedger<T>(options: LedgerOptions, work: (ledger: Ledger) => Promise<T>): Promise<T> {
  const ledger = await openLedger(options);
  try {
    return await work(ledger);
  } finally {
    await ledger.close();
  }
}

/** The bare database behind `options`, with no migration and no sealing: what an older version left. */
async function openRawDatabase(options: LedgerOptions): Promise<SqlDatabase> {
  if (options.databaseUrl) {
    const db = createPgDatabase({ connectionString: options.databaseUrl, schema: options.schema });
    await db.query(`CREATE SCHEMA IF NOT EXISTS ${JSON.stringify(options.schema)}`);
    return db;
  }
  return createPgliteDatabase({ dataDir: options.ledgerDir, schema: options.schema });
}

forEachBackend('identifiers at rest', (ctx) => {
  it('stores each identifier encrypted beside its lookup hash; lookups and identifiersOf still answer in clear', async () => {
    const { ledger } = ctx;
    const person = newPerson();
    const subject = await ledger.subjects.register({ identifiers: person, regime: 'gdpr' }, SYSTEM);
    const rows = await storedRows(ledger, subject.id);
    assert.equal(rows.length, 3);
    for (const row of rows) {
      const clear = person.find((p) => p.kind === row.kind)?.value ?? '';
      assert.equal(row.value, null, `no clear ${row.kind} is stored`);
      assert.ok(row.value_ciphertext, 'a ciphertext is stored');
      assert.ok(!row.value_ciphertext.includes(clear) && !Buffer.from(row.value_ciphertext, 'base64').includes(clear), `the stored ${row.kind} is not the clear value`);
      assert.equal(row.key_id, ledger.cipher.currentKeyId, 'the row names the key that sealed it');
    }
    for (const { kind, value } of person) assert.equal((await ledger.subjects.find(kind, value))?.id, subject.id, `found by ${kind}`);
    assert.deepEqual(await ledger.subjects.identifiersOf(subject.id), [...person].sort((a, b) => (a.kind < b.kind ? -1 : 1)));
    const second = await ledger.subjects.register({ identifiers: [person[0]], regime: 'gdpr' }, SYSTEM);
    assert.equal(second.id, subject.id, 'registering the same e-mail again finds the same person');
  });

  it('migrates a clear-text ledger (migrations up to 005) in place at open, losing nothing, once', async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    const durable = durableOptions(ctx);
    try {
      const options = durable.options(ring(KEY_A));
      const hasher = new IdentifierHasher(TEST_HASH_KEY);
      const people = [newPerson(), newPerson(), newPerson()];
      const ids = people.map(() => randomUUID());
      const old = await openRawDatabase(options);
      try {
        await migrate(old, readMigrations().slice(0, 5));
        await old.transaction(async (tx) => {
          for (const [i, person] of people.entries()) {
            await tx.query("INSERT INTO subject (id, regime, preferred_locale, created_at) VALUES ($1, 'gdpr', 'it', now())", [ids[i]]);
            for (const identifier of person) {
              await tx.query('INSERT INTO subject_identifier (kind, lookup_hash, subject_id, value, added_at) VALUES ($1, $2, $3, $4, now())', [identifier.kind, hasher.hash(identifier), ids[i], identifier.value]);
            }
          }
        });
      } finally {
        await old.close();
      }

      await withLedger(options, async (ledger) => {
        assert.equal(ledger.identifiersEncryptedAtOpen, 9);
        assert.ok(ledger.migration.applied.includes('006_identifier_encryption.sql'));
        const rows = await storedRows(ledger);
        assert.equal(rows.length, 9, 'every row is still there');
        assert.ok(rows.every((r) => r.value === null && r.value_ciphertext !== null && r.key_id === keyIdOf(KEY_A)), 'no clear value is left; every row is under the key');
        for (const [i, person] of people.entries()) {
          assert.deepEqual(await ledger.subjects.identifiersOf(ids[i]), [...person].sort((a, b) => (a.kind < b.kind ? -1 : 1)));
          for (const { kind, value } of person) assert.equal((await ledger.subjects.find(kind, value))?.id, ids[i]);
        }
      });
      await withLedger(options, async (ledger) => {
        assert.equal(ledger.identifiersEncryptedAtOpen, 0, 'opening again seals nothing');
        assert.deepEqual(await ledger.subjects.identifiersOf(ids[0]), [...people[0]].sort((a, b) => (a.kind < b.kind ? -1 : 1)));
      });
    } finally {
      durable.cleanup();
    }
  });

  it('rotate-key re-encrypts every row under the new key, idempotently; the old key alone is then refused naming LEDGER_ENCRYPTION_KEY', async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    const durable = durableOptions(ctx);
    try {
      const people = [newPerson(), newPerson()];
      const ids = await withLedger(durable.options(ring(KEY_A)), async (ledger) => {
        const registered: string[] = [];
        for (const identifiers of people) registered.push((await ledger.subjects.register({ identifiers, regime: 'gdpr' }, SYSTEM)).id);
        return registered;
      });
      await withLedger(durable.options(ring(KEY_B, KEY_A)), async (ledger) => {
        assert.deepEqual(await rotateIdentifierKey(ledger.db, ledger.cipher), { keyId: keyIdOf(KEY_B), reEncrypted: 6, encryptedFromClear: 0, alreadyCurrent: 0 });
        assert.deepEqual(await rotateIdentifierKey(ledger.db, ledger.cipher), { keyId: keyIdOf(KEY_B), reEncrypted: 0, encryptedFromClear: 0, alreadyCurrent: 6 }, 'a second run changes nothing');
        assert.ok((await storedRows(ledger)).every((r) => r.key_id === keyIdOf(KEY_B)));
      });
      await withLedger(durable.options(ring(KEY_B)), async (ledger) => {
        assert.deepEqual(await ledger.subjects.identifiersOf(ids[1]), [...people[1]].sort((a, b) => (a.kind < b.kind ? -1 : 1)), 'the new key alone reads everything');
      });
      const err = await assertLedgerError(openLedger(durable.options(ring(KEY_A))), 'PSB_LEDGER_ENCRYPTION_KEY', /LEDGER_ENCRYPTION_KEY/, new RegExp(keyIdOf(KEY_B)));
      assert.deepEqual(err.details.keyIds, [keyIdOf(KEY_B)]);
    } finally {
      durable.cleanup();
    }
  });

  it('a wrong key is a clear error naming LEDGER_ENCRYPTION_KEY, at open and on read, never garbage', async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    const durable = durableOptions(ctx);
    try {
      const person = newPerson();
      await withLedger(durable.options(ring(KEY_A)), async (ledger) => {
        const subject = await ledger.subjects.register({ identifiers: person, regime: 'gdpr' }, SYSTEM);
        const wrongKey = new SubjectService(ledger.db, new IdentifierHasher(TEST_HASH_KEY), ctx.clock.now, new IdentifierCipher(ring(KEY_C)));
        assert.equal((await wrongKey.find('email', person[0].value))?.id, subject.id, 'lookups need only the hash key');
        await assertLedgerError(wrongKey.identifiersOf(subject.id), 'PSB_LEDGER_ENCRYPTION_KEY', /LEDGER_ENCRYPTION_KEY/);
        // A ciphertext copied onto another row does not open there: values are bound to their row.
        await ledger.db.query("UPDATE subject_identifier SET value_ciphertext = (SELECT value_ciphertext FROM subject_identifier WHERE subject_id = $1 AND kind = 'email') WHERE subject_id = $1 AND kind = 'phone'", [subject.id]);
        await assertLedgerError(ledger.subjects.identifiersOf(subject.id), 'PSB_LEDGER_ENCRYPTION_KEY', /altered or moved/);
      });
      await assertLedgerError(openLedger(durable.options(ring(KEY_C))), 'PSB_LEDGER_ENCRYPTION_KEY', /match neither LEDGER_ENCRYPTION_KEY nor any of LEDGER_ENCRYPTION_OLD_KEYS/);
    } finally {
      durable.cleanup();
    }
  });
});

describe('LEDGER_ENCRYPTION_KEY settings', () => {
  const b64 = (key: Buffer): string => key.toString('base64');
  const HASH = { LEDGER_HASH_KEY: 'a-production-secret-of-enough-length' };

  it('production without the key refuses to start, naming LEDGER_ENCRYPTION_KEY', () => {
    assert.throws(
      () => loadLedgerConfig({ NODE_ENV: 'production', ...HASH }),
      (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.details.variable === 'LEDGER_ENCRYPTION_KEY' && /LEDGER_ENCRYPTION_KEY must be set when NODE_ENV=production/.test(err.message),
    );
  });

  it('elsewhere falls back to the development key with a warning', () => {
    const config = loadLedgerConfig(HASH);
    assert.equal(config.usesDevelopmentEncryptionKey, true);
    assert.match(config.warnings.join('\n'), /LEDGER_ENCRYPTION_KEY is not set/);
  });

  it('reads the current key and the old ones (the word development included)', () => {
    const config = loadLedgerConfig({ NODE_ENV: 'production', ...HASH, LEDGER_ENCRYPTION_KEY: b64(KEY_B), LEDGER_ENCRYPTION_OLD_KEYS: ` ${b64(KEY_A)} , development` });
    assert.deepEqual(config.warnings, []);
    const cipher = new IdentifierCipher(config.encryptionKeys ?? ring(KEY_C));
    assert.equal(cipher.currentKeyId, keyIdOf(KEY_B));
    assert.ok(cipher.knows(keyIdOf(KEY_A)) && cipher.knows(new IdentifierCipher(loadLedgerConfig(HASH).encryptionKeys ?? ring(KEY_C)).currentKeyId));
  });

  for (const [variable, value] of [
    ['LEDGER_ENCRYPTION_KEY', 'not-a-key'],
    ['LEDGER_ENCRYPTION_KEY', randomBytes(16).toString('base64')],
    ['LEDGER_ENCRYPTION_OLD_KEYS', `${randomBytes(32).toString('base64')},short`],
  ] as const) {
    it(`refuses a malformed ${variable} without echoing it`, () => {
      assert.throws(
        () => loadLedgerConfig({ ...HASH, [variable]: value }),
        (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.details.variable === variable && /base64 of 32 random bytes/.test(err.message) && !err.message.includes(value),
      );
    });
  }
});
