/**
 * Initial consent records from a CSV or JSON file, all or nothing.
 *
 * Fields (CSV header names, JSON keys — snake_case in both, one vocabulary):
 *   email, phone, customer_number, aad_object_id   who: any non-empty subset, at least one; rows sharing an
 *                                                  identifier are one person. Phones in international format (+CC…).
 *   regime            gdpr | uk-gdpr | ccpa | lgpd | pipeda          @default gdpr (used for new subjects)
 *   language          BCP-47 tag the notice was shown in ("it", "en-GB")  required
 *   purpose           a purpose id of config/purposes.json              required
 *   channel           a channel that purpose uses                       required
 *   state             given | withdrawn | refused | expired             required
 *   occurred_at       ISO 8601 instant with a zone, not in the future   required
 *   collection_method import | web_chat | teams | agent | api           @default import
 *   notice_version    the notice shown                                  @default the purpose's current version
 * CSV: a header row, then one row per event; fields may be quoted ("…", with "" for a quote; commas and
 * line breaks allowed inside); `;` is used as the separator when the header has more `;` than `,`
 * (spreadsheets in Italian locales). Row N is the spreadsheet row (the header is row 1).
 * JSON: an array of objects with the same keys (string values; null or "" = absent); row N is the Nth object.
 *
 * Every row is checked before anything is written; any problem throws `PSB_LEDGER_IMPORT_INVALID`
 * listing every bad row and why. A valid file is written in one transaction: per person, the subject
 * (registered when new), then its events in `occurred_at` order. Each row's idempotency key is a hash
 * of its content, so importing the same file again records nothing new.
 *
 * Pieces: `csv.ts` reads CSV, `import-rows.ts` reads and checks rows (no database); this file is the use case.
 */
import { SqlExecutor } from '../db/sql-database';
import { Ledger } from '../ledger';
import { LedgerError } from '../ledger-errors';
import { ImportProblem, ValidImportRow, groupByPerson, importInvalid, readCsvRows, readJsonRows, regimeProblems, uniqueIdentifiers, validateImportRow } from './import-rows';

export interface ConsentImportOptions {
  /** `csv` or `json`; @default by content (a file starting with `[` is JSON). */
  readonly format?: 'csv' | 'json';
  /** Name of the file, for messages and the events' evidence (a base name, not a path). @default 'import file' */
  readonly source?: string;
  /** @default 'system:import' */
  readonly actor?: string;
  /** Check everything, including against the ledger, and roll back. @default false */
  readonly dryRun?: boolean;
  /** Rows may not be later than this. @default () => new Date() */
  readonly now?: () => Date;
}

/** What an import did; counts only, no personal data. */
export interface ConsentImportReport {
  readonly source: string;
  readonly format: 'csv' | 'json';
  readonly dryRun: boolean;
  readonly rows: number;
  readonly people: number;
  readonly subjectsCreated: number;
  readonly eventsRecorded: number;
  /** Rows whose content was imported before (a re-import, or a duplicate row): nothing written. */
  readonly eventsAlreadyPresent: number;
  /** Identifiers in the file that an existing subject does not have yet; not linked (see the README). */
  readonly identifiersNotLinked: number;
}

class DryRunRollback extends Error {
  constructor(readonly report: ConsentImportReport) {
    super('dry run');
  }
}

interface Person {
  rows: ValidImportRow[];
  subjectId?: string;
}

/** Checks every group against the ledger: a person whose identifiers point at two subjects is refused. */
async function resolvePeople(ledger: Ledger, tx: SqlExecutor, groups: ValidImportRow[][]): Promise<{ people: Person[]; problems: ImportProblem[]; unlinked: number }> {
  const bySubject = new Map<string, Person>();
  const people: Person[] = [];
  const problems: ImportProblem[] = [];
  let unlinked = 0;
  for (const rows of groups) {
    const identifiers = uniqueIdentifiers(rows);
    const found = new Set<string>();
    let unknown = 0;
    for (const id of identifiers) {
      const subject = await ledger.subjects.find(id.kind, id.value, tx);
      if (subject) found.add(subject.id);
      else unknown += 1;
    }
    if (found.size > 1) {
      const others = rows.map((r) => r.row).join(', ');
      for (const r of rows) problems.push({ row: r.row, reasons: [`the identifiers of this person (rows ${others}) belong to ${found.size} different subjects in the ledger; resolve that before importing`] });
      continue;
    }
    const [subjectId] = [...found];
    if (subjectId === undefined) {
      people.push({ rows });
      continue;
    }
    unlinked += unknown;
    const existing = bySubject.get(subjectId);
    if (existing) existing.rows.push(...rows);
    else {
      const person = { rows, subjectId };
      bySubject.set(subjectId, person);
      people.push(person);
    }
  }
  return { people, problems, unlinked };
}

/**
 * Imports consent events from `content` (see the file comment for the format). Every row is
 * checked first; any problem → `PSB_LEDGER_IMPORT_INVALID` naming every bad row, nothing written.
 * Otherwise everything is written in one transaction.
 */
export async function importConsents(ledger: Ledger, content: string, options: ConsentImportOptions = {}): Promise<ConsentImportReport> {
  const source = options.source ?? 'import file';
  const format = options.format ?? (content.replace(/^\uFEFF/, '').trimStart().startsWith('[') ? 'json' : 'csv');
  const now = (options.now ?? (() => new Date()))();
  const read = format === 'json' ? readJsonRows(content, source) : readCsvRows(content, source);
  const problems: ImportProblem[] = [...read.problems];
  const valid: ValidImportRow[] = [];
  for (const raw of read.rows) {
    const result = validateImportRow(raw, ledger.catalog, now);
    if (result.valid) valid.push(result.valid);
    else problems.push({ row: raw.row, reasons: result.reasons });
  }
  const total = read.rows.length + read.problems.length;
  const groups = groupByPerson(valid);
  problems.push(...regimeProblems(groups));
  const fail = (all: ImportProblem[]): LedgerError => importInvalid(source, all, total);
  if (problems.length > 0) throw fail(problems);

  const context = { actor: options.actor ?? 'system:import', reason: `consent import from ${source}` };
  try {
    return await ledger.db.transaction(async (tx) => {
      const resolved = await resolvePeople(ledger, tx, groups);
      if (resolved.problems.length > 0) throw fail(resolved.problems);
      let subjectsCreated = 0;
      let eventsRecorded = 0;
      let eventsAlreadyPresent = 0;
      for (const person of resolved.people) {
        const rows = [...person.rows].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.row - b.row);
        let subjectId = person.subjectId;
        if (subjectId === undefined) {
          const latest = rows[rows.length - 1];
          const identifiers = uniqueIdentifiers(rows).map((i) => ({ kind: i.kind, value: i.value }));
          subjectId = (await ledger.subjects.register({ identifiers, regime: latest.regime, preferredLocale: latest.language }, context, tx)).id;
          subjectsCreated += 1;
        }
        for (const r of rows) {
          const provenance = { collectionMethod: r.collectionMethod, language: r.language, occurredAt: r.occurredAt, evidence: { source, row: r.row }, ...(r.noticeVersion ? { noticeVersion: r.noticeVersion } : {}) };
          const result = await ledger.consent.record(subjectId, [r.change], provenance, { ...context, idempotencyKey: r.idempotencyKey }, tx);
          if (result.replayed) eventsAlreadyPresent += 1;
          else eventsRecorded += 1;
        }
      }
      const report: ConsentImportReport = { source, format, dryRun: options.dryRun === true, rows: total, people: resolved.people.length, subjectsCreated, eventsRecorded, eventsAlreadyPresent, identifiersNotLinked: resolved.unlinked };
      if (options.dryRun) throw new DryRunRollback(report);
      return report;
    });
  } catch (err) {
    if (err instanceof DryRunRollback) return err.report;
    throw err;
  }
}
