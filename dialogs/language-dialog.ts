import { ActionTypes, StatePropertyAccessor } from 'botbuilder';
import { Choice, ChoicePrompt, ComponentDialog, DialogTurnResult, ListStyle, PromptOptions, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { UserPreferences } from '../src/bot/session-types';
import { switchTurnLocale, turnTranslator } from '../src/bot/turn-locale';
import { SHIPPED_LOCALES, ShippedLocale, isShippedLocale } from '../src/i18n/shipped-locales';
import { Translations, Translator } from '../src/i18n/translator';
import { normalizeText } from '../src/nlu/normalize-text';
import { DialogIds, DialogStartOptions } from './dialog-ids';
import { MenuEntry, menuActivity } from './menu';

export interface LanguageDialogDeps {
  translations: Translations;
  preferences: StatePropertyAccessor<UserPreferences>;
  menu: readonly MenuEntry[];
}

/** The name of each shipped language as written in every shipped language, normalised ("english", "inglese"). */
function languageWordTable(translations: Translations): ReadonlyMap<string, ShippedLocale> {
  const table = new Map<string, ShippedLocale>();
  for (const voice of SHIPPED_LOCALES.map((locale) => translations.for(locale))) {
    for (const locale of SHIPPED_LOCALES) {
      for (const word of [voice.t(`languageName.${locale}`), ...voice.list(`language.words.${locale}`)]) {
        table.set(normalizeText(word), locale);
      }
    }
  }
  return table;
}

/**
 * Lets the customer pick the language the bot speaks. A language already named in the message
 * that started the dialog ("switch to Italian", "inglese") is taken without asking. The choice
 * is remembered in the user's preferences and applies from this very reply.
 */
export class LanguageDialog extends ComponentDialog {
  private readonly words: ReadonlyMap<string, ShippedLocale>;

  constructor(private readonly deps: LanguageDialogDeps) {
    super(DialogIds.language);
    this.words = languageWordTable(deps.translations);
    this.addDialog(new ChoicePrompt(DialogIds.languageChoice));
    this.addDialog(new WaterfallDialog(DialogIds.languageWaterfall, [this.chooseStep.bind(this), this.applyStep.bind(this)]));
    this.initialDialogId = DialogIds.languageWaterfall;
  }

  /** The one shipped language `text` names, or undefined when it names none or several. */
  private languageNamedIn(text: string): ShippedLocale | undefined {
    const padded = ` ${normalizeText(text)} `;
    const named = new Set<ShippedLocale>();
    for (const [word, locale] of this.words) if (padded.includes(` ${word} `)) named.add(locale);
    return named.size === 1 ? [...named][0] : undefined;
  }

  /** Takes a language named in the first message, else asks which one. */
  private async chooseStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const named = this.languageNamedIn(step.options?.utterance ?? '');
    if (named) return step.next(named);
    return step.prompt(DialogIds.languageChoice, this.promptOptions(turnTranslator(step.context)));
  }

  /** Stores the choice, switches this turn to it and confirms in the new language, with the menu. */
  private async applyStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    const locale = chosenLocale(step.result);
    if (!locale) return step.endDialog();
    const preferences = await this.deps.preferences.get(step.context, {});
    await this.deps.preferences.set(step.context, { ...preferences, locale });
    const translator = switchTurnLocale(step.context, this.deps.translations, locale);
    await step.context.sendActivity(menuActivity(translator, this.deps.menu, `${translator.t('language.changed')}\n\n${translator.t('menu.prompt')}`));
    return step.endDialog(locale);
  }

  private promptOptions(translator: Translator): PromptOptions {
    const choices: Choice[] = SHIPPED_LOCALES.map((locale) => {
      const name = translator.t(`languageName.${locale}`);
      const synonyms = [...this.words].filter(([, named]) => named === locale).map(([word]) => word);
      return { value: locale, action: { type: ActionTypes.ImBack, title: name, value: name }, synonyms };
    });
    const languages = choices.map((choice) => choice.action?.title ?? choice.value).join(', ');
    return {
      prompt: translator.t('language.prompt', { languages }),
      retryPrompt: translator.t('language.retry', { languages }),
      choices,
      style: ListStyle.suggestedAction,
    };
  }
}

/** The locale out of a step result: a language named up front (a string) or the prompt's FoundChoice. */
function chosenLocale(result: unknown): ShippedLocale | undefined {
  if (isShippedLocale(result)) return result;
  if (typeof result === 'object' && result !== null && 'value' in result && isShippedLocale(result.value)) return result.value;
  return undefined;
}
