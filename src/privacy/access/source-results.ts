import { DEFAULT_SIGNATURE_TOLERANCE_SECONDS } from '../../integrations/consent-webhook/webhook-signature';
import { AppError } from '../../errors/app-error';
import type { SourceJobStore, SourceResultsOutcome } from '../../ledger/access/source-jobs';
import { parseReference } from '../../ledger/references/reference';
import { REQUEST_REFERENCE_PREFIX } from '../../ledger/requests/request-service';
import type { Logger } from '../../log/logger';
import { RECORD_CATEGORY_KEY, SourceRecord } from './access-types';
import type { DataSourceCatalog } from './data-sources';
import type { SourceJobSettled } from './source-job-worker';
import { recordsIn } from './sources/http-source';
import { categoryOf } from './sources/source-records';
import { SourceRunError } from './sources/source-run-error';

export interface SourceResultsIntakeOptions {
  readonly store: Pick<SourceJobStore, 'findJob' | 'acceptResults'>;
  readonly catalog: Pick<DataSourceCatalog, 'byId'>;
  /** The same callback the worker calls: a job reached `done`. */
  readonly onSettled?: SourceJobSettled;
  readonly logger: Logger;
  /** How long a Webhook-Id is remembered. @default twice the signature tolerance (10 min): a replay older than that fails on its timestamp. */
  readonly replayWindowMs?: number;
}

/**
 * Results an http source POSTs after answering 202 (signature already checked by the route): the
 * body's records are checked and tagged like a run's, stored while the job expects them, and the
 * case is told the job is done.
 */
export class SourceResultsIntake {
  private readonly logger: Logger;

  constructor(private readonly options: SourceResultsIntakeOptions) {
    this.logger = options.logger.child({ module: 'source-results' });
  }

  /**
   * @param typedReference the reference in the results URL (check symbol verified).
   * @param body the parsed JSON body, `{"records": [...]}`.
   * @param deliveryId the POST's Webhook-Id.
   * @throws AppError `PSB_SOURCE_RESULTS_INVALID` when the body or a record is not as a source must send it.
   */
  async accept(sourceId: string, typedReference: string, body: unknown, deliveryId: string): Promise<SourceResultsOutcome> {
    const source = this.options.catalog.byId(sourceId);
    const reference = parseReference(typedReference, REQUEST_REFERENCE_PREFIX);
    if (!source || !reference) return { kind: 'unknown' };
    const job = await this.options.store.findJob(reference, sourceId);
    if (!job) return { kind: 'unknown' };
    let records: SourceRecord[];
    try {
      records = [];
      for (const record of recordsIn(body)) {
        const category = categoryOf(source, record);
        if (job.categories === null || job.categories.includes(category)) records.push({ [RECORD_CATEGORY_KEY]: category, ...record });
      }
    } catch (err) {
      if (err instanceof SourceRunError) throw new AppError('PSB_SOURCE_RESULTS_INVALID', `the results were refused: ${err.kind}`);
      throw err;
    }
    const outcome = await this.options.store.acceptResults(job.requestId, sourceId, records, {
      deliveryId,
      replayWindowMs: this.options.replayWindowMs ?? 2 * DEFAULT_SIGNATURE_TOLERANCE_SECONDS * 1000,
    });
    if (outcome.kind === 'accepted') {
      this.logger.info({ requestId: job.requestId, sourceId }, 'source job: done (results posted by the source)');
      try {
        await this.options.onSettled?.(job.requestId, 'done', sourceId);
      } catch (err) {
        this.logger.error({ err, requestId: job.requestId, sourceId }, 'source job: recorded, but telling the case failed');
      }
    } else {
      this.logger.info({ requestId: job.requestId, sourceId, outcome: outcome.kind, ...(outcome.kind === 'not-expected' ? { status: outcome.status } : {}) }, 'source results refused');
    }
    return outcome;
  }
}
