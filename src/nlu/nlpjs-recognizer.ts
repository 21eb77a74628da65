import { containerBootstrap, NlpJsLogger, NlpJsPlugin } from '@nlpjs/core';
import { LangEn } from '@nlpjs/lang-en-min';
import { LangIt } from '@nlpjs/lang-it';
import { Nlp } from '@nlpjs/nlp';
import { SHIPPED_LOCALES } from '../i18n/shipped-locales';
import { IntentCorpus, readIntentCorpus } from './corpus';
import { IntentName, IntentRecognizer, IntentResult, isIntentName } from './intents';
import { normalizeText } from './normalize-text';

/**
 * Characters of a message the classifier reads (a few sentences): the intent is stated early,
 * and it bounds the work per turn as well as NLP.js's per-text cache (kept up to an hour).
 */
export const MAX_CLASSIFIED_CHARS = 500;

/** Language of the model used when the caller's locale has none. */
export const FALLBACK_LOCALE = 'en';

/** Language packs we can train; adding a shipped language means adding its pack here. */
const LANGUAGE_PACKS: Readonly<Record<string, NlpJsPlugin>> = { en: LangEn, it: LangIt };

/** NLP.js talks on the console (training warnings); the bot logs through pino, so it stays quiet. */
const SILENT_LOGGER: NlpJsLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  log: () => undefined,
  trace: () => undefined,
  fatal: () => undefined,
};

export interface NlpJsRecognizerOptions {
  /** Best score below which the answer is `none`, 0..1 (see {@link NlpJsIntentRecognizer.recognize}). */
  readonly threshold: number;
  /** Languages to train, one model each. @default SHIPPED_LOCALES */
  readonly locales?: readonly string[];
  /** Corpora by language; a language missing here is read from `locales/<lang>/intents.json`. */
  readonly corpora?: Readonly<Record<string, IntentCorpus>>;
}

/**
 * The text the classifier sees, for training and recognition alike: capped, normalised
 * ({@link normalizeText}), every run of digits as one `0` — so "PRV-2026-000123" and
 * "PRV-2025-004512" look the same and a reference number never counts as unknown words.
 */
export function classifierText(text: string): string {
  return normalizeText(text.slice(0, MAX_CLASSIFIED_CHARS)).replace(/\p{N}+/gu, '0');
}

/** "it-IT", "IT", "it_ch" → "it". */
function languageOf(locale: string): string {
  return locale.trim().toLowerCase().split(/[-_]/)[0] ?? '';
}

/**
 * Free-text intent recognition with NLP.js: one small neural classifier per language, trained
 * once at start from `locales/<lang>/intents.json` (no model file is read or written), in memory,
 * deterministic (weights start at zero; same corpus, same model).
 *
 * Scores are NLP.js's: the squared outputs of the network normalised to sum to 1 over all
 * intents, so a score is a share of confidence, not a calibrated probability. They are peaky:
 * 1 is common (only one intent shares words with the text), and a score under the threshold
 * means two or more intents compete. When no intent fires at all (text made of words never seen
 * in training, or whose words all point away from every intent) NLP.js answers its own "None"
 * with score 1, which we report as `none`, 1: for `none` the score says how sure the
 * classifier is that nothing matched.
 */
export class NlpJsIntentRecognizer implements IntentRecognizer {
  /** Wall-clock time training took, all languages, milliseconds (for the start-up log). */
  readonly trainingMillis: number;
  /** Training time per language, milliseconds. */
  readonly trainingMillisByLocale: Readonly<Record<string, number>>;
  readonly threshold: number;

  private constructor(
    private readonly models: ReadonlyMap<string, Nlp>,
    threshold: number,
    trainingMillisByLocale: Record<string, number>,
  ) {
    this.threshold = threshold;
    this.trainingMillisByLocale = Object.freeze({ ...trainingMillisByLocale });
    this.trainingMillis = Object.values(trainingMillisByLocale).reduce((sum, ms) => sum + ms, 0);
  }

  /** Languages with a model. */
  get locales(): readonly string[] {
    return [...this.models.keys()];
  }

  /**
   * Trains one model per language. Throws when the threshold is outside 0..1, a language has no
   * language pack, or its corpus is unreadable or has no utterances.
   */
  static async train(options: NlpJsRecognizerOptions): Promise<NlpJsIntentRecognizer> {
    const { threshold } = options;
    if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
      throw new RangeError(`NLU threshold must be a number from 0 to 1 (got ${threshold})`);
    }
    const locales = options.locales ?? SHIPPED_LOCALES;
    if (locales.length === 0) throw new Error('NLU needs at least one language to train');
    const models = new Map<string, Nlp>();
    const millis: Record<string, number> = {};
    for (const locale of locales) {
      const started = performance.now();
      const corpus = options.corpora?.[locale] ?? readIntentCorpus(locale);
      models.set(locale, await trainModel(locale, corpus));
      millis[locale] = Math.round(performance.now() - started);
    }
    return new NlpJsIntentRecognizer(models, threshold, millis);
  }

  /**
   * The intent of `text` in `locale` ("it-IT" uses the "it" model; a language without a model
   * uses English). Only the first {@link MAX_CLASSIFIED_CHARS} characters are read. Returns
   * `{ intent: 'none', score }` when the best score is below the threshold, `score` being that
   * best score, or 0 for text with no letters or digits.
   */
  async recognize(text: string, locale: string): Promise<IntentResult> {
    const language = this.modelLanguage(locale);
    const model = this.models.get(language);
    const input = classifierText(text);
    if (model === undefined || input === '') return { intent: 'none', score: 0 };
    const { classifications } = await model.classify(language, input);
    const best = classifications[0];
    if (best === undefined) return { intent: 'none', score: 0 };
    const intent: IntentName = isIntentName(best.intent) ? best.intent : 'none';
    return best.score < this.threshold ? { intent: 'none', score: best.score } : { intent, score: best.score };
  }

  /** The trained language for a caller's locale: its own, else English, else the first trained. */
  private modelLanguage(locale: string): string {
    const requested = languageOf(locale);
    if (this.models.has(requested)) return requested;
    if (this.models.has(FALLBACK_LOCALE)) return FALLBACK_LOCALE;
    return this.locales[0] ?? FALLBACK_LOCALE;
  }
}

async function trainModel(locale: string, corpus: IntentCorpus): Promise<Nlp> {
  const languagePack = LANGUAGE_PACKS[locale];
  if (languagePack === undefined) {
    throw new Error(`NLU has no language pack for "${locale}" (available: ${Object.keys(LANGUAGE_PACKS).join(', ')})`);
  }
  const container = containerBootstrap();
  container.use(languagePack);
  container.register('logger', SILENT_LOGGER, true);
  const nlp = new Nlp({
    container,
    languages: [locale],
    autoLoad: false,
    autoSave: false,
    nlu: { log: false, useNoneFeature: true },
  });
  let count = 0;
  for (const [intent, utterances] of Object.entries(corpus.intents)) {
    for (const utterance of utterances ?? []) {
      const text = classifierText(utterance);
      if (text === '') continue;
      nlp.addDocument(locale, text, intent);
      count += 1;
    }
  }
  if (count === 0) throw new Error(`NLU corpus for "${locale}" has no utterances (locales/${locale}/intents.json)`);
  await nlp.train();
  return nlp;
}
