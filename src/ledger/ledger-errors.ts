import { AppError } from '../errors/app-error';

/** Errors of the privacy ledger: plain domain errors with a registry code; no HTTP, no bot types. */
export class LedgerError extends AppError {}
