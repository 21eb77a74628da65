import { ActionTypes, Activity, MessageFactory } from 'botbuilder';
import { SHIPPED_LOCALES } from '../src/i18n/shipped-locales';
import { Translations, Translator } from '../src/i18n/translator';
import { IntentName } from '../src/nlu/intents';
import { MenuEntry, menuActivity } from './menu';

/**
 * A greeting, thanks, goodbye or question about the assistant: a short answer, then the menu;
 * undefined for other intents. Each `smalltalk.*` intent's answer is the message of the same key.
 */
export function smallTalkActivity(translator: Translator, menu: readonly MenuEntry[], intent: IntentName): Partial<Activity> | undefined {
  return intent.startsWith('smalltalk.') ? menuActivity(translator, menu, translator.t(intent)) : undefined;
}

/** The clarifying phrase of a menu entry ("menu.consentCheck" → "clarify.option.consentCheck"). */
function optionKey(entry: MenuEntry): string {
  return `clarify.option.${entry.labelKey.replace(/^menu\./, '')}`;
}

/**
 * "Just to be sure I understood: do you want to see your consents, or to withdraw one?", with
 * the two menu buttons: a click (or typing a label) is read like the menu entry itself.
 */
export function clarifyActivity(translator: Translator, [first, second]: readonly [MenuEntry, MenuEntry]): Partial<Activity> {
  const text = translator.t('clarify.ask', { first: translator.t(optionKey(first)), second: translator.t(optionKey(second)) });
  const actions = [first, second].map((entry) => {
    const label = translator.t(entry.labelKey);
    return { type: ActionTypes.ImBack, title: label, value: label };
  });
  return MessageFactory.suggestedActions(actions, text);
}

/**
 * A message in a language we do not ship: which languages we speak, each named in its own
 * language, as buttons (a name is a language keyword in every catalog, so a click switches).
 */
export function unsupportedLanguageActivity(translator: Translator, translations: Translations): Partial<Activity> {
  const names = SHIPPED_LOCALES.map((locale) => translations.for(locale).t(`languageName.${locale}`));
  const actions = names.map((name) => ({ type: ActionTypes.ImBack, title: name, value: name }));
  return MessageFactory.suggestedActions(actions, translator.t('language.unsupported', { languages: names.join(', ') }));
}
