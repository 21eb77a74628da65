import type { Regime } from '../../privacy/clocks/regimes';
import type { Art33Record, BreachClock, Incident, IncidentNoticeState, IncidentNoticeText } from '../../privacy/concerns/concern-types';
import { isoOrNull } from '../view-dates';

/**
 * What the agent API shows of breach incidents: each regime's clock to the authority with the time
 * left at the answer's `now` (the server's clock), the Art. 33(3) record and its phases, the notice
 * to customers per language and the affected count. No customer's data: the record and the notice
 * are the team's own words, the affected subjects a count.
 */

/** `overdue`, `soon` (under {@link SOON_SECONDS} left), `later`; `undated`: no instant — the rule says "as soon as feasible" (PIPEDA) or sets none from awareness (CCPA); `stopped`: the authority was notified. */
export type ClockUrgency = 'overdue' | 'soon' | 'later' | 'undated' | 'stopped';

/** Under a day left on a clock is `soon`. */
export const SOON_SECONDS = 24 * 60 * 60;

export interface ClockView {
  readonly regime: Regime;
  /** null when the law says "as soon as feasible" or sets no deadline. */
  readonly dueAt: string | null;
  /** "72 hours", "3 working days", "as soon as feasible". */
  readonly rule: string;
  readonly basis: string;
  /** Until `dueAt` (negative when overdue); null without a deadline or once notified. */
  readonly timeLeftSeconds: number | null;
  readonly urgency: ClockUrgency;
}

export interface NoticeView {
  /** Languages written, in the order given. */
  readonly languages: readonly string[];
  readonly published: boolean;
  readonly publishedAt: string | null;
  readonly withdrawnAt: string | null;
}

export interface IncidentSummary {
  readonly reference: string;
  readonly title: string;
  readonly awarenessAt: string;
  readonly regimes: readonly Regime[];
  readonly state: Incident['state'];
  /** Most urgent first: overdue, then the nearest deadline; "as soon as feasible" after those with an instant. */
  readonly clocks: readonly ClockView[];
  readonly concernReferences: readonly string[];
  readonly affectedCount: number;
  readonly phaseCount: number;
  readonly notice: NoticeView | null;
}

export interface PhaseView {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly fields: readonly (keyof Art33Record)[];
}

/** Which actions the page offers. Hints only: the service decides, and refuses (409) what it does not allow. */
export interface IncidentActions {
  readonly addPhase: boolean;
  readonly markNotified: boolean;
  readonly editNotice: boolean;
  readonly publish: boolean;
  readonly withdraw: boolean;
  readonly importAffected: boolean;
}

export interface IncidentDetail extends IncidentSummary {
  readonly record: Art33Record;
  /** Oldest first. */
  readonly phases: readonly PhaseView[];
  readonly noticeTexts: Readonly<Partial<Record<string, IncidentNoticeText>>>;
  /** The languages a notice may be written in (the shipped ones). */
  readonly noticeLanguages: readonly string[];
  readonly actions: IncidentActions;
}

export interface IncidentListView {
  readonly now: string;
  /** Open incidents first, then by their most urgent clock. */
  readonly incidents: readonly IncidentSummary[];
}

export interface IncidentDetailView {
  readonly now: string;
  readonly incident: IncidentDetail;
}

const URGENCY_ORDER: Readonly<Record<ClockUrgency, number>> = { overdue: 0, soon: 1, later: 2, undated: 3, stopped: 4 };

export function clockView(clock: BreachClock, state: Incident['state'], now: Date): ClockView {
  const base = { regime: clock.regime, dueAt: isoOrNull(clock.dueAt), rule: clock.rule, basis: clock.basis };
  if (state !== 'open') return { ...base, timeLeftSeconds: null, urgency: 'stopped' };
  if (clock.dueAt === null) return { ...base, timeLeftSeconds: null, urgency: 'undated' };
  const left = Math.floor((clock.dueAt.getTime() - now.getTime()) / 1000);
  return { ...base, timeLeftSeconds: left, urgency: left < 0 ? 'overdue' : left < SOON_SECONDS ? 'soon' : 'later' };
}

function byUrgency(a: ClockView, b: ClockView): number {
  return URGENCY_ORDER[a.urgency] - URGENCY_ORDER[b.urgency] || (a.timeLeftSeconds ?? Infinity) - (b.timeLeftSeconds ?? Infinity);
}

/** A notice is in force when published and not withdrawn since. */
export function isPublished(notice: IncidentNoticeState | null): boolean {
  return notice !== null && notice.publishedAt !== null && (notice.withdrawnAt === null || notice.withdrawnAt.getTime() < notice.publishedAt.getTime());
}

function noticeView(notice: IncidentNoticeState | null): NoticeView | null {
  if (!notice) return null;
  return {
    languages: Object.keys(notice.texts).filter((language) => notice.texts[language] !== undefined),
    published: isPublished(notice),
    publishedAt: isoOrNull(notice.publishedAt),
    withdrawnAt: isoOrNull(notice.withdrawnAt),
  };
}

export function incidentSummary(incident: Incident, now: Date): IncidentSummary {
  return {
    reference: incident.reference,
    title: incident.title,
    awarenessAt: incident.awarenessAt.toISOString(),
    regimes: incident.regimes,
    state: incident.state,
    clocks: incident.clocks.map((clock) => clockView(clock, incident.state, now)).sort(byUrgency),
    concernReferences: incident.concernReferences,
    affectedCount: incident.affectedCount,
    phaseCount: incident.phases.length,
    notice: noticeView(incident.notice),
  };
}

export function incidentDetail(incident: Incident, now: Date, noticeLanguages: readonly string[]): IncidentDetail {
  const summary = incidentSummary(incident, now);
  const written = (summary.notice?.languages.length ?? 0) > 0;
  const published = summary.notice?.published ?? false;
  return {
    ...summary,
    record: incident.record,
    phases: incident.phases.map((phase) => ({ seq: phase.seq, at: phase.at.toISOString(), actor: phase.actor, fields: phase.fields })),
    noticeTexts: incident.notice?.texts ?? {},
    noticeLanguages,
    actions: {
      addPhase: incident.state !== 'closed',
      markNotified: incident.state === 'open',
      editNotice: incident.state !== 'closed',
      publish: written && !published && incident.state !== 'closed',
      withdraw: published,
      importAffected: incident.state !== 'closed',
    },
  };
}

/** Open incidents first, then by their most urgent clock (the list's order). */
export function byMostUrgent(a: IncidentSummary, b: IncidentSummary): number {
  const open = Number(b.state === 'open') - Number(a.state === 'open');
  if (open !== 0) return open;
  const [x, y] = [a.clocks[0], b.clocks[0]];
  if (!x || !y) return Number(!x) - Number(!y);
  return byUrgency(x, y);
}
