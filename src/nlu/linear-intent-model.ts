import { IntentFeatureExtractor } from './intent-features';
import { seededRandom } from './seeded-random';

/** One intent's probability for a text. */
export interface ScoredIntent {
  readonly intent: string;
  /** Softmax probability, 0..1; the scores of one text sum to 1 over the model's intents. */
  readonly score: number;
}

/** The learned numbers of one language's model: what is cached, and what recognition reads. */
export interface IntentModelData {
  readonly language: string;
  readonly intents: readonly string[];
  readonly features: readonly string[];
  /** Feature-major: the weights of feature `f` for every intent are `weights[f * intents.length …]`. */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

/** A training utterance and its intent. */
export interface LabelledText {
  readonly text: string;
  readonly intent: string;
}

/**
 * Training settings. Fixed here rather than configurable: they were chosen on the development
 * set (test/nlu/heldout.tsv) and the held-out sets must stay untouched by tuning.
 */
const EPOCHS = 40;
const LEARNING_RATE = 0.5;
/** L2 penalty: keeps a feature seen in one utterance from deciding alone. */
const L2 = 1e-4;
const SEED = 20261207;

function softmaxInPlace(scores: Float64Array): void {
  let max = -Infinity;
  for (const score of scores) max = Math.max(max, score);
  let sum = 0;
  for (let i = 0; i < scores.length; i += 1) {
    scores[i] = Math.exp(scores[i] - max);
    sum += scores[i];
  }
  for (let i = 0; i < scores.length; i += 1) scores[i] /= sum;
}

/**
 * Multinomial logistic regression over word, stem, stem-pair and character n-gram features
 * ({@link IntentFeatureExtractor}), trained with AdaGrad. Its probabilities are calibrated
 * enough to tell "sure", "torn between two" and "nothing fits" apart, and recognising a
 * message is one sparse dot product: a few microseconds.
 */
export class LinearIntentModel {
  private readonly index: ReadonlyMap<string, number>;

  private constructor(
    readonly data: IntentModelData,
    private readonly extractor: IntentFeatureExtractor,
  ) {
    this.index = new Map(data.features.map((feature, i) => [feature, i]));
  }

  static fromData(data: IntentModelData): LinearIntentModel {
    return new LinearIntentModel(data, new IntentFeatureExtractor(data.language));
  }

  /** Trains on `examples` (at least one, and at least two intents for a useful model). */
  static train(language: string, examples: readonly LabelledText[]): LinearIntentModel {
    const extractor = new IntentFeatureExtractor(language);
    const intents = [...new Set(examples.map((example) => example.intent))].sort();
    const intentIndex = new Map(intents.map((intent, i) => [intent, i]));
    const featureIndex = new Map<string, number>();
    const rows = examples
      .map((example) => {
        const indices = extractor.features(example.text).map((feature) => {
          let i = featureIndex.get(feature);
          if (i === undefined) {
            i = featureIndex.size;
            featureIndex.set(feature, i);
          }
          return i;
        });
        return { indices, label: intentIndex.get(example.intent) ?? 0 };
      })
      .filter((row) => row.indices.length > 0);
    const classes = intents.length;
    const weights = new Float32Array(featureIndex.size * classes);
    const squared = new Float32Array(featureIndex.size * classes);
    const bias = new Float32Array(classes);
    const biasSquared = new Float32Array(classes);
    const random = seededRandom(SEED);
    const order = rows.map((_, i) => i);
    const scores = new Float64Array(classes);
    for (let epoch = 0; epoch < EPOCHS; epoch += 1) {
      for (let i = order.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const r of order) {
        const { indices, label } = rows[r];
        const value = 1 / Math.sqrt(indices.length);
        for (let c = 0; c < classes; c += 1) scores[c] = bias[c];
        for (const f of indices) for (let c = 0; c < classes; c += 1) scores[c] += weights[f * classes + c] * value;
        softmaxInPlace(scores);
        for (let c = 0; c < classes; c += 1) {
          const gradient = scores[c] - (c === label ? 1 : 0);
          biasSquared[c] += gradient * gradient;
          bias[c] -= (LEARNING_RATE * gradient) / Math.sqrt(biasSquared[c] + 1e-8);
          for (const f of indices) {
            const w = f * classes + c;
            const g = gradient * value + L2 * weights[w];
            squared[w] += g * g;
            weights[w] -= (LEARNING_RATE * g) / Math.sqrt(squared[w] + 1e-8);
          }
        }
      }
    }
    return new LinearIntentModel({ language, intents, features: [...featureIndex.keys()], weights, bias }, extractor);
  }

  /** Every intent with its probability, most likely first; empty when the text has no feature the model knows. */
  rank(text: string): ScoredIntent[] {
    const { intents, weights, bias } = this.data;
    const classes = intents.length;
    const known: number[] = [];
    const features = this.extractor.features(text);
    for (const feature of features) {
      const i = this.index.get(feature);
      if (i !== undefined) known.push(i);
    }
    if (known.length === 0) return [];
    // Normalised by all the text's features, known or not: words never seen in training weaken every intent.
    const value = 1 / Math.sqrt(features.length);
    const scores = new Float64Array(classes);
    for (let c = 0; c < classes; c += 1) scores[c] = bias[c];
    for (const f of known) for (let c = 0; c < classes; c += 1) scores[c] += weights[f * classes + c] * value;
    softmaxInPlace(scores);
    return intents.map((intent, c) => ({ intent, score: scores[c] })).sort((a, b) => b.score - a.score);
  }
}
