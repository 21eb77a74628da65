import { Activity, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { Dialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { UserPreferences } from '../src/bot/session-types';
import { turnTranslator } from '../src/bot/turn-locale';
import type { ShippedLocale } from '../src/i18n/shipped-locales';
import { Translations } from '../src/i18n/translator';
import { IntentName, IntentRecognizer, IntentResult, InterruptionMatcher } from '../src/nlu/intents';
import { MessageLanguageAdvisor } from '../src/nlu/message-language';
import type { YesNoReader } from './consent-dialog-deps';
import { confirmedEarlierThisTurn } from './consent-recording';
import { DialogIds, DialogStartOptions, MainRouteOptions } from './dialog-ids';
import { InterruptibleDialog } from './interruptible-dialog';
import { LanguageDialog } from './language-dialog';
import { isLanguageSwitchOutcome, LanguageSwitchDialog } from './language-switch-dialog';
import { clarifyActivity, smallTalkActivity, unsupportedLanguageActivity } from './main-answers';
import { MenuEntry, dialogForIntent, helpActivity, menuActivity } from './menu';
import { welcomedThisTurn } from './welcome';

/** A message a dialog serves by its form rather than its intent (a typed case reference, a question about a published incident). */
export interface TextRoute {
  readonly dialogId: string;
  /** May look something up (the published incident notice) and leave what it found in `context.turnState` for its dialog. */
  matches(text: string, context: TurnContext): boolean | Promise<boolean>;
}

export interface MainDialogDeps {
  recognizer: IntentRecognizer;
  interruptions: InterruptionMatcher;
  translations: Translations;
  preferences: StatePropertyAccessor<UserPreferences>;
  /** The available menu entries, in display order (see `availableMenu`). */
  menu: readonly MenuEntry[];
  /** Feature dialogs named by available menu entries (the language dialog is built in). */
  dialogs?: readonly Dialog[];
  /** Checked before the classifier, after help / cancel / language, in order: the first route whose `matches` holds starts its dialog. */
  textRoutes?: readonly TextRoute[];
  /** Reads the language of messages the session's language did not understand; none: never asked. */
  languageAdvisor?: MessageLanguageAdvisor;
  /** Reads a yes or no answer to "shall I continue in German?" (without it, only the buttons' labels are read). */
  yesNo?: YesNoReader;
}

/** What a message asks for, and the language it was read in when not the session's. */
interface Reading {
  readonly result: IntentResult;
  readonly understoodIn?: ShippedLocale;
}

/** Below this the session's language is not sure of a message, and its language is looked at. */
const LANGUAGE_CHECK_BELOW = 0.85;

/**
 * The root of every conversation turn: reads what the customer asks for, starts the dialog that
 * serves it, or answers itself (help, nothing to cancel, the polite fallback with the menu).
 * Inherits help / cancel / language while any child dialog is waiting.
 */
export class MainDialog extends InterruptibleDialog {
  constructor(private readonly deps: MainDialogDeps) {
    super(DialogIds.main, deps);
    this.addDialog(new LanguageDialog({ translations: deps.translations, preferences: deps.preferences, menu: deps.menu }));
    this.addDialog(new LanguageSwitchDialog({ translations: deps.translations, preferences: deps.preferences, yesNo: deps.yesNo }));
    for (const dialog of deps.dialogs ?? []) this.addDialog(dialog);
    this.addDialog(new WaterfallDialog(DialogIds.mainWaterfall, [this.routeStep.bind(this), this.finishStep.bind(this)]));
    this.initialDialogId = DialogIds.mainWaterfall;
    this.assertMenuIsServed();
  }

  /** Starts the dialog the message asks for, or answers directly when no dialog serves it. */
  private async routeStep(step: WaterfallStepContext<Partial<MainRouteOptions>>): Promise<DialogTurnResult> {
    const rerouted = step.options?.utterance !== undefined;
    const utterance = step.options?.utterance ?? step.context.activity.text ?? '';
    const understoodIn = step.options?.understoodIn;
    const interruption = rerouted ? undefined : this.interruptionOf(step.context);
    if (interruption === 'language') return step.beginDialog(DialogIds.language, { utterance } satisfies DialogStartOptions);
    const routed = interruption ? undefined : await this.textRouteFor(utterance, step.context);
    if (routed) return step.beginDialog(routed.dialogId, { utterance, understoodIn } satisfies DialogStartOptions);
    const locale = turnTranslator(step.context).locale;
    let reading: Reading = interruption
      ? { result: { intent: interruption, score: 1 } }
      : { result: await this.deps.recognizer.recognize(utterance, understoodIn ?? locale), understoodIn };
    if (!interruption && understoodIn === undefined) {
      const advised = await this.readLanguage(step, utterance, locale, reading.result);
      if ('turn' in advised) return advised.turn;
      reading = advised;
    }
    const { result } = reading;
    const clarify = result.clarify?.map((intent) => this.deps.menu.find((entry) => entry.intent === intent && entry.dialogId !== undefined));
    if (clarify?.[0] && clarify[1]) return this.answer(step, clarifyActivity(turnTranslator(step.context), [clarify[0], clarify[1]]));
    const dialogId = dialogForIntent(this.deps.menu, result.intent);
    if (dialogId) return step.beginDialog(dialogId, { utterance, understoodIn: reading.understoodIn } satisfies DialogStartOptions);
    return this.answer(step, this.directAnswer(step, result.intent));
  }

  /**
   * A message the session's model is unsure of, looked at for its language: answered here (a
   * language we do not ship; the once-only question about switching), or read in the shipped
   * language it is written in (asked before, the customer kept theirs), or left as read.
   */
  private async readLanguage(step: WaterfallStepContext<Partial<MainRouteOptions>>, utterance: string, locale: ShippedLocale, result: IntentResult): Promise<{ turn: DialogTurnResult } | Reading> {
    const unsure = result.intent === 'none' || result.score < LANGUAGE_CHECK_BELOW;
    const advice = unsure ? await this.deps.languageAdvisor?.advise(utterance, locale, result) : undefined;
    if (advice?.kind === 'unsupported') return { turn: await this.answer(step, unsupportedLanguageActivity(turnTranslator(step.context), this.deps.translations)) };
    if (advice?.kind !== 'otherShipped') return { result };
    const preferences = await this.deps.preferences.get(step.context, {});
    if (!preferences.languageSwitchOffered) return { turn: await step.beginDialog(DialogIds.languageSwitch, { utterance, locale: advice.locale, from: locale }) };
    return { result: advice.result, understoodIn: advice.locale };
  }

  private async answer(step: WaterfallStepContext<Partial<MainRouteOptions>>, activity: Partial<Activity>): Promise<DialogTurnResult> {
    await step.context.sendActivity(activity);
    return step.endDialog();
  }

  /** The first text route the message matches, in order (routes that look something up are asked only if the ones before did not match). */
  private async textRouteFor(utterance: string, context: TurnContext): Promise<TextRoute | undefined> {
    for (const route of this.deps.textRoutes ?? []) if (await route.matches(utterance, context)) return route;
    return undefined;
  }

  /**
   * Ends the turn's main flow once the started dialog is done (it has said its own last word),
   * or routes the message a language question held back.
   */
  private async finishStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (isLanguageSwitchOutcome(step.result)) return step.replaceDialog(DialogIds.mainWaterfall, step.result.reroute);
    return step.endDialog(step.result);
  }

  /** Help, "nothing to cancel", "already confirmed" or the fallback — always with the menu, never silence. */
  private directAnswer(step: WaterfallStepContext, intent: IntentName): Partial<Activity> {
    const translator = turnTranslator(step.context);
    if (intent === 'help') return helpActivity(translator, this.deps.menu);
    if (intent === 'cancel') return menuActivity(translator, this.deps.menu, `${translator.t('cancel.nothing')}\n\n${translator.t('menu.prompt')}`);
    // A "hi" that opened the conversation was just answered by the welcome: the menu is enough.
    if (intent === 'smalltalk.greeting' && welcomedThisTurn(step.context)) return menuActivity(translator, this.deps.menu);
    const smallTalk = smallTalkActivity(translator, this.deps.menu, intent);
    if (smallTalk) return smallTalk;
    // This message confirmed a change in an attempt that lost the state race to another "yes": it was heard.
    if (confirmedEarlierThisTurn(step.context)) return menuActivity(translator, this.deps.menu, translator.t('consent.alreadyConfirmed'));
    return menuActivity(translator, this.deps.menu, translator.t('bot.fallback'));
  }

  /** An available entry whose dialog is not registered would route customers nowhere: refuse to start. */
  private assertMenuIsServed(): void {
    for (const route of this.deps.textRoutes ?? []) {
      if (!this.findDialog(route.dialogId)) throw new Error(`a text route names dialog "${route.dialogId}", which MainDialog does not have: pass it in deps.dialogs`);
    }
    for (const entry of this.deps.menu) {
      if (!entry.available) throw new Error(`menu entry "${entry.id}" is not available and must not be shown (use availableMenu())`);
      if (entry.dialogId !== undefined && !this.findDialog(entry.dialogId)) {
        throw new Error(`menu entry "${entry.id}" names dialog "${entry.dialogId}", which MainDialog does not have: pass it in deps.dialogs`);
      }
      if (entry.intent !== undefined && entry.dialogId === undefined) {
        throw new Error(`menu entry "${entry.id}" is available for intent "${entry.intent}" but names no dialog to serve it`);
      }
    }
  }
}
