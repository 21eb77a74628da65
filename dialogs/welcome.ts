import { Activity, TurnContext } from 'botbuilder';
import { SHIPPED_LOCALES } from '../src/i18n/shipped-locales';
import { Translator } from '../src/i18n/translator';
import { listOf } from '../src/privacy/consent/consent-wording';
import { MenuEntry, menuActivity } from './menu';

/** The greeting of a new conversation: who the bot is, then the menu (as buttons and as a list). */
export function welcomeActivity(translator: Translator, entries: readonly MenuEntry[]): Partial<Activity> {
  return menuActivity(translator, entries, `${welcomeText(translator)}\n\n${translator.t('menu.prompt')}`);
}

/** Who the bot is and the languages it speaks, each named in its own language. */
export function welcomeText(translator: Translator): string {
  const languages = listOf(
    SHIPPED_LOCALES.map((locale) => translator.t(`languageName.${locale}`)),
    translator,
  );
  return `${translator.t('bot.welcome')} ${translator.t('bot.languages', { languages })}`;
}

const WELCOMED_THIS_TURN = Symbol('psb.welcomedThisTurn');

/** The bot introduced itself in this very turn (a first message with no conversation update before it). */
export function markWelcomedThisTurn(context: TurnContext): void {
  context.turnState.set(WELCOMED_THIS_TURN, true);
}

/** Whether {@link markWelcomedThisTurn} ran: a greeting then needs no second hello. */
export function welcomedThisTurn(context: TurnContext): boolean {
  return context.turnState.get(WELCOMED_THIS_TURN) === true;
}
