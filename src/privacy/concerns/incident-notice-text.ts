import { SHIPPED_LOCALES, ShippedLocale } from '../../i18n/shipped-locales';
import type { Translator } from '../../i18n/translator';
import type { IncidentNoticeText } from './concern-types';

/** The notice in the language it will be shown in, and whether that is not the customer's own. */
export interface NoticeInLanguage {
  readonly text: IncidentNoticeText;
  readonly language: ShippedLocale;
  /** The customer's language is missing: the answer says so (`incident.notice.fallbackNote`). */
  readonly fallback: boolean;
}

const SECTIONS = ['whatHappened', 'whatData', 'whatWeDo', 'whatYouShouldDo'] as const satisfies readonly (keyof IncidentNoticeText)[];

function usable(text: IncidentNoticeText | undefined): text is IncidentNoticeText {
  return text !== undefined && SECTIONS.some((section) => typeof text[section] === 'string' && text[section].trim() !== '');
}

/**
 * The notice for a customer reading `locale`: theirs; else the default language's; else the first
 * shipped language the team wrote it in. Undefined when it has no text in any shipped language.
 */
export function noticeFor(texts: Readonly<Partial<Record<string, IncidentNoticeText>>>, locale: ShippedLocale, defaultLocale: ShippedLocale): NoticeInLanguage | undefined {
  for (const language of [locale, defaultLocale, ...SHIPPED_LOCALES]) {
    const text = texts[language];
    if (usable(text)) return { text, language, fallback: language !== locale };
  }
  return undefined;
}

/**
 * The notice as paragraphs under headings in the reader's language (`incident.notice.heading.*`):
 * bold headings for the chat (Markdown), plain ones for an email. An empty section is left out.
 */
export function noticeSections(text: IncidentNoticeText, t: Translator, style: 'chat' | 'plain'): string {
  return SECTIONS.filter((section) => text[section].trim() !== '')
    .map((section) => {
      const heading = t.t(`incident.notice.heading.${section}`);
      return `${style === 'chat' ? `**${heading}**` : heading}\n${text[section].trim()}`;
    })
    .join('\n\n');
}

/** The note said before a notice shown in another language than the reader's (`incident.notice.fallbackNote`). */
export function fallbackNote(notice: NoticeInLanguage, t: Translator): string | undefined {
  if (!notice.fallback) return undefined;
  return t.t('incident.notice.fallbackNote', { language: t.t(`languageName.${notice.language}`) });
}
