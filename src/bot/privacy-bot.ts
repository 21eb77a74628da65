import { ActivityHandler, TurnContext } from 'botbuilder';
import { Dialog, runDialog } from 'botbuilder-dialogs';
import { MenuEntry } from '../../dialogs/menu';
import { welcomeActivity } from '../../dialogs/welcome';
import { ShippedLocale, resolveLocale } from '../i18n/shipped-locales';
import { Translations } from '../i18n/translator';
import { TurnRunner } from '../turn/turn-runner';
import { checkMessageText } from './sanitize-text';
import { StateProperties } from './state-properties';
import { setTurnTranslator, turnTranslator } from './turn-locale';

export interface PrivacyBotDeps {
  runner: TurnRunner;
  mainDialog: Dialog;
  state: StateProperties;
  translations: Translations;
  menu: readonly MenuEntry[];
  defaultLocale: ShippedLocale;
  /** Longest message text the bot reads. */
  maxMessageChars: number;
}

/**
 * The bot at the edge: every turn goes through the turn runner (one state read, one conditional
 * write, replies only once committed), picks the customer's language, cleans the text and hands
 * messages to the main dialog.
 */
export class PrivacyBot extends ActivityHandler {
  constructor(private readonly deps: PrivacyBotDeps) {
    super();
    this.onTurn(async (context, next) => {
      const preferences = await deps.state.preferences.get(context);
      setTurnTranslator(context, deps.translations.for(resolveLocale(preferences?.locale, context.activity.locale, deps.defaultLocale)));
      await next();
    });
    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const someoneJoined = (context.activity.membersAdded ?? []).some((member) => member.id !== context.activity.recipient?.id);
      if (someoneJoined && !(await deps.state.welcomed.get(context))) {
        await deps.state.welcomed.set(context, true);
        await context.sendActivity(welcomeActivity(turnTranslator(context), deps.menu));
      }
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await this.deps.runner.run(context, () => super.run(context));
  }

  /** A message: refuse what we will not read, greet once, then let the dialogs answer. */
  private async handleMessage(context: TurnContext): Promise<void> {
    const translator = turnTranslator(context);
    const check = checkMessageText(context.activity.text, this.deps.maxMessageChars);
    if (check.kind === 'tooLong') {
      await context.sendActivity(translator.t('bot.tooLong', { max: check.max }));
      return;
    }
    if (check.kind === 'empty') {
      await context.sendActivity(translator.t('bot.nonText'));
      return;
    }
    context.activity.text = check.text;
    if (!(await this.deps.state.welcomed.get(context))) {
      await this.deps.state.welcomed.set(context, true);
      await context.sendActivity(translator.t('bot.welcome'));
    }
    await runDialog(this.deps.mainDialog, context, this.deps.state.dialogState);
  }
}
