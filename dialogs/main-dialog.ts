import { Activity, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { Dialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { UserPreferences } from '../src/bot/session-types';
import { turnTranslator } from '../src/bot/turn-locale';
import { Translations } from '../src/i18n/translator';
import { IntentName, IntentRecognizer, InterruptionMatcher } from '../src/nlu/intents';
import { confirmedEarlierThisTurn } from './consent-recording';
import { DialogIds, DialogStartOptions } from './dialog-ids';
import { InterruptibleDialog } from './interruptible-dialog';
import { LanguageDialog } from './language-dialog';
import { MenuEntry, dialogForIntent, helpActivity, menuActivity } from './menu';

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
}

/**
 * The root of every conversation turn: reads what the customer asks for, starts the dialog that
 * serves it, or answers itself (help, nothing to cancel, the polite fallback with the menu).
 * Inherits help / cancel / language while any child dialog is waiting.
 */
export class MainDialog extends InterruptibleDialog {
  constructor(private readonly deps: MainDialogDeps) {
    super(DialogIds.main, deps);
    this.addDialog(new LanguageDialog({ translations: deps.translations, preferences: deps.preferences, menu: deps.menu }));
    for (const dialog of deps.dialogs ?? []) this.addDialog(dialog);
    this.addDialog(new WaterfallDialog(DialogIds.mainWaterfall, [this.routeStep.bind(this), this.finishStep.bind(this)]));
    this.initialDialogId = DialogIds.mainWaterfall;
    this.assertMenuIsServed();
  }

  /** Starts the dialog the message asks for, or answers directly when no dialog serves it. */
  private async routeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const utterance = step.context.activity.text ?? '';
    const options: DialogStartOptions = { utterance };
    const interruption = this.interruptionOf(step.context);
    if (interruption === 'language') return step.beginDialog(DialogIds.language, options);
    const routed = interruption ? undefined : await this.textRouteFor(utterance, step.context);
    if (routed) return step.beginDialog(routed.dialogId, options);
    const intent: IntentName = interruption ?? (await this.deps.recognizer.recognize(utterance, turnTranslator(step.context).locale)).intent;
    const dialogId = dialogForIntent(this.deps.menu, intent);
    if (dialogId) return step.beginDialog(dialogId, options);
    await step.context.sendActivity(this.directAnswer(step, intent));
    return step.endDialog();
  }

  /** The first text route the message matches, in order (routes that look something up are asked only if the ones before did not match). */
  private async textRouteFor(utterance: string, context: TurnContext): Promise<TextRoute | undefined> {
    for (const route of this.deps.textRoutes ?? []) if (await route.matches(utterance, context)) return route;
    return undefined;
  }

  /** Ends the turn's main flow once the started dialog is done (it has said its own last word). */
  private async finishStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.endDialog(step.result);
  }

  /** Help, "nothing to cancel", "already confirmed" or the fallback — always with the menu, never silence. */
  private directAnswer(step: WaterfallStepContext, intent: IntentName): Partial<Activity> {
    const translator = turnTranslator(step.context);
    if (intent === 'help') return helpActivity(translator, this.deps.menu);
    if (intent === 'cancel') return menuActivity(translator, this.deps.menu, `${translator.t('cancel.nothing')}\n\n${translator.t('menu.prompt')}`);
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
