// Mocha's settings. With no test file named, the whole suite runs, its files in parallel: two worker processes
// (one per core), each running whole files one after another. `npm test -- test/x.test.ts` (or `npx mocha
// test/x.test.ts`) runs only the files named, in one process, as before. `npm test -- --no-parallel` runs the
// whole suite in one process; `npm test -- --jobs 3` runs three files at a time.
const { readdirSync } = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const named = args.some((arg) => !arg.startsWith('-') && /\.test\.ts$/.test(arg));

/** Worker processes for the whole suite: the machines (developers', CI) have two cores. */
const DEFAULT_JOBS = 2;

/** The number after `--jobs`/`-j` on the command line, which mocha lets win over this file. */
function jobsFromCommandLine() {
  for (let i = 0; i < args.length; i += 1) {
    const inline = /^--jobs=(\d+)$/.exec(args[i]);
    if (inline) return Number(inline[1]);
    if ((args[i] === '--jobs' || args[i] === '-j') && /^\d+$/.test(args[i + 1] ?? '')) return Number(args[i + 1]);
  }
  return undefined;
}

const parallel = !named && !args.includes('--no-parallel');
const jobs = parallel ? jobsFromCommandLine() ?? DEFAULT_JOBS : 1;

/**
 * A test's limit: only a hang guard (about ten times the normal time; speed is for `npm run bench`).
 * Files running side by side share the cores, so each test gets 1/jobs of the CPU it has alone:
 * the guard grows with them. Hooks with heavy set-up set their own (test/support/hook-timeouts.ts).
 */
const TIMEOUT_MS = 20_000 * Math.max(1, jobs);

/**
 * The slowest files, slowest first (measured 2026-12-07: command-line runs and other child processes,
 * half a minute to three minutes each): handed out first, so the run does not end with one of them
 * alone on one core while the other idles. Names that no longer exist are ignored; the rest of the
 * files follow in path order.
 */
const SLOWEST_FIRST = [
  'test/ledger/cli.test.ts',
  'test/ledger/ledger-folder-lock.test.ts',
  'test/agent/agent-api.test.ts',
  'test/shutdown/graceful-shutdown-process.test.ts',
  'test/ledger/identifier-encryption.test.ts',
  'test/nlu/cli.test.ts',
  'test/privacy/access/requests-cli.test.ts',
  'test/server/forged-channel-tokens.test.ts',
  'test/agent/agent-cli.test.ts',
];

/** Every test file under test/, the slowest first. */
function suiteFiles() {
  const all = readdirSync(path.join(__dirname, 'test'), { recursive: true })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => path.posix.join('test', file.split(path.sep).join('/')))
    .sort();
  const first = SLOWEST_FIRST.filter((file) => all.includes(file));
  return [...first, ...all.filter((file) => !first.includes(file))].map((file) => path.join(__dirname, file));
}

module.exports = {
  require: ['tsx/cjs'],
  extension: ['ts'],
  // A `spec` would add the suite to the files named.
  ...(named ? {} : { spec: suiteFiles() }),
  ...(parallel ? { parallel: true, jobs: DEFAULT_JOBS } : {}),
  timeout: TIMEOUT_MS,
  exit: true,
};
