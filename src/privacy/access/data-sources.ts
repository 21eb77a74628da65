/**
 * The company's systems that hold customers' data (`config/data-sources.json`, or DATA_SOURCES_FILE):
 * the categories of data a customer may ask for, and the sources an access request gathers from.
 * Read once at start, checked whole (every problem named with its field), frozen.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Env, invalid, read } from '../../config/env-readers';
import { AppError } from '../../errors/app-error';
import { SHIPPED_LOCALES } from '../../i18n/shipped-locales';
import { readMessageCatalog } from '../../i18n/translator';
import { LOCALES_DIR, PROJECT_ROOT } from '../../paths';
import type { DataCategory, DataSourceConfig, LocalizedText } from './access-types';
import {
  categoryProblems,
  DEFAULT_SOURCE_LIMITS,
  DEVELOPMENT_PATH_PREFIX,
  isRecord,
  LEDGER_CATEGORIES,
  LEDGER_SOURCE_ID,
  sourceProblems,
} from './data-source-validation';

export { DEFAULT_SOURCE_LIMITS, LEDGER_CATEGORIES, LEDGER_SOURCE_ID } from './data-source-validation';

export const DEFAULT_DATA_SOURCES_FILE = path.join(PROJECT_ROOT, 'config', 'data-sources.json');
/** The environment variable naming another data sources file. */
export const DATA_SOURCES_FILE = 'DATA_SOURCES_FILE';
/** Shortest accepted signing secret of an http source, characters. */
export const MIN_SOURCE_SECRET_LENGTH = 32;
/**
 * Signing secret of a source on the development demo (a `/dev/` URL) when its variable is unset,
 * outside production only: public, like the demo's data.
 */
export const DEVELOPMENT_SOURCE_SECRET = 'development-demo-source-secret-not-for-production';

/** What a source needs from the environment, read and checked once at start; never part of a DataSourceConfig, which may be shown or logged. */
export interface SourceCredentials {
  /** postgres: the connection string named by `connectionEnv`. */
  readonly connectionString?: string;
  /** http: the signing secret named by `secretEnv`. */
  readonly secret?: string;
}

export interface DataSourceCatalog {
  /** The file it was read from (for logs). */
  readonly file: string;
  /** Every category, in display order: the ledger's first, then the file's. */
  readonly categories: readonly DataCategory[];
  /** Every source, the ledger first. */
  readonly sources: readonly DataSourceConfig[];
  byId(id: string): DataSourceConfig | undefined;
  category(id: string): DataCategory | undefined;
  /** Sources holding at least one of `categories` (every source when null), in catalog order. */
  sourcesFor(categories: readonly string[] | null): DataSourceConfig[];
  credentialsOf(id: string): SourceCredentials;
  /** Sentences the caller logs once at start. */
  readonly warnings: readonly string[];
}

/** The ledger's own label and categories, in every shipped language (locales/<lang>/messages.json, `dataSources`). */
export interface BuiltInLedger {
  readonly label: LocalizedText;
  readonly categories: readonly DataCategory[];
}

function textAt(catalog: Record<string, unknown>, keys: readonly string[]): unknown {
  return keys.reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), catalog);
}

/** Reads the ledger's label and category words from the shipped message files. */
export function readBuiltInLedger(dir = LOCALES_DIR): BuiltInLedger {
  const label: Record<string, string> = {};
  const labels = new Map<string, Record<string, string>>(LEDGER_CATEGORIES.map((id) => [id, {}]));
  const synonyms = new Map<string, Record<string, string[]>>(LEDGER_CATEGORIES.map((id) => [id, {}]));
  for (const locale of SHIPPED_LOCALES) {
    const catalog = readMessageCatalog(locale, dir);
    label[locale] = String(textAt(catalog, ['dataSources', 'ledger']) ?? LEDGER_SOURCE_ID);
    for (const id of LEDGER_CATEGORIES) {
      labels.get(id)![locale] = String(textAt(catalog, ['dataSources', 'ledgerCategories', id, 'label']) ?? id);
      const words = textAt(catalog, ['dataSources', 'ledgerCategories', id, 'synonyms']);
      synonyms.get(id)![locale] = Array.isArray(words) ? words.map(String) : [];
    }
  }
  return { label, categories: LEDGER_CATEGORIES.map((id) => ({ id, label: labels.get(id)!, synonyms: synonyms.get(id)! })) };
}

export interface ParseDataSourcesOptions {
  /** Named in error messages. @default 'data sources file' */
  readonly file?: string;
  readonly env?: Env;
  /** @default read from locales/ */
  readonly builtInLedger?: BuiltInLedger;
}

function fileInvalid(file: string, problems: readonly string[]): AppError {
  return new AppError('PSB_DATA_SOURCES_INVALID', `${file} is invalid:\n  ${problems.join('\n  ')}`, { problems, file });
}

const named = (entry: unknown): string => (isRecord(entry) && typeof entry.id === 'string' ? ` ("${entry.id}")` : '');

/**
 * Validates a parsed data sources file and resolves what its sources take from `env`.
 * @throws AppError `PSB_DATA_SOURCES_INVALID` listing every problem of the file (entry, id and field);
 *   `PSB_CONFIG_INVALID` naming an environment variable a source needs that is unset or malformed.
 */
export function parseDataSources(raw: unknown, options: ParseDataSourcesOptions = {}): DataSourceCatalog {
  const file = options.file ?? 'data sources file';
  const env = options.env ?? process.env;
  const production = read(env, 'NODE_ENV') === 'production';
  if (!isRecord(raw) || !Array.isArray(raw.sources) || (raw.categories !== undefined && !Array.isArray(raw.categories))) {
    throw fileInvalid(file, ['expected {"categories": [...], "sources": [...]}']);
  }
  const problems: string[] = [];
  for (const key of Object.keys(raw)) if (!['$comment', 'categories', 'sources'].includes(key)) problems.push(`unknown top-level field "${key}" (known: categories, sources)`);
  const rawCategories = (raw.categories ?? []) as unknown[];
  rawCategories.forEach((entry, index) => {
    for (const problem of categoryProblems(entry)) problems.push(`categories[${index}]${named(entry)}: ${problem}`);
  });
  raw.sources.forEach((entry, index) => {
    for (const problem of sourceProblems(entry)) problems.push(`sources[${index}]${named(entry)}: ${problem}`);
    if (production && isRecord(entry) && typeof entry.url === 'string' && (entry.url.startsWith(DEVELOPMENT_PATH_PREFIX) || urlPath(entry.url).startsWith(DEVELOPMENT_PATH_PREFIX))) {
      problems.push(
        `sources[${index}]${named(entry)}: url "${entry.url}" is the development demo, which the bot serves only outside production; with NODE_ENV=production point ${DATA_SOURCES_FILE} at a file listing your own systems (see README "Data sources")`,
      );
    }
  });
  for (const [list, label] of [[rawCategories, 'categories'], [raw.sources, 'sources']] as const) {
    const ids = list.filter(isRecord).map((e) => e.id).filter((id): id is string => typeof id === 'string');
    for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) problems.push(`${label}: id "${id}" appears more than once`);
  }
  if (problems.length > 0) throw fileInvalid(file, problems);

  const builtIn = options.builtInLedger ?? readBuiltInLedger();
  const fileSources = raw.sources as Record<string, unknown>[];
  const ledgerEntry = fileSources.find((s) => s.kind === 'ledger');
  const ledger: DataSourceConfig = withDefaults({
    id: LEDGER_SOURCE_ID,
    kind: 'ledger',
    categories: [...LEDGER_CATEGORIES],
    ...ledgerEntry,
    label: (ledgerEntry?.label as LocalizedText | undefined) ?? builtIn.label,
  });
  const sources = [ledger, ...fileSources.filter((s) => s !== ledgerEntry).map(withDefaults)];
  // The file's own definition of a ledger category wins; the built-in words fill in the rest the ledger holds.
  const fileCategories = rawCategories as DataCategory[];
  const builtInCategories = builtIn.categories.filter((c) => ledger.categories.includes(c.id) && !fileCategories.some((f) => f.id === c.id));
  const categories = [...builtInCategories, ...fileCategories].map(freezeCategory);

  const known = new Set(categories.map((c) => c.id));
  sources.forEach((source) => {
    for (const id of source.categories) if (!known.has(id)) problems.push(`sources: "${source.id}" holds category "${id}", which categories does not define`);
  });
  for (const category of categories) {
    if (!sources.some((s) => s.categories.includes(category.id))) problems.push(`categories: "${category.id}" is held by no source (a customer asking for it would get nothing)`);
  }
  if (problems.length > 0) throw fileInvalid(file, problems);

  const warnings: string[] = [];
  const credentials = new Map(sources.map((source) => [source.id, credentialsFor(source, env, production, warnings)]));
  const byId = new Map(sources.map((s) => [s.id, s]));
  const categoryById = new Map(categories.map((c) => [c.id, c]));
  return Object.freeze({
    file,
    categories: Object.freeze(categories),
    sources: Object.freeze(sources),
    byId: (id: string) => byId.get(id),
    category: (id: string) => categoryById.get(id),
    sourcesFor: (wanted: readonly string[] | null) => sources.filter((s) => wanted === null || s.categories.some((c) => wanted.includes(c))),
    credentialsOf: (id: string) => credentials.get(id) ?? {},
    warnings: Object.freeze(warnings),
  });
}

function urlPath(raw: string): string {
  try {
    return new URL(raw).pathname;
  } catch {
    return '';
  }
}

function withDefaults(entry: Record<string, unknown>): DataSourceConfig {
  const d = DEFAULT_SOURCE_LIMITS;
  const source: DataSourceConfig = {
    ...(entry as unknown as DataSourceConfig),
    categories: Object.freeze([...(entry.categories as string[])]),
    timeoutMs: (entry.timeoutMs as number | undefined) ?? d.timeoutMs,
    maxBytes: (entry.maxBytes as number | undefined) ?? d.maxBytes,
    maxAttempts: (entry.maxAttempts as number | undefined) ?? d.maxAttempts,
    ...(entry.kind === 'http' ? { resultsWithinMs: (entry.resultsWithinMs as number | undefined) ?? d.resultsWithinMs } : {}),
  };
  delete (source as { $comment?: unknown }).$comment;
  return Object.freeze(source);
}

function freezeCategory(category: DataCategory): DataCategory {
  const { id, label, synonyms } = category;
  return Object.freeze({ id, label: Object.freeze({ ...label }), ...(synonyms ? { synonyms: Object.freeze({ ...synonyms }) } : {}) });
}

function credentialsFor(source: DataSourceConfig, env: Env, production: boolean, warnings: string[]): SourceCredentials {
  if (source.kind === 'postgres') {
    const variable = source.connectionEnv!;
    const value = read(env, variable);
    const example = 'a postgres:// URL, e.g. postgres://privacy_reader@crm-db:5432/crm';
    if (value === undefined) throw invalid(variable, `set: data source "${source.id}" reads its connection string from it (${example})`, '');
    let protocol: string;
    try {
      protocol = new URL(value).protocol;
    } catch {
      throw invalid(variable, example, '<unparseable>');
    }
    if (protocol !== 'postgres:' && protocol !== 'postgresql:') throw invalid(variable, example, protocol);
    return Object.freeze({ connectionString: value });
  }
  if (source.kind === 'http') {
    const variable = source.secretEnv!;
    const expected = `at least ${MIN_SOURCE_SECRET_LENGTH} characters shared with data source "${source.id}" (e.g. \`openssl rand -hex 32\`)`;
    const value = read(env, variable);
    const onDemo = source.url!.startsWith(DEVELOPMENT_PATH_PREFIX);
    if (value === undefined && onDemo && !production) return Object.freeze({ secret: DEVELOPMENT_SOURCE_SECRET });
    if (value === undefined) throw invalid(variable, `set: ${expected}`, '');
    if (value.length < MIN_SOURCE_SECRET_LENGTH) throw invalid(variable, expected, `<${value.length} characters>`);
    if (production && source.url!.startsWith('http:')) {
      warnings.push(`data source "${source.id}" is called over plain http: the customer's identifiers and records travel unencrypted (the signature proves origin, not secrecy). Use https outside a private network.`);
    }
    return Object.freeze({ secret: value });
  }
  return Object.freeze({});
}

/**
 * Reads and checks the data sources file: `file`, else DATA_SOURCES_FILE (relative to the working
 * directory), else `config/data-sources.json`.
 * @throws AppError `PSB_DATA_SOURCES_INVALID` (unreadable file, bad JSON, bad entries) or `PSB_CONFIG_INVALID` (an environment variable a source needs).
 */
export function loadDataSources(file?: string, env: Env = process.env): DataSourceCatalog {
  const chosen = file ?? (read(env, DATA_SOURCES_FILE) ? path.resolve(read(env, DATA_SOURCES_FILE)!) : DEFAULT_DATA_SOURCES_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(chosen, 'utf8'));
  } catch (err) {
    // A JSON error names the position, never quotes secrets (the file holds only names of variables).
    throw new AppError('PSB_DATA_SOURCES_INVALID', `${chosen}: cannot read the data sources file (${(err as Error).message}); set ${DATA_SOURCES_FILE} to another file or fix this one`, { file: chosen });
  }
  return parseDataSources(raw, { file: chosen, env });
}
