/**
 * `ledger requests list|show` as text for a terminal: the same views the agent console's Requests
 * view answers (`--json` prints those as they are), laid out as a table and as a case sheet.
 * Instants in UTC; no personal data (references, statuses, source ids, the team's own reasons).
 */
import type { RequestDetailView, RequestListView, RequestSummary, SourceView } from '../agent/requests/request-views';

/** "2026-03-08 09:00Z". */
export function utc(iso: string | null): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z` : '—';
}

/** "12 d 4 h", "5 h 10 min", "overdue by 2 d 3 h"; "—" for no clock. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.abs(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const text = d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`;
  return seconds < 0 ? `overdue by ${text}` : text;
}

/** The time-left column: the urgency in words, never only a colour a terminal may not show. */
export function timeLeftText(request: Pick<RequestSummary, 'urgency' | 'timeLeftSeconds'>): string {
  switch (request.urgency) {
    case 'closed':
      return 'closed';
    case 'soon':
      return `${duration(request.timeLeftSeconds)} (due soon)`;
    default:
      return duration(request.timeLeftSeconds);
  }
}

function sourceText(source: SourceView): string {
  if (source.status === 'done' || source.attempts === 0) return `${source.sourceId} ${source.status}`;
  return `${source.sourceId} ${source.status} ×${source.attempts}${source.lastError ? ` (${source.lastError})` : ''}`;
}

export function sourcesSummary(sources: readonly SourceView[]): string {
  return sources.length === 0 ? '—' : sources.map(sourceText).join('; ');
}

function dueText(request: RequestSummary): string {
  return request.extended ? `${utc(request.effectiveDueAt)} (extended)` : utc(request.effectiveDueAt);
}

/** Columns padded to their widest cell; the last one is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

/** The list as a table, most urgent first (the order the service answers). */
export function requestTable(view: RequestListView): string {
  return table(
    ['REFERENCE', 'STATUS', 'RECEIVED', 'DUE', 'TIME LEFT', 'SOURCES'],
    view.requests.map((r) => [r.reference, r.status, utc(r.receivedAt), dueText(r), timeLeftText(r), sourcesSummary(r.sources)]),
  );
}

function copyText(view: RequestDetailView['request']['copy']): string {
  if (!view) return 'not assembled yet';
  if (view.deleted) return `deleted after expiry (created ${utc(view.createdAt)})`;
  const size = view.sizeBytes < 1024 ? `${view.sizeBytes} B` : view.sizeBytes < 1024 * 1024 ? `${(view.sizeBytes / 1024).toFixed(1)} KB` : `${(view.sizeBytes / (1024 * 1024)).toFixed(1)} MB`;
  const released = view.releasedAt ? `released ${utc(view.releasedAt)}` : 'not released';
  return `${size}, ${released}, ${view.downloads} of ${view.maxDownloads} downloads, created ${utc(view.createdAt)}, expires ${utc(view.expiresAt)}`;
}

/** One case: its clock, sources, copy and history. */
export function requestSheet(view: RequestDetailView): string {
  const r = view.request;
  const facts: [string, string][] = [
    ['status', r.status],
    ['regime', r.regime],
    ['received', utc(r.receivedAt)],
    ...(r.acknowledgeBy ? [['acknowledge by', utc(r.acknowledgeBy)] as [string, string]] : []),
    ['due', utc(r.dueAt)],
    ...(r.extended ? [['extended to', `${utc(r.extendedDueAt)}${r.extensionReason ? ` (${r.extensionReason})` : ''}`] as [string, string]] : []),
    ['time left', timeLeftText(r)],
    ['extension', r.actions.extend.allowed ? `possible, up to ${utc(r.maxExtendedDueAt)}` : `not possible (${r.actions.extend.bar?.replace(/_/g, ' ')})`],
    ['data asked for', r.categories ? r.categories.join(', ') : 'everything'],
    ['asked', [r.channel ?? 'unknown channel', r.locale, r.timeZone].join(', ')],
    ...(r.blockedReason ? [[r.status === 'rejected' ? 'refused because' : 'blocked because', r.blockedReason] as [string, string]] : []),
  ];
  const width = Math.max(...facts.map(([name]) => name.length));
  const out = [`${r.reference}\n`, ...facts.map(([name, value]) => `  ${name.padEnd(width)}  ${value}\n`)];
  out.push('\nsources\n');
  out.push(
    r.sources.length === 0
      ? '  none\n'
      : table(
          ['  SOURCE', 'STATUS', 'ATTEMPTS', 'RECORDS', 'LAST ERROR'],
          r.sources.map((s) => [`  ${s.sourceId}`, s.status, String(s.attempts), s.recordCount === null ? '—' : String(s.recordCount), s.lastError ?? '—']),
        ),
  );
  out.push(`\ncopy\n  ${copyText(r.copy)}\n`);
  out.push('\nhistory\n');
  for (const event of r.history) out.push(`  ${utc(event.at)}  ${event.status} by ${event.actor}${event.reason ? `: ${event.reason}` : ''}\n`);
  return out.join('');
}
