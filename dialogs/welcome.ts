import { Activity } from 'botbuilder';
import { Translator } from '../src/i18n/translator';
import { MenuEntry, menuActivity } from './menu';

/** The greeting of a new conversation: who the bot is, then the menu (as buttons and as a list). */
export function welcomeActivity(translator: Translator, entries: readonly MenuEntry[]): Partial<Activity> {
  return menuActivity(translator, entries, `${translator.t('bot.welcome')}\n\n${translator.t('menu.prompt')}`);
}
