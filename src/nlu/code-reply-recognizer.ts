import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SHIPPED_LOCALES } from '../i18n/shipped-locales';
import { LOCALES_DIR } from '../paths';
import { EntityListError } from './entity-lists';
import { IntentRecognizer } from './intents';
import { PhraseMatcher } from './phrase-matcher';

/** Digits in a one-time code (the service's codes are 6 digits). */
export const CODE_DIGITS = 6;

/**
 * What a customer's answer to "type the code" means: the code (digits only), a request for a new
 * code, a wish to talk to a person, or nothing we can act on (then they are asked again, and no
 * try is used).
 */
export type CodeReply = { readonly kind: 'code'; readonly code: string } | { readonly kind: 'newCode' } | { readonly kind: 'person' };

/** Groups of digits, each allowed single spaces, dots or dashes inside ("123 456", "123-456"). */
const DIGIT_GROUPS = /\d(?:[ .\u00a0\u202f-]?\d)*/g;

/**
 * The code in a message: exactly one group of digits in it, of exactly {@link CODE_DIGITS} digits,
 * whatever words are around it ("123 456", "my code is 123456."). A phone number, a date or two
 * numbers are not a code.
 */
export function codeIn(text: string): string | undefined {
  const groups = text.match(DIGIT_GROUPS) ?? [];
  if (groups.length !== 1) return undefined;
  const digits = groups[0].replace(/\D/g, '');
  return digits.length === CODE_DIGITS ? digits : undefined;
}

/** `keywords.newCode` of every shipped language's `intents.json` ("new code", "resend", "nuovo codice"). */
export function readNewCodePhrases(dir = LOCALES_DIR): Record<string, readonly string[]> {
  const byLocale: Record<string, readonly string[]> = {};
  for (const locale of SHIPPED_LOCALES) {
    const file = path.join(dir, locale, 'intents.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { keywords?: { newCode?: unknown } };
    const phrases = raw.keywords?.newCode;
    if (!Array.isArray(phrases) || phrases.length === 0 || phrases.some((phrase) => typeof phrase !== 'string' || phrase.trim() === '')) {
      throw new EntityListError(file, 'keywords.newCode', 'must be a non-empty list of phrases');
    }
    byLocale[locale] = phrases as string[];
  }
  return byLocale;
}

/**
 * Reads the customer's answer at the code prompt, in any shipped language: a code first (digits
 * win over words), then the "new code" phrases as whole words anywhere in the message ("could
 * you resend it?"), then the intent classifier for "talk to a person" (the menu's own label is
 * one of its utterances, so the button works). Built once at start.
 */
export class CodeReplyRecognizer {
  private constructor(
    private readonly newCode: PhraseMatcher,
    private readonly intents: IntentRecognizer,
  ) {}

  /** Throws an {@link EntityListError} naming the file when a language has no `keywords.newCode`. */
  static load(intents: IntentRecognizer, dir = LOCALES_DIR): CodeReplyRecognizer {
    const phrases = Object.values(readNewCodePhrases(dir)).flat();
    return new CodeReplyRecognizer(new PhraseMatcher(path.join(dir, '*', 'intents.json'), { newCode: phrases }), intents);
  }

  async recognize(text: string, locale: string): Promise<CodeReply | undefined> {
    const code = codeIn(text);
    if (code !== undefined) return { kind: 'code', code };
    if (this.newCode.find(text).length > 0) return { kind: 'newCode' };
    if ((await this.intents.recognize(text, locale)).intent === 'agent.request') return { kind: 'person' };
    return undefined;
  }
}
