import { Activity } from 'botbuilder';
import { SHIPPED_LOCALES } from '../src/i18n/shipped-locales';
import { Translator } from '../src/i18n/translator';
import { listOf } from '../src/privacy/consent/consent-wording';
import { MenuEntry, menuActivity } from './menu';

/** The greeting of a new conversation: who the bot is, then the menu (as buttons and as a list). */
export function welcomeActivity(translator: Translator, entries: readonly MenuEntry[]): Partial<Activity> {
  const languages = listOf(
    SHIPPED_LOCALES.map((locale) => translator.t(`languageName.${locale}`)),
    translator,
  );
  return menuActivity(translator, entries, `${translator.t('bot.welcome')} ${translator.t('bot.languages', { languages })}\n\n${translator.t('menu.prompt')}`);
}
