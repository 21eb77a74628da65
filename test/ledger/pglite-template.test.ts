import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readMigrations } from '../../src/ledger/db/migrator';
import { copyFolder, ensurePgliteTemplate, pgliteVersion, seedFromTemplate, templateFolder } from '../../src/ledger/db/pglite-template';
import { openLedger } from '../../src/ledger/ledger';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { registerSubject, TEST_HASH_KEY } from './support/ledger-backends';

/**
 * A new embedded ledger folder starts as a copy of a migrated template instead of initdb + migrations. The
 * templates here live in a folder of this test run (never the project's data/), made once in before().
 */
describe('PGlite ledger template (a new embedded ledger is copied, not initialised)', () => {
  const MIGRATIONS = readMigrations();
  let work: string;
  let templates: string;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    work = mkdtempSync(path.join(os.tmpdir(), 'pglite-template-test-'));
    templates = path.join(work, 'templates');
    await ensurePgliteTemplate(templates);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('is kept per PGlite version and set of migrations', () => {
    const folder = templateFolder(templates);
    assert.equal(path.dirname(folder), templates);
    assert.ok(path.basename(folder).startsWith(`pglite-${pgliteVersion()}-`));
    assert.equal(templateFolder(templates, MIGRATIONS), folder, 'the same migrations, the same template');
    assert.notEqual(templateFolder(templates, MIGRATIONS.slice(0, 3)), folder, 'other migrations, another template');
    const edited = MIGRATIONS.map((migration, i) => (i === 0 ? { ...migration, checksum: 'edited' } : migration));
    assert.notEqual(templateFolder(templates, edited), folder, 'an edited migration, another template');
    assert.deepEqual(readdirSync(templates), [path.basename(folder)], 'nothing but the finished template is left beside it');
  });

  it('fills an empty ledger folder, which opens as a new ledger with every migration applied', async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    const dir = path.join(work, 'new-ledger');
    mkdirSync(dir);
    const ledger = await openLedger({ hashKey: TEST_HASH_KEY, ledgerDir: dir, pgliteTemplates: templates });
    let subjectId: string;
    try {
      assert.deepEqual(ledger.migration, { applied: MIGRATIONS.map((m) => m.name), alreadyApplied: 0 });
      assert.deepEqual(ledger.template, { seeded: true }, 'filled from the template, not by initdb and the migrations');
      const stored = (await ledger.db.query<{ name: string; checksum: string }>('SELECT name, checksum FROM ledger_migration ORDER BY version')).rows;
      assert.deepEqual(stored, MIGRATIONS.map((m) => ({ name: m.name, checksum: m.checksum })));
      subjectId = (await registerSubject(ledger)).id;
      assert.equal((await ledger.verify()).ok, true);
    } finally {
      await ledger.close();
    }
    const again = await openLedger({ hashKey: TEST_HASH_KEY, ledgerDir: dir, pgliteTemplates: templates });
    try {
      assert.deepEqual(again.migration, { applied: [], alreadyApplied: MIGRATIONS.length });
      assert.equal(again.template, undefined, 'an existing folder is not seeded');
      assert.ok(await again.subjects.byId(subjectId), 'what was written is in the folder, not in the template');
    } finally {
      await again.close();
    }
    const template = await openLedger({ hashKey: TEST_HASH_KEY, ledgerDir: path.join(work, 'template-copy-check'), pgliteTemplates: templates });
    try {
      assert.equal(await template.subjects.byId(subjectId), undefined, 'the template itself stayed empty');
    } finally {
      await template.close();
    }
  });

  it('a template that cannot be made: the ledger says why, and initdb and the migrations fill the folder instead', async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    const blocker = path.join(work, 'a-file-not-a-folder');
    writeFileSync(blocker, 'in the way');
    const dir = path.join(work, 'seed-failed');
    const ledger = await openLedger({ hashKey: TEST_HASH_KEY, ledgerDir: dir, pgliteTemplates: path.join(blocker, 'templates') });
    try {
      assert.equal(ledger.template?.seeded, false);
      assert.match(ledger.template?.seeded === false ? ledger.template.failure : '', /ENOTDIR|EEXIST/);
      assert.deepEqual(ledger.migration, { applied: MIGRATIONS.map((m) => m.name), alreadyApplied: 0 });
      assert.equal((await ledger.verify()).ok, true);
    } finally {
      await ledger.close();
    }
  });

  it('leaves a folder that holds anything alone', async () => {
    const dir = path.join(work, 'not-empty');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'something'), 'kept');
    assert.equal(await seedFromTemplate(dir, templates), undefined);
    assert.deepEqual(readdirSync(dir), ['something']);
    assert.equal(readFileSync(path.join(dir, 'something'), 'utf8'), 'kept');
  });

  it('makes a missing template on first need, and drops the templates of other migrations', async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    const own = path.join(work, 'own-templates');
    const first = await ensurePgliteTemplate(own, MIGRATIONS.slice(0, 1));
    const dir = path.join(work, 'first-migration-only');
    assert.deepEqual(await seedFromTemplate(dir, own, MIGRATIONS.slice(0, 1)), [MIGRATIONS[0].name]);
    assert.ok(readdirSync(dir).includes('PG_VERSION'));
    const second = await ensurePgliteTemplate(own, MIGRATIONS.slice(0, 2));
    assert.deepEqual(readdirSync(own), [path.basename(second)], `${path.basename(first)} was removed`);
  });

  it('copies a folder tree with its contents and folder permissions', async () => {
    const from = path.join(work, 'copy-from');
    mkdirSync(path.join(from, 'private', 'deeper'), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(from, 'top'), 'a');
    writeFileSync(path.join(from, 'private', 'deeper', 'leaf'), 'b');
    const to = path.join(work, 'copy-to');
    await copyFolder(from, to);
    assert.equal(readFileSync(path.join(to, 'top'), 'utf8'), 'a');
    assert.equal(readFileSync(path.join(to, 'private', 'deeper', 'leaf'), 'utf8'), 'b');
    assert.equal(statSync(path.join(to, 'private')).mode & 0o777, 0o700);
  });
});
