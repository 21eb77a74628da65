import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { readIntentCorpus } from '../../src/nlu/corpus';
import { parseLabelledUtterances } from '../../src/nlu/evaluate';
import { findNearCopies, NEAR_COPY_RULE, NearCopy } from '../../src/nlu/training-overlap';

const HELDOUT = parseLabelledUtterances(readFileSync(path.join(__dirname, 'heldout.tsv'), 'utf8'));

function describePair(pair: NearCopy): string {
  return (
    `heldout.tsv line ${pair.line} (${pair.intent}) "${pair.text}" ~ intents.json (${pair.trainingIntent}) "${pair.trainingText}" ` +
    `[${pair.wordEdits} word edit(s), similarity ${pair.similarity.toFixed(2)}]`
  );
}

/**
 * The held-out score says how the bot does with words customers newly type only when no
 * held-out line is a near copy of a training line (src/nlu/training-overlap.ts). A failure here
 * after a training line was added means that line repeats a held-out one: reword the new
 * training line, or write the held-out line anew — never copy one into the other.
 */
describe('the held-out set is independent of the training corpora', () => {
  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: no held-out line is a near copy of a training utterance`, () => {
      const lines = HELDOUT.filter((example) => example.lang === locale);
      assert.ok(lines.length > 0, `test/nlu/heldout.tsv has no ${locale} lines`);
      const pairs = findNearCopies(lines, { [locale]: readIntentCorpus(locale) }).map(describePair);
      assert.deepEqual(pairs, [], `${pairs.length} held-out line(s) within reach of training (${NEAR_COPY_RULE}):\n${pairs.join('\n')}`);
    });
  }
});
