import type { SourceRecord, SourceSubject } from '../access-types';

/** What one run of a source is given. */
export interface SourceRunInput {
  /** The case's reference (PRV-…): what the company's system files the request under, and the results URL names. */
  readonly reference: string;
  readonly subject: SourceSubject;
  /** Categories asked for that this source holds; null = everything it holds. */
  readonly categories: readonly string[] | null;
  /** Aborts the run when its time (the source's `timeoutMs`) is up. */
  readonly signal: AbortSignal;
}

/**
 * What a run produced: the records now (read lazily: a large answer streams into sealed pages), or a
 * promise that the source will POST them later to `/api/sources/:id/results/:reference`.
 */
export type SourceRunOutcome =
  | { readonly kind: 'records'; readonly records: AsyncIterable<SourceRecord> | Iterable<SourceRecord> }
  | { readonly kind: 'later' };

/**
 * One kind of data source (ledger, postgres, http), configured for one source. A failure throws,
 * preferably a SourceRunError naming its kind; reading `records` may throw too.
 */
export interface SourceRunner {
  run(input: SourceRunInput): Promise<SourceRunOutcome>;
}
