/**
 * `npm run nlu -- train`
 *
 * Trains every shipped language's intent model into the model cache (`NLU_CACHE_DIR`), or finds
 * it there already; `npm run build` runs it, so the bot's own start reads the models instead of
 * training them. Prints one line per language on stderr.
 *
 * `npm run nlu -- evaluate FILE... [--threshold N]`
 *
 * Trains the intent models from `locales/<lang>/intents.json` (or reads them from the model
 * cache), runs every line of every FILE (`lang<TAB>intent<TAB>text`; several files are read as
 * one set, e.g. `test/fixtures/nlu/heldout/*.tsv`) through them and prints the report as JSON on stdout — nothing
 * else goes to stdout, so the output can be piped to `jq` (use `npm run --silent …`, or npm
 * prints its own banner there first). Notes go to stderr.
 *
 * The report also lists, under `trainingOverlap.nearCopies`, the lines of FILE that are near
 * copies of a training utterance of their language (src/nlu/training-overlap.ts): their score
 * measures memory, not recognition.
 *
 * Threshold: `--threshold` > env `NLU_THRESHOLD` > the bot's default (`DEFAULT_BOT_OPTIONS.nluThreshold`).
 * Exit codes: 0 report printed; 2 wrong usage, unreadable file or malformed line; 1 other failure.
 */
import { readFileSync } from 'node:fs';
import { readNluCacheDir } from '../config/load-config';
import { DEFAULT_BOT_OPTIONS } from '../config/options';
import { SHIPPED_LOCALES } from '../i18n/shipped-locales';
import { IntentCorpus, readIntentCorpus } from '../nlu/corpus';
import { evaluateRecognizer, LabelledLineError, LabelledUtterance, parseLabelledUtterances } from '../nlu/evaluate';
import { LinearIntentRecognizer } from '../nlu/linear-intent-recognizer';
import { findNearCopies, NEAR_COPY_RULE } from '../nlu/training-overlap';

const USAGE = `usage: npm run nlu -- train | npm run nlu -- evaluate FILE... [--threshold N]   (N from 0 to 1; default env NLU_THRESHOLD or ${DEFAULT_BOT_OPTIONS.nluThreshold})`;

/** Exit code for wrong usage and bad input, as in `diff` and `grep`. */
const EXIT_USAGE = 2;

class UsageError extends Error {}

interface EvaluateCommand {
  readonly command: 'evaluate';
  readonly files: readonly string[];
  readonly threshold: number;
}

interface TrainCommand {
  readonly command: 'train';
}

function parseThreshold(raw: string, source: string): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(`${source} must be a number from 0 to 1 (got "${raw}")`);
  }
  return value;
}

function parseArgs(args: readonly string[], env: NodeJS.ProcessEnv): EvaluateCommand | TrainCommand {
  const [command, ...rest] = args;
  if (command === 'train') {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    return { command: 'train' };
  }
  if (command !== 'evaluate') throw new UsageError(command === undefined ? 'missing command' : `unknown command "${command}"`);
  const files: string[] = [];
  let threshold: number | undefined;
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i];
    if (arg === '--threshold') {
      const value = rest[i + 1];
      if (value === undefined) throw new UsageError('--threshold needs a value');
      threshold = parseThreshold(value, '--threshold');
      i += 1;
    } else if (arg.startsWith('--threshold=')) {
      threshold = parseThreshold(arg.slice('--threshold='.length), '--threshold');
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option "${arg}"`);
    } else {
      files.push(arg);
    }
  }
  if (files.length === 0) throw new UsageError('missing FILE');
  const fromEnv = env.NLU_THRESHOLD;
  threshold ??=
    fromEnv === undefined || fromEnv.trim() === '' ? DEFAULT_BOT_OPTIONS.nluThreshold : parseThreshold(fromEnv, 'NLU_THRESHOLD');
  return { command: 'evaluate', files, threshold };
}

/** Every labelled line of `file`, each knowing its file. */
function readLabelledFile(file: string): LabelledUtterance[] {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return parseLabelledUtterances(content).map((example) => ({ ...example, file }));
  } catch (err) {
    if (err instanceof LabelledLineError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
}

async function evaluate({ files, threshold }: EvaluateCommand): Promise<void> {
  const examples = files.flatMap(readLabelledFile);
  const corpora: Record<string, IntentCorpus> = Object.fromEntries(SHIPPED_LOCALES.map((locale) => [locale, readIntentCorpus(locale)]));
  const recognizer = await LinearIntentRecognizer.train({ threshold, corpora, cacheDir: DEFAULT_BOT_OPTIONS.nluCacheDir });
  const cached = recognizer.cachedLocales.length > 0 ? ` (from the model cache: ${recognizer.cachedLocales.join(', ')})` : '';
  process.stderr.write(`trained ${recognizer.locales.join(', ')} in ${recognizer.trainingMillis} ms${cached}\n`);
  const report = await evaluateRecognizer(recognizer, examples);
  const nearCopies = findNearCopies(examples, corpora);
  if (nearCopies.length > 0) {
    process.stderr.write(`${nearCopies.length} of ${examples.length} lines are near copies of training utterances (trainingOverlap.nearCopies)\n`);
  }
  const trainingOverlap = { rule: NEAR_COPY_RULE, nearCopies };
  process.stdout.write(`${JSON.stringify({ threshold, ...report, trainingOverlap }, null, 2)}\n`);
}

/** Fills the model cache; a language whose corpus is unchanged is only read. */
async function train(): Promise<void> {
  // Only the cache folder is read from the environment: a build must not need the bot's secrets.
  const cacheDir = readNluCacheDir(process.env, DEFAULT_BOT_OPTIONS.nluCacheDir);
  if (cacheDir === undefined) throw new UsageError('NLU_CACHE_DIR is "none": there is no model cache to fill');
  const recognizer = await LinearIntentRecognizer.train({ threshold: DEFAULT_BOT_OPTIONS.nluThreshold, cacheDir });
  for (const [locale, millis] of Object.entries(recognizer.trainingMillisByLocale)) {
    const how = recognizer.cachedLocales.includes(locale) ? 'already in the cache' : 'trained';
    process.stderr.write(`nlu: ${locale} ${how} (${millis} ms)\n`);
  }
}

async function main(args: readonly string[]): Promise<number> {
  try {
    const command = parseArgs(args, process.env);
    if (command.command === 'train') await train();
    else await evaluate(command);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`nlu: ${err.message}\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`nlu: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
