/** A small RFC 4180 CSV reader for import files: no dependency; its quirks are tested in test/ledger/consent-import.test.ts. */

/** One CSV record and its spreadsheet row number (1-based; blank lines count, quoted line breaks do not). */
export interface CsvRecord {
  readonly row: number;
  readonly fields: string[];
}

/** A CSV file that cannot be read as CSV at all; `row` is where the trouble starts. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly row: number,
    /** What is wrong, without the row number. */
    readonly reason: string,
  ) {
    super(`row ${row}: ${reason}`);
    this.name = 'CsvSyntaxError';
  }
}

/**
 * RFC 4180 CSV: fields separated by `delimiter`, records by CRLF or LF; a field in double quotes may
 * hold the delimiter, line breaks and doubled quotes. A leading BOM is skipped, blank lines are
 * dropped (but counted), spaces after a closing quote are ignored.
 * @throws CsvSyntaxError on a quote inside an unquoted field, text after a closing quote, or an unclosed quote.
 */
export function parseCsv(text: string, delimiter = ','): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let closedQuote = false;
  let row = 1;
  let quoteRow = 1;
  const endRecord = (): void => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '' || closedQuote) records.push({ row, fields });
    fields = [];
    field = '';
    closedQuote = false;
  };
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        inQuotes = false;
        closedQuote = true;
        i += 1;
      } else {
        field += ch;
        i += 1;
      }
      continue;
    }
    if (ch === delimiter) {
      fields.push(field);
      field = '';
      closedQuote = false;
    } else if (ch === '\n' || ch === '\r') {
      endRecord();
      row += 1;
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
    } else if (closedQuote) {
      if (ch !== ' ' && ch !== '\t') throw new CsvSyntaxError(row, 'text after the closing quote of a field; put the whole field in quotes');
    } else if (ch === '"') {
      if (field !== '') throw new CsvSyntaxError(row, 'a quote inside an unquoted field; quote the whole field and double the quote ("")');
      inQuotes = true;
      quoteRow = row;
    } else {
      field += ch;
    }
    i += 1;
  }
  if (inQuotes) throw new CsvSyntaxError(quoteRow, 'a quoted field is never closed');
  if (field !== '' || fields.length > 0 || closedQuote) endRecord();
  return records;
}

/** `;` when the first line has more semicolons than commas (spreadsheets in it/de/fr locales), else `,`. */
export function detectDelimiter(text: string): ',' | ';' {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const count = (c: string): number => firstLine.split(c).length - 1;
  return count(';') > count(',') ? ';' : ',';
}
