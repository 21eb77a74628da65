import { createHash } from 'node:crypto';

/**
 * A canonical serialisation for hashing: object keys sorted, no whitespace, Dates as ISO
 * strings, undefined fields dropped. The same record always gives the same bytes, on any
 * database and any Node version, so a hash computed today verifies in a year.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
  return JSON.stringify(value);
}

/** The link of a hash chain: SHA-256 over the previous hash and the canonical record. */
export function chainHash(prevHash: string | null, record: unknown): string {
  return createHash('sha256').update(prevHash ?? 'GENESIS').update('\n').update(canonicalJson(record)).digest('hex');
}
