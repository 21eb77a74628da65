import { ActionTypes, MessageFactory, StatePropertyAccessor } from 'botbuilder';
import { ComponentDialog, DialogTurnResult, TextPrompt, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { UserPreferences } from '../src/bot/session-types';
import { switchTurnLocale, turnTranslator } from '../src/bot/turn-locale';
import { ShippedLocale } from '../src/i18n/shipped-locales';
import { Translations } from '../src/i18n/translator';
import { normalizeText } from '../src/nlu/normalize-text';
import type { YesNoReader } from './consent-dialog-deps';
import { DialogIds, MainRouteOptions } from './dialog-ids';

export interface LanguageSwitchDeps {
  translations: Translations;
  preferences: StatePropertyAccessor<UserPreferences>;
  yesNo?: YesNoReader;
}

/** What the main dialog gets back: the message to route now, and the language it is understood in. */
export interface LanguageSwitchOutcome {
  readonly reroute: MainRouteOptions;
}

export function isLanguageSwitchOutcome(value: unknown): value is LanguageSwitchOutcome {
  return typeof value === 'object' && value !== null && 'reroute' in value;
}

interface SwitchState {
  readonly utterance: string;
  readonly locale: ShippedLocale;
  readonly from: ShippedLocale;
}

/**
 * Asked once per customer, when they write in another shipped language than the session's:
 * "It looks like you're writing in German. Shall I continue in German?", in that language,
 * with one button per language, each in its own words. Then the message that raised the
 * question is served: in the new language, or understood in it and answered in the old one.
 * Any other answer keeps the language and is served as a message of its own.
 */
export class LanguageSwitchDialog extends ComponentDialog {
  constructor(private readonly deps: LanguageSwitchDeps) {
    super(DialogIds.languageSwitch);
    this.addDialog(new TextPrompt(DialogIds.languageSwitchPrompt));
    this.addDialog(new WaterfallDialog(DialogIds.languageSwitchWaterfall, [this.askStep.bind(this), this.answerStep.bind(this)]));
    this.initialDialogId = DialogIds.languageSwitchWaterfall;
  }

  private async askStep(step: WaterfallStepContext<SwitchState>): Promise<DialogTurnResult> {
    const { locale } = step.options;
    const preferences = await this.deps.preferences.get(step.context, {});
    await this.deps.preferences.set(step.context, { ...preferences, languageSwitchOffered: true });
    const asked = this.deps.translations.for(locale);
    const current = turnTranslator(step.context);
    const labels = [asked.t('language.continueHere'), current.t('language.continueHere')];
    const prompt = MessageFactory.suggestedActions(
      labels.map((label) => ({ type: ActionTypes.ImBack, title: label, value: label })),
      asked.t('language.switchAsk'),
    );
    prompt.locale = locale;
    return step.prompt(DialogIds.languageSwitchPrompt, { prompt });
  }

  private async answerStep(step: WaterfallStepContext<SwitchState>): Promise<DialogTurnResult> {
    const { utterance, locale, from } = step.options;
    const answer = String(step.result ?? '');
    const choice = this.chosen(answer, locale, from);
    if (choice === locale) {
      const preferences = await this.deps.preferences.get(step.context, {});
      await this.deps.preferences.set(step.context, { ...preferences, locale });
      switchTurnLocale(step.context, this.deps.translations, locale);
      return step.endDialog({ reroute: { utterance } } satisfies LanguageSwitchOutcome);
    }
    if (choice === from) return step.endDialog({ reroute: { utterance, understoodIn: locale } } satisfies LanguageSwitchOutcome);
    return step.endDialog({ reroute: { utterance: answer } } satisfies LanguageSwitchOutcome);
  }

  /** The language the answer picks: a button label, or yes (the new one) / no (the old one); undefined for anything else. */
  private chosen(answer: string, locale: ShippedLocale, from: ShippedLocale): ShippedLocale | undefined {
    const said = normalizeText(answer);
    for (const option of [locale, from]) {
      if (said === normalizeText(this.deps.translations.for(option).t('language.continueHere'))) return option;
    }
    const yesNo = this.deps.yesNo?.recognize(answer, locale);
    if (yesNo === 'yes') return locale;
    if (yesNo === 'no') return from;
    return undefined;
  }
}
