import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { SHIPPED_LOCALES } from '../../../../src/i18n/shipped-locales';
import { Translations, Translator } from '../../../../src/i18n/translator';
import type { SourceRecord } from '../../../../src/privacy/access/access-types';
import { assembleCopy, COPY_FILES } from '../../../../src/privacy/access/copy/assemble-copy';
import type { CopySource } from '../../../../src/privacy/access/copy/copy-input';
import { DATA_COPY_SCHEMA } from '../../../../src/privacy/access/copy/data-json';
import { loadProcessingRegister, REQUIRED_RIGHTS } from '../../../../src/privacy/access/copy/processing-register';
import { formatInZone } from '../../../../src/privacy/clocks/deadlines';
import { REGIMES } from '../../../../src/privacy/clocks/regimes';
import { PROJECT_ROOT } from '../../../../src/paths';
import { JsonSchema, schemaProblems } from '../../../support/json-schema-subset';
import { readZipEntries } from '../../../support/zip-entries';
import { copyInput, CRM_RECORDS, EXPIRES_AT, LEDGER_RECORDS, MARKER, SCRIPT_VALUE, sourceOf, zipOf } from './copy-fixtures';

const SCHEMA = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'src', 'privacy', 'access', 'copy', 'data-copy.schema.json'), 'utf8')) as JsonSchema;

interface DataCopy {
  schema: string;
  reference: string;
  regime: string;
  subject: { subjectId: string; identifiers: Record<string, string> };
  sources: { id: string; label: string; categories: { id: string; label: string }[]; records: SourceRecord[]; recordCount: number }[];
}

/** The three files of a copy, as text. */
async function filesOf(zip: Buffer | string): Promise<Record<string, string>> {
  const entries = await readZipEntries(zip);
  assert.deepEqual(
    entries.map((entry) => entry.name),
    [...COPY_FILES],
    'exactly data.json, report.html and README.txt',
  );
  return Object.fromEntries(entries.map((entry) => [entry.name, entry.data.toString('utf8')]));
}

/** The heading levels of a page, in document order. */
function headingLevels(html: string): number[] {
  return [...html.matchAll(/<h([1-6])[\s>]/g)].map((match) => Number(match[1]));
}

/** The text of every heading of a level. */
function headings(html: string, level: number): string[] {
  return [...html.matchAll(new RegExp(`<h${level}[^>]*>([^<]*)</h${level}>`, 'g'))].map((match) => match[1]);
}

const escapeText = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

describe('the data copy (ZIP: data.json, report.html, README.txt)', function () {
  this.timeout(60_000);
  let translations: Translations;
  before(async () => {
    translations = await Translations.load();
  });

  for (const locale of SHIPPED_LOCALES) {
    describe(`${locale}`, () => {
      let files: Record<string, string>;
      let t: Translator;
      before(async () => {
        t = translations.for(locale);
        files = await filesOf(await zipOf(copyInput(translations, { locale })));
      });

      it('data.json follows its published schema and holds every record of every source, as given', () => {
        const data = JSON.parse(files['data.json']) as DataCopy;
        assert.deepEqual(schemaProblems(SCHEMA, data), []);
        assert.equal(data.schema, DATA_COPY_SCHEMA);
        assert.equal(data.reference, 'R-2611-7QK4-M');
        assert.deepEqual(data.subject.identifiers, { email: 'maria.rossi@example.com', customer_number: 'CUST-0042' });
        assert.deepEqual(
          data.sources.map((source) => [source.id, source.records.length, source.recordCount]),
          [
            ['ledger', LEDGER_RECORDS.length, LEDGER_RECORDS.length],
            ['crm', CRM_RECORDS.length, CRM_RECORDS.length],
            ['helpdesk', 0, 0],
          ],
        );
        assert.deepEqual(data.sources[0].records, LEDGER_RECORDS);
        assert.deepEqual(data.sources[1].records, CRM_RECORDS);
        assert.equal(data.sources[1].categories[0].label, locale === 'it' ? 'Ordini' : 'Orders', 'labels in the customer’s language');
      });

      it('report.html: in the customer’s language, headings in order, every Art. 15(1) heading with the register’s words', () => {
        const html = files['report.html'];
        assert.match(html, new RegExp(`^<!doctype html>\\n<html lang="${locale}">`));
        assert.ok(html.includes(`<title>${escapeText(t.t('copy.report.title'))}</title>`));
        const levels = headingLevels(html);
        assert.equal(levels[0], 1);
        assert.equal(levels.filter((level) => level === 1).length, 1, 'one h1');
        levels.forEach((level, i) => assert.ok(i === 0 || level <= levels[i - 1] + 1, `no heading level skipped at heading ${i}: ${levels.join(',')}`));
        const h3 = headings(html, 3);
        for (const key of ['purposesHeading', 'categoriesHeading', 'recipientsHeading', 'retentionHeading', 'sourcesHeading', 'automatedHeading', 'transfersHeading', 'rightsHeading', 'complaintHeading']) {
          assert.ok(h3.includes(escapeText(t.t(`copy.report.${key}`))), `${key} in ${h3.join(' | ')}`);
        }
        const register = loadProcessingRegister();
        for (const item of [...register.purposes, ...register.recipients, ...register.retention, ...register.sources, ...register.transfers]) assert.ok(html.includes(escapeText(item[locale])), item[locale]);
        assert.ok(html.includes(escapeText(register.automatedDecisions.description[locale])));
        for (const right of REQUIRED_RIGHTS) {
          assert.ok(html.includes(`<dt>${escapeText(t.t(`copy.report.right.${right}`))}</dt><dd>${escapeText(register.rights[right][locale])}</dd>`), right);
        }
        assert.ok(html.includes(escapeText(register.authorities.gdpr.name[locale])), 'the GDPR case names the controller’s lead authority');
        assert.ok(!html.includes(escapeText(register.authorities['uk-gdpr'].name[locale])), 'and no other');
        for (const h2 of ['requestHeading', 'controllerHeading', 'dataHeading', 'informationHeading']) assert.ok(headings(html, 2).includes(escapeText(t.t(`copy.report.${h2}`))), h2);
      });

      it('report.html: each category’s records in tables whose columns are the record keys, every value escaped', () => {
        const html = files['report.html'];
        const h4 = headings(html, 4);
        assert.deepEqual(h4, locale === 'it' ? ['Dati di contatto', 'Consensi', 'Ordini'] : ['Contact details', 'Consents', 'Orders']);
        // Consents mix three kinds: one table each; the grouping keys are never columns.
        assert.equal((html.match(/<table>/g) ?? []).length, 5);
        assert.ok(!html.includes('>@category<') && !html.includes('>@kind<'));
        assert.ok(html.includes('<thead><tr><th scope="col">order</th><th scope="col">total</th><th scope="col">note</th><th scope="col">items</th><th scope="col">gift</th></tr></thead>'));
        assert.ok(html.includes(`<tr><td>A-1001</td><td>59.9</td><td>${escapeText(SCRIPT_VALUE)}</td><td></td><td></td></tr>`), 'markup in a record shows as text');
        assert.ok(html.includes(`<td>${escapeText('[{"sku":"T-1","qty":2}]')}</td>`), 'nested values as JSON');
        assert.ok(!/<script/i.test(html), 'no script element at all');
        assert.ok(html.includes(MARKER));
        assert.ok(html.includes(escapeText(t.t('copy.report.noRecords'))), 'the source without records says so');
        assert.ok(html.includes(escapeText(t.t('copy.report.recordCount', { count: 3 }))));
        // Every table has a caption and column headers with a scope; its scrolling wrapper is named and focusable.
        assert.equal((html.match(/<caption id="table-\d+-\d+">/g) ?? []).length, 5);
        assert.equal((html.match(/<div class="table-wrap" role="region" tabindex="0" aria-labelledby="table-\d+-\d+">/g) ?? []).length, 5);
        assert.ok(!/<th[\s>](?![^>]*scope="col")/.test(html), 'every th has scope="col"');
      });

      it('report.html loads and links nothing: inline style, no script, no URL in src or href', () => {
        const html = files['report.html'];
        assert.doesNotMatch(html, /\s(src|href|action|srcset|poster|data)\s*=/i);
        assert.doesNotMatch(html, /<(script|link|img|iframe|object|embed|base|form)\b/i);
        assert.doesNotMatch(html, /url\(|@import/i);
        assert.doesNotMatch(html, /https?:\/\//i, 'not even as text: the authority’s site is written without scheme');
        assert.match(html, /<style>\n[^<]+\n<\/style>/);
      });

      it('README.txt: what is in the ZIP, how to open it, the reference and when it expires, in the customer’s language', () => {
        const readme = files['README.txt'];
        assert.ok(readme.startsWith(`${t.t('copy.readme.title')}\r\n`));
        assert.ok(readme.includes('R-2611-7QK4-M'));
        const flat = readme.replace(/\r\n\s*/g, ' ');
        assert.ok(flat.includes(formatInZone(EXPIRES_AT, 'Europe/Rome', locale)), 'the expiry in the customer’s zone and language');
        for (const key of ['contentsHeading', 'openHeading', 'expiryHeading']) assert.ok(readme.includes(`\r\n${t.t(`copy.readme.${key}`)}\r\n`), key);
        for (const file of COPY_FILES) assert.ok(readme.includes(`- ${file}`), file);
        assert.ok(readme.split('\r\n').every((line) => line.length <= 80), 'wrapped for a plain-text reader');
      });
    });
  }

  it('names the authority of the case’s regime in the complaint section', async () => {
    const register = loadProcessingRegister();
    for (const regime of REGIMES) {
      const files = await filesOf(await zipOf(copyInput(translations, { regime, sources: [] })));
      const complaint = files['report.html'].slice(files['report.html'].indexOf('id="complaint"'));
      assert.ok(complaint.includes(escapeText(register.authorities[regime].name.en)), regime);
      assert.ok(complaint.includes(escapeText(register.authorities[regime].website)), regime);
    }
  });

  it('lists only the categories asked for in the request section', async () => {
    const files = await filesOf(await zipOf(copyInput(translations, { locale: 'it', categories: ['orders'] })));
    assert.match(files['report.html'], /<dt>Dati richiesti<\/dt><dd>Ordini<\/dd>/);
  });

  it('streams a copy of 20,000 records read from a generator, and every one of them is in both files', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'data-copy-'));
    try {
      const total = 20_000;
      // Records are made as the pages are read, never held: pages() runs once per file.
      const large: CopySource = {
        config: { id: 'orders-db', label: { en: 'Order history', it: 'Storico ordini' }, kind: 'postgres', categories: ['orders'], timeoutMs: 10_000, maxBytes: 50_000_000, maxAttempts: 3 },
        categories: [{ id: 'orders', label: { en: 'Orders', it: 'Ordini' } }],
        recordCount: total,
        async *pages() {
          for (let page = 0; page < total / 500; page++) {
            yield Array.from({ length: 500 }, (_, i) => ({ '@category': 'orders', order: `O-${page * 500 + i}`, total: (page * 500 + i) % 97, placedAt: new Date(Date.UTC(2025, 0, 1) + (page * 500 + i) * 60_000).toISOString() }));
          }
        },
      };
      const file = path.join(dir, 'copy.zip');
      await assembleCopy(copyInput(translations, { sources: [large] }), createWriteStream(file));
      const files = await filesOf(file);
      const data = JSON.parse(files['data.json']) as DataCopy;
      assert.equal(data.sources[0].recordCount, total);
      assert.deepEqual(
        data.sources[0].records.map((record) => record.order),
        Array.from({ length: total }, (_, i) => `O-${i}`),
      );
      assert.deepEqual(schemaProblems(SCHEMA, data), []);
      const rows = files['report.html'].match(/<tr><td>O-\d+<\/td>/g) ?? [];
      assert.equal(rows.length, total);
      assert.equal(rows[total - 1], `<tr><td>O-${total - 1}</td>`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails, destroying its output, when a source cannot be read to the end', async () => {
    const broken: CopySource = {
      ...sourceOf(
        { id: 'crm', label: { en: 'CRM' }, kind: 'http', categories: ['orders'], timeoutMs: 1000, maxBytes: 1000, maxAttempts: 1 },
        [],
      ),
      recordCount: 4,
      async *pages() {
        yield [{ '@category': 'orders', order: 'A-1' }];
        throw new Error('page 2 does not decrypt');
      },
    };
    const output = new Writable({
      write(_chunk: Buffer, _encoding, callback) {
        callback();
      },
    });
    await assert.rejects(assembleCopy(copyInput(translations, { sources: [broken] }), output), /page 2 does not decrypt/);
    assert.ok(output.destroyed, 'the output is destroyed: a store behind it discards what it got');
  });
});
