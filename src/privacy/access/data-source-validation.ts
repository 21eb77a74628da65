/**
 * The checks of `config/data-sources.json`, entry by entry: each returns what is wrong, in words
 * that name the field, so that a bad file is refused at start with every problem listed at once.
 */
import { SHIPPED_LOCALES } from '../../i18n/shipped-locales';
import type { DataSourceKind } from './access-types';
import { readOnlyQueryProblem } from './sources/read-only-query';

export const DATA_SOURCE_KINDS: readonly DataSourceKind[] = Object.freeze(['ledger', 'postgres', 'http']);

/** The one source every catalog has, whether or not the file lists it. */
export const LEDGER_SOURCE_ID = 'ledger';
/** What the ledger holds about a subject, as categories (labels in locales/<lang>/messages.json, `dataSources.*`). */
export const LEDGER_CATEGORIES = Object.freeze(['identity', 'consents', 'requests', 'concerns', 'verifications'] as const);

/** Limits a source entry may leave out. */
export const DEFAULT_SOURCE_LIMITS = Object.freeze({
  timeoutMs: 10_000, // 10 s per run
  maxBytes: 50 * 1024 * 1024, // 50 MB per answer
  maxAttempts: 5,
  resultsWithinMs: 24 * 3600 * 1000, // 24 h for results announced with 202
});

/** Accepted range of each limit: [min, max]. */
export const SOURCE_LIMIT_RANGES = Object.freeze({
  timeoutMs: [100, 10 * 60 * 1000], // 0.1 s – 10 min
  maxBytes: [1024, 1024 * 1024 * 1024], // 1 KB – 1 GB
  maxAttempts: [1, 100],
  resultsWithinMs: [1000, 30 * 24 * 3600 * 1000], // 1 s – 30 days
} as const);

/** URL paths a source may point at on the bot itself: the development demo only, never in production. */
export const DEVELOPMENT_PATH_PREFIX = '/dev/';

const ID = /^[a-z][a-z0-9_-]{1,63}$/;
const CATEGORY_ID = /^[a-z][a-z0-9_]{1,63}$/;
const ENV_NAME = /^[A-Z][A-Z0-9_]{0,127}$/;
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z]{2,4})?$/;

const COMMON_FIELDS = ['$comment', 'id', 'label', 'kind', 'categories', 'timeoutMs', 'maxBytes', 'maxAttempts'];
const FIELDS_BY_KIND: Readonly<Record<DataSourceKind, readonly string[]>> = {
  ledger: COMMON_FIELDS,
  postgres: [...COMMON_FIELDS, 'connectionEnv', 'query'],
  http: [...COMMON_FIELDS, 'url', 'secretEnv', 'resultsWithinMs'],
};
const CATEGORY_FIELDS = ['$comment', 'id', 'label', 'synonyms'];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

function unknownFields(entry: Record<string, unknown>, known: readonly string[]): string[] {
  return Object.keys(entry)
    .filter((key) => !known.includes(key))
    .map((key) => `unknown field "${key}" (known: ${known.filter((k) => k !== '$comment').join(', ')})`);
}

/** Problems of a `label` object: a text per shipped language at least. */
export function labelProblems(label: unknown, field = 'label'): string[] {
  if (!isRecord(label)) return [`${field} must be an object with a text in every shipped language (${SHIPPED_LOCALES.join(', ')}), e.g. {"en": "...", "it": "...", …}`];
  const problems: string[] = [];
  for (const locale of SHIPPED_LOCALES) if (!nonEmpty(label[locale])) problems.push(`${field}.${locale} is required (a non-empty text)`);
  for (const [language, text] of Object.entries(label)) {
    if (!LANGUAGE.test(language)) problems.push(`${field}: "${language}" is not a language code such as "en" or "it"`);
    else if (!nonEmpty(text)) problems.push(`${field}.${language} must be a non-empty text`);
  }
  return problems;
}

/** Problems of one `categories[]` entry. */
export function categoryProblems(entry: unknown): string[] {
  if (!isRecord(entry)) return ['must be an object {"id", "label", "synonyms"}'];
  const problems = unknownFields(entry, CATEGORY_FIELDS);
  if (!nonEmpty(entry.id) || !CATEGORY_ID.test(entry.id)) problems.push('id must be a lower-case slug (a-z, 0-9, _), 2–64 characters');
  problems.push(...labelProblems(entry.label));
  if (entry.synonyms !== undefined) {
    if (!isRecord(entry.synonyms)) problems.push('synonyms must be an object of word lists per language, e.g. {"en": ["orders", "purchases"]}');
    else {
      for (const [language, words] of Object.entries(entry.synonyms)) {
        if (!LANGUAGE.test(language)) problems.push(`synonyms: "${language}" is not a language code such as "en" or "it"`);
        else if (!Array.isArray(words) || !words.every(nonEmpty)) problems.push(`synonyms.${language} must be a list of non-empty words`);
      }
    }
  }
  return problems;
}

function limitProblems(entry: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [field, [min, max]] of Object.entries(SOURCE_LIMIT_RANGES)) {
    const value = entry[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) problems.push(`${field} must be a whole number from ${min} to ${max}`);
  }
  return problems;
}

function urlProblems(raw: unknown): string[] {
  if (!nonEmpty(raw)) return ['url is required: the http(s) URL of the endpoint (or a /dev/ path on this bot, for the development demo)'];
  if (raw.startsWith('/')) {
    return raw.startsWith(DEVELOPMENT_PATH_PREFIX) ? [] : [`url "${raw}": a path may only name the development demo on this bot (${DEVELOPMENT_PATH_PREFIX}…); give the full http(s) URL of your endpoint`];
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return ['url must be an http:// or https:// URL'];
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return [`url must be an http:// or https:// URL (got ${url.protocol})`];
  if (url.username || url.password) return ['url must not carry user:password@ (the endpoint checks Webhook-Signature instead)'];
  return [];
}

/** Problems of one `sources[]` entry (environment variables are checked later, once the file is sound). */
export function sourceProblems(entry: unknown): string[] {
  if (!isRecord(entry)) return ['must be an object {"id", "label", "kind", "categories", …}'];
  if (!(DATA_SOURCE_KINDS as readonly unknown[]).includes(entry.kind)) return [`kind must be one of ${DATA_SOURCE_KINDS.join(', ')}`];
  const kind = entry.kind as DataSourceKind;
  const problems = unknownFields(entry, FIELDS_BY_KIND[kind]);
  if (!nonEmpty(entry.id) || !ID.test(entry.id)) problems.push('id must be a lower-case slug (a-z, 0-9, _ or -), 2–64 characters');
  // The ledger's label is built in (locales); any other source names itself.
  if (kind !== 'ledger' || entry.label !== undefined) problems.push(...labelProblems(entry.label));
  if (kind === 'ledger' && entry.id !== LEDGER_SOURCE_ID) problems.push(`a ledger source must have the id "${LEDGER_SOURCE_ID}" (there is one ledger)`);
  if (kind === 'ledger' && entry.categories === undefined) {
    // Left out: everything the ledger holds.
  } else if (!Array.isArray(entry.categories) || entry.categories.length === 0 || !entry.categories.every(nonEmpty)) {
    problems.push('categories must be a non-empty list of category ids');
  } else {
    if (new Set(entry.categories).size !== entry.categories.length) problems.push('categories has duplicates');
    if (kind === 'ledger') {
      const foreign = entry.categories.filter((c) => !(LEDGER_CATEGORIES as readonly string[]).includes(c as string));
      if (foreign.length > 0) problems.push(`categories: the ledger holds only ${LEDGER_CATEGORIES.join(', ')} (not ${foreign.join(', ')})`);
    }
  }
  problems.push(...limitProblems(entry));
  if (kind === 'postgres') {
    if (!nonEmpty(entry.connectionEnv) || !ENV_NAME.test(entry.connectionEnv)) {
      problems.push('connectionEnv must name the environment variable holding the connection string (e.g. "CRM_DATABASE_URL"), never the string itself');
    }
    if (!nonEmpty(entry.query)) problems.push('query is required: one SELECT with the subject\'s identifiers as $1');
    else {
      const problem = readOnlyQueryProblem(entry.query);
      if (problem) problems.push(`query ${problem}`);
    }
  }
  if (kind === 'http') {
    problems.push(...urlProblems(entry.url));
    if (!nonEmpty(entry.secretEnv) || !ENV_NAME.test(entry.secretEnv)) {
      problems.push('secretEnv must name the environment variable holding the signing secret (e.g. "CRM_WEBHOOK_SECRET"), never the secret itself');
    }
  }
  return problems;
}
