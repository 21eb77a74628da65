import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_BOT_OPTIONS } from '../../src/config/options';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { evaluateRecognizer, EvaluationReport, parseLabelledUtterances } from '../../src/nlu/evaluate';
import { LinearIntentRecognizer } from '../../src/nlu/linear-intent-recognizer';

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
  readonly overall?: PublishedRow;
  readonly macroF1?: PublishedRow;
  readonly perLanguage: Readonly<Record<string, PublishedRow>>;
}

/**
 * Reads the table that follows the marker comment in README.md: a header naming the threshold,
 * then `| label | lines | score |` rows — "overall accuracy", "<Language> (<code>) accuracy", "macro F1".
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
  return {
    threshold: Number(threshold[1]),
    overall: rows.find((row) => row.label === 'overall accuracy'),
    macroF1: rows.find((row) => row.label === 'macro F1'),
    perLanguage,
  };
}

function assertClose(published: number, measured: number, what: string): void {
  assert.ok(
    Math.abs(published - measured) <= TOLERANCE + 1e-9,
    `README says ${what} ${published}, the evaluation measures ${measured.toFixed(3)}: update the table in README.md "Intent recognition"`,
  );
}

describe('the held-out scores published in README.md', function () {
  this.timeout(120_000);
  const published = readPublishedScores(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  let report: EvaluationReport;
  let again: EvaluationReport;

  before(async () => {
    const heldout = parseLabelledUtterances(readFileSync(path.join(__dirname, 'heldout.tsv'), 'utf8'));
    const evaluate = async (): Promise<EvaluationReport> =>
      evaluateRecognizer(await LinearIntentRecognizer.train({ threshold: published.threshold }), heldout);
    report = await evaluate();
    again = await evaluate();
  });

  it("are measured at the bot's default threshold", () => {
    assert.equal(published.threshold, DEFAULT_BOT_OPTIONS.nluThreshold);
  });

  it('come from a deterministic evaluation (two trainings, the same report)', () => {
    assert.deepEqual(again, report);
  });

  it('give overall accuracy and macro F1 over every held-out line', () => {
    assert.ok(published.overall !== undefined && published.macroF1 !== undefined, 'rows "overall accuracy" and "macro F1" are missing');
    assert.equal(published.overall.lines, report.total, 'overall line count');
    assert.equal(published.macroF1.lines, report.total, 'macro F1 line count');
    assertClose(published.overall.score, report.accuracy, 'overall accuracy');
    assertClose(published.macroF1.score, report.macroF1, 'macro F1');
  });

  for (const locale of SHIPPED_LOCALES) {
    it(`give the accuracy and line count of ${locale}`, () => {
      const row = published.perLanguage[locale];
      const measured = report.perLanguage[locale];
      assert.ok(row !== undefined, `README table has no "(${locale}) accuracy" row`);
      assert.ok(measured !== undefined, `test/nlu/heldout.tsv has no ${locale} lines`);
      assert.equal(row.lines, measured.total, `${locale} line count`);
      assertClose(row.score, measured.accuracy, `${locale} accuracy`);
    });
  }

  it('name no language the held-out set lacks', () => {
    assert.deepEqual(Object.keys(published.perLanguage).sort(), Object.keys(report.perLanguage).sort());
  });
});
