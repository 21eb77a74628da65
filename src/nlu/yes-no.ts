import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Culture } from '@microsoft/recognizers-text-suite';
import { SHIPPED_LOCALES } from '../i18n/shipped-locales';
import { LOCALES_DIR } from '../paths';
import { EntityListError, EntityLists, entityLanguage, readEntityLists } from './entity-lists';
import { normalizeText } from './normalize-text';
import { booleanModel } from './recognizer-models';
import { MAX_PHRASE_TEXT_CHARS, PhraseMatcher } from './phrase-matcher';

export type YesNo = 'yes' | 'no';

/** What one language's word lists make of a text: an answer, a clear non-answer, or nothing found. */
type ListVerdict = YesNo | 'unclear' | 'silent';

const ANSWER_KEYS = ['yes', 'no', 'unsure'] as const;

/**
 * Every interruption keyword of every shipped language (`keywords.*` of `intents.json`), normalised,
 * with where it is listed. Raw read: every list counts, including ones the classifier does not load.
 */
function interruptionKeywords(dir: string): Map<string, string> {
  const owners = new Map<string, string>();
  for (const locale of SHIPPED_LOCALES) {
    const file = path.join(dir, locale, 'intents.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { keywords?: Record<string, unknown> };
    for (const [name, list] of Object.entries(raw.keywords ?? {})) {
      if (!Array.isArray(list)) continue;
      for (const phrase of list) {
        const key = typeof phrase === 'string' ? normalizeText(phrase) : '';
        if (key !== '') owners.set(key, `keywords.${name} of ${locale}/intents.json`); // "?" is help, but an emoji is no keyword
      }
    }
  }
  return owners;
}

/**
 * An interruption keyword ("cancel", "annulla", "lascia stare") must keep interrupting inside a
 * yes/no prompt, so it may not also be an answer: refuse the overlap at start.
 */
function refuseKeywordClash(lists: EntityLists, keywords: ReadonlyMap<string, string>): void {
  for (const key of ANSWER_KEYS) {
    for (const phrase of lists[key]) {
      const owner = keywords.get(normalizeText(phrase));
      if (owner !== undefined) throw new EntityListError(lists.file, key, `"${phrase}" is an interruption keyword (${owner}); it must stay one`);
    }
  }
}

function listVerdict(matcher: PhraseMatcher, text: string): ListVerdict {
  const keys = new Set(matcher.find(text));
  if (keys.has('unsure') || (keys.has('yes') && keys.has('no'))) return 'unclear';
  if (keys.has('yes')) return 'yes';
  if (keys.has('no')) return 'no';
  return 'silent';
}

/**
 * The languages whose booleans recognizers-text reads (its JS build has none for Italian), by
 * its culture code.
 */
const BOOLEAN_CULTURES: Readonly<Record<string, string>> = {
  en: Culture.English,
  es: Culture.Spanish,
  pt: Culture.Portuguese,
  fr: Culture.French,
  de: 'de-de',
  nl: 'nl-nl',
};

/**
 * recognizers-text's booleans in `culture`; the first match only, so used after our lists. It
 * also reads 👍 and 👎, which mean the same in every language: text without letters goes here too.
 */
function recognizersTextVerdict(text: string, culture: string): ListVerdict {
  const values = new Set(booleanModel(culture).parse(text).map((result) => result.resolution?.value));
  if (values.has(true) && values.has(false)) return 'unclear';
  if (values.has(true)) return 'yes';
  if (values.has(false)) return 'no';
  return 'silent';
}

/**
 * Whether a customer's answer is yes or no, in every shipped language: our word lists
 * (`yes`, `no`, `unsure` in `locales/<lang>/entities.json`), then, for the languages it covers
 * and for text without letters (👍), recognizers-text (its JS build has no Italian), then the other
 * languages' lists (a "yes" in an Italian chat).
 * A contradiction ("yes… no"), a hedge ("I don't know") or no answer at all gives undefined.
 * Built once at start; recognising reads no file.
 */
export class YesNoRecognizer {
  private constructor(
    private readonly matchers: ReadonlyMap<string, PhraseMatcher>,
    private readonly keywords: ReadonlySet<string>,
  ) {}

  /**
   * Reads `entities.json` and the interruption keywords of `intents.json` of every shipped
   * language. Throws an {@link EntityListError} naming file and key for a malformed list, a
   * phrase in two lists, or an answer that is also an interruption keyword.
   */
  static load(localesDir = LOCALES_DIR): YesNoRecognizer {
    const keywords = interruptionKeywords(localesDir);
    const matchers = new Map<string, PhraseMatcher>();
    for (const locale of SHIPPED_LOCALES) {
      const lists = readEntityLists(locale, localesDir);
      refuseKeywordClash(lists, keywords);
      matchers.set(locale, new PhraseMatcher(lists.file, { yes: lists.yes, no: lists.no, unsure: lists.unsure }));
    }
    return new YesNoRecognizer(matchers, new Set(keywords.keys()));
  }

  /** "yes", "no", or undefined when the text is neither or both, or is an interruption keyword ("never mind"). */
  recognize(text: string, locale: string): YesNo | undefined {
    const capped = text.slice(0, MAX_PHRASE_TEXT_CHARS);
    const normalized = normalizeText(capped);
    if (this.keywords.has(normalized)) return undefined;
    const language = entityLanguage(locale, this.matchers);
    const own = this.matchers.get(language);
    let verdict: ListVerdict = own === undefined ? 'silent' : listVerdict(own, capped);
    const culture = BOOLEAN_CULTURES[language];
    if (verdict === 'silent' && culture !== undefined) verdict = recognizersTextVerdict(capped, culture);
    if (verdict === 'silent' && normalized === '') verdict = recognizersTextVerdict(capped, Culture.English);
    for (const [other, matcher] of this.matchers) {
      if (verdict !== 'silent') break;
      if (other !== language) verdict = listVerdict(matcher, capped);
    }
    return verdict === 'yes' || verdict === 'no' ? verdict : undefined;
  }
}
