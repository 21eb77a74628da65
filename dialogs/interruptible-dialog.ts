import { ActivityTypes, TurnContext } from 'botbuilder';
import { ComponentDialog, Dialog, DialogContext, DialogTurnResult } from 'botbuilder-dialogs';
import { turnTranslator } from '../src/bot/turn-locale';
import { InterruptionMatcher, InterruptionName } from '../src/nlu/intents';
import { DialogIds, DialogStartOptions } from './dialog-ids';
import { MenuEntry, helpText, menuActivity } from './menu';

export interface InterruptibleDialogDeps {
  interruptions: InterruptionMatcher;
  /** The menu shown after a cancel and listed by help. */
  menu: readonly MenuEntry[];
}

/**
 * A component dialog that, whatever prompt of it is waiting, lets the customer say "help",
 * "cancel" or "language" in any shipped language (core-bot's CancelAndHelpDialog, plus language).
 * The outermost interruptible dialog answers first, so the main dialog covers every child.
 */
export abstract class InterruptibleDialog extends ComponentDialog {
  protected constructor(
    dialogId: string,
    private readonly interruptionDeps: InterruptibleDialogDeps,
  ) {
    super(dialogId);
  }

  protected override async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    const interrupted = await this.interrupt(innerDc);
    return interrupted ?? super.onContinueDialog(innerDc);
  }

  /** The interruption the customer's message asks for, if it is one. */
  protected interruptionOf(context: TurnContext): InterruptionName | undefined {
    const { type, text } = context.activity;
    if (type !== ActivityTypes.Message || typeof text !== 'string') return undefined;
    return this.interruptionDeps.interruptions.match(text, turnTranslator(context).locale);
  }

  /** Handles an interruption, or returns undefined to let the waiting dialog read the message. */
  private async interrupt(innerDc: DialogContext): Promise<DialogTurnResult | undefined> {
    switch (this.interruptionOf(innerDc.context)) {
      case 'help':
        return this.onHelp(innerDc);
      case 'cancel':
        return this.onCancel(innerDc);
      case 'language':
        return this.onLanguage(innerDc);
      default:
        return undefined;
    }
  }

  /** Says what the bot can do, then asks the waiting question again. */
  protected async onHelp(innerDc: DialogContext): Promise<DialogTurnResult> {
    const translator = turnTranslator(innerDc.context);
    await innerDc.context.sendActivity(`${helpText(translator, this.interruptionDeps.menu)}\n\n${translator.t('help.resume')}`);
    await innerDc.repromptDialog();
    return Dialog.EndOfTurn;
  }

  /** Drops everything in progress (nothing was stored) and offers the menu. */
  protected async onCancel(innerDc: DialogContext): Promise<DialogTurnResult> {
    const translator = turnTranslator(innerDc.context);
    await innerDc.context.sendActivity(menuActivity(translator, this.interruptionDeps.menu, `${translator.t('cancel.done')}\n\n${translator.t('menu.prompt')}`));
    return innerDc.cancelAllDialogs();
  }

  /** Leaves what was in progress for the language dialog, when this component has one. */
  protected async onLanguage(innerDc: DialogContext): Promise<DialogTurnResult | undefined> {
    if (!this.findDialog(DialogIds.language)) return undefined;
    await innerDc.cancelAllDialogs();
    const options: DialogStartOptions = { utterance: innerDc.context.activity.text ?? '' };
    return innerDc.beginDialog(DialogIds.language, options);
  }
}
