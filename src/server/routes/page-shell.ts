import { escapeHtml } from '../../html/escape-html';
import { SHIPPED_LOCALES } from '../../i18n/shipped-locales';
import type { Translator } from '../../i18n/translator';

/**
 * The stylesheet every shell links before its page's own (`web/page-shell/page-shell.css`): the
 * look the pages share. Relative, so each route group serves it beside its links (see
 * `private-page-http.ts`) and the policy's `style-src 'self'` covers it.
 */
export const SHELL_STYLESHEET_FILE = 'page-shell.css';

/**
 * The shell's Content-Security-Policy: no script at all, stylesheets from our origin only, nothing
 * framed, embedded or based elsewhere; forms post to `formAction` (`'none'` for a page without one).
 */
export function pageShellContentSecurityPolicy(formAction: "'self'" | "'none'"): string {
  return ["default-src 'none'", "style-src 'self'", "base-uri 'none'", `form-action ${formAction}`, "object-src 'none'", "frame-ancestors 'none'"].join('; ');
}

/** What one page puts in the shell. */
export interface PageShellInput {
  /** The page's language (`<html lang>`). */
  readonly lang: string;
  readonly title: string;
  /** The page's own stylesheet, relative to its link, linked after the shell's. */
  readonly stylesheet: string;
  /** The content of `<main>`, as HTML. */
  readonly body: string;
}

/**
 * A whole document for the server's script-free pages (the consent receipt, the data-copy download):
 * not indexed, readable on a phone, the shell's stylesheet then the page's, `body` inside `<main>`.
 */
export function renderPageShell(input: PageShellInput): string {
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(input.lang)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex, nofollow">',
    `<title>${escapeHtml(input.title)}</title>`,
    `<link rel="stylesheet" href="${SHELL_STYLESHEET_FILE}">`,
    `<link rel="stylesheet" href="${escapeHtml(input.stylesheet)}">`,
    '</head>',
    '<body>',
    '<main>',
    input.body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * Links to the same page in the other shipped languages, each named in its own language
 * (`languageName(locale)`), after the sentence at `labelKey`; empty when only one language ships.
 */
export function languageLinks(translator: Translator, languageName: (locale: string) => string, labelKey: string): string {
  const others = SHIPPED_LOCALES.filter((locale) => locale !== translator.locale);
  if (others.length === 0) return '';
  const links = others.map((locale) => `<a href="?lang=${locale}" hreflang="${locale}" lang="${locale}">${escapeHtml(languageName(locale))}</a>`).join(' ');
  return `<p class="languages">${escapeHtml(translator.t(labelKey))} ${links}</p>`;
}
