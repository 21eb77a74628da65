/**
 * Stable code of {@link ClockInputError}. Callers branch on this code, never on message text.
 * (To be listed in the central registry `src/errors/codes.ts` when that file is next edited.)
 */
export const CLOCK_INPUT_ERROR_CODE = 'PSB_CLOCK_INPUT';

/**
 * A statutory-clock computation was given input it cannot use: an unknown regime or request type,
 * an invalid Date, an unknown IANA time zone, a non-integer count. A plain domain error: it carries
 * no HTTP status (the server maps codes to statuses) and no personal data.
 */
export class ClockInputError extends Error {
  readonly code: typeof CLOCK_INPUT_ERROR_CODE = CLOCK_INPUT_ERROR_CODE;
  /** Name of the offending input field, e.g. `'receivedAt'`, `'zone'`, `'regime'`. */
  readonly field: string;

  /** @param field the input field at fault; @param message says what is wrong and names the field. */
  constructor(field: string, message: string) {
    super(message);
    this.name = 'ClockInputError';
    this.field = field;
  }
}
