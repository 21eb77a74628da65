import { detectAll } from 'tinyld/light';
import { isShippedLocale, ShippedLocale } from '../i18n/shipped-locales';
import { IntentRecognizer, IntentResult } from './intents';
import { normalizeText } from './normalize-text';

/** What the language of a message means for the conversation, when it is not the session's. */
export type LanguageAdvice =
  /** Clearly written in a language we do not ship (ISO 639-1 code as detected). */
  | { readonly kind: 'unsupported'; readonly language: string }
  /** Written in another shipped language, and understood better in it. */
  | { readonly kind: 'otherShipped'; readonly locale: ShippedLocale; readonly result: IntentResult };

/** Detector confidence (tinyld's "accuracy", 0..1) from which a language we do not ship is "clear". */
const CLEAR_UNSUPPORTED = 0.5;
/** Words a message needs before its language is judged: "ok", "hi", "newsletter" belong to every language. */
const MIN_WORDS = 2;
/** A language we do not ship is judged on three words or more (or a non-Latin script). */
const MIN_WORDS_UNSUPPORTED = 3;

function hasNonLatinLetters(text: string): boolean {
  return /[^\p{Script=Latin}\P{L}]/u.test(text);
}

/**
 * Notices a message written in another language than the session's, with tinyld's offline
 * detector (light model: a few MB, about 0.1 ms a message) and our own classifiers as the
 * judge: a message is "in another shipped language" only when that language's model
 * understands it better than the session's. Called only for messages the session's language
 * did not understand with confidence, so most turns never pay for detection.
 */
export class MessageLanguageAdvisor {
  constructor(private readonly recognizer: IntentRecognizer) {}

  async advise(text: string, sessionLocale: ShippedLocale, sessionResult: IntentResult): Promise<LanguageAdvice | undefined> {
    const words = normalizeText(text).split(' ').filter((word) => word !== '');
    if (words.length < MIN_WORDS) return undefined;
    const [top] = detectAll(text);
    if (top === undefined) return undefined;
    if (!isShippedLocale(top.lang)) {
      const enough = words.length >= MIN_WORDS_UNSUPPORTED || hasNonLatinLetters(text);
      return enough && sessionResult.intent === 'none' && top.accuracy >= CLEAR_UNSUPPORTED ? { kind: 'unsupported', language: top.lang } : undefined;
    }
    if (top.lang === sessionLocale) return undefined;
    const result = await this.recognizer.recognize(text, top.lang);
    if (result.intent === 'none') return undefined;
    if (sessionResult.intent !== 'none' && sessionResult.score >= result.score) return undefined;
    return { kind: 'otherShipped', locale: top.lang, result };
  }
}
