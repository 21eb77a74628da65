/**
 * `node dist/src/cli/pglite-template.js`: makes the initialised empty PGlite folder that new embedded
 * ledgers are copied from (src/ledger/db/pglite-template.ts), when this PGlite version has none yet. A step
 * of `npm run build`, so the first `npm start` on a new ledger does not run initdb.
 */
import { ensurePgliteTemplate } from '../ledger/db/pglite-template';

const started = Date.now();
ensurePgliteTemplate().then(
  (folder) => process.stderr.write(`ledger template: ${folder} (${Date.now() - started} ms)\n`),
  (err: unknown) => {
    process.stderr.write(`ledger template failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
