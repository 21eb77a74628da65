import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Translator } from '../../i18n/translator';
import { escapeHtml } from '../../html/escape-html';

/** What varies from one page response to the next. */
export interface PageValues {
  readonly translator: Translator;
  /** The page request carried `Sec-GPC: 1`. */
  readonly gpc: boolean;
  readonly styleNonce: string;
  /** Origins (space-separated, `https://*.example.com` allowed) that may frame the page and hand it a sign-in assertion. */
  readonly embedders: string;
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

/**
 * `web/index.html`, read once, with its `{{placeholders}}` filled per response: the page language
 * and its texts (from `locales/<lang>/messages.json`, keys `webchat.*`), the GPC flag, the style
 * nonce, the sites that may embed it and the Web Chat version in the bundle URL. Every value is
 * HTML-escaped.
 */
export class WebChatPage {
  private readonly template: string;

  constructor(
    webDir: string,
    private readonly webChatVersion: string,
  ) {
    this.template = readFileSync(path.join(webDir, 'index.html'), 'utf8');
    const unknown = [...this.template.matchAll(PLACEHOLDER)].map((m) => m[1]).filter((name) => !KNOWN_PLACEHOLDERS.has(name));
    if (unknown.length > 0) throw new Error(`${path.join(webDir, 'index.html')}: unknown placeholders ${unknown.join(', ')}`);
  }

  render(values: PageValues): string {
    const t = values.translator;
    const fill: Record<string, string> = {
      lang: t.locale,
      gpc: values.gpc ? '1' : '0',
      styleNonce: values.styleNonce,
      embedders: values.embedders,
      webChatVersion: this.webChatVersion,
      title: t.t('webchat.title'),
      heading: t.t('webchat.heading'),
      chatRegion: t.t('webchat.chatRegion'),
      loading: t.t('webchat.loading'),
      failed: t.t('webchat.failed'),
      noScript: t.t('webchat.noScript'),
    };
    return this.template.replace(PLACEHOLDER, (_match, name: string) => escapeHtml(fill[name] ?? ''));
  }
}

const KNOWN_PLACEHOLDERS = new Set(['lang', 'gpc', 'styleNonce', 'embedders', 'webChatVersion', 'title', 'heading', 'chatRegion', 'loading', 'failed', 'noScript']);
