import { Env, readEnum, readInt } from '../../../config/env-readers';

/** How long copies are kept and how often their link works. */
export interface DataCopyConfig {
  /**
   * Days an assembled copy is kept (encrypted, in the ledger's database) before the expiry job
   * deletes it; its download link works until then. Env `DATA_COPY_RETENTION_DAYS`. @default 30
   */
  readonly retentionDays: number;
  /** Downloads a copy's link allows (a GET of its page does not count). Env `DATA_COPY_MAX_DOWNLOADS`. @default 5 */
  readonly maxDownloads: number;
  /**
   * `required`: an assembled copy waits until the privacy team releases it in the console's Requests
   * view; `none`: it goes to the customer as soon as it is assembled. Env `DATA_COPY_REVIEW`. @default 'required'
   */
  readonly review: 'required' | 'none';
  /** `review === 'required'`. */
  readonly reviewRequired: boolean;
}

export const DEFAULT_DATA_COPY_CONFIG: DataCopyConfig = Object.freeze({
  retentionDays: 30, // days
  maxDownloads: 5,
  review: 'required',
  reviewRequired: true,
});

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Reads `DATA_COPY_RETENTION_DAYS` (1–365), `DATA_COPY_MAX_DOWNLOADS` (1–100) and `DATA_COPY_REVIEW` (required | none).
 * @throws AppError `PSB_CONFIG_INVALID` naming the variable.
 */
export function loadDataCopyConfig(env: Env = process.env): DataCopyConfig {
  return Object.freeze({
    retentionDays: readInt(env, 'DATA_COPY_RETENTION_DAYS', DEFAULT_DATA_COPY_CONFIG.retentionDays, 1, 365),
    maxDownloads: readInt(env, 'DATA_COPY_MAX_DOWNLOADS', DEFAULT_DATA_COPY_CONFIG.maxDownloads, 1, 100),
    ...reviewOf(readEnum(env, 'DATA_COPY_REVIEW', DEFAULT_DATA_COPY_CONFIG.review, ['required', 'none'] as const)),
  });
}

const reviewOf = (review: 'required' | 'none'): Pick<DataCopyConfig, 'review' | 'reviewRequired'> => ({ review, reviewRequired: review === 'required' });

/** When a copy made at `generatedAt` expires: `retentionDays` later (whole days of 24 h). */
export function copyExpiresAt(generatedAt: Date, config: Pick<DataCopyConfig, 'retentionDays'>): Date {
  return new Date(generatedAt.getTime() + config.retentionDays * DAY_MS);
}
