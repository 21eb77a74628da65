import type { WriteContext } from '../../ledger/audit/audit-log';
import { appendAudit } from '../../ledger/audit/audit-log';
import type { SqlDatabase, SqlExecutor } from '../../ledger/db/sql-database';
import { LedgerError } from '../../ledger/ledger-errors';
import type { RequestNotices } from '../../ledger/access/request-notices';
import { DataRequest, OPEN_REQUEST_STATUSES, RequestService } from '../../ledger/requests/request-service';
import type { SubjectService } from '../../ledger/subjects/subject-service';
import { computeRequestDeadlines } from '../clocks/deadlines';
import { REGIME_PROFILES } from '../clocks/regimes';
import type { AccessCaseQuery, AccessPreview, AccessRequestOutcome, AccessRequests, NewAccessRequest } from './access-requests';
import type { AccessCase, AccessCaseStatus, AccessCopySummary, DataCategory, DataSourceConfig, SourceJobSummary } from './access-types';
import { extensionBar } from './access-case-clock';
import { AccessRuleError } from './access-rule-error';

/** The source jobs as the case service needs them (src/ledger/access/source-jobs.ts). */
export interface CaseSourceJobs {
  enqueue(tx: SqlExecutor, requestId: string, sourceIds: readonly string[], at: Date): Promise<void>;
  /** False when the job is running now (its run reports soon) or does not exist. */
  rerun(tx: SqlExecutor, requestId: string, sourceId: string): Promise<boolean>;
  /** Stops asking the company's systems for a closed case. */
  cancelUnfinished(tx: SqlExecutor, requestId: string, reason: string): Promise<number>;
  summaries(requestId: string): Promise<SourceJobSummary[]>;
}

/** The stored copies as the case service needs them (src/ledger/access/data-copies.ts). */
export interface CaseCopies {
  release(tx: SqlExecutor, requestId: string, actor: string): Promise<string>;
  summary(requestId: string): Promise<AccessCopySummary | null>;
}

export interface AccessRequestServiceDeps {
  readonly db: SqlDatabase;
  readonly requests: RequestService;
  readonly subjects: Pick<SubjectService, 'byId'>;
  readonly jobs: CaseSourceJobs;
  readonly copies: CaseCopies;
  readonly notices: Pick<RequestNotices, 'enqueue'>;
  readonly categories: readonly DataCategory[];
  readonly sources: readonly DataSourceConfig[];
  /** Something was queued (jobs, a notice): the workers look now instead of at their next poll. */
  readonly afterCommit?: () => void;
  readonly now?: () => Date;
}

/** Closed cases stay in the customer's list this long. */
const RECENT_CLOSED_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Access requests: the case, its clock, its jobs and its copy, as the dialogs, the agent console and
 * the CLI see them. The rules live here (who may extend until when, what may be released); the
 * ledger stores. Every change is one transaction with its audit entry and, where the customer must
 * be told, the notice queued in the same transaction (sent after the commit by the notice sender).
 */
export class AccessRequestService implements AccessRequests {
  readonly categories: readonly DataCategory[];
  private readonly now: () => Date;

  constructor(private readonly deps: AccessRequestServiceDeps) {
    this.categories = deps.categories;
    this.now = deps.now ?? (() => new Date());
  }

  async preview(subjectId: string): Promise<AccessPreview> {
    const subject = await this.deps.subjects.byId(subjectId);
    if (!subject) throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', 'no subject with this id', { field: 'subjectId' });
    const clocks = computeRequestDeadlines({ regime: subject.regime, type: 'access', receivedAt: this.now() });
    const open = await this.deps.requests.openOf(this.deps.db, subjectId, 'access');
    return { regime: subject.regime, dueAt: clocks.due, acknowledgeBy: clocks.acknowledgeBy, categories: this.categories, openCase: open ? await this.toCase(open) : null };
  }

  async request(input: NewAccessRequest, context: WriteContext): Promise<AccessRequestOutcome> {
    const subject = await this.deps.subjects.byId(input.subjectId);
    if (!subject) throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', 'no subject with this id', { field: 'subjectId' });
    const categories = this.knownCategories(input.categories);
    const sourceIds = this.sourcesFor(categories).map((source) => source.id);
    const opened = await this.deps.requests.openOrReuse(
      {
        subjectId: subject.id,
        type: 'access',
        regime: subject.regime,
        receivedAt: this.now(),
        // The gate let only a verified customer this far: the case starts being worked on at once.
        startAs: 'in_progress',
        channel: input.channel,
        conversation: input.conversation,
        locale: input.locale,
        timeZone: input.timeZone,
        categories,
        contactKind: input.contactKind,
      },
      context,
      (tx, request) => this.deps.jobs.enqueue(tx, request.id, sourceIds, request.receivedAt),
    );
    if (!opened.reused) this.deps.afterCommit?.();
    return { case: await this.toCase(opened.request), reused: opened.reused };
  }

  async casesOf(subjectId: string): Promise<AccessCase[]> {
    const since = this.now().getTime() - RECENT_CLOSED_DAYS * DAY_MS;
    const requests = (await this.deps.requests.forSubject(subjectId)).filter(
      (request) => request.type === 'access' && (OPEN_REQUEST_STATUSES.includes(request.status) || lastChange(request).getTime() >= since),
    );
    const cases = await Promise.all(requests.map((request) => this.toCase(request)));
    return cases.sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime());
  }

  async find(typedReference: string): Promise<AccessCase | undefined> {
    const request = await this.deps.requests.find(typedReference);
    return request && request.type === 'access' && request.subjectId ? this.toCase(request) : undefined;
  }

  async list(query: AccessCaseQuery = {}): Promise<AccessCase[]> {
    const since = new Date(this.now().getTime() - RECENT_CLOSED_DAYS * DAY_MS);
    const rows = (
      await this.deps.db.query<{ reference: string }>(
        `SELECT r.reference FROM data_request r
         WHERE r.type = 'access' AND r.subject_id IS NOT NULL
           AND (r.status = ANY($1::text[]) OR ($2::boolean AND (SELECT max(s.at) FROM data_request_status s WHERE s.request_id = r.id) >= $3))`,
        [OPEN_REQUEST_STATUSES, query.includeClosed === true, since],
      )
    ).rows;
    const cases = (await Promise.all(rows.map((row) => this.find(row.reference)))).filter((c): c is AccessCase => c !== undefined);
    const horizon = query.dueWithinDays === undefined ? undefined : this.now().getTime() + query.dueWithinDays * DAY_MS;
    const isOpen = (c: AccessCase): boolean => (OPEN_REQUEST_STATUSES as readonly string[]).includes(c.status);
    return cases
      .filter((c) => horizon === undefined || (isOpen(c) && c.effectiveDueAt.getTime() <= horizon))
      .sort((a, b) => Number(isOpen(b)) - Number(isOpen(a)) || a.effectiveDueAt.getTime() - b.effectiveDueAt.getTime());
  }

  async release(reference: string, context: WriteContext): Promise<AccessCase> {
    const released = await this.deps.db.transaction(async (tx) => {
      const request = await this.deps.requests.lockIn(tx, reference);
      if (request.status !== 'awaiting_review') throw new AccessRuleError('PSB_ACCESS_NOT_RELEASABLE', `only a copy awaiting review can be released; this case is ${request.status}`);
      return this.releaseIn(tx, request, context);
    });
    this.deps.afterCommit?.();
    return this.toCase(released);
  }

  /**
   * Hands the assembled copy to the customer inside the caller's transaction: a link token made,
   * the case fulfilled, the "ready" notice queued. Used by `release` and, with no review, by the
   * copy workflow as soon as the copy is stored.
   */
  async releaseIn(tx: SqlExecutor, request: DataRequest, context: WriteContext): Promise<DataRequest> {
    const token = await this.deps.copies.release(tx, request.id, context.actor);
    const fulfilled = await this.deps.requests.changeStatusIn(tx, request.reference, 'fulfilled', null, context);
    await this.deps.notices.enqueue(tx, request.id, 'ready', token);
    return fulfilled;
  }

  async extend(reference: string, reason: string, context: WriteContext): Promise<AccessCase> {
    if (!reason.trim()) throw new AccessRuleError('PSB_ACCESS_REASON_REQUIRED', 'an extension needs a reason: the customer is told it');
    const extended = await this.deps.db.transaction(async (tx) => {
      const request = await this.deps.requests.lockIn(tx, reference);
      // One rule, shared with the console (which shows why the action is not offered).
      const bar = extensionBar({ ...request, status: request.status as AccessCaseStatus, maxExtendedDueAt: request.extendedDueAt }, this.now());
      if (bar === 'closed') throw new AccessRuleError('PSB_ACCESS_CLOSED', `cannot extend a case that is ${request.status}`);
      if (bar === 'already_extended') throw new AccessRuleError('PSB_ACCESS_ALREADY_EXTENDED', `this case was already extended to ${request.extendedDueAt?.toISOString()}`);
      if (bar === 'none_in_regime') throw new AccessRuleError('PSB_ACCESS_NO_EXTENSION', `${REGIME_PROFILES[request.regime].label} allows no extension of an access request`);
      // The extension must be told within the first period (GDPR Art. 12(3), CCPA § 1798.130, PIPEDA s. 8(4)).
      if (bar === 'past_first_deadline') throw new AccessRuleError('PSB_ACCESS_EXTENSION_TOO_LATE', `an extension must be told before the first deadline (${request.dueAt.toISOString()}), which has passed`);
      const recorded = await this.deps.requests.recordExtension(tx, reference, reason.trim(), context);
      await this.deps.notices.enqueue(tx, request.id, 'extended');
      return recorded;
    });
    this.deps.afterCommit?.();
    return this.toCase(extended);
  }

  async refuse(reference: string, reason: string, context: WriteContext): Promise<AccessCase> {
    if (!reason.trim()) throw new AccessRuleError('PSB_ACCESS_REASON_REQUIRED', 'a refusal needs its reasons: the customer is told them, with the right to complain');
    const refused = await this.deps.db.transaction(async (tx) => {
      const request = await this.deps.requests.lockIn(tx, reference);
      this.assertOpen(request, 'refuse');
      const changed = await this.deps.requests.changeStatusIn(tx, reference, 'rejected', reason.trim(), context);
      await this.deps.jobs.cancelUnfinished(tx, request.id, 'case refused');
      await this.deps.notices.enqueue(tx, request.id, 'refused');
      return changed;
    });
    this.deps.afterCommit?.();
    return this.toCase(refused);
  }

  async rerunSource(reference: string, sourceId: string, context: WriteContext): Promise<AccessCase> {
    const rerun = await this.deps.db.transaction(async (tx) => {
      const request = await this.deps.requests.lockIn(tx, reference);
      if (request.status !== 'in_progress' && request.status !== 'blocked') throw new AccessRuleError('PSB_ACCESS_NOT_RERUNNABLE', `a source can be run again only while the copy is being gathered; this case is ${request.status}`);
      if (!(await this.deps.jobs.rerun(tx, request.id, sourceId))) throw new AccessRuleError('PSB_ACCESS_NOT_RERUNNABLE', `source "${sourceId}" is being run right now, or is not part of this case`);
      await appendAudit(tx, context, { action: 'request.source.rerun', entity: 'data_request', entityId: request.id, details: { reference: request.reference, sourceId } }, this.now());
      return request.status === 'blocked' ? this.deps.requests.changeStatusIn(tx, reference, 'in_progress', null, context) : request;
    });
    this.deps.afterCommit?.();
    return this.toCase(rerun);
  }

  /** The case as everyone reads it: the ledger's request, its jobs and its copy. */
  async toCase(request: DataRequest): Promise<AccessCase> {
    const [jobs, copy] = await Promise.all([this.deps.jobs.summaries(request.id), this.deps.copies.summary(request.id)]);
    // In the order of the configuration (the ledger first), as the copy and the console list them.
    const order = (sourceId: string): number => {
      const index = this.deps.sources.findIndex((source) => source.id === sourceId);
      return index === -1 ? this.deps.sources.length : index;
    };
    const sources = [...jobs].sort((a, b) => order(a.sourceId) - order(b.sourceId) || a.sourceId.localeCompare(b.sourceId));
    const clocks = computeRequestDeadlines({ regime: request.regime, type: 'access', receivedAt: request.receivedAt });
    const extended = request.extensionReason !== null;
    return {
      id: request.id,
      reference: request.reference,
      subjectId: request.subjectId ?? '',
      regime: request.regime,
      status: request.status as AccessCaseStatus,
      receivedAt: request.receivedAt,
      acknowledgeBy: request.acknowledgeBy,
      dueAt: request.dueAt,
      extendedDueAt: extended ? request.extendedDueAt : null,
      extensionReason: request.extensionReason,
      effectiveDueAt: extended && request.extendedDueAt ? request.extendedDueAt : request.dueAt,
      maxExtendedDueAt: request.extendedDueAt,
      extensionNoticeBy: clocks.extensionNoticeBy,
      categories: request.categories,
      channel: request.channel,
      locale: request.locale ?? 'en',
      timeZone: request.timeZone ?? clocks.zone,
      blockedReason: request.blockedReason,
      history: request.history.map((h) => ({ status: h.status as AccessCaseStatus | 'extended', reason: h.reason, actor: h.actor, at: h.at })),
      sources,
      copy,
    };
  }

  private assertOpen(request: DataRequest, action: string): void {
    if (!OPEN_REQUEST_STATUSES.includes(request.status)) throw new AccessRuleError('PSB_ACCESS_CLOSED', `cannot ${action} a case that is ${request.status}`);
  }

  /** The categories asked for that exist; null (everything) when none is named or none is known. */
  private knownCategories(asked: readonly string[] | null): string[] | null {
    if (!asked) return null;
    const known = asked.filter((id) => this.categories.some((category) => category.id === id));
    return known.length > 0 ? [...new Set(known)] : null;
  }

  /** The sources holding at least one asked category (every source when everything is asked). */
  private sourcesFor(categories: readonly string[] | null): readonly DataSourceConfig[] {
    if (!categories) return this.deps.sources;
    return this.deps.sources.filter((source) => source.categories.some((id) => categories.includes(id)));
  }
}

function lastChange(request: DataRequest): Date {
  return request.history.at(-1)?.at ?? request.receivedAt;
}
