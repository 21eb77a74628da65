import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isAppError } from '../../src/errors/app-error';
import { ConsentImportOptions, ConsentImportReport, importConsents } from '../../src/ledger/import/consent-import';
import { CsvSyntaxError, detectDelimiter, parseCsv } from '../../src/ledger/import/csv';
import { ImportProblem, parseIsoInstant } from '../../src/ledger/import/import-rows';
import { Ledger } from '../../src/ledger/ledger';
import { LedgerError } from '../../src/ledger/ledger-errors';
import { countRows, FIXED_NOW, forEachBackend } from './support/ledger-backends';

const FIXTURES = path.join(__dirname, 'fixtures');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
const NOW = FIXED_NOW;
const TABLES = ['subject', 'subject_identifier', 'consent_event', 'consent_state', 'audit_log'] as const;
const counts = (ledger: Ledger): Promise<Record<string, number>> => countRows(ledger, TABLES);

/** Runs an import that must fail; returns the error's problems after checking nothing was written. */
async function rejectedImport(ledger: Ledger, content: string, options: ConsentImportOptions = {}): Promise<{ error: LedgerError; problems: ImportProblem[] }> {
  const before = await counts(ledger);
  let caught: unknown;
  await assert.rejects(importConsents(ledger, content, { now: () => NOW, ...options }), (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof LedgerError && isAppError(caught, 'PSB_LEDGER_IMPORT_INVALID'), `expected PSB_LEDGER_IMPORT_INVALID, got ${String(caught)}`);
  assert.deepEqual(await counts(ledger), before, 'nothing may be written');
  return { error: caught, problems: caught.details.problems as ImportProblem[] };
}

describe('CSV reader (parseCsv)', () => {
  const cases: [string, string, string[][]][] = [
    ['plain fields', 'a,b,c\n1,2,3\n', [['a', 'b', 'c'], ['1', '2', '3']]],
    ['no final newline', 'a,b\n1,2', [['a', 'b'], ['1', '2']]],
    ['a comma inside quotes', 'a,"b,c"\n', [['a', 'b,c']]],
    ['doubled quotes', '"say ""hi""",x\n', [['say "hi"', 'x']]],
    ['a line break inside quotes', '"line 1\nline 2",x\ny,z\n', [['line 1\nline 2', 'x'], ['y', 'z']]],
    ['CRLF line ends and a CRLF inside quotes', 'a,b\r\n"c\r\nd",e\r\n', [['a', 'b'], ['c\r\nd', 'e']]],
    ['a byte-order mark', '\uFEFFa,b\n', [['a', 'b']]],
    ['empty fields, quoted and not', ',"",x\n', [['', '', 'x']]],
    ['spaces after a closing quote', '"a" ,b\n', [['a', 'b']]],
    ['a semicolon delimiter', 'a;"b;c"\n', [['a', 'b;c']]],
  ];
  for (const [what, text, expected] of cases) {
    it(`reads ${what}`, () => {
      assert.deepEqual(parseCsv(text, what.includes('semicolon') ? ';' : ',').map((r) => r.fields), expected);
    });
  }

  it('numbers rows as a spreadsheet does: blank lines count, quoted line breaks do not', () => {
    const records = parseCsv('h1,h2\n\n"multi\nline",1\nlast,2\n');
    assert.deepEqual(records.map((r) => r.row), [1, 3, 4]);
  });

  const errors: [string, string, number, RegExp][] = [
    ['a quote inside an unquoted field', 'a,b\nab"c,d\n', 2, /quote inside an unquoted field/],
    ['text after a closing quote', 'a,b\n"ab"c,d\n', 2, /after the closing quote/],
    ['a quote never closed', 'a,b\n1,2\n"open,3\nmore\n', 3, /never closed/],
  ];
  for (const [what, text, row, message] of errors) {
    it(`refuses ${what}, naming the row`, () => {
      assert.throws(() => parseCsv(text), (err: unknown) => err instanceof CsvSyntaxError && err.row === row && message.test(err.message));
    });
  }

  it('takes ; as the delimiter when the header has more semicolons than commas', () => {
    assert.equal(detectDelimiter('email;purpose;channel\nx;y;z'), ';');
    assert.equal(detectDelimiter('email,purpose,channel\n'), ',');
  });
});

describe('ISO instants in import files (parseIsoInstant)', () => {
  const valid: [string, string][] = [
    ['2026-03-14T09:30:00Z', '2026-03-14T09:30:00.000Z'],
    ['2026-03-14T10:30:00+01:00', '2026-03-14T09:30:00.000Z'],
    ['2026-03-14T01:30-0800', '2026-03-14T09:30:00.000Z'],
    ['2026-03-14 09:30:00.1234Z', '2026-03-14T09:30:00.123Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ];
  for (const [text, iso] of valid) it(`reads ${text}`, () => assert.equal(parseIsoInstant(text)?.toISOString(), iso));
  for (const text of ['2026-03-14T09:30:00', '2026-03-14', '2025-02-29T10:00:00Z', '2026-02-30T10:00:00Z', '2026-13-01T10:00:00Z', '2026-03-14T24:00:00Z', '2026-03-14T09:30:00+15:00', '14/03/2026 09:30']) {
    it(`refuses ${text}`, () => assert.equal(parseIsoInstant(text), undefined));
  }
});

forEachBackend('consent import', (ctx) => {
  let ledger: Ledger;
  const run = (content: string, options: ConsentImportOptions = {}): Promise<ConsentImportReport> => importConsents(ledger, content, { now: () => NOW, ...options });

  before(() => {
    ledger = ctx.ledger;
  });

  it('imports a good CSV: one subject per person, events in occurred_at order, defaults filled in', async () => {
    const report = await run(fixture('consents-good.csv'), { source: 'consents-good.csv' });
    assert.deepEqual(report, { source: 'consents-good.csv', format: 'csv', dryRun: false, rows: 6, people: 3, subjectsCreated: 3, eventsRecorded: 6, eventsAlreadyPresent: 0, identifiersNotLinked: 0 });

    // Rows 2–4 share an email or a phone: one person, reachable by either.
    const anna = await ledger.subjects.require('email', 'anna.verdi@example.com');
    assert.equal((await ledger.subjects.require('phone', '+393331234567')).id, anna.id);
    assert.equal(anna.regime, 'gdpr');
    const history = await ledger.consent.history(anna.id);
    assert.deepEqual(
      history.map((e) => [e.purposeId, e.channel, e.state, e.occurredAt.toISOString(), e.collectionMethod, e.noticeVersion, e.evidence.row]),
      [
        ['newsletter', 'email', 'given', '2025-04-01T08:00:00.000Z', 'import', '2026-03', 3],
        ['marketing_offers', 'sms', 'given', '2025-04-01T08:00:00.000Z', 'import', '2025-01', 4],
        ['marketing_offers', 'sms', 'withdrawn', '2025-09-15T08:30:00.000Z', 'web_chat', '2026-03', 2],
      ],
    );
    const current = await ledger.consent.current(anna.id);
    assert.equal(current.find((c) => c.purposeId === 'marketing_offers' && c.channel === 'sms')?.state, 'withdrawn');
    assert.equal(history[0].actor, 'system:import');

    const ben = await ledger.subjects.require('customer_number', 'B-77812');
    assert.equal((await ledger.subjects.require('email', 'ben.hughes@example.com')).id, ben.id);
    assert.equal(ben.regime, 'uk-gdpr');
    assert.equal(ben.preferredLocale, 'en-GB');
    const carla = await ledger.subjects.require('aad_object_id', '3f2504e0-4f89-11d3-9a0c-0305e82c3301');
    assert.equal(carla.regime, 'ccpa');
    assert.equal((await ledger.verify()).ok, true);
  });

  it('records nothing new when the same file is imported again', async () => {
    const before = await counts(ledger);
    const report = await run(fixture('consents-good.csv'), { source: 'consents-good.csv' });
    assert.equal(report.eventsRecorded, 0);
    assert.equal(report.eventsAlreadyPresent, 6);
    assert.equal(report.subjectsCreated, 0);
    assert.deepEqual(await counts(ledger), before);
  });

  it('imports nothing from a file with bad rows and names every bad row with its reason', async () => {
    const { error, problems } = await rejectedImport(ledger, fixture('consents-bad-rows.csv'), { source: 'consents-bad-rows.csv' });
    const expected: [number, RegExp[]][] = [
      [3, [/malformed email/]],
      [5, [/unknown purpose "loyalty_points"/]],
      [6, [/purpose "newsletter" does not use channel "sms"/]],
      [7, [/unknown state "maybe"/]],
      [8, [/occurred_at is not an ISO 8601 instant/]],
      [9, [/no identifier/]],
      [10, [/phone must be in international format/, /occurred_at is not an ISO 8601 instant/]],
      [12, [/occurred_at 2030-01-01T00:00:00.000Z is in the future/]],
      [13, [/has 7 fields; the header has 9/]],
    ];
    assert.deepEqual(problems.map((p) => p.row), expected.map(([row]) => row));
    for (const [row, patterns] of expected) {
      const reasons = problems.find((p) => p.row === row)?.reasons.join('; ') ?? '';
      for (const pattern of patterns) assert.match(reasons, pattern, `row ${row}`);
      assert.match(error.message, new RegExp(`\\n  row ${row}: `));
    }
    assert.match(error.message, /^consents-bad-rows\.csv: 9 of 12 rows are invalid; nothing was imported/);
    assert.equal(error.details.invalidRows, 9);
    // Good rows of the file were not imported either.
    assert.equal(await ledger.subjects.find('email', 'dora.neri@example.com'), undefined);
    // Messages never quote a customer's identifier.
    assert.doesNotMatch(error.message, /not-an-email|@example\.com|1234567/);
  });

  it('imports nothing when one row among good ones is bad', async () => {
    const { problems } = await rejectedImport(ledger, fixture('consents-one-bad-row.csv'));
    assert.deepEqual(problems, [{ row: 4, reasons: ['unknown channel "fax" (allowed: email, sms, phone, post, push, in_app)'] }]);
    assert.equal(await ledger.subjects.find('email', 'olga.bassi@example.com'), undefined);
  });

  it('reads quoted fields with commas, doubled quotes, line breaks, a BOM and CRLF', async () => {
    const report = await run(fixture('consents-quoted.csv'));
    assert.equal(report.eventsRecorded, 3);
    const notice = async (email: string): Promise<string> => (await ledger.consent.history((await ledger.subjects.require('email', email)).id))[0].noticeVersion;
    assert.equal(await notice('uma.greco@example.com'), '2026-03, "web" edition');
    assert.equal(await notice('vera.rizzi@example.com'), 'printed form,\r\nsigned at the counter');
    assert.equal(await notice('walter.costa@example.com'), '2026-03');
  });

  it('numbers rows after a quoted line break as a spreadsheet does', async () => {
    const csv = 'email,language,purpose,channel,state,occurred_at,notice_version\nxena@example.com,it,newsletter,email,given,2025-01-01T00:00:00Z,"two\nlines"\nyuri@example.com,it,newsletter,email,given,2025-01-01T00:00:00\n';
    const { problems } = await rejectedImport(ledger, csv);
    assert.deepEqual(problems.map((p) => p.row), [3]);
  });

  it('reads semicolon-separated files (spreadsheets in Italian locales)', async () => {
    const report = await run('email;language;purpose;channel;state;occurred_at\nzeno.fabbri@example.com;it;newsletter;email;given;2025-05-05T10:00:00+02:00\n');
    assert.equal(report.eventsRecorded, 1);
  });

  it('imports JSON with snake_case keys, and records nothing new the second time', async () => {
    const report = await run(fixture('consents.json'), { source: 'consents.json' });
    assert.deepEqual([report.format, report.people, report.subjectsCreated, report.eventsRecorded], ['json', 1, 1, 2]);
    const tom = await ledger.subjects.require('customer_number', '40017');
    assert.equal((await ledger.subjects.require('email', 'tom.reed@example.com')).id, tom.id);
    const history = await ledger.consent.history(tom.id);
    assert.deepEqual(history.map((e) => [e.purposeId, e.channel, e.state, e.collectionMethod]), [
      ['newsletter', 'email', 'given', 'import'],
      ['marketing_offers', 'post', 'refused', 'agent'],
    ]);
    assert.equal((await run(fixture('consents.json'))).eventsAlreadyPresent, 2);
  });

  it('refuses JSON items with unknown keys or wrong types, naming each item', async () => {
    const json = JSON.stringify([
      { email: 'ada@example.com', language: 'en', purpose: 'newsletter', channel: 'email', state: 'given', occurred_at: '2025-01-01T00:00:00Z' },
      { email: 'bo@example.com', language: 'en', purpose: 'newsletter', channel: 'email', state: 'given', occurredAt: '2025-01-01T00:00:00Z' },
      'not an object',
      { email: 'cy@example.com', language: 'en', purpose: 'newsletter', channel: 'email', state: true, occurred_at: '2025-01-01T00:00:00Z' },
    ]);
    const { problems } = await rejectedImport(ledger, json);
    assert.deepEqual(problems.map((p) => p.row), [2, 3, 4]);
    assert.match(problems[0].reasons.join(), /unknown field "occurredAt" \(did you mean "occurred_at"\?\)/);
    assert.match(problems[1].reasons.join(), /must be an object/);
    assert.match(problems[2].reasons.join(), /state must be a string/);
  });

  it('refuses a header with unknown or missing columns before reading rows', async () => {
    const { error, problems } = await rejectedImport(ledger, 'mail,language,purpose,channel,state\nx@example.com,it,newsletter,email,given\n');
    assert.deepEqual(problems.map((p) => p.row), [1]);
    assert.match(error.message, /unknown field "mail"/);
    assert.match(error.message, /missing column occurred_at/);
    assert.match(error.message, /no identifier column/);
  });

  it('refuses rows of one person that disagree on the regime', async () => {
    const csv = 'email,regime,language,purpose,channel,state,occurred_at\nkim@example.com,gdpr,en,newsletter,email,given,2025-01-01T00:00:00Z\nkim@example.com,ccpa,en,profiling,email,given,2025-01-02T00:00:00Z\n';
    const { problems } = await rejectedImport(ledger, csv);
    assert.deepEqual(problems, [{ row: 3, reasons: ['regime "ccpa" differs from row 2 of the same person ("gdpr")'] }]);
  });

  it('refuses a person whose identifiers belong to two subjects already in the ledger', async () => {
    // anna (email) and ben (customer number) were imported by the first test.
    const csv = 'email,customer_number,language,purpose,channel,state,occurred_at\nanna.verdi@example.com,B-77812,it,newsletter,email,withdrawn,2025-12-01T00:00:00Z\n';
    const { problems } = await rejectedImport(ledger, csv);
    assert.deepEqual(problems.map((p) => p.row), [2]);
    assert.match(problems[0].reasons.join(), /belong to 2 different subjects/);
  });

  it('adds events to an existing subject and reports identifiers it could not link', async () => {
    const csv = 'email,phone,language,purpose,channel,state,occurred_at\nben.hughes@example.com,+44 113 496 0123,en-GB,newsletter,email,given,2026-02-01T00:00:00Z\n';
    const report = await run(csv);
    assert.deepEqual([report.subjectsCreated, report.eventsRecorded, report.identifiersNotLinked], [0, 1, 1]);
  });

  it('checks everything but writes nothing on a dry run', async () => {
    const before = await counts(ledger);
    const report = await run('email,language,purpose,channel,state,occurred_at\nnew.person@example.com,en,newsletter,email,given,2025-01-01T00:00:00Z\n', { dryRun: true });
    assert.deepEqual([report.dryRun, report.subjectsCreated, report.eventsRecorded], [true, 1, 1]);
    assert.deepEqual(await counts(ledger), before);
  });

  it('refuses an empty file and a file that is not JSON', async () => {
    assert.match((await rejectedImport(ledger, '')).error.message, /the file is empty/);
    assert.match((await rejectedImport(ledger, '[{"email": ', { format: 'json' })).error.message, /not valid JSON/);
  });
});
