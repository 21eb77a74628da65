import assert from 'node:assert/strict';
import { IntentCorpus } from '../../src/nlu/corpus';
import { parseLabelledUtterances } from '../../src/nlu/evaluate';
import { findNearCopies, isNearCopy, NEAR_COPY_SIMILARITY, textDistance } from '../../src/nlu/training-overlap';

const CORPUS: IntentCorpus = {
  intents: {
    'case.status': ['any update on my request', 'where is my request PRV-2026-000123'],
    'agent.request': ['talk to an agent', 'operatore'],
    help: ['aiuto', 'what can you do'],
    none: ['what is the weather like today'],
  },
  keywords: { help: ['help'], cancel: ['cancel'], language: ['language'] },
};

const near = (a: string, b: string): boolean => isNearCopy(textDistance(a, b));

describe('near copies of training utterances (src/nlu/training-overlap.ts)', () => {
  describe('the measure', () => {
    it('compares texts as the classifier sees them: case, accents, punctuation and digits do not count', () => {
      assert.deepEqual(textDistance('Any update on my request?!', 'any update on my request'), { wordEdits: 0, sharesAWord: true, similarity: 1 });
      assert.equal(textDistance('Perché?', 'perche').similarity, 1);
      assert.equal(textDistance('status of PRV-2026-000321', 'status of PRV-2025-004512').similarity, 1);
    });

    it('counts words inserted, deleted or replaced', () => {
      assert.equal(textDistance('talk to an agent', 'talk to an agent please').wordEdits, 1);
      assert.equal(textDistance('talk to an agent', 'talk to a person').wordEdits, 2);
      assert.equal(textDistance('any updates on my request', 'any update on my request').wordEdits, 1);
      assert.equal(textDistance('', 'talk to an agent').wordEdits, 4);
    });

    it('measures characters as 2·LCS/(|a|+|b|) (kitten/sitting: LCS "ittn", 8/13)', () => {
      assert.equal(textDistance('kitten', 'sitting').similarity, 8 / 13);
      assert.equal(textDistance('abc', 'xyz').similarity, 0);
      assert.equal(textDistance('', '').similarity, 1);
    });

    it('calls a pair one word apart that shares a word a near copy, whatever its characters', () => {
      assert.ok(near('I need a human', 'I want a human'));
      assert.ok(near('good afternoon', 'good morning'));
      assert.ok(textDistance('good afternoon', 'good morning').similarity < NEAR_COPY_SIMILARITY);
    });

    it('does not call two unrelated one-word texts near copies, though one replacement apart', () => {
      const distance = textDistance('operatore', 'aiuto');
      assert.equal(distance.wordEdits, 1);
      assert.equal(distance.sharesAWord, false);
      assert.equal(isNearCopy(distance), false);
    });

    it(`calls a similarity of ${NEAR_COPY_SIMILARITY} a near copy and just below it not`, () => {
      // One word each, no word in common: only the characters decide. 2·8/(8+12) = 0.8.
      assert.equal(textDistance('abcdefgh', 'abcdefghijkl').similarity, 0.8);
      assert.ok(near('abcdefgh', 'abcdefghijkl'));
      assert.ok(!near('abcdefgh', 'abcdefghijklm')); // 16/21
    });

    it('catches typos and contractions, and keeps genuinely new wording apart', () => {
      assert.ok(near('unsubscrbe me from sms', 'unsubscribe from sms'));
      assert.ok(near("can you tell me what I've agreed to", 'can you tell me what I agreed to'));
      assert.ok(!near('what exactly did I give you permission for', 'what did I consent to'));
      assert.ok(!near('fetch me an operator pls', 'get me an agent'));
    });
  });

  describe('findNearCopies', () => {
    const examples = parseLabelledUtterances(
      [
        'en\tcase.status\tAny updates on my request?', //      line 1: one word from a case.status line
        'en\tagent.request\tfetch me an operator pls', //     line 2: new wording
        'en\thelp\twhat could you do', //                     line 3: one word from a help line
        'it\tagent.request\toperatore', //                    line 4: the same as a training line
        'it\thelp\tsapresti aiutarmi?', //                    line 5: new wording
        'de\thelp\twhat can you do', //                       line 6: no German corpus
        'en\tnone\twhat is the weather like tomorrow', //     line 7: one word from a none line
      ].join('\n'),
    );

    it('lists the lines near a training utterance of their language, in file order, with the closest', () => {
      const found = findNearCopies(examples, { en: CORPUS, it: CORPUS });
      assert.deepEqual(
        found.map((n) => [n.line, n.trainingIntent, n.trainingText]),
        [
          [1, 'case.status', 'any update on my request'],
          [3, 'help', 'what can you do'],
          [4, 'agent.request', 'operatore'],
          [7, 'none', 'what is the weather like today'],
        ],
      );
      assert.deepEqual(
        { ...found[0], similarity: undefined },
        {
          line: 1,
          lang: 'en',
          intent: 'case.status',
          text: 'Any updates on my request?',
          trainingText: 'any update on my request',
          trainingIntent: 'case.status',
          wordEdits: 1,
          sharesAWord: true,
          similarity: undefined,
        },
      );
    });

    it('compares a line only with the corpus of its own language', () => {
      assert.deepEqual(
        findNearCopies(examples, { it: CORPUS }).map((n) => n.line),
        [4],
      );
      assert.deepEqual(findNearCopies(examples, {}), []);
    });

    it('finds what comparing every pair in full finds (its shortcuts change no answer)', () => {
      const training = Object.values(CORPUS.intents).flat();
      const lines = [
        ...examples.filter((e) => e.lang === 'en'),
        ...parseLabelledUtterances(
          ['any update on my request 🙂', 'what is the weather like', 'talk to an agent now please', 'where is my request', 'what can u do']
            .map((text) => `en\tnone\t${text}`)
            .join('\n'),
        ),
      ];
      const bruteForce = lines.filter((line) => training.some((text) => near(line.text, text))).map((line) => line.text);
      assert.deepEqual(
        findNearCopies(lines, { en: CORPUS }).map((n) => n.text),
        bruteForce,
      );
      assert.ok(bruteForce.length >= 5, `expected several near copies, got ${bruteForce.join(' | ')}`);
    });
  });
});
