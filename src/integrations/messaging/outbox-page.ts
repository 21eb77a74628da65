import { createHash } from 'node:crypto';
import type { Translator } from '../../i18n/translator';
import type { OutboxEntry } from './message-outbox';
import { escapeHtml } from '../../html/escape-html';

/** The page's only style, inline and allowed by its hash (no 'unsafe-inline', no file to serve). */
const STYLE = [
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1rem 1.5rem;color:#1b1b1b;background:#fff}',
  'table{border-collapse:collapse;width:100%}',
  'caption{text-align:left;font-weight:600;padding:.5rem 0}',
  'th,td{border:1px solid #8a8a8a;padding:.4rem .6rem;text-align:left;vertical-align:top}',
  'pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;font:inherit}',
  'a{color:#0b4fa8}',
  'a:focus-visible{outline:3px solid #0b4fa8;outline-offset:2px}',
].join('');

/** CSP source of the inline style: `'sha256-…'`. */
export const OUTBOX_STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'`;

/**
 * The outbox page's policy: nothing loads but its own inline style (by hash) and an empty inline
 * icon; no script at all, no forms, no framing, no `<base>`, no plugins.
 */
export const OUTBOX_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${OUTBOX_STYLE_SOURCE}`,
  // The empty inline icon only: without it the browser asks for /favicon.ico.
  "img-src data:",
  "script-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The outbox as a small page in the reader's language (`locales/<lang>/messages.json`, keys
 * `outbox.*`): newest message first, a table with a caption and column headers, links to
 * reload and to the JSON. Only links are interactive, so the keyboard reaches everything.
 */
export function renderOutboxPage(entries: readonly OutboxEntry[], t: Translator, path: string): string {
  const dateFormat = new Intl.DateTimeFormat(t.locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });
  const rows = [...entries]
    .reverse()
    .map((entry) =>
      [
        '<tr>',
        `<td><time datetime="${escapeHtml(entry.sentAt)}">${escapeHtml(dateFormat.format(new Date(entry.sentAt)))} UTC</time></td>`,
        `<td>${escapeHtml(t.t(`outbox.channels.${entry.channel}`))}</td>`,
        `<td>${escapeHtml(entry.to)}</td>`,
        `<td>${escapeHtml(entry.subject)}</td>`,
        `<td><pre>${escapeHtml(entry.text)}</pre></td>`,
        '</tr>',
      ].join(''),
    )
    .join('\n');
  const columns = ['sentAt', 'channel', 'to', 'subject', 'text'].map((column) => `<th scope="col">${escapeHtml(t.t(`outbox.columns.${column}`))}</th>`).join('');
  const body =
    entries.length === 0
      ? `<p>${escapeHtml(t.t('outbox.empty'))}</p>`
      : `<table>\n<caption>${escapeHtml(t.t('outbox.caption', { total: entries.length }))}</caption>\n<thead><tr>${columns}</tr></thead>\n<tbody>\n${rows}\n</tbody>\n</table>`;
  return `<!doctype html>
<html lang="${escapeHtml(t.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<link rel="icon" href="data:,">
<title>${escapeHtml(t.t('outbox.title'))}</title>
<style>${STYLE}</style>
</head>
<body>
<main aria-labelledby="outbox-heading">
<h1 id="outbox-heading">${escapeHtml(t.t('outbox.heading'))}</h1>
<p>${escapeHtml(t.t('outbox.intro'))}</p>
<nav aria-label="${escapeHtml(t.t('outbox.links'))}"><a href="${escapeHtml(path)}">${escapeHtml(t.t('outbox.refresh'))}</a> · <a href="${escapeHtml(path)}?format=json">${escapeHtml(t.t('outbox.json'))}</a></nav>
${body}
</main>
</body>
</html>
`;
}
