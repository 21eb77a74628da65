import { EntityListError } from './entity-lists';
import { normalizeText } from './normalize-text';

/**
 * Characters of a message searched for phrases: enough for a long complaint that names its
 * purposes late, and a bound on the work per turn.
 */
export const MAX_PHRASE_TEXT_CHARS = 2000;

function tokensOf(text: string): string[] {
  const normalized = normalizeText(text);
  return normalized === '' ? [] : normalized.split(' ');
}

/**
 * Finds listed phrases in customer text as whole words, after {@link normalizeText} on both
 * sides: case, accents and punctuation don't matter, an apostrophe splits words ("nell'app"
 * holds "app", "all'email" holds "email"), and a word inside another word never matches
 * ("post" is not in "postpone", "app" not in "happy"). Scanning left to right, the longest
 * phrase starting at a word wins and its words are used up, so "posta elettronica" is one
 * email phrase, not "posta" (post) plus something, and "no problem" is not "no".
 */
export class PhraseMatcher {
  /** By first word: the phrases starting with it, longest first, with the key each belongs to. */
  private readonly byFirstWord = new Map<string, { readonly words: readonly string[]; readonly key: string; readonly phrase: string }[]>();

  /**
   * `lists` maps a key (e.g. "channels.sms") to its phrases. A phrase with no letters or digits,
   * or one listed under two keys (after normalisation), throws an {@link EntityListError} naming
   * `file` and the keys.
   */
  constructor(file: string, lists: Readonly<Record<string, readonly string[]>>) {
    const owner = new Map<string, string>();
    for (const [key, phrases] of Object.entries(lists)) {
      for (const phrase of phrases) {
        const words = tokensOf(phrase);
        if (words.length === 0) throw new EntityListError(file, key, `"${phrase}" has no letters or digits`);
        const normalized = words.join(' ');
        const other = owner.get(normalized);
        if (other !== undefined && other !== key) {
          throw new EntityListError(file, key, `"${phrase}" is also listed under ${other}: a phrase must mean one thing`);
        }
        if (other === key) continue;
        owner.set(normalized, key);
        const candidates = this.byFirstWord.get(words[0]) ?? [];
        candidates.push({ words, key, phrase });
        this.byFirstWord.set(words[0], candidates);
      }
    }
    for (const candidates of this.byFirstWord.values()) candidates.sort((a, b) => b.words.length - a.words.length);
  }

  /** The keys of the phrases found in `text`, in text order (a key repeats if its phrases do). */
  find(text: string): string[] {
    return this.matches(text).map((match) => match.key);
  }

  /** The first phrase found in `text`, as listed (not as typed); undefined when none is. */
  findPhrase(text: string): string | undefined {
    return this.matches(text)[0]?.phrase;
  }

  private matches(text: string): { readonly key: string; readonly phrase: string }[] {
    const words = tokensOf(text.slice(0, MAX_PHRASE_TEXT_CHARS));
    const found: { key: string; phrase: string }[] = [];
    let at = 0;
    while (at < words.length) {
      const match = this.byFirstWord.get(words[at])?.find((candidate) => candidate.words.every((word, i) => words[at + i] === word));
      if (match === undefined) {
        at += 1;
      } else {
        found.push(match);
        at += match.words.length;
      }
    }
    return found;
  }
}
