/** Wait before the second attempt; each failure doubles it up to the cap. */
export const FIRST_RETRY_DELAY_MS = 1000;

/**
 * Delay before the next attempt of a delivery that has failed `attempts` times: exponential
 * (1 s, 2 s, 4 s, …, or from `firstDelayMs`) capped at `maxDelayMs`, with "equal jitter" — between
 * half and all of it — so deliveries that failed together (a receiver outage) do not all come back
 * in the same instant.
 */
export function retryDelayMs(attempts: number, maxDelayMs: number, random: () => number = Math.random, firstDelayMs = FIRST_RETRY_DELAY_MS): number {
  const exponent = Math.min(Math.max(attempts, 1) - 1, 30);
  const ceiling = Math.min(maxDelayMs, firstDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
