import assert from 'node:assert/strict';
import { computeReport, LabelledLineError, parseLabelledUtterances, Prediction } from '../../src/nlu/evaluate';

/** A hand-checked case; `#` lines and blank lines count in the line numbers. */
const TSV = [
  '# lang\tintent\ttext', //             line 1
  'en\thelp\twhat can you do', //        line 2  predicted help          ✓
  'en\thelp\tI am lost', //              line 3  predicted cancel        ✗
  '', //                                 line 4
  'en\tcancel\tforget it', //            line 5  predicted cancel        ✓
  'it\tcancel\tlascia perdere', //       line 6  predicted none          ✗
  'it\tnone\tche tempo fa', //           line 7  predicted none          ✓
  'it\thelp\taiuto', //                  line 8  predicted help          ✓
  'en\tnone\ttell me a joke', //         line 9  predicted help          ✗
  'it\tnone\tciao', //                   line 10 predicted none          ✓
  'en\tcancel\tstop it', //              line 11 predicted agent.request ✗
].join('\n');

const PREDICTED: Prediction[] = [
  { intent: 'help', score: 0.9 },
  { intent: 'cancel', score: 0.7 },
  { intent: 'cancel', score: 1 },
  { intent: 'none', score: 0.4 },
  { intent: 'none', score: 1 },
  { intent: 'help', score: 1 },
  { intent: 'help', score: 0.8 },
  { intent: 'none', score: 0.95 },
  { intent: 'agent.request', score: 0.66 },
];

const close = (actual: number | undefined, expected: number): void => {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `expected ${expected}, got ${actual}`);
};

describe('NLU evaluation', () => {
  describe('parsing lang<TAB>intent<TAB>text', () => {
    it('keeps line numbers and skips comments and blank lines', () => {
      const examples = parseLabelledUtterances(TSV);
      assert.equal(examples.length, 9);
      assert.deepEqual(examples[0], { line: 2, lang: 'en', intent: 'help', text: 'what can you do' });
      assert.deepEqual(examples[2], { line: 5, lang: 'en', intent: 'cancel', text: 'forget it' });
    });

    it('reads Windows line endings and keeps tabs inside the text', () => {
      const examples = parseLabelledUtterances('en\tnone\thello\r\nit\tnone\tciao\tamico\r\n');
      assert.deepEqual(
        examples.map((e) => e.text),
        ['hello', 'ciao\tamico'],
      );
    });

    const malformed: [string, string, number, RegExp][] = [
      ['a line with two fields', 'en\thelp\thelp me\nen\tcancel', 2, /3 tab-separated fields/],
      ['spaces instead of tabs', '# header\n\nen help help me', 3, /3 tab-separated fields/],
      ['an unknown intent', 'en\thelp\thelp me\nen\tinfo\twhat is this', 2, /unknown intent "info"/],
      ['a language that is not a tag', 'english\thelp\thelp me', 1, /not a language tag/],
      ['an empty text', 'en\thelp\t   ', 1, /text is empty/],
    ];
    for (const [what, content, line, reason] of malformed) {
      it(`names line ${line} for ${what}`, () => {
        assert.throws(
          () => parseLabelledUtterances(content),
          (err: unknown) =>
            err instanceof LabelledLineError && err.line === line && err.message.startsWith(`line ${line}:`) && reason.test(err.message),
        );
      });
    }
  });

  describe('report', () => {
    const report = computeReport(parseLabelledUtterances(TSV), PREDICTED);

    it('counts accuracy overall and per language', () => {
      assert.equal(report.total, 9);
      close(report.accuracy, 5 / 9);
      assert.deepEqual(Object.keys(report.perLanguage), ['en', 'it']);
      assert.equal(report.perLanguage.en?.total, 5);
      close(report.perLanguage.en?.accuracy, 2 / 5);
      assert.equal(report.perLanguage.it?.total, 4);
      close(report.perLanguage.it?.accuracy, 3 / 4);
    });

    it('computes precision, recall and F1 per intent, including intents only predicted', () => {
      assert.deepEqual(Object.keys(report.perIntent), ['agent.request', 'help', 'cancel', 'none']);
      const { help, cancel, none } = report.perIntent;
      const agent = report.perIntent['agent.request'];
      // help: labelled on lines 2, 3, 8; predicted on 2, 8, 9.
      close(help?.precision, 2 / 3);
      close(help?.recall, 2 / 3);
      close(help?.f1, 2 / 3);
      assert.equal(help?.support, 3);
      // cancel: labelled on 5, 6, 11; predicted on 3, 5.
      close(cancel?.precision, 1 / 2);
      close(cancel?.recall, 1 / 3);
      close(cancel?.f1, 0.4);
      assert.equal(cancel?.support, 3);
      // none: labelled on 7, 9, 10; predicted on 6, 7, 10.
      close(none?.f1, 2 / 3);
      // agent.request: never labelled, predicted once.
      assert.deepEqual(agent, { precision: 0, recall: 0, f1: 0, support: 0 });
    });

    it('averages F1 over the intents in the report (macro)', () => {
      close(report.macroF1, (0 + 2 / 3 + 0.4 + 2 / 3) / 4);
    });

    it('lists the misclassified utterances with line, prediction and score', () => {
      assert.deepEqual(
        report.misclassified.map((m) => [m.line, m.expected, m.predicted]),
        [
          [3, 'help', 'cancel'],
          [6, 'cancel', 'none'],
          [9, 'none', 'help'],
          [11, 'cancel', 'agent.request'],
        ],
      );
      assert.deepEqual(report.misclassified[3], {
        line: 11,
        lang: 'en',
        expected: 'cancel',
        predicted: 'agent.request',
        score: 0.66,
        text: 'stop it',
      });
    });

    it('reports zeros, not NaN, for an empty set', () => {
      const empty = computeReport([], []);
      assert.deepEqual(empty, { total: 0, accuracy: 0, perLanguage: {}, perIntent: {}, macroF1: 0, misclassified: [] });
    });

    it('refuses predictions that do not match the examples', () => {
      assert.throws(() => computeReport(parseLabelledUtterances(TSV), PREDICTED.slice(1)), /9 examples but 8 predictions/);
    });
  });
});
