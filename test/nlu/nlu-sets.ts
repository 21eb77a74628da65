import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LabelledUtterance, parseLabelledUtterances } from '../../src/nlu/evaluate';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'nlu');

/** Relative to the project root, as the README names them. */
export const HELDOUT_DIR = 'test/fixtures/nlu/heldout';
export const HARD_FILE = 'test/fixtures/nlu/hard.tsv';
export const DEV_FILE = 'test/fixtures/nlu/dev.tsv';

function read(file: string): LabelledUtterance[] {
  return parseLabelledUtterances(readFileSync(file, 'utf8')).map((example) => ({ ...example, file: path.relative(path.resolve(FIXTURES, '../../..'), file) }));
}

/** The held-out sets, one file per language, written apart from the training data (see their headers). */
export function heldoutLines(): LabelledUtterance[] {
  const dir = path.join(FIXTURES, 'heldout');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.tsv'))
    .sort()
    .flatMap((name) => read(path.join(dir, name)));
}

/** Deliberately hard lines in every language: typos, no accents, mixed language, very short, very long. */
export function hardLines(): LabelledUtterance[] {
  return read(path.join(FIXTURES, 'hard.tsv'));
}

/** The English and Italian development set: seen while tuning, so only floors are kept on it. */
export function devLines(): LabelledUtterance[] {
  return read(path.join(FIXTURES, 'dev.tsv'));
}
