import { SHIPPED_LOCALES } from '../i18n/shipped-locales';
import { IntentCorpus, readIntentCorpus } from './corpus';
import { classifierText } from './intent-features';
import { corpusHash, IntentModelCache } from './intent-model-cache';
import { IntentName, IntentRecognizer, IntentResult, isIntentName } from './intents';
import { LabelledText, LinearIntentModel, ScoredIntent } from './linear-intent-model';

/** Language of the model used when the caller's locale has none. */
export const FALLBACK_LOCALE = 'en';

/**
 * Two intents are "close" when the runner-up has at least this share of the best one's
 * probability: the customer is asked which of the two they meant.
 */
const CLOSE_SHARE = 0.5;
/** Above this the best intent is taken as it is, whatever the runner-up. */
const SURE_SCORE = 0.85;

export interface LinearRecognizerOptions {
  /** Best probability below which the answer is `none` (unless two intents share it: see `clarify`). */
  readonly threshold: number;
  /** Languages to train, one model each. @default SHIPPED_LOCALES */
  readonly locales?: readonly string[];
  /** Corpora by language; a language missing here is read from `locales/<lang>/intents.json`. */
  readonly corpora?: Readonly<Record<string, IntentCorpus>>;
  /** Where trained models are kept between starts (keyed by a hash of the corpus); none: always train. */
  readonly cacheDir?: string;
}

/** "it-IT", "IT", "it_ch" → "it". */
function languageOf(locale: string): string {
  return locale.trim().toLowerCase().split(/[-_]/)[0] ?? '';
}

function trainingExamples(corpus: IntentCorpus): LabelledText[] {
  return Object.entries(corpus.intents).flatMap(([intent, utterances]) =>
    (utterances ?? []).filter((text) => classifierText(text) !== '').map((text) => ({ text, intent })),
  );
}

/**
 * Free-text intent recognition: one linear model per language ({@link LinearIntentModel}),
 * trained from `locales/<lang>/intents.json` or read from the model cache when that corpus was
 * trained before. Deterministic: same corpus, same model.
 *
 * The answer is the most probable intent when its probability reaches the threshold, else
 * `none`. When the two most probable intents are close (neither `none`) and neither is sure,
 * `clarify` names both, best first, so the bot can ask which was meant instead of guessing.
 */
export class LinearIntentRecognizer implements IntentRecognizer {
  /** Time training (or reading the cache) took per language, milliseconds. */
  readonly trainingMillisByLocale: Readonly<Record<string, number>>;
  /** Languages whose model came from the cache. */
  readonly cachedLocales: readonly string[];

  private constructor(
    private readonly models: ReadonlyMap<string, LinearIntentModel>,
    readonly threshold: number,
    millis: Record<string, number>,
    cached: string[],
  ) {
    this.trainingMillisByLocale = Object.freeze({ ...millis });
    this.cachedLocales = Object.freeze([...cached]);
  }

  /** Wall-clock time all languages took, milliseconds (for the start-up log). */
  get trainingMillis(): number {
    return Object.values(this.trainingMillisByLocale).reduce((sum, ms) => sum + ms, 0);
  }

  /** Languages with a model. */
  get locales(): readonly string[] {
    return [...this.models.keys()];
  }

  /**
   * Trains (or reads) one model per language. Throws when the threshold is outside 0..1, a
   * language has no stemmer, or its corpus is unreadable or has no utterances.
   */
  static async train(options: LinearRecognizerOptions): Promise<LinearIntentRecognizer> {
    const { threshold } = options;
    if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
      throw new RangeError(`NLU threshold must be a number from 0 to 1 (got ${threshold})`);
    }
    const locales = options.locales ?? SHIPPED_LOCALES;
    if (locales.length === 0) throw new Error('NLU needs at least one language to train');
    const cache = options.cacheDir === undefined ? undefined : new IntentModelCache(options.cacheDir);
    const models = new Map<string, LinearIntentModel>();
    const millis: Record<string, number> = {};
    const cached: string[] = [];
    for (const locale of locales) {
      const started = performance.now();
      const examples = trainingExamples(options.corpora?.[locale] ?? readIntentCorpus(locale));
      if (examples.length === 0) throw new Error(`NLU corpus for "${locale}" has no utterances (locales/${locale}/intents.json)`);
      const hash = corpusHash(locale, examples);
      const stored = cache?.read(hash, locale);
      if (stored) cached.push(locale);
      const model = stored ? LinearIntentModel.fromData(stored) : LinearIntentModel.train(locale, examples);
      if (!stored) cache?.write(hash, model.data);
      models.set(locale, model);
      millis[locale] = Math.round(performance.now() - started);
      // Training is CPU-bound for a few hundred milliseconds per language: let other work run between them.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return new LinearIntentRecognizer(models, threshold, millis, cached);
  }

  /**
   * The intent of `text` in `locale` ("it-IT" uses the "it" model; a language without a model
   * uses English). Only the first characters are read (see `MAX_CLASSIFIED_CHARS`).
   */
  async recognize(text: string, locale: string): Promise<IntentResult> {
    return this.recognizeNow(text, locale);
  }

  /** {@link recognize} without the promise, for callers that compare languages. */
  recognizeNow(text: string, locale: string): IntentResult {
    const model = this.models.get(this.modelLanguage(locale));
    const ranked = model?.rank(text) ?? [];
    return interpret(ranked, this.threshold);
  }

  /** The trained language for a caller's locale: its own, else English, else the first trained. */
  private modelLanguage(locale: string): string {
    const requested = languageOf(locale);
    if (this.models.has(requested)) return requested;
    if (this.models.has(FALLBACK_LOCALE)) return FALLBACK_LOCALE;
    return this.locales[0] ?? FALLBACK_LOCALE;
  }
}

/** Reads a ranking as an answer: the intent, `none`, or a question between two. */
function interpret(ranked: readonly ScoredIntent[], threshold: number): IntentResult {
  const [best, second] = ranked;
  if (best === undefined) return { intent: 'none', score: 0 };
  const bestIntent: IntentName = isIntentName(best.intent) ? best.intent : 'none';
  const secondIntent: IntentName | undefined = second && isIntentName(second.intent) ? second.intent : undefined;
  const close =
    secondIntent !== undefined &&
    bestIntent !== 'none' &&
    secondIntent !== 'none' &&
    best.score < SURE_SCORE &&
    second.score >= CLOSE_SHARE * best.score &&
    best.score + second.score >= threshold;
  const intent = best.score < threshold ? 'none' : bestIntent;
  return close ? { intent, score: best.score, clarify: [bestIntent, secondIntent] } : { intent, score: best.score };
}
