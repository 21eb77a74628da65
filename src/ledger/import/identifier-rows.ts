/**
 * A CSV file naming people by their identifiers (the affected subjects of an incident): a header row
 * with one or more of the columns email, phone, customer_number, aad_object_id, then one row per person
 * with at least one of them. `;` separates when the header has more `;` than `,` (spreadsheets in
 * Italian locales). Row N is the spreadsheet row (the header is row 1). Pure: the use case resolves
 * the identifiers against the ledger and writes all or nothing (the errors are `importInvalid`'s, as
 * for consent imports).
 */
import { LedgerError } from '../ledger-errors';
import { IDENTIFIER_KINDS, IdentifierKind, NormalizedIdentifier, isIdentifierKind, normalizeIdentifier } from '../subjects/identifiers';
import { ImportProblem, importInvalid, readCsvRecords } from './import-rows';

/** One row whose identifiers are well formed (not yet looked up). */
export interface IdentifierRow {
  readonly row: number;
  readonly identifiers: readonly NormalizedIdentifier[];
}

/** Largest file accepted, rows: larger imports are split by the team (one transaction holds them all). */
export const MAX_IDENTIFIER_ROWS = 100_000;

/**
 * Reads and checks the file: the well-formed rows, and the problems of the others by row (malformed
 * identifiers are named by kind, never quoted), so the caller can report them with its own (identifiers
 * that match nobody) in one error. A file that cannot be read as such throws `PSB_LEDGER_IMPORT_INVALID`.
 */
export function readIdentifierRows(content: string, source = 'import file'): { readonly rows: IdentifierRow[]; readonly problems: ImportProblem[]; readonly total: number } {
  const records = readCsvRecords(content, source);
  const [header, ...body] = records;
  if (!header) throw importInvalid(source, [{ reasons: [`the file is empty; expected a header row (${IDENTIFIER_KINDS.join(', ')}) and at least one row`] }], 0);
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const headerReasons: string[] = [];
  names.forEach((name, index) => {
    if (name === '') headerReasons.push(`column ${index + 1} has no name`);
    else if (!isIdentifierKind(name)) headerReasons.push(`unknown column "${name.slice(0, 40)}" in column ${index + 1} (known: ${IDENTIFIER_KINDS.join(', ')})`);
    else if (names.indexOf(name) !== index) headerReasons.push(`column "${name}" appears twice`);
  });
  if (headerReasons.length > 0) throw importInvalid(source, [{ row: header.row, reasons: headerReasons }], body.length);
  if (body.length === 0) throw importInvalid(source, [{ reasons: ['the file has a header but no rows'] }], 0);
  if (body.length > MAX_IDENTIFIER_ROWS) throw importInvalid(source, [{ reasons: [`the file has ${body.length} rows; at most ${MAX_IDENTIFIER_ROWS} are imported at once (split it)`] }], body.length);
  const kinds = names as IdentifierKind[];

  const rows: IdentifierRow[] = [];
  const problems: ImportProblem[] = [];
  for (const record of body) {
    if (record.fields.length !== kinds.length) {
      problems.push({ row: record.row, reasons: [`has ${record.fields.length} fields; the header has ${kinds.length}`] });
      continue;
    }
    const identifiers: NormalizedIdentifier[] = [];
    const reasons: string[] = [];
    record.fields.forEach((raw, index) => {
      if (raw.trim() === '') return;
      try {
        identifiers.push(normalizeIdentifier(kinds[index], raw));
      } catch (err) {
        if (!(err instanceof LedgerError)) throw err;
        reasons.push(err.message);
      }
    });
    if (reasons.length === 0 && identifiers.length === 0) reasons.push(`no identifier (fill at least one of ${kinds.join(', ')})`);
    if (reasons.length > 0) problems.push({ row: record.row, reasons });
    else rows.push({ row: record.row, identifiers });
  }
  return { rows, problems, total: body.length };
}
