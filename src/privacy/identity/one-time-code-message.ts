import { matchShippedLocale, ShippedLocale } from '../../i18n/shipped-locales';
import type { Translations } from '../../i18n/translator';
import type { ContactMessage } from './contact-messenger';

export interface CodeMessageTexts {
  readonly translations: Translations;
  /** The company the privacy assistant belongs to (config/controller.json `name`). */
  readonly company: string;
  /** Language when the conversation's is not shipped. */
  readonly defaultLocale: ShippedLocale;
}

/** Builds the localized message carrying a code. */
export type CodeMessageComposer = (code: string, locale: string, validMinutes: number) => ContactMessage;

/**
 * The message that carries a code, in the customer's language (`locales/<lang>/messages.json`,
 * keys `identityCodeMessage.*`): what the code is for (the company's privacy assistant), how
 * long it lasts, and what to do when it was not you. The SMS is the short form.
 */
export function codeMessageComposer(texts: CodeMessageTexts): CodeMessageComposer {
  return (code, locale, validMinutes) => {
    const t = texts.translations.for(matchShippedLocale(locale) ?? texts.defaultLocale);
    // `count`: the minutes the code lasts, so "1 minute" and "10 minutes" each read right.
    const vars = { code, company: texts.company, count: validMinutes };
    return {
      subject: t.t('identityCodeMessage.email.subject', vars),
      text: t.t('identityCodeMessage.email.text', vars),
      smsText: t.t('identityCodeMessage.sms.text', vars),
    };
  };
}
