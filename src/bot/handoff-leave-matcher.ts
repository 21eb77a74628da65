import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SHIPPED_LOCALES } from '../i18n/shipped-locales';
import { InterruptionMatcher } from '../nlu/intents';
import { normalizeText } from '../nlu/normalize-text';
import { LOCALES_DIR } from '../paths';

/** `keywords.leaveHandoff` of every shipped language's `intents.json` ("back to the bot", "torna al bot"). */
export function readLeavePhrases(dir = LOCALES_DIR): string[] {
  return SHIPPED_LOCALES.flatMap((locale) => {
    const file = path.join(dir, locale, 'intents.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { keywords?: { leaveHandoff?: unknown } };
    const phrases = raw.keywords?.leaveHandoff;
    if (!Array.isArray(phrases) || phrases.length === 0 || phrases.some((phrase) => typeof phrase !== 'string' || phrase.trim() === '')) {
      throw new Error(`${file}: keywords.leaveHandoff must be a non-empty list of phrases`);
    }
    return phrases as string[];
  });
}

/**
 * What takes a customer out of a handoff, in any shipped language: the cancel keywords
 * ("cancel", "annulla") and the leave phrases ("back to the bot", "torna al bot"). Exact
 * (normalised) phrases only: anything else is a message for the person.
 */
export class HandoffLeaveMatcher {
  private readonly phrases: ReadonlySet<string>;

  constructor(
    private readonly interruptions: InterruptionMatcher,
    phrases: readonly string[] = readLeavePhrases(),
  ) {
    this.phrases = new Set(phrases.map(normalizeText));
  }

  matches(text: string, locale: string): boolean {
    return this.isLeavePhrase(text) || this.interruptions.match(text, locale) === 'cancel';
  }

  /** "back to the bot" and the like (not the cancel keywords, which mean something outside a handoff too). */
  isLeavePhrase(text: string): boolean {
    return this.phrases.has(normalizeText(text));
  }
}
