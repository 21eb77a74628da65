import { readFileSync } from 'node:fs';
import { escapeHtml } from '../html/escape-html';
import type { ConsoleTexts } from '../i18n/console-texts';
import { ShippedLocale, SHIPPED_LOCALES } from '../i18n/shipped-locales';
import { LANGUAGE_PARAM } from './console-language';

/** `{{key.path}}`: a text of `console.json`; `{{@name}}`: one of {@link SPECIALS}. */
const PLACEHOLDER = /\{\{([@\w.-]+)\}\}/g;

/** The key of each catalog's name for its own language ("Italiano"), which the switcher shows. */
const OWN_NAME_KEY = 'languageName';

/** What the page gets besides texts: its language, the catalog for its scripts, the language switcher's links. */
const SPECIALS = new Set(['@lang', '@texts', '@languages']);

/**
 * The catalog as the body of `<script type="application/json">`: a data block the browser never
 * runs (so the page's CSP needs no exception for it), with `<`, `>` and `&` as JSON escapes so no
 * text can close the element.
 */
function jsonDataBlock(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * `web/agent/index.html`, read once, with its `{{placeholders}}` filled per language: every visible
 * text from `locales/<lang>/console.json` (HTML-escaped), `<html lang>`, the catalog the scripts read
 * (`#console-texts`) and the switcher: one link per shipped language, named in its own language
 * with its own `lang`, the current one marked `aria-current`.
 */
export class ConsolePage {
  private readonly template: string;

  constructor(
    file: string,
    private readonly texts: ConsoleTexts,
  ) {
    this.template = readFileSync(file, 'utf8');
    const english = texts.for('en');
    const unknown = [...this.template.matchAll(PLACEHOLDER)].map((m) => m[1]).filter((name) => (name.startsWith('@') ? !SPECIALS.has(name) : !english.has(name)));
    if (unknown.length > 0) throw new Error(`${file}: placeholders with no text in locales/en/console.json: ${unknown.join(', ')}`);
  }

  render(locale: ShippedLocale): string {
    const t = this.texts.for(locale);
    return this.template.replace(PLACEHOLDER, (_match, name: string) => {
      if (name === '@lang') return locale;
      if (name === '@texts') return jsonDataBlock(this.texts.catalog(locale));
      if (name === '@languages') return this.languageLinks(locale);
      return escapeHtml(t.t(name));
    });
  }

  private languageLinks(current: ShippedLocale): string {
    return SHIPPED_LOCALES.map((locale) => {
      const name = escapeHtml(this.texts.for(locale).t(OWN_NAME_KEY));
      const here = locale === current ? ' aria-current="true"' : '';
      return `<li><a href="/agent?${LANGUAGE_PARAM}=${locale}" hreflang="${locale}" lang="${locale}"${here}>${name}</a></li>`;
    }).join('');
  }
}
