/**
 * Where an access case stands against its deadline, as the privacy team sees it (console and CLI
 * alike): the time left, an urgency band, and whether an extension is still possible. Pure functions.
 */
import { AccessCase, AccessCaseStatus, OPEN_ACCESS_STATUSES } from './access-types';

/** Overdue (past the deadline in force), due within {@link DUE_SOON_DAYS}, later, or closed (no clock). */
export type AccessUrgency = 'overdue' | 'soon' | 'later' | 'closed';

/** A case is "due soon" within this many days of the deadline in force. @default 3 days */
export const DUE_SOON_DAYS = 3;
const DAY_MS = 24 * 60 * 60 * 1000;

export function isOpenAccessStatus(status: AccessCaseStatus): boolean {
  return OPEN_ACCESS_STATUSES.includes(status);
}

/** Whole seconds until the deadline in force (the extended one once extended); negative when overdue. */
export function timeLeftSeconds(accessCase: Pick<AccessCase, 'effectiveDueAt'>, now: Date): number {
  const ms = accessCase.effectiveDueAt.getTime() - now.getTime();
  return ms >= 0 ? Math.floor(ms / 1000) : -Math.ceil(-ms / 1000);
}

export function urgencyOf(accessCase: Pick<AccessCase, 'status' | 'effectiveDueAt'>, now: Date): AccessUrgency {
  if (!isOpenAccessStatus(accessCase.status)) return 'closed';
  const left = accessCase.effectiveDueAt.getTime() - now.getTime();
  if (left < 0) return 'overdue';
  return left <= DUE_SOON_DAYS * DAY_MS ? 'soon' : 'later';
}

/** Why an extension is not possible now; null when it is. */
export type ExtensionBar = 'closed' | 'none_in_regime' | 'already_extended' | 'past_first_deadline';

/**
 * Whether the team may still extend (a hint to show the action or say why not): the regime must have
 * an extension, the case be open, not extended yet, and the first deadline not passed (GDPR Art. 12(3):
 * the customer is told within the first period). The service enforces it; the console shows why the action is not offered.
 */
export function extensionBar(accessCase: Pick<AccessCase, 'status' | 'dueAt' | 'extendedDueAt' | 'extensionReason' | 'maxExtendedDueAt'>, now: Date): ExtensionBar | null {
  if (!isOpenAccessStatus(accessCase.status)) return 'closed';
  if (accessCase.maxExtendedDueAt === null) return 'none_in_regime';
  if (accessCase.extensionReason !== null) return 'already_extended';
  if (now.getTime() > accessCase.dueAt.getTime()) return 'past_first_deadline';
  return null;
}
