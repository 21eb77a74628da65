import { ERROR_CODES, ErrorCode } from './codes';

/**
 * Base class of the bot's own errors. Carries a stable code from the registry and no HTTP
 * status: the server maps codes to statuses in one place (`src/server/error-status.ts`).
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  /** Extra facts for logs and JSON bodies; never personal data. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message?: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message ?? ERROR_CODES[code], options);
    this.name = new.target.name;
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}

export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
