import { TurnContext } from 'botbuilder';
import { ShippedLocale } from '../i18n/shipped-locales';
import { Translations, Translator } from '../i18n/translator';

const TRANSLATOR_KEY = Symbol('psb.translator');

/** Makes `translator` the voice of this turn (dialogs read it with `turnTranslator`). */
export function setTurnTranslator(context: TurnContext, translator: Translator): void {
  context.turnState.set(TRANSLATOR_KEY, translator);
}

/** The translator chosen for this turn; set by the bot before any dialog runs. */
export function turnTranslator(context: TurnContext): Translator {
  const translator = context.turnState.get(TRANSLATOR_KEY) as Translator | undefined;
  if (!translator) throw new Error('no translator set for this turn: the bot sets one before dialogs run');
  return translator;
}

/** The translator of this turn if one was chosen yet (error paths may run before). */
export function peekTurnTranslator(context: TurnContext): Translator | undefined {
  return context.turnState.get(TRANSLATOR_KEY) as Translator | undefined;
}

/** Switches the rest of the turn to `locale` (after the customer picks a language). */
export function switchTurnLocale(context: TurnContext, translations: Translations, locale: ShippedLocale): Translator {
  const translator = translations.for(locale);
  setTurnTranslator(context, translator);
  return translator;
}
