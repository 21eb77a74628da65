import { AccessUrgency, ExtensionBar, extensionBar, isOpenAccessStatus, timeLeftSeconds, urgencyOf } from '../../privacy/access/access-case-clock';
import type { AccessCase, AccessCaseEvent, AccessCaseStatus, AccessCopySummary, SourceJobStatus, SourceJobSummary } from '../../privacy/access/access-types';
import { isoOrNull } from '../view-dates';

/**
 * What the agent API shows of access-request cases: their clock, the sources' jobs and the copy.
 * No personal data: no identifier, no record, no customer text (reasons are the team's own words).
 * Instants are ISO strings; `timeLeftSeconds` and `urgency` are at the answer's `now` (the server's clock).
 */
export interface SourceView {
  readonly sourceId: string;
  readonly status: SourceJobStatus;
  readonly attempts: number;
  readonly recordCount: number | null;
  /** The kind of the last failure ("HTTP 503", "timeout"), never data. */
  readonly lastError: string | null;
  readonly nextAttemptAt: string | null;
  readonly finishedAt: string | null;
}

export interface CopyView {
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly sizeBytes: number;
  readonly released: boolean;
  readonly releasedAt: string | null;
  readonly downloads: number;
  readonly maxDownloads: number;
  readonly deleted: boolean;
}

export interface RequestSummary {
  readonly reference: string;
  readonly regime: string;
  readonly status: AccessCaseStatus;
  readonly receivedAt: string;
  /** The statutory deadline. */
  readonly dueAt: string;
  /** The deadline in force: `extendedDueAt` once extended, else `dueAt`. */
  readonly effectiveDueAt: string;
  readonly extended: boolean;
  readonly extendedDueAt: string | null;
  /** Until `effectiveDueAt`; negative when overdue; null for a closed case. */
  readonly timeLeftSeconds: number | null;
  readonly urgency: AccessUrgency;
  readonly sources: readonly SourceView[];
  readonly copy: CopyView | null;
}

export interface RequestEventView {
  readonly status: AccessCaseEvent['status'];
  readonly reason: string | null;
  readonly actor: string;
  readonly at: string;
}

/**
 * Which actions the page offers. Hints only: the service decides, and refuses (409) what it does not allow.
 * `extend.bar` says why an extension is not possible now (null: it is).
 */
export interface RequestActions {
  readonly release: boolean;
  readonly extend: { readonly allowed: boolean; readonly bar: ExtensionBar | null };
  readonly refuse: boolean;
  /** Sources whose job may be run again (those that failed). */
  readonly rerun: readonly string[];
  readonly preview: boolean;
}

export interface RequestDetail extends RequestSummary {
  readonly acknowledgeBy: string | null;
  readonly extensionReason: string | null;
  /** Latest deadline an extension may set (null: the regime has none) and by when the customer must be told. */
  readonly maxExtendedDueAt: string | null;
  readonly extensionNoticeBy: string | null;
  /** Category ids asked for; null = everything. */
  readonly categories: readonly string[] | null;
  readonly channel: string | null;
  readonly locale: string;
  readonly timeZone: string;
  readonly blockedReason: string | null;
  /** Oldest first. */
  readonly history: readonly RequestEventView[];
  readonly actions: RequestActions;
}

export interface RequestListView {
  readonly now: string;
  /** Open cases, overdue first then by time left (as the service sorts them); closed ones when asked for. */
  readonly requests: readonly RequestSummary[];
}

export interface RequestDetailView {
  readonly now: string;
  readonly request: RequestDetail;
}

function sourceView(source: SourceJobSummary): SourceView {
  return {
    sourceId: source.sourceId,
    status: source.status,
    attempts: source.attempts,
    recordCount: source.recordCount,
    lastError: source.lastError,
    nextAttemptAt: isoOrNull(source.nextAttemptAt),
    finishedAt: isoOrNull(source.finishedAt),
  };
}

function copyView(copy: AccessCopySummary): CopyView {
  return {
    createdAt: copy.createdAt.toISOString(),
    expiresAt: copy.expiresAt.toISOString(),
    sizeBytes: copy.sizeBytes,
    released: copy.releasedAt !== null,
    releasedAt: isoOrNull(copy.releasedAt),
    downloads: copy.downloads,
    maxDownloads: copy.maxDownloads,
    deleted: copy.deletedAt !== null,
  };
}

export function isExtended(accessCase: AccessCase): boolean {
  return accessCase.extensionReason !== null || accessCase.history.some((event) => event.status === 'extended');
}

export function requestSummary(accessCase: AccessCase, now: Date): RequestSummary {
  const open = isOpenAccessStatus(accessCase.status);
  const extended = isExtended(accessCase);
  return {
    reference: accessCase.reference,
    regime: accessCase.regime,
    status: accessCase.status,
    receivedAt: accessCase.receivedAt.toISOString(),
    dueAt: accessCase.dueAt.toISOString(),
    effectiveDueAt: accessCase.effectiveDueAt.toISOString(),
    extended,
    extendedDueAt: extended ? isoOrNull(accessCase.extendedDueAt) : null,
    timeLeftSeconds: open ? timeLeftSeconds(accessCase, now) : null,
    urgency: urgencyOf(accessCase, now),
    sources: accessCase.sources.map(sourceView),
    copy: accessCase.copy ? copyView(accessCase.copy) : null,
  };
}

/** True when the case has a copy the team can look at. */
export function hasPreview(accessCase: AccessCase): boolean {
  return accessCase.copy !== null && accessCase.copy.deletedAt === null;
}

/** `previewServed`: this console can read copies (false: no preview whatever the case). */
export function requestDetail(accessCase: AccessCase, now: Date, previewServed = true): RequestDetail {
  const open = isOpenAccessStatus(accessCase.status);
  const bar = extensionBar(accessCase, now);
  return {
    ...requestSummary(accessCase, now),
    acknowledgeBy: isoOrNull(accessCase.acknowledgeBy),
    extensionReason: accessCase.extensionReason,
    maxExtendedDueAt: isoOrNull(accessCase.maxExtendedDueAt),
    extensionNoticeBy: isoOrNull(accessCase.extensionNoticeBy),
    categories: accessCase.categories,
    channel: accessCase.channel,
    locale: accessCase.locale,
    timeZone: accessCase.timeZone,
    blockedReason: accessCase.blockedReason,
    history: accessCase.history.map((event) => ({ status: event.status, reason: event.reason, actor: event.actor, at: event.at.toISOString() })),
    actions: {
      release: accessCase.status === 'awaiting_review',
      extend: { allowed: bar === null, bar },
      refuse: open,
      rerun: open ? accessCase.sources.filter((source) => source.status === 'failed').map((source) => source.sourceId) : [],
      preview: previewServed && hasPreview(accessCase),
    },
  };
}
