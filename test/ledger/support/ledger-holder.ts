/**
 * A second process for the folder-lock tests: opens the ledger from the environment (LEDGER_DIR, …) the
 * way the bot does, and reports on stdout, one word a line:
 *   `armed <pid>`      modules loaded; waiting for `go` on stdin (so racing holders start together)
 *   `opened <pid>`     holds the ledger; `close` on stdin closes it
 *   `refused <code>`   openLedger threw (the message follows on stderr); exits 3
 *   `closed`           closed; exits 0
 */
import { createInterface } from 'node:readline';
import { isAppError } from '../../../src/errors/app-error';
import { Ledger, openLedger } from '../../../src/ledger/ledger';
import { loadLedgerConfig } from '../../../src/ledger/ledger-config';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

let ledger: Ledger | undefined;
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line === 'go') {
    openLedger(loadLedgerConfig(process.env)).then(
      (opened) => {
        ledger = opened;
        say(`opened ${process.pid}`);
      },
      (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        say(`refused ${isAppError(err) ? err.code : 'unexpected'}`);
        process.exit(3);
      },
    );
  } else if (line === 'close' && ledger) {
    void ledger.close().then(() => {
      say('closed');
      process.exit(0);
    });
  }
});
say(`armed ${process.pid}`);
