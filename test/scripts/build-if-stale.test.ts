import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILD_INPUTS, ENTRY_FILE, STAMP_FILE, buildIfStale, buildSteps, inputsFingerprint } from '../../scripts/build-if-stale';

/**
 * `npm start` builds only when dist/ is not the build of the sources as they are now. These tests run the
 * real check on a small project folder of their own, with a stand-in build step (a node script that writes
 * the entry file and counts its runs), so no TypeScript compile happens and no real dist/ is touched.
 */
describe('build-if-stale (npm start builds only when something changed)', () => {
  let root: string;
  const lines: string[] = [];

  const write = (relative: string, content: string): void => {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), content);
  };
  /** A later mtime, as an editor's save gives (a test runs faster than the clock's resolution). */
  const touch = (relative: string): void => {
    const file = path.join(root, relative);
    const later = new Date(statSync(file).mtimeMs + 5_000);
    utimesSync(file, later, later);
  };
  const builds = (): number => (existsSync(path.join(root, 'build-count')) ? readFileSync(path.join(root, 'build-count'), 'utf8').length : 0);
  const run = (options: { force?: boolean; steps?: string[][] } = {}) => buildIfStale({ root, log: (line) => lines.push(line), steps: [['fake-build.js']], ...options });

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'build-if-stale-'));
    lines.length = 0;
    write('src/main.ts', 'export {};\n');
    write('src/ledger/db/migrations/001_ledger.sql', 'CREATE TABLE t (a int);\n');
    write('dialogs/main-dialog.ts', 'export {};\n');
    write('locales/en/intents.json', '{}\n');
    write('locales/en/messages.json', '{}\n');
    write('tsconfig.json', '{}\n');
    write('tsconfig.build.json', '{}\n');
    write('package-lock.json', '{}\n');
    write('scripts/build-if-stale.js', '// the recipe\n');
    write(
      'fake-build.js',
      "const fs = require('node:fs');\nfs.mkdirSync('dist/src', { recursive: true });\nfs.writeFileSync('dist/src/main.js', '');\nfs.appendFileSync('build-count', 'x');\n",
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds when there is no build yet, and records it', () => {
    const result = run();
    assert.deepEqual(result, { built: true, reason: `there is no ${ENTRY_FILE} yet`, exitCode: 0 });
    assert.equal(builds(), 1);
    assert.equal(JSON.parse(readFileSync(path.join(root, STAMP_FILE), 'utf8')).fingerprint, inputsFingerprint(root));
    assert.equal(lines.length, 1, 'one line says why it builds');
  });

  it('skips the build when nothing changed since the last one, saying nothing', () => {
    run();
    lines.length = 0;
    assert.deepEqual(run(), { built: false, exitCode: 0 });
    assert.equal(builds(), 1);
    assert.deepEqual(lines, []);
  });

  for (const input of ['src/main.ts', 'src/ledger/db/migrations/001_ledger.sql', 'dialogs/main-dialog.ts', 'locales/en/intents.json', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/build-if-stale.js']) {
    it(`builds again after ${input} is touched`, () => {
      run();
      touch(input);
      assert.deepEqual(run(), { built: true, reason: 'sources changed since the last build', exitCode: 0 });
      assert.equal(builds(), 2);
      assert.deepEqual(run(), { built: false, exitCode: 0 }, 'and only once');
    });
  }

  it('builds again when a source file is added or removed', () => {
    run();
    write('src/new-file.ts', 'export {};\n');
    assert.equal(run().built, true);
    rmSync(path.join(root, 'src/new-file.ts'));
    assert.equal(run().built, true);
    assert.equal(builds(), 3);
  });

  it('does not build for a message catalog, which the running bot reads from locales/ itself', () => {
    run();
    touch('locales/en/messages.json');
    assert.equal(run().built, false);
  });

  it('builds when the entry file is gone, even with a stamp', () => {
    run();
    rmSync(path.join(root, ENTRY_FILE));
    assert.deepEqual(run(), { built: true, reason: `there is no ${ENTRY_FILE} yet`, exitCode: 0 });
  });

  it('always builds with force (npm run build)', () => {
    run();
    assert.deepEqual(run({ force: true }), { built: true, reason: 'asked to build', exitCode: 0 });
    assert.equal(builds(), 2);
  });

  it('writes no stamp when a step fails, passes its exit code on, and builds again next time', () => {
    write('failing-step.js', 'process.exit(3);\n');
    const failed = run({ steps: [['fake-build.js'], ['failing-step.js']] });
    assert.deepEqual(failed, { built: false, reason: `there is no ${ENTRY_FILE} yet`, exitCode: 3 });
    assert.equal(existsSync(path.join(root, STAMP_FILE)), false);
    assert.deepEqual(run(), { built: true, reason: 'no successful build is recorded', exitCode: 0 });
  });

  it("the real build reads the sources, dialogs, intent corpora and compiler settings, and makes the models and the ledger template", () => {
    for (const input of ['src', 'dialogs', 'locales/*/intents.json', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) assert.ok(BUILD_INPUTS.includes(input), input);
    const steps = buildSteps(path.resolve(__dirname, '../..')).map((step) => step.slice(1).join(' ') || step[0]);
    assert.deepEqual(steps.slice(1), ['train', 'dist/src/cli/pglite-template.js']);
    assert.match(buildSteps(path.resolve(__dirname, '../..'))[0][0], /typescript[/\\]bin[/\\]tsc$/);
  });
});
