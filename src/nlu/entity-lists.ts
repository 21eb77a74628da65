import { readFileSync } from 'node:fs';
import path from 'node:path';
import { matchShippedLocale } from '../i18n/shipped-locales';
import { LOCALES_DIR } from '../paths';

/**
 * The content of `locales/<lang>/entities.json`: the words customers use for consent scopes
 * (purposes, channels, "all marketing", "everything", "when…"), for yes/no answers and for what
 * a reported concern is about.
 * Checked here for shape only; each recognizer checks the meaning of its own part.
 */
export interface EntityLists {
  /** The file read, for error messages. */
  readonly file: string;
  /** Words per channel id (`email`, `sms`…). */
  readonly channels: Readonly<Record<string, readonly string[]>>;
  /** Words per purpose id of the catalog. */
  readonly purposes: Readonly<Record<string, readonly string[]>>;
  /** "marketing", "advertising": every marketing purpose. */
  readonly allMarketing: readonly string[];
  /** "anywhere", "on all channels". */
  readonly allChannels: readonly string[];
  /** "everything", "tutto": the whole lot, which a dialog confirms before acting. */
  readonly everything: readonly string[];
  /** "when", "since when", "history": the customer asks about the past, not the present. */
  readonly history: readonly string[];
  readonly yes: readonly string[];
  readonly no: readonly string[];
  /** Answers that are neither ("I don't know", "non so"); they also cover a yes or no inside them. */
  readonly unsure: readonly string[];
  /** Words per concern topic (`breach`, `use`, `answer`, `other`): what a reported concern is about. */
  readonly concernTopics: Readonly<Record<string, readonly string[]>>;
  /** "the day before yesterday", "l'altro ieri", "vorgestern": the date parsers miss or misread these ("avant-hier" as "hier"). */
  readonly dayBeforeYesterday: readonly string[];
}

const LIST_KEYS = ['allMarketing', 'allChannels', 'everything', 'history', 'yes', 'no', 'unsure', 'dayBeforeYesterday'] as const;
const MAP_KEYS = ['channels', 'purposes', 'concernTopics'] as const;

/** A malformed or inconsistent entities file; `key` is the dotted path of the offending entry. */
export class EntityListError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    reason: string,
  ) {
    super(`${file}: ${key}: ${reason}`);
    this.name = 'EntityListError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function phraseList(file: string, key: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((item) => typeof item !== 'string' || item.trim() === '')) {
    throw new EntityListError(file, key, 'must be a non-empty list of non-empty phrases');
  }
  return Object.freeze([...(value as string[])]);
}

/** Reads one language's entity words; a missing, unknown or malformed entry throws an {@link EntityListError}. */
export function readEntityLists(locale: string, dir = LOCALES_DIR): EntityLists {
  const file = path.join(dir, locale, 'entities.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new EntityListError(file, '(file)', `cannot read it (${(err as Error).message})`);
  }
  if (!isRecord(raw)) throw new EntityListError(file, '(file)', 'must be a JSON object');
  for (const key of Object.keys(raw)) {
    if (!(LIST_KEYS as readonly string[]).includes(key) && !(MAP_KEYS as readonly string[]).includes(key)) {
      throw new EntityListError(file, key, `unknown entry (allowed: ${[...MAP_KEYS, ...LIST_KEYS].join(', ')})`);
    }
  }
  const maps = {} as Record<(typeof MAP_KEYS)[number], Record<string, readonly string[]>>;
  for (const key of MAP_KEYS) {
    const value = raw[key];
    if (!isRecord(value)) throw new EntityListError(file, key, 'must be an object of phrase lists by id');
    maps[key] = Object.fromEntries(Object.entries(value).map(([id, list]) => [id, phraseList(file, `${key}.${id}`, list)]));
  }
  const lists = {} as Record<(typeof LIST_KEYS)[number], readonly string[]>;
  for (const key of LIST_KEYS) lists[key] = phraseList(file, key, raw[key]);
  return Object.freeze({ file, ...maps, ...lists });
}

/** Language whose words are used when a caller's locale has none loaded (as for intents). */
export const ENTITY_FALLBACK_LANGUAGE = 'en';

/** The loaded language for a caller's locale: "it-IT" → "it"; one we don't have → English, else the first loaded. */
export function entityLanguage(locale: string, loaded: ReadonlyMap<string, unknown>): string {
  const own = matchShippedLocale(locale);
  if (own !== undefined && loaded.has(own)) return own;
  if (loaded.has(ENTITY_FALLBACK_LANGUAGE)) return ENTITY_FALLBACK_LANGUAGE;
  return loaded.keys().next().value ?? ENTITY_FALLBACK_LANGUAGE;
}
