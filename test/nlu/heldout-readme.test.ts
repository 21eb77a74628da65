import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_BOT_OPTIONS } from '../../src/config/options';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { readIntentCorpus } from '../../src/nlu/corpus';
import { evaluateRecognizer, EvaluationReport, LabelledUtterance } from '../../src/nlu/evaluate';
import { LinearIntentRecognizer } from '../../src/nlu/linear-intent-recognizer';
import { findNearCopies } from '../../src/nlu/training-overlap';
import { hardLines, heldoutLines } from './nlu-sets';

const ROOT = path.resolve(__dirname, '../..');
const MARKER = '<!-- nlu-heldout-scores:';
/** How far a published score may be from the measured one (a corpus edit moves scores by about this much). */
const TOLERANCE = 0.01;

/** One row of the README's held-out table: what it scores, over how many lines, and the score. */
interface PublishedRow {
  readonly label: string;
  readonly lines: number;
  readonly score: number;
}

interface PublishedScores {
  readonly threshold: number;
  readonly rows: readonly PublishedRow[];
  readonly perLanguage: Readonly<Record<string, PublishedRow>>;
}

/**
 * Reads the table that follows the marker comment in README.md: a header naming the threshold,
 * then `| label | lines | score |` rows: "<Language> (<code>) accuracy" per language, then the rows of
 * {@link SUMMARY_ROWS}.
 */
function readPublishedScores(readme: string): PublishedScores {
  const lines = readme.split(/\r?\n/);
  const markers = lines.flatMap((line, index) => (line.startsWith(MARKER) ? [index] : []));
  assert.equal(markers.length, 1, `README.md must have exactly one line starting with ${MARKER}`);
  const [header, separator, ...rest] = lines.slice(markers[0] + 1);
  const threshold = /threshold (\d+(?:\.\d+)?)/.exec(header ?? '');
  assert.ok(threshold !== null && /^\|[-| ]+\|$/.test(separator ?? ''), `a table whose header names the threshold must follow ${MARKER}`);
  const rows: PublishedRow[] = [];
  for (const line of rest) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    assert.equal(cells.length, 3, `README table row "${line}" needs 3 cells: label | lines | score`);
    const [label, count, score] = cells;
    assert.match(count, /^\d+$/, `README table row "${line}": lines must be a whole number`);
    assert.match(score, /^\d\.\d+$/, `README table row "${line}": score must be a decimal such as 0.912`);
    rows.push({ label, lines: Number(count), score: Number(score) });
  }
  const perLanguage: Record<string, PublishedRow> = {};
  for (const row of rows) {
    const language = /\((\w+)\) accuracy$/.exec(row.label);
    if (language !== null) perLanguage[language[1]] = row;
  }
  return { threshold: Number(threshold[1]), rows, perLanguage };
}

function assertClose(published: number, measured: number, what: string): void {
  assert.ok(
    Math.abs(published - measured) <= TOLERANCE + 1e-9,
    `README says ${what} ${published}, the evaluation measures ${measured.toFixed(3)}: update the table in README.md "Intent recognition"`,
  );
}

/** The summary rows the table must have, by label, after the per-language rows. */
const SUMMARY_ROWS = {
  overall: 'overall accuracy',
  macroF1: 'macro F1',
  noneRecall: '`none` recall (off-topic lines)',
  unseen: 'accuracy on lines with no near copy in training',
  hard: 'hard lines accuracy (hard.tsv)',
} as const;

function row(published: PublishedScores, label: string): PublishedRow {
  const found = published.rows.find((candidate) => candidate.label === label);
  assert.ok(found !== undefined, `README table has no row "${label}"`);
  return found;
}

/**
 * The held-out scores in README.md are what the held-out sets measure, at the bot's threshold:
 * per language, overall, macro F1, `none` recall, the hard lines, and the lines of the held-out
 * sets that are no near copy of a training line (src/nlu/training-overlap.ts). That last row's
 * line count is exact, so a training edit that brings a held-out line within reach of training
 * changes the count and fails here until the README says so.
 */
describe('the held-out scores published in README.md', function () {
  this.timeout(180_000);
  const published = readPublishedScores(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  const heldout = heldoutLines();
  const hard = hardLines();
  let report: EvaluationReport;
  let again: EvaluationReport;
  let hardReport: EvaluationReport;
  let unseen: LabelledUtterance[];
  let unseenReport: EvaluationReport;

  before(async () => {
    const recognizer = await LinearIntentRecognizer.train({ threshold: published.threshold, cacheDir: DEFAULT_BOT_OPTIONS.nluCacheDir });
    report = await evaluateRecognizer(recognizer, heldout);
    hardReport = await evaluateRecognizer(recognizer, hard);
    const retrained = await LinearIntentRecognizer.train({ threshold: published.threshold, locales: ['en', 'it'] });
    again = await evaluateRecognizer(retrained, heldout.filter((line) => line.lang === 'en' || line.lang === 'it'));
    const corpora = Object.fromEntries(SHIPPED_LOCALES.map((locale) => [locale, readIntentCorpus(locale)]));
    const near = new Set(findNearCopies(heldout, corpora).map((pair) => `${pair.file ?? ''}:${pair.line}`));
    unseen = heldout.filter((line) => !near.has(`${line.file ?? ''}:${line.line}`));
    unseenReport = await evaluateRecognizer(recognizer, unseen);
  });

  it("are measured at the bot's default threshold", () => {
    assert.equal(published.threshold, DEFAULT_BOT_OPTIONS.nluThreshold);
  });

  it('come from a deterministic evaluation (a model trained anew scores as the cached one)', () => {
    for (const locale of ['en', 'it']) assert.deepEqual(again.perLanguage[locale], report.perLanguage[locale], locale);
  });

  for (const locale of SHIPPED_LOCALES) {
    it(`give the accuracy and line count of ${locale}`, () => {
      const published_ = published.perLanguage[locale];
      const measured = report.perLanguage[locale];
      assert.ok(published_ !== undefined, `README table has no "(${locale}) accuracy" row`);
      assert.ok(measured !== undefined, `test/fixtures/nlu/heldout has no ${locale} lines`);
      assert.equal(published_.lines, measured.total, `${locale} line count`);
      assertClose(published_.score, measured.accuracy, `${locale} accuracy`);
    });
  }

  it('name no language the held-out sets lack', () => {
    assert.deepEqual(Object.keys(published.perLanguage).sort(), Object.keys(report.perLanguage).sort());
  });

  it('give overall accuracy, macro F1 and none recall over every held-out line', () => {
    const overall = row(published, SUMMARY_ROWS.overall);
    const macroF1 = row(published, SUMMARY_ROWS.macroF1);
    const none = row(published, SUMMARY_ROWS.noneRecall);
    assert.equal(overall.lines, report.total, 'overall line count');
    assert.equal(macroF1.lines, report.total, 'macro F1 line count');
    assert.equal(none.lines, report.perIntent.none?.support, 'none line count');
    assertClose(overall.score, report.accuracy, 'overall accuracy');
    assertClose(macroF1.score, report.macroF1, 'macro F1');
    assertClose(none.score, report.perIntent.none?.recall ?? 0, 'none recall');
  });

  it('give the accuracy on the lines no training line is a near copy of, with their exact count', () => {
    const published_ = row(published, SUMMARY_ROWS.unseen);
    assert.equal(published_.lines, unseen.length, 'held-out lines with no near copy in training (a training edit moved this: say so in README.md)');
    assertClose(published_.score, unseenReport.accuracy, 'accuracy on lines with no near copy');
  });

  it('give the accuracy on the hard lines', () => {
    const published_ = row(published, SUMMARY_ROWS.hard);
    assert.equal(published_.lines, hardReport.total, 'hard line count');
    assertClose(published_.score, hardReport.accuracy, 'hard lines accuracy');
  });
});
