import assert from 'node:assert/strict';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { IntentCorpus, readIntentCorpus } from '../../src/nlu/corpus';
import { INTENT_NAMES, INTERRUPTION_NAMES, InterruptionName } from '../../src/nlu/intents';
import { classifierText } from '../../src/nlu/intent-features';
import { normalizeText } from '../../src/nlu/normalize-text';
import { heldoutLines } from './nlu-sets';

const MIN_TRAINING_UTTERANCES = 40;
/** Each held-out file has this many lines per intent at least (test/fixtures/nlu/heldout/<lang>.tsv). */
const MIN_HELDOUT_UTTERANCES = 6;
const HELDOUT = heldoutLines();

const corpora: Record<string, IntentCorpus> = Object.fromEntries(SHIPPED_LOCALES.map((locale) => [locale, readIntentCorpus(locale)]));

/** Training utterances of a language as the classifier sees them, with their intent. */
function trainingTexts(locale: string): Map<string, string> {
  const texts = new Map<string, string>();
  for (const [intent, utterances] of Object.entries(corpora[locale].intents)) {
    for (const utterance of utterances ?? []) texts.set(classifierText(utterance), intent);
  }
  return texts;
}

describe('intent corpora (locales/<lang>/intents.json) and the held-out set', () => {
  for (const locale of SHIPPED_LOCALES) {
    describe(locale, () => {
      const corpus = corpora[locale];

      it(`has at least ${MIN_TRAINING_UTTERANCES} training utterances for every intent`, () => {
        const short = INTENT_NAMES.filter((intent) => (corpus.intents[intent]?.length ?? 0) < MIN_TRAINING_UTTERANCES);
        assert.deepEqual(short, [], `intents with fewer than ${MIN_TRAINING_UTTERANCES} utterances`);
      });

      it('never has the same utterance twice, within or across intents (after normalisation)', () => {
        const seen = new Map<string, string>();
        const duplicates: string[] = [];
        for (const [intent, utterances] of Object.entries(corpus.intents)) {
          for (const utterance of utterances ?? []) {
            const key = classifierText(utterance);
            const first = seen.get(key);
            if (first !== undefined) duplicates.push(`"${utterance}" in ${intent}, already in ${first}`);
            else seen.set(key, intent);
          }
        }
        assert.deepEqual(duplicates, []);
      });

      it(`has at least ${MIN_HELDOUT_UTTERANCES} held-out utterances for every intent`, () => {
        const short = INTENT_NAMES.filter(
          (intent) => HELDOUT.filter((e) => e.lang === locale && e.intent === intent).length < MIN_HELDOUT_UTTERANCES,
        );
        assert.deepEqual(short, [], `intents with fewer than ${MIN_HELDOUT_UTTERANCES} held-out utterances`);
      });

      it('gives every keyword one interruption only', () => {
        const owner = new Map<string, InterruptionName>();
        const clashes: string[] = [];
        for (const name of INTERRUPTION_NAMES) {
          for (const phrase of corpus.keywords[name]) {
            const key = normalizeText(phrase);
            const other = owner.get(key);
            if (other !== undefined && other !== name) clashes.push(`"${phrase}" is ${other} and ${name}`);
            owner.set(key, name);
          }
        }
        assert.deepEqual(clashes, []);
      });

      it('labels a keyword that is also a training utterance with the same intent', () => {
        const training = trainingTexts(locale);
        const contradictions: string[] = [];
        for (const name of INTERRUPTION_NAMES) {
          for (const phrase of corpus.keywords[name]) {
            const intent = training.get(classifierText(phrase));
            if (intent !== undefined && intent !== name) contradictions.push(`keyword "${phrase}" (${name}) is a ${intent} utterance`);
          }
        }
        assert.deepEqual(contradictions, []);
      });
    });
  }

  it('gives a keyword the same interruption in every language (a stray English "stop" in Italian still cancels)', () => {
    const owner = new Map<string, string>();
    const clashes: string[] = [];
    for (const locale of SHIPPED_LOCALES) {
      for (const name of INTERRUPTION_NAMES) {
        for (const phrase of corpora[locale].keywords[name]) {
          const key = normalizeText(phrase);
          if (key === '') continue;
          const other = owner.get(key);
          if (other !== undefined && !other.endsWith(`:${name}`)) clashes.push(`"${phrase}" is ${other} and ${locale}:${name}`);
          owner.set(key, `${locale}:${name}`);
        }
      }
    }
    assert.deepEqual(clashes, []);
  });
});
