import type { Translator } from '../../../i18n/translator';
import type { Controller } from '../../receipts/controller';
import type { AccessCase, DataCategory, DataSourceConfig, SourceRecord, SourceSubject } from '../access-types';
import type { ProcessingRegister } from './processing-register';

/** One source's part of a copy: what it is, what it holds, and its records, read page by page. */
export interface CopySource {
  readonly config: DataSourceConfig;
  /** The categories this source holds, with their labels (the report names them). */
  readonly categories: readonly DataCategory[];
  /** Records the job reported; the report says it before the table. */
  readonly recordCount: number;
  /**
   * The records, one page at a time, never all at once. Called once per file that lists them
   * (data.json, then report.html): each call must start from the first page again.
   */
  pages(): AsyncIterable<readonly SourceRecord[]>;
}

/** Everything a copy is built from. Dates are instants; they are shown in the case's zone and language. */
export interface CopyInput {
  readonly case: Pick<AccessCase, 'reference' | 'regime' | 'receivedAt' | 'locale' | 'timeZone' | 'categories'>;
  /** The subject as the ledger source gives it (ledger id and identifiers in clear): data.json's `subject`. */
  readonly subject: SourceSubject;
  readonly controller: Controller;
  readonly register: ProcessingRegister;
  readonly sources: readonly CopySource[];
  readonly generatedAt: Date;
  /** When the download link stops working and the copy is deleted (README.txt and the report say it). */
  readonly expiresAt: Date;
  /** In the customer's language (`copy.*` keys). */
  readonly translator: Translator;
}
