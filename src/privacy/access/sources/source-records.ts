import { RECORD_CATEGORY_KEY, SourceRecord } from '../access-types';
import type { DataSourceConfig } from '../access-types';
import { SourceRunError } from './source-run-error';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The category of one record a source gave: its `@category` when it names one, else the source's
 * only category. Throws "invalid response" for anything else, so a confused source fails loudly
 * instead of putting records in the wrong part of the copy.
 */
export function categoryOf(source: Pick<DataSourceConfig, 'categories'>, record: unknown): string {
  if (!isPlainObject(record)) throw new SourceRunError('invalid response (a record is not a JSON object)');
  const named = record[RECORD_CATEGORY_KEY];
  if (named === undefined) {
    if (source.categories.length === 1) return source.categories[0];
    throw new SourceRunError(`invalid response (a record has no "${RECORD_CATEGORY_KEY}" though the source holds several categories)`);
  }
  if (typeof named !== 'string' || !source.categories.includes(named)) {
    throw new SourceRunError(`invalid response (a record's "${RECORD_CATEGORY_KEY}" is not one of the source's categories: ${source.categories.join(', ')})`);
  }
  return named;
}

/**
 * The records as stored: each checked and tagged with its category, and only those of the categories
 * asked for (`wanted`, null = all). Lazy: a streamed answer stays streamed.
 */
export async function* categorizedRecords(
  source: Pick<DataSourceConfig, 'categories'>,
  records: AsyncIterable<SourceRecord> | Iterable<SourceRecord>,
  wanted: readonly string[] | null,
): AsyncGenerator<SourceRecord> {
  for await (const record of records) {
    const category = categoryOf(source, record);
    if (wanted !== null && !wanted.includes(category)) continue;
    yield record[RECORD_CATEGORY_KEY] === category ? record : { [RECORD_CATEGORY_KEY]: category, ...record };
  }
}
