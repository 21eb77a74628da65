// Mocha's settings. The whole suite runs when no test file is named; `npm test -- test/x.test.ts`
// (or `npx mocha test/x.test.ts`) runs only the files named — a `spec` here would add them to all.
const named = process.argv.slice(2).some((arg) => !arg.startsWith('-') && /\.test\.ts$/.test(arg));

module.exports = {
  require: ['tsx/cjs'],
  extension: ['ts'],
  ...(named ? {} : { spec: ['test/**/*.test.ts'] }),
  timeout: 20000,
  exit: true,
};
