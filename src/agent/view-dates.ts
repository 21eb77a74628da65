/** A date as the console's JSON carries it (ISO 8601, UTC); `null` stays `null`. */
export function isoOrNull(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}
