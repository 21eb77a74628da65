import { StemmerDe } from '@nlpjs/lang-de';
import { StemmerEn } from '@nlpjs/lang-en-min';
import { StemmerEs } from '@nlpjs/lang-es';
import { StemmerFr } from '@nlpjs/lang-fr';
import { StemmerIt } from '@nlpjs/lang-it';
import { StemmerNl } from '@nlpjs/lang-nl';
import { StemmerPt } from '@nlpjs/lang-pt';
import { normalizeText } from './normalize-text';

/**
 * Characters of a message the classifier reads (a few sentences): the intent is stated early,
 * and it bounds the work per turn.
 */
export const MAX_CLASSIFIED_CHARS = 500;

/** A word stemmer (NLP.js's Snowball stemmers, one per language). */
interface WordStemmer {
  stemWord(word: string): string;
}

/** Stemmers we can use; a shipped language must have one (checked when a model is trained). */
const STEMMERS: Readonly<Record<string, () => WordStemmer>> = {
  en: () => new StemmerEn(),
  it: () => new StemmerIt(),
  de: () => new StemmerDe(),
  fr: () => new StemmerFr(),
  es: () => new StemmerEs(),
  pt: () => new StemmerPt(),
  nl: () => new StemmerNl(),
};

export function hasStemmer(language: string): boolean {
  return language in STEMMERS;
}

/**
 * The text the classifier sees, for training and recognition alike: capped, normalised
 * ({@link normalizeText}: lower case, no accents, no punctuation), every run of digits as one
 * `0` — so "PRV-2026-000123" and "PRV-2025-004512" look the same.
 */
export function classifierText(text: string): string {
  return normalizeText(text.slice(0, MAX_CLASSIFIED_CHARS)).replace(/\p{N}+/gu, '0');
}

/** Shortest and longest character n-grams taken inside a word (with its boundaries marked). */
const CHAR_GRAM_MIN = 3;
const CHAR_GRAM_MAX = 5;

/**
 * Turns a message into the sparse features of the intent model, per language:
 * - each word, and its stem (so "subscriptions" and "subscribed" share `subscrib`);
 * - each pair of neighbouring stems ("not send", "copy data"): word order carries meaning;
 * - character 3- to 5-grams of each word with its edges marked ("<unsub", "crib>"): a typo
 *   ("unsubcribe"), a missing accent or an unseen inflection still shares most of them.
 * Stems are memoised per word: customers reuse the same few thousand words.
 */
export class IntentFeatureExtractor {
  private readonly stemmer: WordStemmer;
  private readonly stems = new Map<string, string>();

  constructor(readonly language: string) {
    const make = STEMMERS[language];
    if (make === undefined) throw new Error(`NLU has no stemmer for "${language}" (available: ${Object.keys(STEMMERS).join(', ')})`);
    this.stemmer = make();
  }

  /** The feature names of `text` (duplicates removed); empty for text without letters or digits. */
  features(text: string): string[] {
    const words = classifierText(text).split(' ').filter((word) => word !== '');
    const found = new Set<string>();
    let previous = '^';
    for (const word of words) {
      const stem = this.stemOf(word);
      found.add(`w:${word}`);
      found.add(`s:${stem}`);
      found.add(`b:${previous}_${stem}`);
      previous = stem;
      const marked = `<${word}>`;
      for (let size = CHAR_GRAM_MIN; size <= CHAR_GRAM_MAX; size += 1) {
        for (let start = 0; start + size <= marked.length; start += 1) found.add(`c:${marked.slice(start, start + size)}`);
      }
    }
    if (words.length > 0) found.add(`b:${previous}_$`);
    return [...found];
  }

  private stemOf(word: string): string {
    let stem = this.stems.get(word);
    if (stem === undefined) {
      stem = word.length <= 2 ? word : this.stemmer.stemWord(word);
      if (this.stems.size < 50_000) this.stems.set(word, stem);
    }
    return stem;
  }
}
