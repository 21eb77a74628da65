import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLedger } from '../../src/ledger/ledger';
import { LedgerError } from '../../src/ledger/ledger-errors';
import { CHANNELS, DEFAULT_PURPOSES_FILE, LEGAL_BASES, loadPurposeCatalog, parsePurposeCatalog } from '../../src/ledger/purposes/purpose-catalog';
import { syncPurposes } from '../../src/ledger/purposes/sync-purposes';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { assertLedgerError, forEachBackend, postgresSchemaExists, untyped } from './support/ledger-backends';

type Json = Record<string, unknown>;

/** A fresh, mutable copy of the shipped catalog. */
function shippedCatalog(): { version: string; purposes: Json[] } {
  return JSON.parse(readFileSync(DEFAULT_PURPOSES_FILE, 'utf8')) as { version: string; purposes: Json[] };
}

function assertCatalogInvalid(raw: unknown, ...patterns: RegExp[]): LedgerError {
  let caught: unknown;
  assert.throws(() => parsePurposeCatalog(raw, 'test catalog'), (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof LedgerError, String(caught));
  assert.equal(caught.code, 'PSB_LEDGER_CATALOG_INVALID');
  for (const pattern of patterns) assert.match(caught.message, pattern);
  return caught;
}

describe('purposes catalog', () => {
  it('ships a valid config/purposes.json with a label, a description and a phrase in every shipped language', () => {
    const catalog = loadPurposeCatalog();
    assert.ok(catalog.purposes.length > 0);
    assert.equal(new Set(catalog.purposes.map((p) => p.id)).size, catalog.purposes.length, 'ids are unique');
    for (const purpose of catalog.purposes) {
      assert.equal(catalog.get(purpose.id), purpose);
      assert.ok(purpose.channels.every((c) => (CHANNELS as readonly string[]).includes(c)), purpose.id);
      assert.ok((LEGAL_BASES as readonly string[]).includes(purpose.legalBasis), purpose.id);
      for (const locale of SHIPPED_LOCALES) assert.ok(purpose.text[locale]?.label && purpose.text[locale]?.description && purpose.text[locale]?.phrase, `${purpose.id} ${locale}`);
    }
    assert.equal(catalog.get('no_such_purpose'), undefined);
    assert.ok(Object.isFrozen(catalog));
  });

  const invalid: readonly { why: string; change: (catalog: { purposes: Json[] }) => void; problem: RegExp }[] = [
    { why: 'an unknown channel', change: (c) => (c.purposes[1].channels = ['email', 'fax']), problem: /purposes\[1\] \("marketing_offers"\): channels contains unknown "fax"/ },
    {
      why: 'a missing Italian label',
      change: (c) => {
        const text = c.purposes[0].text as Record<string, Json>;
        delete text.it.label;
      },
      problem: /purposes\[0\] \("newsletter"\): text\.it needs a label and a description/,
    },
    { why: 'no Italian text at all', change: (c) => delete (c.purposes[2].text as Json).it, problem: /purposes\[2\] \("profiling"\): text\.it needs a label and a description/ },
    { why: 'a bad legal basis', change: (c) => (c.purposes[3].legalBasis = 'because we can'), problem: /purposes\[3\] \("partner_sharing"\): legalBasis must be one of consent, contract, legal_obligation, vital_interest, public_task, legitimate_interest/ },
    { why: 'a duplicate id', change: (c) => (c.purposes[2].id = 'newsletter'), problem: /purposes\[2\] \("newsletter"\): duplicate id/ },
    { why: 'an empty channel list', change: (c) => (c.purposes[0].channels = []), problem: /purposes\[0\] \("newsletter"\): channels must be a non-empty list/ },
    { why: 'a channel listed twice', change: (c) => (c.purposes[0].channels = ['email', 'email']), problem: /purposes\[0\] \("newsletter"\): channels has duplicates/ },
    { why: 'a purpose that is not a DPV term', change: (c) => (c.purposes[0].dpvPurpose = 'Marketing'), problem: /purposes\[0\] \("newsletter"\): dpvPurpose must be a DPV term/ },
    { why: 'a notice without an http(s) URL', change: (c) => (c.purposes[0].notice = { version: '2026-03', url: 'ftp://example.com' }), problem: /purposes\[0\] \("newsletter"\): notice\.url must be an http\(s\) URL/ },
    { why: 'marketing that is not a boolean', change: (c) => (c.purposes[0].marketing = 'yes'), problem: /purposes\[0\] \("newsletter"\): marketing must be true or false/ },
    { why: 'an id that is not a slug', change: (c) => (c.purposes[0].id = 'News Letter'), problem: /purposes\[0\] \("News Letter"\): id must be a lower-case slug/ },
    { why: 'an entry that is not an object', change: (c) => c.purposes.push(untyped<Json>('newsletter')), problem: /purposes\[5\]: must be an object/ },
    {
      why: 'a blank phrase (the purpose inside a sentence)',
      change: (c) => ((c.purposes[1].text as Record<string, Json>).it.phrase = '  '),
      problem: /purposes\[1\] \("marketing_offers"\): text\.it\.phrase must be a non-empty text when given/,
    },
    { why: 'a phrase that is not a text', change: (c) => ((c.purposes[0].text as Record<string, Json>).en.phrase = 3), problem: /purposes\[0\] \("newsletter"\): text\.en\.phrase must be a non-empty text when given/ },
  ];

  it('takes a purpose without a phrase (optional: sentences then use the label in lower case)', () => {
    const catalog = shippedCatalog();
    delete (catalog.purposes[0].text as Record<string, Json>).it.phrase;
    assert.equal(parsePurposeCatalog(catalog).get('newsletter')?.text.it?.phrase, undefined);
  });
  for (const row of invalid) {
    it(`refuses ${row.why}, naming the entry and the problem`, () => {
      const catalog = shippedCatalog();
      row.change(catalog);
      assertCatalogInvalid(catalog, /^test catalog is invalid:/, row.problem);
    });
  }

  it('names every bad entry at once', () => {
    const catalog = shippedCatalog();
    catalog.purposes[0].channels = ['fax'];
    catalog.purposes[4].legalBasis = 'whim';
    const err = assertCatalogInvalid(catalog, /purposes\[0\] \("newsletter"\): channels contains unknown "fax"/, /purposes\[4\] \("service_updates"\): legalBasis must be one of/);
    assert.equal((err.details.problems as string[]).length, 2);
  });

  it('refuses a file without version or purposes, an empty list, an unreadable file', () => {
    assertCatalogInvalid({ purposes: [] }, /expected \{"version": "\.\.\.", "purposes": \[\.\.\.\]\}/);
    assertCatalogInvalid({ version: '1', purposes: {} }, /expected \{"version"/);
    assertCatalogInvalid({ version: '1', purposes: [] }, /at least one purpose is required/);
    assert.throws(() => loadPurposeCatalog('/nonexistent/purposes.json'), (err: unknown) => err instanceof LedgerError && err.code === 'PSB_LEDGER_CATALOG_INVALID' && err.message.startsWith('/nonexistent/purposes.json: cannot read the purposes catalog'));
  });
});

forEachBackend('purposes catalog in the ledger', (ctx) => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-catalog-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to open with an invalid catalog before touching the database', async () => {
    const file = path.join(dir, 'purposes.json');
    const catalog = shippedCatalog();
    catalog.purposes[1].channels = ['email', 'carrier_pigeon'];
    writeFileSync(file, JSON.stringify(catalog));
    const ledgerDir = path.join(dir, 'never-created');
    const options = ctx.options({ purposesFile: file, ...(ctx.backend === 'pglite' ? { ledgerDir } : {}) });
    await assertLedgerError(openLedger(options), 'PSB_LEDGER_CATALOG_INVALID', new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is invalid`), /purposes\[1\] \("marketing_offers"\): channels contains unknown "carrier_pigeon"/);
    if (ctx.backend === 'pglite') assert.equal(existsSync(ledgerDir), false, 'the embedded database folder was not created');
    else assert.equal(await postgresSchemaExists(options.schema ?? ''), false, 'the schema was not created');
  });

  it('mirrors the catalog into the purpose table, auditing each purpose once', async () => {
    const { ledger } = ctx;
    const rows = (await ledger.db.query<{ id: string; channels: string[]; notice_version: string; legal_basis: string }>('SELECT id, channels, notice_version, legal_basis FROM purpose ORDER BY id')).rows;
    assert.deepEqual(
      rows,
      [...ledger.catalog.purposes].sort((a, b) => a.id.localeCompare(b.id)).map((p) => ({ id: p.id, channels: [...p.channels], notice_version: p.notice.version, legal_basis: p.legalBasis })),
    );
    const added = (await ledger.db.query<{ entity_id: string }>("SELECT entity_id FROM audit_log WHERE action = 'purpose.added' ORDER BY seq")).rows.map((r) => r.entity_id);
    assert.deepEqual(added, ledger.catalog.purposes.map((p) => p.id));
    assert.deepEqual(await syncPurposes(ledger.db, ledger.catalog, ctx.clock.now), [], 'an unchanged catalog changes nothing');
  });

  it('updates and audits a purpose whose notice changed, and keeps purposes removed from the file', async () => {
    const { ledger } = ctx;
    const raw = shippedCatalog();
    raw.purposes[0].notice = { version: '2026-12', url: 'https://example.com/privacy/notice-2026-12#newsletter' };
    const removed = raw.purposes.pop();
    const changed = parsePurposeCatalog(raw);
    assert.deepEqual(await syncPurposes(ledger.db, changed, ctx.clock.now), ['newsletter']);
    const row = (await ledger.db.query<{ notice_version: string }>("SELECT notice_version FROM purpose WHERE id = 'newsletter'")).rows[0];
    assert.equal(row.notice_version, '2026-12');
    assert.equal((await ledger.db.query('SELECT 1 FROM purpose WHERE id = $1', [removed?.id])).rows.length, 1, 'past events may still point at it');
    const audit = (await ledger.db.query<{ entity_id: string; details: { noticeVersion: string } }>("SELECT entity_id, details FROM audit_log WHERE action = 'purpose.updated'")).rows;
    assert.deepEqual(audit, [{ entity_id: 'newsletter', details: { noticeVersion: '2026-12' } }]);
    assert.equal((await ledger.verify()).ok, true);
  });
});
