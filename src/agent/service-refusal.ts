import { isAppError } from '../errors/app-error';
import type { ErrorCode } from '../errors/codes';
import { AgentError, AgentErrorCode, invalidRequest } from './agent-errors';

/** What the ledger refuses underneath a privacy service as invalid input. */
const LEDGER_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['PSB_LEDGER_INVALID_INPUT', 'PSB_LEDGER_IMMUTABLE']);

/** How one view names what the ledger refuses underneath its service. */
export interface RefusalCodes {
  /** An unknown reference (the ledger names the field `reference`): 404. */
  readonly notFound: AgentErrorCode;
  /** A change the ledger does not allow in the case's state: 409, with the ledger's message. */
  readonly refused: AgentErrorCode;
  /** Fields the team typed: the ledger refusing one is 400 naming it. @default ['reason'] */
  readonly inputFields?: readonly string[];
  /** Other fields that name something that may not exist (`incidentReference`), and their 404 code. */
  readonly notFoundFields?: Readonly<Partial<Record<string, AgentErrorCode>>>;
}

/**
 * How a privacy service's errors reach the console page. Its own rule refusals (`PSB_ACCESS_*`,
 * `PSB_CONCERN_*`…) keep their code and status. What the ledger refuses underneath as invalid input
 * becomes 404 for an unknown reference, 400 for a field the team typed, and 409 `refused` (with the
 * ledger's message) for anything else it does not allow. Anything else (the database down, a bug)
 * keeps its code.
 */
export function serviceRefusal(err: unknown, codes: RefusalCodes): unknown {
  if (!isAppError(err) || !LEDGER_REFUSALS.has(err.code)) return err;
  const field = typeof err.details.field === 'string' ? err.details.field : undefined;
  if (field === 'reference') return new AgentError(codes.notFound, undefined, {}, { cause: err });
  const notFound = field !== undefined ? codes.notFoundFields?.[field] : undefined;
  if (notFound !== undefined) return new AgentError(notFound, undefined, { field }, { cause: err });
  if (field !== undefined && (codes.inputFields ?? ['reason']).includes(field)) return invalidRequest(field, err.message);
  return new AgentError(codes.refused, err.message, { serviceCode: err.code }, { cause: err });
}

/** Runs one call into a privacy service, its errors as the page is to see them (`serviceRefusal`). */
export async function refusedAs<T>(codes: RefusalCodes, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw serviceRefusal(err, codes);
  }
}
