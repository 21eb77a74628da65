import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_BOT_OPTIONS } from '../../src/config/options';
import { EvaluationReport, parseLabelledUtterances } from '../../src/nlu/evaluate';
import { isNearCopy, NearCopy, textDistance } from '../../src/nlu/training-overlap';

const ROOT = path.resolve(__dirname, '../..');

type CliReport = EvaluationReport & { threshold: number; trainingOverlap: { rule: string; nearCopies: NearCopy[] } };
const HELDOUT = 'test/fixtures/nlu/dev.tsv';

/** `npx tsx src/cli/nlu.ts ARGS` from the project root, without the caller's NLU_THRESHOLD. */
function runCli(args: readonly string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const { NLU_THRESHOLD: _ignored, ...inherited } = process.env;
  return spawnSync('npx', ['tsx', 'src/cli/nlu.ts', ...args], {
    cwd: ROOT,
    env: { ...inherited, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('npm run nlu -- evaluate', function () {
  this.timeout(90_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nlu-cli-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints only the JSON report on stdout and exits 0', () => {
    const run = runCli(['evaluate', HELDOUT]);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as CliReport;
    const lines = parseLabelledUtterances(readFileSync(path.join(ROOT, HELDOUT), 'utf8'));
    assert.equal(report.total, lines.length);
    assert.equal(report.threshold, DEFAULT_BOT_OPTIONS.nluThreshold, "the bot's own default");
    assert.equal(DEFAULT_BOT_OPTIONS.nluThreshold, 0.4);
    assert.deepEqual(Object.keys(report.perLanguage), ['en', 'it']);
    assert.ok(report.accuracy > 0.7 && report.accuracy <= 1);
    assert.ok(report.perIntent['consent.revoke'] !== undefined);
    assert.ok(Array.isArray(report.misclassified));
    assert.deepEqual(report.trainingOverlap.nearCopies, [], 'the held-out set has no near copy of training');
    assert.match(report.trainingOverlap.rule, /0\.8/);
  });

  it('lists the lines that are near copies of training utterances, with the training line', () => {
    const file = path.join(dir, 'near.tsv');
    // "talk to a person" and "cancel" are English training utterances; the Italian line is new wording.
    writeFileSync(file, 'en\tagent.request\tTalk to a person please!\nit\thelp\tsapresti aiutarmi?\nen\tcancel\tcancel\n');
    const run = runCli(['evaluate', file]);
    assert.equal(run.status, 0, run.stderr);
    const { trainingOverlap } = JSON.parse(run.stdout) as CliReport;
    assert.deepEqual(
      trainingOverlap.nearCopies.map((n) => [n.line, n.lang, n.intent, n.text]),
      [
        [1, 'en', 'agent.request', 'Talk to a person please!'],
        [3, 'en', 'cancel', 'cancel'],
      ],
    );
    const [person, cancel] = trainingOverlap.nearCopies;
    assert.ok(isNearCopy(textDistance(person.text, person.trainingText)), `closest training line "${person.trainingText}"`);
    assert.deepEqual([cancel.trainingText, cancel.wordEdits, cancel.similarity], ['cancel', 0, 1]);
    assert.match(run.stderr, /2 of 3 lines are near copies of training utterances/);
  });

  it('takes the threshold from --threshold before NLU_THRESHOLD', () => {
    const fromEnv = runCli(['evaluate', HELDOUT], { NLU_THRESHOLD: '0.8' });
    assert.equal(fromEnv.status, 0, fromEnv.stderr);
    assert.equal((JSON.parse(fromEnv.stdout) as { threshold: number }).threshold, 0.8);
    const fromFlag = runCli(['evaluate', HELDOUT, '--threshold', '0.3'], { NLU_THRESHOLD: '0.8' });
    assert.equal(fromFlag.status, 0, fromFlag.stderr);
    assert.equal((JSON.parse(fromFlag.stdout) as { threshold: number }).threshold, 0.3);
  });

  it('exits 2 naming the line of a malformed file', () => {
    const file = path.join(dir, 'bad.tsv');
    writeFileSync(file, '# test\nen\thelp\thelp me\nen\tcancel forget it\n');
    const run = runCli(['evaluate', file]);
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /line 3/);
  });

  it('exits 2 naming the line of an unknown intent', () => {
    const file = path.join(dir, 'unknown.tsv');
    writeFileSync(file, 'en\thelp\thelp me\nit\tgreeting\tciao\n');
    const run = runCli(['evaluate', file]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /line 2: unknown intent "greeting"/);
  });

  const usage: [string, string[], RegExp][] = [
    ['no command', [], /missing command/],
    ['an unknown command', ['evalute', HELDOUT], /unknown command "evalute"/],
    ['a file after train', ['train', HELDOUT], /unexpected argument "test\/fixtures\/nlu\/dev\.tsv"/],
    ['no file', ['evaluate'], /missing FILE/],
    ['an unreadable file', ['evaluate', 'test/nlu/no-such-file.tsv'], /cannot read .*ENOENT/],
    ['a threshold out of range', ['evaluate', HELDOUT, '--threshold', '2'], /--threshold must be a number from 0 to 1/],
  ];
  for (const [what, args, message] of usage) {
    it(`exits 2 with a message on stderr for ${what}`, () => {
      const run = runCli(args);
      assert.equal(run.status, 2);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, message);
      assert.match(run.stderr, /usage: npm run nlu -- train \| npm run nlu -- evaluate FILE\.\.\. \[--threshold N\]/);
      assert.ok(run.stderr.includes(`default env NLU_THRESHOLD or ${DEFAULT_BOT_OPTIONS.nluThreshold})`), 'the usage names the bot\'s own default');
    });
  }

  it('exits 2 for an NLU_THRESHOLD that is not a number', () => {
    const run = runCli(['evaluate', HELDOUT], { NLU_THRESHOLD: 'high' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /NLU_THRESHOLD must be a number from 0 to 1/);
  });
});
