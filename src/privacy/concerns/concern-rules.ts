/**
 * The rules of concerns and incidents as pure functions: which triage a concern still takes, when an
 * awareness instant is acceptable, how a phase changes the Art. 33(3) record, what a notice needs.
 * The service (concern-service.ts) applies them inside its transactions; the dialog and the console
 * may call them to check input early, so neither holds a rule the other lacks.
 */
import { SHIPPED_LOCALES } from '../../i18n/shipped-locales';
import { REGIMES, Regime } from '../clocks/regimes';
import { ConcernRuleError } from './concern-rule-error';
import type { Art33Record, ConcernState, ConcernTopic, IncidentNoticeText } from './concern-types';
import { LedgerError } from '../../ledger/ledger-errors';

/** States in which a concern still waits for triage (confirm, dismiss or merge). */
export const UNTRIAGED_STATES: readonly ConcernState[] = Object.freeze(['reported', 'answered']);

/** A report about a suspected breach of the customer's data is a breach suspect: the DPO is alerted at once. */
export function isBreachSuspect(topic: ConcernTopic): boolean {
  return topic === 'breach';
}

/**
 * Within this much before now, an awareness instant counts as "now" and needs no reason: the console's
 * clock and the server's differ by seconds, and so does the time it takes to press the button.
 */
export const AWARENESS_NOW_TOLERANCE_MS = 60_000;

/** Longest reason, reply, title or record text the team may type. */
export const TEAM_TEXT_LIMIT = 10_000;

/**
 * The awareness of a breach being confirmed: now when not given; never later than now; earlier only
 * with a reason (it moves the authority deadline earlier, and the record must say why).
 * @throws ConcernRuleError `PSB_CONCERN_AWARENESS_IN_FUTURE` (field `awarenessAt`) or `PSB_CONCERN_REASON_REQUIRED` (field `awarenessReason`).
 */
export function awarenessOf(given: Date | undefined, reason: string | undefined, now: Date): { readonly awarenessAt: Date; readonly reason: string | null } {
  if (given === undefined) return { awarenessAt: now, reason: reason?.trim() || null };
  if (!(given instanceof Date) || Number.isNaN(given.getTime())) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'awarenessAt must be a valid instant', { field: 'awarenessAt' });
  if (given.getTime() > now.getTime()) {
    throw new ConcernRuleError('PSB_CONCERN_AWARENESS_IN_FUTURE', `awareness cannot be later than now (${now.toISOString()}); it was given as ${given.toISOString()}`, { field: 'awarenessAt' });
  }
  const trimmed = reason?.trim() ?? '';
  if (now.getTime() - given.getTime() > AWARENESS_NOW_TOLERANCE_MS && trimmed === '') {
    throw new ConcernRuleError('PSB_CONCERN_REASON_REQUIRED', 'an awareness earlier than now needs a reason (it moves the authority deadline earlier)', { field: 'awarenessReason' });
  }
  if (trimmed.length > TEAM_TEXT_LIMIT) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `awarenessReason is longer than ${TEAM_TEXT_LIMIT} characters`, { field: 'awarenessReason' });
  return { awarenessAt: given, reason: trimmed || null };
}

/** @throws ConcernRuleError `PSB_CONCERN_ALREADY_TRIAGED` unless the concern still waits for triage. */
export function assertUntriaged(reference: string, state: ConcernState): void {
  if (!UNTRIAGED_STATES.includes(state)) {
    throw new ConcernRuleError('PSB_CONCERN_ALREADY_TRIAGED', `concern ${reference} is ${state.replace(/_/g, ' ')} and takes no second triage`, { state });
  }
}

/** A reason the team must give (`what` needs it: "dismissing a concern"): trimmed, not empty. */
export function requiredReason(reason: string | undefined, what: string, field = 'reason'): string {
  const trimmed = typeof reason === 'string' ? reason.trim() : '';
  if (trimmed === '') throw new ConcernRuleError('PSB_CONCERN_REASON_REQUIRED', `${what} needs a reason: it is kept in the concern's history`, { field });
  if (trimmed.length > TEAM_TEXT_LIMIT) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `${field} is longer than ${TEAM_TEXT_LIMIT} characters`, { field });
  return trimmed;
}

/** The union of regimes, in the order of REGIMES (so the clocks are always listed alike). */
export function mergeRegimes(...lists: readonly (readonly Regime[])[]): Regime[] {
  const all = new Set(lists.flat());
  return REGIMES.filter((regime) => all.has(regime));
}

export const ART33_TEXT_FIELDS = ['nature', 'dataCategories', 'likelyConsequences', 'measures', 'dpoContact', 'delayReasons'] as const;
export const ART33_NUMBER_FIELDS = ['approxSubjects', 'approxRecords'] as const;
export const ART33_FIELDS: readonly (keyof Art33Record)[] = Object.freeze([
  'nature',
  'dataCategories',
  'approxSubjects',
  'approxRecords',
  'likelyConsequences',
  'measures',
  'dpoContact',
  'delayReasons',
]);

/** An empty Art. 33(3) record, with what is known at the start. */
export function emptyRecord(known: Partial<Art33Record> = {}): Art33Record {
  return { nature: '', dataCategories: '', approxSubjects: null, approxRecords: null, likelyConsequences: '', measures: '', dpoContact: '', delayReasons: '', ...known };
}

/** A stored record (any shape the database gave back) as an Art. 33(3) record, missing fields empty. */
export function recordOf(stored: Readonly<Record<string, unknown>>): Art33Record {
  const text = (field: (typeof ART33_TEXT_FIELDS)[number]): string => (typeof stored[field] === 'string' ? (stored[field] as string) : '');
  const count = (field: (typeof ART33_NUMBER_FIELDS)[number]): number | null => (typeof stored[field] === 'number' ? (stored[field] as number) : null);
  return {
    nature: text('nature'),
    dataCategories: text('dataCategories'),
    approxSubjects: count('approxSubjects'),
    approxRecords: count('approxRecords'),
    likelyConsequences: text('likelyConsequences'),
    measures: text('measures'),
    dpoContact: text('dpoContact'),
    delayReasons: text('delayReasons'),
  };
}

/**
 * A phase (Art. 33(4)): the fields given that differ from the record, and the record after it.
 * Unknown fields, wrong types and over-long texts are refused naming the field; a phase that changes
 * nothing is refused too (field `fields`), so every phase in the record says something.
 */
export function applyPhase(current: Art33Record, given: Readonly<Record<string, unknown>>): { readonly changed: (keyof Art33Record)[]; readonly next: Art33Record } {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'a phase is an object of Art. 33(3) fields', { field: 'fields' });
  const next: Record<string, unknown> = { ...current };
  const changed: (keyof Art33Record)[] = [];
  for (const [field, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!(ART33_FIELDS as readonly string[]).includes(field)) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `unknown Art. 33(3) field "${field.slice(0, 40)}" (known: ${ART33_FIELDS.join(', ')})`, { field });
    if ((ART33_NUMBER_FIELDS as readonly string[]).includes(field)) {
      if (value !== null && !(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `${field} must be a whole number (0 or more), or null when not known`, { field });
    } else if (typeof value !== 'string' || value.length > TEAM_TEXT_LIMIT) {
      throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `${field} must be text of at most ${TEAM_TEXT_LIMIT} characters`, { field });
    }
    const normalised = typeof value === 'string' ? value.trim() : value;
    if (next[field] !== normalised) {
      next[field] = normalised;
      changed.push(field as keyof Art33Record);
    }
  }
  if (changed.length === 0) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'this phase changes nothing in the record; give at least one field with new information', { field: 'fields' });
  return { changed: ART33_FIELDS.filter((f) => changed.includes(f)), next: next as unknown as Art33Record };
}

const NOTICE_PARTS: readonly (keyof IncidentNoticeText)[] = ['whatHappened', 'whatData', 'whatWeDo', 'whatYouShouldDo'];

/** Longest part of a notice. */
export const NOTICE_PART_LIMIT = 4000;

/**
 * The notice texts as stored: each language a shipped one, each with the four parts, trimmed.
 * @throws ConcernRuleError `PSB_INCIDENT_NOTICE_INCOMPLETE` naming `texts.<lang>.<part>`.
 */
export function noticeTexts(texts: Readonly<Record<string, IncidentNoticeText>>): Record<string, IncidentNoticeText> {
  const incomplete = (field: string, why: string): ConcernRuleError => new ConcernRuleError('PSB_INCIDENT_NOTICE_INCOMPLETE', `${field}: ${why}`, { field });
  if (typeof texts !== 'object' || texts === null || Array.isArray(texts) || Object.keys(texts).length === 0) throw incomplete('texts', 'give the notice in at least one language');
  const result: Record<string, IncidentNoticeText> = {};
  for (const [language, text] of Object.entries(texts)) {
    if (!(SHIPPED_LOCALES as readonly string[]).includes(language)) throw incomplete(`texts.${language.slice(0, 20)}`, `not a shipped language (${SHIPPED_LOCALES.join(', ')})`);
    if (typeof text !== 'object' || text === null) throw incomplete(`texts.${language}`, 'the four parts are missing');
    const parts: Record<string, string> = {};
    for (const part of NOTICE_PARTS) {
      const value = (text as unknown as Record<string, unknown>)[part];
      if (typeof value !== 'string' || value.trim() === '') throw incomplete(`texts.${language}.${part}`, 'is empty');
      if (value.length > NOTICE_PART_LIMIT) throw incomplete(`texts.${language}.${part}`, `is longer than ${NOTICE_PART_LIMIT} characters`);
      parts[part] = value.trim();
    }
    result[language] = parts as unknown as IncidentNoticeText;
  }
  return result;
}

/** Keeps only the first `limit` characters (whole code points), and says whether it cut. */
export function cutText(text: string, limit: number): { readonly text: string; readonly truncated: boolean } {
  const points = Array.from(text);
  return points.length <= limit ? { text, truncated: false } : { text: points.slice(0, limit).join(''), truncated: true };
}

/** @throws ConcernRuleError `PSB_INCIDENT_CLOSED` for a closed incident: it takes no more reports, information or affected people. */
export function assertIncidentOpen(incident: { readonly reference: string; readonly state: string }): void {
  if (incident.state === 'closed') throw new ConcernRuleError('PSB_INCIDENT_CLOSED', `incident ${incident.reference} is closed`);
}
