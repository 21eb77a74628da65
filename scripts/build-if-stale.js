// @ts-check
/**
 * The build of `npm run build`, and the check `npm start` makes first: it builds only when dist/ is not
 * the build of the sources as they are now, so a warm start costs a directory walk instead of the whole
 * TypeScript compile. Plain JavaScript (no tsx, no compile step) because it runs before there is a build.
 *
 *   node scripts/build-if-stale.js            builds when stale (`npm start`), else says nothing
 *   node scripts/build-if-stale.js --force    always builds (`npm run build`)
 *
 * A successful build writes a stamp (dist/.build-stamp) with a fingerprint of its inputs — every file's
 * path, size and mtime — taken before it began: a file edited, added or removed since (also during the
 * build, or by a checkout that sets an older mtime) makes the next start build again. A failed build
 * writes no stamp, and the start stops with its exit code.
 */
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/**
 * What the build reads, relative to the project folder: what tsc compiles (and how), the intent corpora
 * `nlu train` learns from, the installed dependencies' versions, and this recipe. The other locale
 * files, config/ and web/ are read by the running bot, not by the build.
 */
const BUILD_INPUTS = Object.freeze(['src', 'dialogs', 'locales/*/intents.json', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/build-if-stale.js']);

/** Written by a successful build, beside what it built. */
const STAMP_FILE = path.join('dist', '.build-stamp');
/** A build must have produced this for a start to run. */
const ENTRY_FILE = path.join('dist', 'src', 'main.js');

/**
 * The steps of the build, each a node script run in the project folder: the compile, then the intent
 * models into the model cache (NLU_CACHE_DIR), so the bot reads them at start instead of training, then
 * the migrated empty PGlite folder a new embedded ledger is copied from (data/pglite-template), so a first
 * start runs neither initdb nor the migrations.
 * @param {string} root
 * @returns {string[][]}
 */
function buildSteps(root) {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  return [
    [tsc, '-p', 'tsconfig.build.json'],
    ['dist/src/cli/nlu.js', 'train'],
    ['dist/src/cli/pglite-template.js'],
  ];
}

/**
 * Paths (relative to `root`, `/`-separated) of the files under each input, sorted. A `*` in an input
 * stands for one folder name; a folder stands for every file below it; a missing input adds nothing.
 * @param {string} root
 * @param {readonly string[]} inputs
 * @returns {string[]}
 */
function listInputFiles(root, inputs) {
  /** @type {string[]} */
  const files = [];
  /** @param {string} relative */
  const walk = (relative) => {
    let stats;
    try {
      stats = statSync(path.join(root, relative));
    } catch {
      return;
    }
    if (!stats.isDirectory()) {
      files.push(relative.split(path.sep).join('/'));
      return;
    }
    for (const name of readdirSync(path.join(root, relative))) walk(path.join(relative, name));
  };
  for (const input of inputs) {
    const [before, after] = input.split('/*/');
    if (after === undefined) {
      walk(input);
      continue;
    }
    let names = [];
    try {
      names = readdirSync(path.join(root, before));
    } catch {
      continue;
    }
    for (const name of names) walk(path.join(before, name, after));
  }
  return [...new Set(files)].sort();
}

/**
 * One hash of every input file's path, size and mtime: equal fingerprints, same sources.
 * @param {string} root
 * @param {readonly string[]} [inputs]
 * @returns {string}
 */
function inputsFingerprint(root, inputs = BUILD_INPUTS) {
  const hash = createHash('sha256');
  for (const file of listInputFiles(root, inputs)) {
    const stats = statSync(path.join(root, file));
    hash.update(`${file}\t${stats.size}\t${stats.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/**
 * Why dist/ is not the build of the sources as they are now, or undefined when it is.
 * @param {string} root
 * @param {string} fingerprint of the inputs now
 * @returns {string | undefined}
 */
function whyStale(root, fingerprint) {
  if (!existsSync(path.join(root, ENTRY_FILE))) return `there is no ${ENTRY_FILE} yet`;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(path.join(root, STAMP_FILE), 'utf8'));
  } catch {
    return 'no successful build is recorded';
  }
  if (stamp.fingerprint !== fingerprint) return 'sources changed since the last build';
  return undefined;
}

/**
 * Builds when dist/ is stale (or always, with `force`); the stamp is written only when every step succeeded.
 * @param {{ root?: string, force?: boolean, inputs?: readonly string[], steps?: string[][], log?: (line: string) => void }} [options]
 *   `steps`: node scripts with their arguments (@default {@link buildSteps}); `log`: where the one line
 *   saying why it builds goes (@default standard error).
 * @returns {{ built: boolean, reason?: string, exitCode: number }}
 */
function buildIfStale(options = {}) {
  const root = options.root ?? ROOT;
  const inputs = options.inputs ?? BUILD_INPUTS;
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  // Taken before building: an edit made while the build runs is not covered by its stamp.
  const fingerprint = inputsFingerprint(root, inputs);
  const reason = options.force ? 'asked to build' : whyStale(root, fingerprint);
  if (reason === undefined) return { built: false, exitCode: 0 };
  log(`build: ${reason} — building (TypeScript compile, the intent models, the ledger template)`);
  for (const step of options.steps ?? buildSteps(root)) {
    const run = spawnSync(process.execPath, step, { cwd: root, stdio: 'inherit' });
    const exitCode = run.status ?? 1;
    if (exitCode !== 0) return { built: false, reason, exitCode };
  }
  const stampFile = path.join(root, STAMP_FILE);
  mkdirSync(path.dirname(stampFile), { recursive: true });
  const temporary = `${stampFile}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ fingerprint, builtAt: new Date().toISOString() })}\n`);
  renameSync(temporary, stampFile);
  return { built: true, reason, exitCode: 0 };
}

module.exports = { BUILD_INPUTS, STAMP_FILE, ENTRY_FILE, buildSteps, listInputFiles, inputsFingerprint, whyStale, buildIfStale };

if (require.main === module) {
  process.exitCode = buildIfStale({ force: process.argv.includes('--force') }).exitCode;
}
