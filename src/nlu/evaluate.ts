import { INTENT_NAMES, IntentName, IntentRecognizer, isIntentName } from './intents';

/** One line of a test file: `lang<TAB>intent<TAB>text`. */
export interface LabelledUtterance {
  /** 1-based line number in the file, for reports and errors. */
  readonly line: number;
  /** The file the line comes from, when a set is read from several. */
  readonly file?: string;
  readonly lang: string;
  readonly intent: IntentName;
  readonly text: string;
}

/** What the recognizer answered for one utterance. */
export interface Prediction {
  readonly intent: IntentName;
  readonly score: number;
}

export interface IntentMetrics {
  /** Of the utterances predicted as this intent, the share that were (0 when none were predicted). */
  readonly precision: number;
  /** Of the utterances labelled with this intent, the share found (0 when none were labelled). */
  readonly recall: number;
  /** Harmonic mean of precision and recall (0 when both are 0). */
  readonly f1: number;
  /** Utterances labelled with this intent. */
  readonly support: number;
}

export interface Misclassification {
  readonly line: number;
  readonly file?: string;
  readonly lang: string;
  readonly expected: IntentName;
  readonly predicted: IntentName;
  readonly score: number;
  readonly text: string;
}

/** An evaluation in the spirit of `rasa test nlu` (scikit-learn's classification report). */
export interface EvaluationReport {
  readonly total: number;
  /** Share of utterances whose predicted intent is the labelled one (0 for an empty set). */
  readonly accuracy: number;
  readonly perLanguage: Readonly<Record<string, { readonly total: number; readonly accuracy: number }>>;
  /** Every intent labelled or predicted at least once, in the order of `INTENT_NAMES`. */
  readonly perIntent: Readonly<Partial<Record<IntentName, IntentMetrics>>>;
  /** Unweighted mean F1 over the intents in `perIntent` (scikit-learn's "macro avg"). */
  readonly macroF1: number;
  /** In file order. */
  readonly misclassified: readonly Misclassification[];
}

/** A test file line that cannot be read; `line` is 1-based. */
export class LabelledLineError extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'LabelledLineError';
  }
}

const LANGUAGE_TAG = /^[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*$/i;

/**
 * Reads `lang<TAB>intent<TAB>text` lines. Blank lines and lines starting with `#` are skipped;
 * the text is everything after the second tab. A line with fewer fields, an empty field, a
 * malformed language tag or an unknown intent throws a {@link LabelledLineError} naming the line.
 */
export function parseLabelledUtterances(content: string): LabelledUtterance[] {
  const result: LabelledUtterance[] = [];
  const lines = content.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const fields = raw.split('\t');
    if (fields.length < 3) {
      throw new LabelledLineError(line, `expected 3 tab-separated fields (lang, intent, text), found ${fields.length}`);
    }
    const lang = fields[0].trim();
    const intent = fields[1].trim();
    const text = fields.slice(2).join('\t').trim();
    if (!LANGUAGE_TAG.test(lang)) throw new LabelledLineError(line, `"${lang}" is not a language tag (e.g. en, it)`);
    if (!isIntentName(intent)) {
      throw new LabelledLineError(line, `unknown intent "${intent}" (allowed: ${INTENT_NAMES.join(', ')})`);
    }
    if (text === '') throw new LabelledLineError(line, 'the text is empty');
    result.push({ line, lang, intent, text });
  });
  return result;
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

/**
 * Compares predictions with labels; `predictions[i]` answers `examples[i]`. Throws when the
 * two lists differ in length.
 */
export function computeReport(examples: readonly LabelledUtterance[], predictions: readonly Prediction[]): EvaluationReport {
  if (examples.length !== predictions.length) {
    throw new Error(`${examples.length} examples but ${predictions.length} predictions`);
  }
  const languages = new Map<string, { total: number; correct: number }>();
  const labelled = new Map<IntentName, number>();
  const predicted = new Map<IntentName, number>();
  const hits = new Map<IntentName, number>();
  const misclassified: Misclassification[] = [];
  let correct = 0;

  examples.forEach((example, i) => {
    const prediction = predictions[i];
    const language = languages.get(example.lang) ?? { total: 0, correct: 0 };
    languages.set(example.lang, language);
    language.total += 1;
    labelled.set(example.intent, (labelled.get(example.intent) ?? 0) + 1);
    predicted.set(prediction.intent, (predicted.get(prediction.intent) ?? 0) + 1);
    if (prediction.intent === example.intent) {
      correct += 1;
      language.correct += 1;
      hits.set(example.intent, (hits.get(example.intent) ?? 0) + 1);
    } else {
      misclassified.push({
        line: example.line,
        ...(example.file === undefined ? {} : { file: example.file }),
        lang: example.lang,
        expected: example.intent,
        predicted: prediction.intent,
        score: prediction.score,
        text: example.text,
      });
    }
  });

  const perIntent: Partial<Record<IntentName, IntentMetrics>> = {};
  const f1s: number[] = [];
  for (const intent of INTENT_NAMES) {
    const support = labelled.get(intent) ?? 0;
    const predictedCount = predicted.get(intent) ?? 0;
    if (support === 0 && predictedCount === 0) continue;
    const hit = hits.get(intent) ?? 0;
    const precision = ratio(hit, predictedCount);
    const recall = ratio(hit, support);
    const f1 = ratio(2 * precision * recall, precision + recall);
    perIntent[intent] = { precision, recall, f1, support };
    f1s.push(f1);
  }

  const perLanguage: Record<string, { total: number; accuracy: number }> = {};
  for (const [lang, { total, correct: right }] of [...languages].sort(([a], [b]) => a.localeCompare(b))) {
    perLanguage[lang] = { total, accuracy: ratio(right, total) };
  }

  return {
    total: examples.length,
    accuracy: ratio(correct, examples.length),
    perLanguage,
    perIntent,
    macroF1: ratio(
      f1s.reduce((sum, f1) => sum + f1, 0),
      f1s.length,
    ),
    misclassified,
  };
}

/** Runs every example through the recognizer, in order, and reports. */
export async function evaluateRecognizer(
  recognizer: IntentRecognizer,
  examples: readonly LabelledUtterance[],
): Promise<EvaluationReport> {
  const predictions: Prediction[] = [];
  for (const example of examples) predictions.push(await recognizer.recognize(example.text, example.lang));
  return computeReport(examples, predictions);
}
