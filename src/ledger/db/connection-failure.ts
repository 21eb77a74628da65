import { DatabaseError } from 'pg';
import { LedgerError } from '../ledger-errors';

/**
 * SQLSTATEs that mean "the server is gone or not taking us", not "this statement is wrong":
 * class 08 (connection exception), 57P01–57P03 (shut down, crashed, not yet accepting) and
 * 53300 (too many connections).
 */
function isUnavailableSqlState(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300');
}

/**
 * True when `err` says PostgreSQL cannot be reached or dropped the connection. The server's
 * own answers are `DatabaseError`s with a SQLSTATE; anything else pg throws from a connect or a
 * query (refused, reset, "Connection terminated", the pool's connect timeout) is the connection
 * failing. Programming errors (TypeError, RangeError) are not.
 */
export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof DatabaseError) return isUnavailableSqlState(err.code);
  if (err instanceof TypeError || err instanceof RangeError) return false;
  return err instanceof Error;
}

/**
 * `PSB_LEDGER_UNAVAILABLE` for a lost database (the HTTP layer answers 503 and the bot
 * apologises), the error itself otherwise. The message names no host: the URL may hold a password.
 */
export function asLedgerUnavailable(err: unknown): unknown {
  if (!isConnectionFailure(err)) return err;
  return new LedgerError('PSB_LEDGER_UNAVAILABLE', 'the ledger database (DATABASE_URL) does not answer; try again shortly', {}, { cause: err });
}
