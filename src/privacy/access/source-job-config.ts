import { Env, readInt } from '../../config/env-readers';

/** How the source jobs are run, read once at start (see `.env.example`). Per-source limits live in the data sources file. */
export interface SourceJobConfig {
  /** How often due jobs are looked for, milliseconds (a new case's jobs are also started at once). Env `SOURCE_JOBS_POLL_MS`. @default 1000 */
  readonly pollMs: number;
  /** Wait before the second run of a failing source, seconds; it doubles with each failure. Env `SOURCE_JOBS_FIRST_RETRY_SECONDS`. @default 30 */
  readonly firstRetrySeconds: number;
  /** Longest wait between two runs of one source, seconds. Env `SOURCE_JOBS_MAX_BACKOFF_SECONDS`. @default 3600 (1 h) */
  readonly maxBackoffSeconds: number;
  /** Jobs one instance runs at once. Env `SOURCE_JOBS_CONCURRENCY`. @default 4 */
  readonly concurrency: number;
}

export const DEFAULT_SOURCE_JOB_CONFIG: SourceJobConfig = Object.freeze({
  pollMs: 1000,
  firstRetrySeconds: 30, // then 60, 120, 240 … s: with 5 attempts a source may be down ~7 minutes before the case is blocked
  maxBackoffSeconds: 3600, // 1 h
  concurrency: 4,
});

/**
 * Reads the source jobs' settings; a pure function of `env`.
 * @throws AppError `PSB_CONFIG_INVALID` naming the variable.
 */
export function loadSourceJobConfig(env: Env = process.env): SourceJobConfig {
  const d = DEFAULT_SOURCE_JOB_CONFIG;
  const firstRetrySeconds = readInt(env, 'SOURCE_JOBS_FIRST_RETRY_SECONDS', d.firstRetrySeconds, 1, 24 * 3600);
  return Object.freeze({
    pollMs: readInt(env, 'SOURCE_JOBS_POLL_MS', d.pollMs, 50, 60_000),
    firstRetrySeconds,
    // Never below the first wait: the cap would otherwise shorten it.
    maxBackoffSeconds: Math.max(firstRetrySeconds, readInt(env, 'SOURCE_JOBS_MAX_BACKOFF_SECONDS', d.maxBackoffSeconds, 1, 7 * 24 * 3600)),
    concurrency: readInt(env, 'SOURCE_JOBS_CONCURRENCY', d.concurrency, 1, 64),
  });
}
