/**
 * A source run that failed in a way worth naming to the privacy team. `kind` is kept on the job and
 * shown in the console: "HTTP 503", "timeout", "answer over 50 MB", "invalid response (…)" — the
 * kind of failure, never data (no message from the source, which might quote a customer).
 */
export class SourceRunError extends Error {
  constructor(
    readonly kind: string,
    options?: { cause?: unknown },
  ) {
    super(`data source run failed: ${kind}`, options);
    this.name = 'SourceRunError';
  }
}

/** The kind of any failure of a run, for the job row, the logs and the case's blocked reason. */
export function failureKind(err: unknown, signal?: AbortSignal): string {
  if (err instanceof SourceRunError) return err.kind;
  if (signal?.aborted) return 'timeout';
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timeout';
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  // fetch wraps the network error: its cause carries the code (ECONNREFUSED, ENOTFOUND…).
  const cause = err instanceof Error ? (err.cause as { code?: unknown; name?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.name === 'string') return cause.name;
  return err instanceof Error ? err.name : 'unknown error';
}

/** "50 MB", "64 KB", "900 bytes": a limit as the privacy team reads it (1 MB = 1024 × 1024 bytes). */
export function describeBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
  return `${bytes} bytes`;
}

/** The failure of an answer larger than the source's `maxBytes`. */
export function tooLarge(maxBytes: number): SourceRunError {
  return new SourceRunError(`answer over ${describeBytes(maxBytes)}`);
}
