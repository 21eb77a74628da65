import { AppError } from '../errors/app-error';

/** A write carried an eTag that no longer matches: another turn committed first. */
export class StateConflictError extends AppError {
  constructor(readonly key: string) {
    super('PSB_STATE_CONFLICT', `state key "${key}" was changed by another writer since it was read (eTag mismatch)`, { key });
  }
}

/** The state store did not answer (connection refused, timeout, not connected). */
export class StateUnavailableError extends AppError {
  constructor(operation: string, cause: unknown) {
    super('PSB_STATE_UNAVAILABLE', `session state store unavailable during ${operation}`, { operation }, { cause });
  }
}

export function isStateConflict(err: unknown): err is StateConflictError {
  return err instanceof StateConflictError;
}
