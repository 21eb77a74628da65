/**
 * `ledger concerns list` and `ledger incidents list` for a terminal: JSON views (`--json`) and tables.
 * No customer's words (the description, their phrases of when and of which data, a typed contact stay
 * sealed): references, topics, states, instants (UTC), regimes, clocks, the team's own reasons.
 */
import type { ConcernCase, Incident } from '../privacy/concerns/concern-types';
import { duration, table, utc } from './requests-output';

export interface ConcernListItem {
  readonly reference: string;
  readonly topic: string;
  readonly suspectedBreach: boolean;
  readonly state: string;
  readonly reportedAt: string;
  readonly occurredAt: string | null;
  readonly dataCategories: readonly string[];
  readonly channel: string | null;
  readonly awarenessAt: string | null;
  readonly incidentReference: string | null;
  readonly dpoAlert: ConcernCase['dpoAlert'];
  readonly history: readonly { readonly state: string; readonly reason: string | null; readonly actor: string; readonly at: string }[];
}

export interface IncidentClockItem {
  readonly regime: string;
  /** null: "as soon as feasible" or no deadline from awareness. */
  readonly dueAt: string | null;
  readonly rule: string;
  /** Seconds until the deadline (negative: overdue); null without one. */
  readonly timeLeftSeconds: number | null;
}

export interface IncidentListItem {
  readonly reference: string;
  readonly title: string;
  readonly state: string;
  readonly awarenessAt: string;
  readonly regimes: readonly string[];
  readonly clocks: readonly IncidentClockItem[];
  readonly concernReferences: readonly string[];
  readonly affectedCount: number;
  readonly phases: number;
  readonly notice: { readonly published: boolean; readonly languages: readonly string[] } | null;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function concernItem(c: ConcernCase): ConcernListItem {
  return {
    reference: c.reference,
    topic: c.topic,
    suspectedBreach: c.suspectedBreach,
    state: c.state,
    reportedAt: c.reportedAt.toISOString(),
    occurredAt: iso(c.occurred?.at ?? null),
    dataCategories: c.dataCategories,
    channel: c.channel,
    awarenessAt: iso(c.awarenessAt),
    incidentReference: c.incidentReference,
    dpoAlert: c.dpoAlert,
    history: c.history.map((h) => ({ state: h.state, reason: h.reason, actor: h.actor, at: h.at.toISOString() })),
  };
}

export function incidentItem(incident: Incident, now: Date): IncidentListItem {
  return {
    reference: incident.reference,
    title: incident.title,
    state: incident.state,
    awarenessAt: incident.awarenessAt.toISOString(),
    regimes: incident.regimes,
    clocks: incident.clocks.map((clock) => ({
      regime: clock.regime,
      dueAt: iso(clock.dueAt),
      rule: clock.rule,
      timeLeftSeconds: clock.dueAt ? Math.floor((clock.dueAt.getTime() - now.getTime()) / 1000) : null,
    })),
    concernReferences: incident.concernReferences,
    affectedCount: incident.affectedCount,
    phases: incident.phases.length,
    notice: incident.notice ? { published: incident.notice.publishedAt !== null && incident.notice.withdrawnAt === null, languages: Object.keys(incident.notice.texts).sort() } : null,
  };
}

function dpoText(alert: ConcernCase['dpoAlert']): string {
  if (!alert) return '—';
  const part = (name: string, status: string): string => `${name} ${status.replace(/_/g, ' ')}`;
  return `${part('webhook', alert.webhook)}, ${part('email', alert.email)}`;
}

/** The concerns as a table, in the service's order (new reports first, breach suspects first among them). */
export function concernTable(items: readonly ConcernListItem[]): string {
  return table(
    ['REFERENCE', 'TOPIC', 'STATE', 'REPORTED', 'INCIDENT', 'DPO ALERT'],
    items.map((c) => [c.reference, c.suspectedBreach ? `${c.topic} (suspected breach)` : c.topic, c.state.replace(/_/g, ' '), utc(c.reportedAt), c.incidentReference ?? '—', dpoText(c.dpoAlert)]),
  );
}

/** "gdpr 71 h 59 min (due 2026-03-10 12:00Z)", "pipeda as soon as feasible"; a notified incident's clocks are stopped. */
function clockText(clock: IncidentClockItem, state: string): string {
  if (clock.dueAt === null) return `${clock.regime} ${clock.rule}`;
  if (state !== 'open') return `${clock.regime} due ${utc(clock.dueAt)} (stopped: ${state})`;
  return `${clock.regime} ${duration(clock.timeLeftSeconds)} (due ${utc(clock.dueAt)})`;
}

/** The incidents as a table, open ones first, the time left per regime. */
export function incidentTable(items: readonly IncidentListItem[]): string {
  return table(
    ['REFERENCE', 'STATE', 'AWARE SINCE', 'REPORTS', 'AFFECTED', 'NOTICE', 'TIME LEFT PER REGIME'],
    items.map((i) => [
      i.reference,
      i.state,
      utc(i.awarenessAt),
      String(i.concernReferences.length),
      String(i.affectedCount),
      i.notice ? `${i.notice.published ? 'published' : 'draft'} (${i.notice.languages.join(', ')})` : '—',
      i.clocks.map((clock) => clockText(clock, i.state)).join('; '),
    ]),
  );
}
