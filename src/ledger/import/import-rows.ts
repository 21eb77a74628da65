/**
 * Rows of a consent import file: read from CSV or JSON, checked one by one against the purposes
 * catalog, grouped by person. Pure functions, no database; the format is documented in
 * `consent-import.ts`.
 */
import { createHash } from 'node:crypto';
import { Regime, REGIMES } from '../../privacy/clocks/regimes';
import { canonicalJson } from '../chain/canonical-json';
import { COLLECTION_METHODS, CONSENT_STATES, CollectionMethod, ConsentChange } from '../consent/consent-types';
import { redactText } from '../../log/redact-text';
import { LedgerError } from '../ledger-errors';
import { CHANNELS, PurposeCatalog } from '../purposes/purpose-catalog';
import { IDENTIFIER_KINDS, NormalizedIdentifier, normalizeIdentifier } from '../subjects/identifiers';
import { CsvRecord, CsvSyntaxError, detectDelimiter, parseCsv } from './csv';

export const IMPORT_FIELDS = [...IDENTIFIER_KINDS, 'regime', 'language', 'purpose', 'channel', 'state', 'occurred_at', 'collection_method', 'notice_version'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];
const REQUIRED_FIELDS: readonly ImportField[] = ['language', 'purpose', 'channel', 'state', 'occurred_at'];

/** A row as read from the file: trimmed values, empty ones left out. */
export interface RawImportRow {
  readonly row: number;
  readonly values: Partial<Record<ImportField, string>>;
}

/** Why one row (or, with no `row`, the whole file) cannot be imported. */
export interface ImportProblem {
  readonly row?: number;
  readonly reasons: readonly string[];
}

/** A value quoted back in a message: emails and phone numbers scrubbed (a wrong column may hold them), long ones cut. */
const shown = (value: string): string => `"${redactText(value.length > 40 ? `${value.slice(0, 40)}…` : value)}"`;
const isOneOf = <T extends string>(allowed: readonly T[], value: string): value is T => (allowed as readonly string[]).includes(value);
const isImportField = (name: string): name is ImportField => isOneOf(IMPORT_FIELDS, name);
const snakeCase = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

function unknownField(name: string): string {
  const hint = isImportField(snakeCase(name)) ? ` (did you mean "${snakeCase(name)}"?)` : ` (known: ${IMPORT_FIELDS.join(', ')})`;
  return `unknown field ${shown(name)}${hint}`;
}

/** The import error: every problem, one line per row (rows in order, whole-file problems first). */
export function importInvalid(source: string, all: readonly ImportProblem[], total: number): LedgerError {
  const problems = mergeByRow(all);
  const rows = problems.filter((p) => p.row !== undefined).length;
  const lines = problems.map((p) => `  ${p.row === undefined ? 'file' : `row ${p.row}`}: ${p.reasons.join('; ')}`);
  const head = rows > 0 ? `${source}: ${rows} of ${total} rows are invalid; nothing was imported` : `${source} cannot be imported; nothing was imported`;
  return new LedgerError('PSB_LEDGER_IMPORT_INVALID', `${head}\n${lines.join('\n')}`, { source, invalidRows: rows, totalRows: total, problems });
}

/** The file's CSV records (BOM dropped, delimiter detected); a syntax error throws `PSB_LEDGER_IMPORT_INVALID` naming its row. */
export function readCsvRecords(content: string, source: string): CsvRecord[] {
  try {
    return parseCsv(content, detectDelimiter(content.replace(/^\uFEFF/, '')));
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw importInvalid(source, [{ row: err.row, reasons: [err.reason] }], 0);
    throw err;
  }
}

/** Reads CSV into rows; header problems throw at once, a row with the wrong field count is a row problem. */
export function readCsvRows(content: string, source = 'import file'): { rows: RawImportRow[]; problems: ImportProblem[] } {
  const records = readCsvRecords(content, source);
  const [header, ...body] = records;
  if (!header) throw importInvalid(source, [{ reasons: ['the file is empty; expected a header row and at least one row'] }], 0);
  const names = header.fields.map((f) => f.trim());
  const headerReasons: string[] = [];
  names.forEach((name, index) => {
    if (name === '') headerReasons.push(`column ${index + 1} has no name`);
    else if (!isImportField(name.toLowerCase())) headerReasons.push(`${unknownField(name)} in column ${index + 1}`);
    else if (names.findIndex((n) => n.toLowerCase() === name.toLowerCase()) !== index) headerReasons.push(`column ${shown(name)} appears twice`);
  });
  const lower = names.map((n) => n.toLowerCase());
  const columns = lower.filter(isImportField);
  const missing = REQUIRED_FIELDS.filter((f) => !lower.includes(f));
  if (missing.length > 0) headerReasons.push(`missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  if (!IDENTIFIER_KINDS.some((k) => lower.includes(k))) headerReasons.push(`no identifier column (at least one of ${IDENTIFIER_KINDS.join(', ')})`);
  if (headerReasons.length > 0 || columns.length !== names.length) throw importInvalid(source, [{ row: header.row, reasons: headerReasons }], body.length);
  if (body.length === 0) throw importInvalid(source, [{ reasons: ['the file has a header but no rows'] }], 0);

  const rows: RawImportRow[] = [];
  const problems: ImportProblem[] = [];
  for (const record of body) {
    if (record.fields.length !== names.length) {
      problems.push({ row: record.row, reasons: [`has ${record.fields.length} fields; the header has ${names.length}`] });
      continue;
    }
    const values: Partial<Record<ImportField, string>> = {};
    record.fields.forEach((value, index) => {
      if (value.trim() !== '') values[columns[index]] = value.trim();
    });
    rows.push({ row: record.row, values });
  }
  return { rows, problems };
}

/** Reads a JSON array of objects with snake_case keys; row N is the Nth object. */
export function readJsonRows(content: string, source = 'import file'): { rows: RawImportRow[]; problems: ImportProblem[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw importInvalid(source, [{ reasons: [`not valid JSON (${(err as Error).message})`] }], 0);
  }
  if (!Array.isArray(parsed)) throw importInvalid(source, [{ reasons: ['expected a JSON array of objects, one per consent event'] }], 0);
  if (parsed.length === 0) throw importInvalid(source, [{ reasons: ['the array is empty'] }], 0);
  const rows: RawImportRow[] = [];
  const problems: ImportProblem[] = [];
  parsed.forEach((item: unknown, index) => {
    const row = index + 1;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push({ row, reasons: ['must be an object'] });
      return;
    }
    const reasons: string[] = [];
    const values: Partial<Record<ImportField, string>> = {};
    for (const [key, value] of Object.entries(item)) {
      if (!isImportField(key)) reasons.push(unknownField(key));
      else if (typeof value === 'string') {
        if (value.trim() !== '') values[key] = value.trim();
      } else if (typeof value === 'number' && Number.isFinite(value)) values[key] = String(value);
      else if (value !== null) reasons.push(`${key} must be a string`);
    }
    if (reasons.length > 0) problems.push({ row, reasons });
    else rows.push({ row, values });
  });
  return { rows, problems };
}

// ───────────────────────────── validation ─────────────────────────────

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * An ISO 8601 instant with its zone ("2026-03-14T09:30:00Z", "2026-03-14T10:30+01:00"), or
 * undefined. Impossible dates (30 February) and times are refused, unlike `Date.parse`.
 */
export function parseIsoInstant(text: string): Date | undefined {
  const m = ISO_INSTANT.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const millis = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== 'Z' && zone !== 'z') {
    const [, sign, hh, mm] = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone) ?? [];
    if (Number(hh) > 14 || Number(mm ?? 0) > 59) return undefined;
    offsetMinutes = (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm ?? 0));
  }
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day); // not Date.UTC: it reads years 0–99 as 1900–1999
  wall.setUTCHours(hour, minute, second, millis);
  return new Date(wall.getTime() - offsetMinutes * 60_000);
}

const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** A row that passed every check, ready to record. */
export interface ValidImportRow {
  readonly row: number;
  readonly identifiers: readonly NormalizedIdentifier[];
  readonly regime: Regime;
  readonly language: string;
  readonly change: ConsentChange;
  readonly occurredAt: Date;
  readonly collectionMethod: CollectionMethod;
  /** As given; undefined = the purpose's current notice version. */
  readonly noticeVersion?: string;
  /** `import:` + SHA-256 of the row's content: the same row in any file records once. */
  readonly idempotencyKey: string;
}

/** Checks one row against the catalog; returns the valid row or every reason it is not. */
export function validateImportRow(raw: RawImportRow, catalog: PurposeCatalog, now: Date): { valid?: ValidImportRow; reasons: string[] } {
  const v = raw.values;
  const reasons: string[] = [];
  const identifiers: NormalizedIdentifier[] = [];
  for (const kind of IDENTIFIER_KINDS) {
    const value = v[kind];
    if (value === undefined) continue;
    if (kind === 'phone' && !value.startsWith('+')) {
      reasons.push('phone must be in international format, starting with + and the country code');
      continue;
    }
    try {
      identifiers.push(normalizeIdentifier(kind, value));
    } catch (err) {
      if (!(err instanceof LedgerError)) throw err;
      reasons.push(err.message);
    }
  }
  if (IDENTIFIER_KINDS.every((kind) => v[kind] === undefined)) reasons.push(`no identifier (give at least one of ${IDENTIFIER_KINDS.join(', ')})`);

  const regime = v.regime?.toLowerCase() ?? 'gdpr';
  if (!isOneOf(REGIMES, regime)) reasons.push(`unknown regime ${shown(v.regime ?? '')} (allowed: ${REGIMES.join(', ')})`);
  const language = v.language?.replace(/^[A-Za-z]+/, (primary) => primary.toLowerCase()).replace('_', '-');
  if (language === undefined) reasons.push('language is missing');
  else if (!LANGUAGE.test(language)) reasons.push(`language ${shown(v.language ?? '')} is not a BCP-47 tag such as "en" or "it-IT"`);

  const purpose = v.purpose === undefined ? undefined : catalog.get(v.purpose);
  if (v.purpose === undefined) reasons.push('purpose is missing');
  else if (!purpose) reasons.push(`unknown purpose ${shown(v.purpose)} (known: ${catalog.purposes.map((p) => p.id).join(', ')})`);
  const channel = v.channel?.toLowerCase();
  if (channel === undefined) reasons.push('channel is missing');
  else if (!isOneOf(CHANNELS, channel)) reasons.push(`unknown channel ${shown(v.channel ?? '')} (allowed: ${CHANNELS.join(', ')})`);
  else if (purpose && !isOneOf(purpose.channels, channel)) reasons.push(`purpose "${purpose.id}" does not use channel "${channel}" (it uses ${purpose.channels.join(', ')})`);
  const state = v.state?.toLowerCase();
  if (state === undefined) reasons.push('state is missing');
  else if (!isOneOf(CONSENT_STATES, state)) reasons.push(`unknown state ${shown(v.state ?? '')} (allowed: ${CONSENT_STATES.join(', ')})`);

  const occurredAt = v.occurred_at === undefined ? undefined : parseIsoInstant(v.occurred_at);
  if (v.occurred_at === undefined) reasons.push('occurred_at is missing');
  else if (!occurredAt) reasons.push(`occurred_at is not an ISO 8601 instant with a zone, e.g. 2026-03-14T09:30:00Z or 2026-03-14T10:30:00+01:00`);
  else if (occurredAt.getTime() > now.getTime()) reasons.push(`occurred_at ${occurredAt.toISOString()} is in the future`);
  const collectionMethod = v.collection_method?.toLowerCase() ?? 'import';
  if (!isOneOf(COLLECTION_METHODS, collectionMethod)) reasons.push(`unknown collection_method ${shown(v.collection_method ?? '')} (allowed: ${COLLECTION_METHODS.join(', ')})`);

  if (reasons.length > 0 || !purpose || !occurredAt || !language || !isOneOf(REGIMES, regime)) return { reasons };
  if (channel === undefined || !isOneOf(CHANNELS, channel) || state === undefined || !isOneOf(CONSENT_STATES, state) || !isOneOf(COLLECTION_METHODS, collectionMethod)) return { reasons };
  const content = {
    identifiers: identifiers.map((i) => `${i.kind}:${i.value}`).sort(),
    regime,
    language,
    purpose: purpose.id,
    channel,
    state,
    occurredAt: occurredAt.toISOString(),
    collectionMethod,
    noticeVersion: v.notice_version ?? null,
  };
  return {
    reasons,
    valid: {
      row: raw.row,
      identifiers,
      regime,
      language,
      change: { purposeId: purpose.id, channel, state },
      occurredAt,
      collectionMethod,
      ...(v.notice_version !== undefined ? { noticeVersion: v.notice_version } : {}),
      idempotencyKey: `import:${createHash('sha256').update(canonicalJson(content)).digest('hex')}`,
    },
  };
}

/** Rows that share any identifier belong to one person (union–find over identifiers). */
export function groupByPerson(rows: readonly ValidImportRow[]): ValidImportRow[][] {
  const parent = rows.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i])));
  const owner = new Map<string, number>();
  rows.forEach((r, i) => {
    for (const id of r.identifiers) {
      const key = `${id.kind}:${id.value}`;
      const other = owner.get(key);
      if (other === undefined) owner.set(key, i);
      else parent[root(i)] = root(other);
    }
  });
  const groups = new Map<number, ValidImportRow[]>();
  rows.forEach((r, i) => {
    const group = groups.get(root(i)) ?? [];
    group.push(r);
    groups.set(root(i), group);
  });
  return [...groups.values()];
}

/** Every identifier of these rows, once. */
export function uniqueIdentifiers(rows: readonly ValidImportRow[]): NormalizedIdentifier[] {
  const seen = new Map<string, NormalizedIdentifier>();
  for (const r of rows) for (const id of r.identifiers) seen.set(`${id.kind}:${id.value}`, id);
  return [...seen.values()];
}

/** Rows of one person must agree on the regime (it belongs to the person, not to an event). */
export function regimeProblems(groups: readonly ValidImportRow[][]): ImportProblem[] {
  const problems: ImportProblem[] = [];
  for (const rows of groups) {
    const [first] = rows;
    for (const r of rows.slice(1)) {
      if (r.regime !== first.regime) problems.push({ row: r.row, reasons: [`regime "${r.regime}" differs from row ${first.row} of the same person ("${first.regime}")`] });
    }
  }
  return problems;
}

/** One entry per row, rows in order, file-level problems first. */
function mergeByRow(problems: readonly ImportProblem[]): ImportProblem[] {
  const merged = new Map<number | undefined, string[]>();
  for (const p of problems) merged.set(p.row, [...(merged.get(p.row) ?? []), ...p.reasons]);
  return [...merged.entries()].sort(([a], [b]) => (a ?? 0) - (b ?? 0)).map(([row, reasons]) => (row === undefined ? { reasons } : { row, reasons }));
}
