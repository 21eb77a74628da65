import type { Writable } from 'node:stream';
import type { SqlDatabase } from '../../ledger/db/sql-database';
import type { RequestService } from '../../ledger/requests/request-service';
import type { Logger } from '../../log/logger';
import type { AccessRequestService } from './access-request-service';
import type { AccessCase, AccessCopySummary, DataCategory, DataSourceConfig, SourceJobSummary, SourceRecord } from './access-types';
import { errorKind } from '../../jobs/error-kind';
import { PeriodicWorker } from '../../jobs/periodic-worker';

/** One source's part of the copy, read page by page from the ledger. */
export interface CopySourcePart {
  readonly config: DataSourceConfig;
  readonly categories: readonly DataCategory[];
  readonly recordCount: number;
  pages(): AsyncIterable<readonly SourceRecord[]>;
}

/** Writes the ZIP of a case into `sink` (src/privacy/access/copy: data.json, report.html, README.txt). */
export type CopyAssembler = (input: { case: AccessCase; sources: readonly CopySourcePart[]; generatedAt: Date; expiresAt: Date }, sink: Writable) => Promise<void>;

export interface CopyWorkflowDeps {
  readonly db: SqlDatabase;
  readonly requests: Pick<RequestService, 'lockIn' | 'changeStatusIn' | 'byId'>;
  readonly service: Pick<AccessRequestService, 'toCase' | 'releaseIn'>;
  readonly jobs: {
    readPages(requestId: string, sourceId: string): AsyncIterable<readonly SourceRecord[]>;
    summaries(requestId: string): Promise<SourceJobSummary[]>;
  };
  readonly copies: {
    store(requestId: string, write: (sink: Writable) => Promise<void>, options: { expiresAt: Date; maxDownloads: number }): Promise<AccessCopySummary>;
  };
  readonly assemble: CopyAssembler;
  readonly sources: readonly DataSourceConfig[];
  readonly categories: readonly DataCategory[];
  /** DATA_COPY_REVIEW=required: a copy waits for the privacy team's release; none: it goes out once assembled. */
  readonly reviewRequired: boolean;
  readonly retentionDays: number;
  readonly maxDownloads: number;
  readonly logger: Logger;
  readonly now?: () => Date;
  /** @default 5000 */
  readonly pollMs?: number;
  /** How long an instance may take to assemble one copy before another may try. @default 10 minutes */
  readonly leaseMs?: number;
}

const SYSTEM = { actor: 'system:access-requests', reason: 'access request workflow' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Moves access cases on once their sources have answered: a source that gave up blocks the case
 * (with the reason, for the privacy team); when every source is done, one instance (a lease on the
 * case) assembles the copy, stores it encrypted, and either releases it (the customer told through
 * the notice outbox) or leaves it for review. Polls, so a crash between two steps is picked up later.
 */
export class CopyWorkflow extends PeriodicWorker {
  private readonly now: () => Date;
  private readonly leaseMs: number;

  constructor(private readonly deps: CopyWorkflowDeps) {
    super({ pollMs: deps.pollMs ?? 5000, logger: deps.logger, name: 'access copy workflow' });
    this.now = deps.now ?? (() => new Date());
    this.leaseMs = deps.leaseMs ?? 10 * 60 * 1000;
  }

  /** The source job worker's report: a job reached done or gave up. */
  async onSettled(requestId: string, outcome: 'done' | 'failed', sourceId: string, error?: string): Promise<void> {
    if (outcome === 'failed') await this.block(requestId, sourceId, error ?? 'failed');
    this.kick();
  }

  /** One pass: every case whose sources are all done gets its copy. Returns the cases moved on. */
  async runDue(): Promise<number> {
    let moved = 0;
    for (;;) {
      const requestId = await this.claimAssembly();
      if (!requestId) return moved;
      try {
        await this.assembleAndFinish(requestId);
        moved += 1;
      } catch (err) {
        await this.deps.db.query('UPDATE data_request SET assembly_locked_until = NULL, assembly_error = $2 WHERE id = $1', [requestId, errorKind(err)]);
        this.deps.logger.error({ err, requestId }, 'access copy: assembling failed; retrying at the next poll');
        return moved;
      }
    }
  }

  private async block(requestId: string, sourceId: string, error: string): Promise<void> {
    const label = this.deps.sources.find((source) => source.id === sourceId)?.label.en ?? sourceId;
    await this.deps.db.transaction(async (tx) => {
      const found = await this.deps.requests.byId(requestId, tx);
      if (!found) return;
      const reference = found.reference;
      const request = await this.deps.requests.lockIn(tx, reference);
      if (request.status !== 'in_progress') return;
      await this.deps.requests.changeStatusIn(tx, reference, 'blocked', `${label} (${sourceId}) keeps failing: ${error}. Re-run it once the system is back.`, SYSTEM);
    });
    this.deps.logger.warn({ requestId, sourceId, error }, 'access request blocked: a source keeps failing');
  }

  /**
   * Leases one in-progress case whose jobs are all done (or whose copy is stored but not yet handed
   * on, after a crash); SKIP LOCKED and the lease keep two instances from assembling one copy.
   */
  private async claimAssembly(): Promise<string | undefined> {
    const now = this.now();
    const rows = await this.deps.db.transaction(async (tx) =>
      (
        await tx.query<{ id: string }>(
          `WITH ready AS (
             SELECT r.id FROM data_request r
             WHERE r.type = 'access' AND r.status = 'in_progress'
               AND (r.assembly_locked_until IS NULL OR r.assembly_locked_until <= $1)
               AND EXISTS (SELECT 1 FROM data_request_source j WHERE j.request_id = r.id)
               AND NOT EXISTS (SELECT 1 FROM data_request_source j WHERE j.request_id = r.id AND j.status <> 'done')
             ORDER BY r.due_at LIMIT 1 FOR UPDATE SKIP LOCKED
           )
           UPDATE data_request r SET assembly_locked_until = $2, assembly_attempts = r.assembly_attempts + 1
           FROM ready WHERE r.id = ready.id RETURNING r.id`,
          [now, new Date(now.getTime() + this.leaseMs)],
        )
      ).rows,
    );
    return rows[0]?.id;
  }

  private async assembleAndFinish(requestId: string): Promise<void> {
    const request = await this.deps.requests.byId(requestId);
    if (!request) return;
    const { reference } = request;
    // A copy stored before a crash is handed on, not built again; a half-written one (writer_id set) is replaced by store().
    const hasCopy = (await this.deps.db.query('SELECT 1 FROM data_copy WHERE request_id = $1 AND writer_id IS NULL', [requestId])).rows.length > 0;
    if (!hasCopy) {
      const accessCase = await this.deps.service.toCase(request);
      const generatedAt = this.now();
      const expiresAt = new Date(generatedAt.getTime() + this.deps.retentionDays * DAY_MS);
      const parts = this.partsOf(accessCase);
      await this.deps.copies.store(requestId, (sink) => this.deps.assemble({ case: accessCase, sources: parts, generatedAt, expiresAt }, sink), { expiresAt, maxDownloads: this.deps.maxDownloads });
    }
    await this.deps.db.transaction(async (tx) => {
      const request = await this.deps.requests.lockIn(tx, reference);
      if (request.status !== 'in_progress') return;
      if (this.deps.reviewRequired) await this.deps.requests.changeStatusIn(tx, reference, 'awaiting_review', null, SYSTEM);
      else await this.deps.service.releaseIn(tx, request, SYSTEM);
      await tx.query('UPDATE data_request SET assembly_locked_until = NULL, assembly_error = NULL WHERE id = $1', [requestId]);
    });
    this.deps.logger.info({ requestId, review: this.deps.reviewRequired }, this.deps.reviewRequired ? 'access copy assembled: awaiting review' : 'access copy assembled and released');
  }

  /** The sources that ran for the case, each with the categories it holds that were asked for. */
  private partsOf(accessCase: AccessCase): CopySourcePart[] {
    return accessCase.sources.flatMap((job) => {
      const config = this.deps.sources.find((source) => source.id === job.sourceId);
      if (!config) return [];
      const categories = this.deps.categories.filter((category) => config.categories.includes(category.id) && (accessCase.categories === null || accessCase.categories.includes(category.id)));
      return [{ config, categories, recordCount: job.recordCount ?? 0, pages: () => this.deps.jobs.readPages(accessCase.id, job.sourceId) }];
    });
  }
}
