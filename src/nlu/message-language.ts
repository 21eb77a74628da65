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
/** Detector confidence at which a language we do not ship wins over a weak reading in the session's language. */
const CERTAIN_UNSUPPORTED = 0.99;
/** A session-language reading below this is weak (see CERTAIN_UNSUPPORTED). */
const UNSURE_SESSION = 0.6;

/** Detector confidence from which a shipped language is taken on the detector's word. */
const CLEAR_SHIPPED = 0.5;
/**
 * Below CLEAR_SHIPPED (short messages: "retirer mon consentement" and "marketing emails" both get
 * about 0.06), that language's model must be this sure of the message: a near-tie between two
 * models on shared words ("email", "consent", "newsletter") says nothing about the language.
 */
const SURE_IN_OTHER = 0.85;
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
      // A detector that is certain outweighs a weak guess of the session's model (shared words such as "marketing").
      const understood = sessionResult.intent !== 'none' && !(top.accuracy >= CERTAIN_UNSUPPORTED && sessionResult.score < UNSURE_SESSION);
      return enough && !understood && top.accuracy >= CLEAR_UNSUPPORTED ? { kind: 'unsupported', language: top.lang } : undefined;
    }
    if (top.lang === sessionLocale) return undefined;
    const result = await this.recognizer.recognize(text, top.lang);
    if (result.intent === 'none') return undefined;
    if (top.accuracy < CLEAR_SHIPPED && result.score < SURE_IN_OTHER) return undefined;
    if (sessionResult.intent !== 'none' && sessionResult.score >= result.score) return undefined;
    return { kind: 'otherShipped', locale: top.lang, result };
  }
}
