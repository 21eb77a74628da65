import type { Translator } from '../../i18n/translator';
import { formatInZone } from '../../privacy/clocks/deadlines';
import { formatByteSize } from '../../privacy/access/copy/copy-wording';
import { escapeHtml } from '../../html/escape-html';
import { languageLinks, pageShellContentSecurityPolicy, renderPageShell } from './page-shell';

/** The pages' own stylesheet, beside the links (`/copies/<token>` → `copy.css`), after the shell's. */
export const COPY_STYLESHEET_FILE = 'copy.css';

/**
 * The download pages' policy: no script at all, our stylesheet only, the one form posting back to
 * us (the Download button), nothing framed or based elsewhere.
 */
export function copyPageContentSecurityPolicy(): string {
  return pageShellContentSecurityPolicy("'self'");
}

/** What the page before the download shows. */
export interface CopyPageInput {
  readonly reference: string;
  readonly sizeBytes: number;
  readonly expiresAt: Date;
  readonly downloadsLeft: number;
  /** IANA zone the expiry is shown in (the customer's, from the case). */
  readonly timeZone: string;
  readonly translator: Translator;
}

function document(lang: string, title: string, body: string): string {
  return renderPageShell({ lang, title, stylesheet: COPY_STYLESHEET_FILE, body });
}

/**
 * The page a download link opens: what the copy is, until when and how often it can be downloaded,
 * and a Download button that POSTs (a GET never counts, so a mail scanner fetching the link uses
 * none of the downloads). Every word from `copy.page.*`, every value escaped, no script.
 */
export function renderCopyPage(input: CopyPageInput, languageName: (locale: string) => string): string {
  const t = input.translator;
  const size = formatByteSize(input.sizeBytes, t.locale);
  const expiresAt = `<time datetime="${escapeHtml(input.expiresAt.toISOString())}">${escapeHtml(formatInZone(input.expiresAt, input.timeZone, t.locale))}</time>`;
  const body = [
    `<h1>${escapeHtml(t.t('copy.page.title'))}</h1>`,
    `<p>${escapeHtml(t.t('copy.page.lead', { reference: input.reference, size }))}</p>`,
    // The date is HTML (a <time>): the sentence around it is escaped, the placeholder filled after.
    `<p>${escapeHtml(t.t('copy.page.expires', { expiresAt: '\u0000' })).replace('\u0000', expiresAt)} ${escapeHtml(t.t('copy.page.remaining', { count: input.downloadsLeft }))}</p>`,
    `<form method="post"><button type="submit">${escapeHtml(t.t('copy.page.download', { size }))}</button></form>`,
    `<p>${escapeHtml(t.t('copy.page.keepSafe'))}</p>`,
    `<p>${escapeHtml(t.t('copy.page.openHint'))}</p>`,
    languageLinks(t, languageName, 'copy.page.languages'),
  ].filter((part) => part !== '');
  return document(t.locale, t.t('copy.page.title'), body.join('\n'));
}

/** The page of a link that opens nothing (mistyped, cut short, malformed): the same for every such link. */
export function renderCopyNotFound(translator: Translator): string {
  const title = translator.t('copy.page.notFoundTitle');
  return document(translator.locale, title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(translator.t('copy.page.notFound'))}</p>`);
}

/** The page of a link that worked once and no longer does (expired, or used up), with how to ask again. */
export function renderCopyGone(translator: Translator, why: 'expired' | 'exhausted', chatPath: string | undefined): string {
  const title = translator.t('copy.page.goneTitle');
  const chat = chatPath ? `\n<p><a href="${escapeHtml(chatPath)}">${escapeHtml(translator.t('copy.page.openChat'))}</a></p>` : '';
  return document(translator.locale, title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(translator.t(`copy.page.${why}`))}</p>\n<p>${escapeHtml(translator.t('copy.page.askAgain'))}</p>${chat}`);
}
