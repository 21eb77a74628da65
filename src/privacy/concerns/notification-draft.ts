/**
 * The notification draft of a breach for the supervisory authority's form (GDPR Art. 33(3)): the same
 * facts as JSON (to paste or to feed a tool) and as a self-contained readable page (inline style, no
 * script, nothing loaded), in the team's language. Everything typed by people (the Art. 33 record,
 * the title, the reasons) is escaped: it is the customer's or the team's text.
 */
import { escapeHtml } from '../../html/escape-html';
import type { Translator } from '../../i18n/translator';
import { REPORT_STYLE } from '../access/copy/report-style';
import type { Regime } from '../clocks/regimes';
import { ART33_FIELDS } from './concern-rules';
import type { Art33Record, Incident } from './concern-types';

/** Bumped when a field changes meaning or disappears. */
export const NOTIFICATION_DRAFT_FORMAT = 'psb-breach-notification-draft/1';

/** The controller as the draft names it (config/controller.json). */
export interface DraftController {
  readonly name: string;
  readonly contact: string;
  readonly email: string;
  readonly phone: string;
  readonly address: string;
}

export interface NotificationDraftInput {
  readonly incident: Incident;
  readonly awarenessReason: string | null;
  readonly notifiedAt: Date | null;
  readonly controller: DraftController;
  /** The supervisory authority of a regime, named in the page's language. */
  readonly authorityOf: (regime: Regime) => string;
  readonly generatedAt: Date;
  readonly translator: Translator;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);
/** "2026-03-08 09:00:00" (UTC): precise enough for a deadline counted in hours. */
const utc = (date: Date): string => `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 19)}`;

/** True when a deadline passed before the authority was notified (or before now, while not notified). */
function isLate(incident: Incident, notifiedAt: Date | null, now: Date): boolean {
  const by = (notifiedAt ?? now).getTime();
  return incident.clocks.some((clock) => clock.dueAt !== null && clock.dueAt.getTime() < by);
}

/** The draft as JSON: every fact, dates as ISO instants. */
export function draftJson(input: NotificationDraftInput): Record<string, unknown> {
  const { incident } = input;
  return {
    format: NOTIFICATION_DRAFT_FORMAT,
    generatedAt: input.generatedAt.toISOString(),
    controller: { ...input.controller },
    incident: {
      reference: incident.reference,
      title: incident.title,
      state: incident.state,
      awarenessAt: incident.awarenessAt.toISOString(),
      awarenessReason: input.awarenessReason,
      notifiedAt: iso(input.notifiedAt),
      regimes: [...incident.regimes],
      affectedCount: incident.affectedCount,
      concernReferences: [...incident.concernReferences],
    },
    clocks: incident.clocks.map((clock) => ({ regime: clock.regime, authority: input.authorityOf(clock.regime), dueAt: iso(clock.dueAt), rule: clock.rule, basis: clock.basis })),
    late: isLate(incident, input.notifiedAt, input.generatedAt),
    record: { ...incident.record },
    phases: incident.phases.map((phase) => ({ seq: phase.seq, at: phase.at.toISOString(), actor: phase.actor, fields: [...phase.fields] })),
  };
}

function definitionList(rows: readonly [string, string][]): string {
  return `<dl>\n${rows.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`).join('\n')}\n</dl>`;
}

function table(caption: string, header: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table-wrap" tabindex="0" role="region" aria-label="${escapeHtml(caption)}">\n<table>\n<caption>${escapeHtml(caption)}</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>\n</div>`;
}

function recordValue(record: Art33Record, field: keyof Art33Record, notProvided: string): string {
  const value = record[field];
  if (value === null || value === '') return notProvided;
  return String(value);
}

/** The draft as one readable page, in the translator's language. */
export function draftHtml(input: NotificationDraftInput): string {
  const { incident, translator: t } = input;
  const notProvided = t.t('incidentDraft.notProvided');
  const section = (key: string, content: string): string => `<h2>${escapeHtml(t.t(`incidentDraft.sections.${key}`))}</h2>\n${content}`;
  const controller = definitionList(
    (['name', 'contact', 'email', 'phone', 'address'] as const).map((field) => [t.t(`incidentDraft.controller.${field}`), input.controller[field]] as [string, string]),
  );
  const facts: [string, string][] = [
    [t.t('incidentDraft.incident.reference'), incident.reference],
    [t.t('incidentDraft.incident.title'), incident.title],
    [t.t('incidentDraft.incident.state'), t.t(`incidentDraft.states.${incident.state}`)],
    [t.t('incidentDraft.incident.awarenessAt'), `${utc(incident.awarenessAt)} UTC`],
    ...(input.awarenessReason ? [[t.t('incidentDraft.incident.awarenessReason'), input.awarenessReason] as [string, string]] : []),
    ...(input.notifiedAt ? [[t.t('incidentDraft.incident.notifiedAt'), `${utc(input.notifiedAt)} UTC`] as [string, string]] : []),
    [t.t('incidentDraft.incident.affectedCount'), String(incident.affectedCount)],
  ];
  const clocks = table(
    t.t('incidentDraft.sections.clocks'),
    (['regime', 'authority', 'due', 'rule'] as const).map((c) => t.t(`incidentDraft.clockColumns.${c}`)),
    incident.clocks.map((clock) => [clock.regime.toUpperCase(), input.authorityOf(clock.regime), clock.dueAt ? utc(clock.dueAt) : t.t('incidentDraft.noDeadline'), `${clock.rule}. ${clock.basis}`]),
  );
  const late = isLate(incident, input.notifiedAt, input.generatedAt) ? `<p class="note"><strong>${escapeHtml(t.t('incidentDraft.late'))}</strong></p>` : '';
  const record = definitionList(ART33_FIELDS.map((field) => [t.t(`incidentDraft.record.${field}`), recordValue(incident.record, field, notProvided)] as [string, string]));
  const recordLabel = (field: string): string => t.t(`incidentDraft.record.${field}`);
  const phases =
    incident.phases.length === 0
      ? `<p>${escapeHtml(t.t('incidentDraft.none'))}</p>`
      : table(
          t.t('incidentDraft.sections.phases'),
          (['seq', 'at', 'actor', 'fields'] as const).map((c) => t.t(`incidentDraft.phaseColumns.${c}`)),
          incident.phases.map((phase) => [String(phase.seq), utc(phase.at), phase.actor, phase.fields.map(recordLabel).join('; ')]),
        );
  const reports = incident.concernReferences.length === 0 ? `<p>${escapeHtml(t.t('incidentDraft.none'))}</p>` : `<ul>\n${incident.concernReferences.map((r) => `<li>${escapeHtml(r)}</li>`).join('\n')}\n</ul>`;
  const title = t.t('incidentDraft.title', { reference: incident.reference });
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(t.locale)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex, nofollow">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${REPORT_STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeHtml(t.t('incidentDraft.heading'))}</h1>`,
    `<p>${escapeHtml(t.t('incidentDraft.intro'))}</p>`,
    `<p class="note">${escapeHtml(t.t('incidentDraft.generated', { at: utc(input.generatedAt) }))}</p>`,
    section('controller', controller),
    section('incident', definitionList(facts)),
    section('clocks', `${late}\n${clocks}`),
    section('record', record),
    section('phases', phases),
    section('reports', reports),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
