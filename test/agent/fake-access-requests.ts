import type { WriteContext } from '../../src/ledger/audit/audit-log';
import { parseReference } from '../../src/ledger/references/reference';
import type { AccessCaseQuery, AccessPreview, AccessRequestOutcome, AccessRequests } from '../../src/privacy/access/access-requests';
import { AccessRuleError } from '../../src/privacy/access/access-rule-error';
import type { AccessCase, AccessCaseStatus, DataCategory, SourceJobSummary } from '../../src/privacy/access/access-types';
import { OPEN_ACCESS_STATUSES } from '../../src/privacy/access/access-types';

const DAY_MS = 24 * 60 * 60 * 1000;

/** One call the console made to the service, with the audit context it passed. */
export interface ServiceCall {
  readonly method: 'release' | 'extend' | 'refuse' | 'rerunSource';
  readonly reference: string;
  readonly argument?: string;
  readonly context: WriteContext;
}

/** A case as the service would answer it; fields not given get plausible values. */
export function accessCase(now: Date, fields: Partial<AccessCase> & { reference: string; dueInDays: number }): AccessCase {
  const { dueInDays, ...rest } = fields;
  const dueAt = new Date(now.getTime() + dueInDays * DAY_MS);
  const receivedAt = new Date(dueAt.getTime() - 30 * DAY_MS);
  return {
    id: `id-${fields.reference}`,
    subjectId: 'subject-1',
    regime: 'gdpr',
    status: 'in_progress',
    receivedAt,
    acknowledgeBy: null,
    dueAt,
    extendedDueAt: null,
    extensionReason: null,
    effectiveDueAt: dueAt,
    maxExtendedDueAt: new Date(dueAt.getTime() + 61 * DAY_MS),
    extensionNoticeBy: dueAt,
    categories: null,
    channel: 'webchat',
    locale: 'it',
    timeZone: 'Europe/Rome',
    blockedReason: null,
    history: [{ status: 'received', reason: null, actor: 'customer:subject-1', at: receivedAt }],
    sources: [{ sourceId: 'ledger', status: 'done', attempts: 1, recordCount: 12, lastError: null, nextAttemptAt: null, finishedAt: receivedAt }],
    copy: null,
    ...rest,
  };
}

export function failedSource(sourceId: string, attempts: number, lastError: string): SourceJobSummary {
  return { sourceId, status: 'failed', attempts, recordCount: null, lastError, nextAttemptAt: null, finishedAt: null };
}

/**
 * An in-memory AccessRequests with the real service's rules for the team's actions and its error
 * codes (AccessRuleError PSB_ACCESS_*), recording every call: the console's tests need cases in
 * every state without running sources and assembling copies.
 */
export class FakeAccessRequests implements AccessRequests {
  readonly categories: readonly DataCategory[] = [];
  readonly calls: ServiceCall[] = [];
  readonly queries: AccessCaseQuery[] = [];
  private readonly cases = new Map<string, AccessCase>();
  /** Thrown by the next action instead of its work (then cleared). */
  failNext: Error | undefined;

  constructor(private readonly now: () => Date) {}

  put(...cases: AccessCase[]): void {
    for (const c of cases) this.cases.set(c.reference, c);
  }

  get(reference: string): AccessCase | undefined {
    return this.cases.get(reference);
  }

  clear(): void {
    this.cases.clear();
    this.calls.length = 0;
    this.queries.length = 0;
  }

  async preview(): Promise<AccessPreview> {
    throw new Error('not used by the console');
  }

  async request(): Promise<AccessRequestOutcome> {
    throw new Error('not used by the console');
  }

  async casesOf(subjectId: string): Promise<AccessCase[]> {
    return [...this.cases.values()].filter((c) => c.subjectId === subjectId);
  }

  async find(typedReference: string): Promise<AccessCase | undefined> {
    const reference = parseReference(typedReference, 'PRV') ?? typedReference;
    return this.cases.get(reference);
  }

  async list(query: AccessCaseQuery = {}): Promise<AccessCase[]> {
    this.queries.push(query);
    const horizon = query.dueWithinDays === undefined ? undefined : this.now().getTime() + query.dueWithinDays * DAY_MS;
    return [...this.cases.values()]
      .filter((c) => (isOpen(c.status) ? horizon === undefined || c.effectiveDueAt.getTime() <= horizon : query.includeClosed === true && horizon === undefined))
      .sort((a, b) => Number(isOpen(b.status)) - Number(isOpen(a.status)) || a.effectiveDueAt.getTime() - b.effectiveDueAt.getTime());
  }

  async release(reference: string, context: WriteContext): Promise<AccessCase> {
    const c = this.begin('release', reference, context);
    if (c.status !== 'awaiting_review') throw new AccessRuleError('PSB_ACCESS_NOT_RELEASABLE', `only a copy awaiting review can be released; this case is ${c.status}`);
    return this.change(c, 'fulfilled', null, context, { copy: c.copy ? { ...c.copy, releasedAt: this.now() } : null });
  }

  async extend(reference: string, reason: string, context: WriteContext): Promise<AccessCase> {
    const c = this.begin('extend', reference, context, reason);
    if (!reason.trim()) throw new AccessRuleError('PSB_ACCESS_REASON_REQUIRED', 'an extension needs a reason: the customer is told it');
    this.assertOpen(c, 'extend');
    if (c.extensionReason !== null) throw new AccessRuleError('PSB_ACCESS_ALREADY_EXTENDED', `this case was already extended to ${c.extendedDueAt?.toISOString()}`);
    if (c.maxExtendedDueAt === null) throw new AccessRuleError('PSB_ACCESS_NO_EXTENSION', 'LGPD allows no extension of an access request');
    if (this.now().getTime() > c.dueAt.getTime()) throw new AccessRuleError('PSB_ACCESS_EXTENSION_TOO_LATE', `an extension must be told before the first deadline (${c.dueAt.toISOString()}), which has passed`);
    return this.change(c, 'extended', reason, context, { extendedDueAt: c.maxExtendedDueAt, effectiveDueAt: c.maxExtendedDueAt, extensionReason: reason });
  }

  async refuse(reference: string, reason: string, context: WriteContext): Promise<AccessCase> {
    const c = this.begin('refuse', reference, context, reason);
    if (!reason.trim()) throw new AccessRuleError('PSB_ACCESS_REASON_REQUIRED', 'a refusal needs its reasons');
    this.assertOpen(c, 'refuse');
    return this.change(c, 'rejected', reason, context, { blockedReason: reason });
  }

  async rerunSource(reference: string, sourceId: string, context: WriteContext): Promise<AccessCase> {
    const c = this.begin('rerunSource', reference, context, sourceId);
    if (c.status !== 'in_progress' && c.status !== 'blocked') throw new AccessRuleError('PSB_ACCESS_NOT_RERUNNABLE', `a source can be run again only while the copy is being gathered; this case is ${c.status}`);
    const sources = c.sources.map((s) => (s.sourceId === sourceId ? { ...s, status: 'pending' as const, nextAttemptAt: this.now() } : s));
    return c.status === 'blocked' ? this.change(c, 'in_progress', null, context, { sources, blockedReason: null }) : this.store({ ...c, sources });
  }

  private begin(method: ServiceCall['method'], reference: string, context: WriteContext, argument?: string): AccessCase {
    this.calls.push({ method, reference, context, ...(argument !== undefined ? { argument } : {}) });
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
    const c = this.cases.get(reference);
    if (!c) throw new Error(`the console acted on ${reference} without finding it first`);
    return c;
  }

  private assertOpen(c: AccessCase, action: string): void {
    if (!isOpen(c.status)) throw new AccessRuleError('PSB_ACCESS_CLOSED', `cannot ${action} a case that is ${c.status}`);
  }

  private change(c: AccessCase, status: AccessCaseStatus | 'extended', reason: string | null, context: WriteContext, fields: Partial<AccessCase>): AccessCase {
    const history = [...c.history, { status, reason, actor: context.actor, at: this.now() }];
    return this.store({ ...c, ...fields, ...(status !== 'extended' ? { status } : {}), history });
  }

  private store(c: AccessCase): AccessCase {
    this.cases.set(c.reference, c);
    return c;
  }
}

function isOpen(status: AccessCaseStatus): boolean {
  return OPEN_ACCESS_STATUSES.includes(status);
}
