import { InvokeResponse, SendActivitiesHandler, TeamsActivityHandler, TurnContext } from 'botbuilder';
import { Dialog, DialogInstance } from 'botbuilder-dialogs';
import { DialogIds } from '../../dialogs/dialog-ids';
import { MenuEntry, menuActivity, submittedText } from '../../dialogs/menu';
import { markWelcomedThisTurn, welcomeActivity, welcomeText } from '../../dialogs/welcome';
import { botAddedInTeams, inTeamChannel } from '../channels/teams/bot-installed';
import { mentionsRecipient, sentAttachments, stripRecipientMention } from '../channels/teams/bot-mention';
import { ShippedLocale, resolveLocale } from '../i18n/shipped-locales';
import { Translations } from '../i18n/translator';
import type { HandoffHub } from '../handoff/handoff-hub';
import { TurnRunner } from '../turn/turn-runner';
import { channelActionsHook, presentActionsPerChannel } from './channel-actions';
import { ConversationTranscript } from './conversation-transcript';
import { DialogTurn } from './dialog-turn';
import { settleCustomerTimeZone } from './customer-time-zone';
import { handoffStatusOf } from './external-handoff';
import { handoffClosureOf } from './handoff-closure';
import { HandoffLeaveMatcher } from './handoff-leave-matcher';
import { GpcOptOut } from './gpc-opt-out';
import { HandoffRelay } from './handoff-relay';
import { checkMessageText } from './sanitize-text';
import { StateProperties } from './state-properties';
import type { TeamsSignInInvoke } from './teams-sign-in-invoke';
import { keepEffectsAcrossAttempts } from './turn-effects';
import { peekTurnTranslator, setTurnTranslator, turnTranslator } from './turn-locale';

export interface PrivacyBotDeps {
  runner: TurnRunner;
  mainDialog: Dialog;
  state: StateProperties;
  translations: Translations;
  menu: readonly MenuEntry[];
  defaultLocale: ShippedLocale;
  /** Longest message text the bot reads. */
  maxMessageChars: number;
  /** The built-in hub (the relay of messages while a person holds the conversation) and the words that leave it. */
  handoff: { hub: Pick<HandoffHub, 'postCustomerMessage' | 'get' | 'cancel'>; leave: HandoffLeaveMatcher };
  /** The conversation's redacted last lines (a handoff's context for the agent). */
  transcript: ConversationTranscript;
  /** Records the opt-out of sale/sharing a Web Chat conversation's Global Privacy Control signal asks for. */
  gpc?: Pick<GpcOptOut, 'honour'>;
  /** Teams SSO's sign-in invokes (TEAMS_SSO_CONNECTION set); absent, they get botbuilder's default answer. */
  teamsSignIn?: Pick<TeamsSignInInvoke, 'handles' | 'answer'>;
}

/**
 * The bot at the edge: every turn goes through the turn runner (one state read, one conditional
 * write, replies only once committed), picks the customer's language, cleans the text and hands
 * messages to the main dialog. Serves Web Chat and Teams (personal chat, group chat, channel)
 * alike: Teams' @mention of the bot is removed before the text is read, a card button's submitted
 * value is read as the option it stands for, and where suggested actions are not shown the
 * options go out as an Adaptive Card.
 *
 * While a person holds the conversation (a handoff), messages go to them through the relay, not
 * to the dialogs. Handoff news comes back as event turns through the same runner — our hub's
 * `handoff.closed` (a proactive turn, see ProactiveCustomerChannel) and an external hub's
 * `handoff.status` — and continues the waiting dialog exactly where it stopped.
 */
export class PrivacyBot extends TeamsActivityHandler {
  private readonly dialogs: DialogTurn;
  private readonly relay: HandoffRelay;
  /** Suggested actions the channel would not show become an Adaptive Card of `Action.Submit` buttons (the text still lists them). */
  private readonly actionsAsCards: SendActivitiesHandler;

  constructor(private readonly deps: PrivacyBotDeps) {
    super();
    this.actionsAsCards = channelActionsHook(deps.menu, (context) => peekTurnTranslator(context) ?? deps.translations.for(deps.defaultLocale));
    this.dialogs = new DialogTurn(deps.mainDialog, deps.state.dialogState);
    this.relay = new HandoffRelay({
      hub: deps.handoff.hub,
      handoffState: deps.state.handoff,
      leave: deps.handoff.leave,
      menu: deps.menu,
      cancelDialogs: async (context) => {
        await (await this.dialogs.createContext(context)).cancelAllDialogs();
      },
      continueDialogs: (context) => this.continueDialogs(context),
    });
    this.onTurn(async (context, next) => {
      const preferences = await deps.state.preferences.get(context);
      setTurnTranslator(context, deps.translations.for(resolveLocale(preferences?.locale, context.activity.locale, deps.defaultLocale)));
      await settleCustomerTimeZone(context, deps.state.timeZone);
      await next();
    });
    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
    this.onEvent(async (context, next) => {
      await this.handleHandoffEvent(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const activity = context.activity;
      const someoneJoined = (activity.membersAdded ?? []).some((member) => member.id !== activity.recipient?.id);
      // Installed (again): always a welcome. A team is welcomed once, at installation, in the bot's
      // default language (the whole team reads it; the installer's language says nothing of theirs).
      const team = inTeamChannel(activity);
      const welcome = botAddedInTeams(activity) || (someoneJoined && !team && !(await deps.state.welcomed.get(context)));
      if (welcome) {
        await deps.state.welcomed.set(context, true);
        // The turn's language too, not only the text's: the card the menu becomes names its entries by their labels in it.
        if (team) setTurnTranslator(context, deps.translations.for(deps.defaultLocale));
        await context.sendActivity(welcomeActivity(turnTranslator(context), deps.menu));
      }
      // A conversation that starts identified (a signed-in site) with GPC on: the opt-out, right away.
      await deps.gpc?.honour(context);
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    // Registered before the turn runner's reply buffer, so replies are rendered as they are sent.
    presentActionsPerChannel(context, this.actionsAsCards);
    context.onSendActivities(this.deps.transcript.recordSent);
    keepEffectsAcrossAttempts(context);
    await this.deps.runner.run(context, () => super.run(context));
  }

  /** Teams SSO's sign-in invokes: the exchange's outcome into the session, then the waiting sign-in dialog resumes. */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    const signIn = this.deps.teamsSignIn;
    if (signIn?.handles(context)) {
      return signIn.answer(context, async (turn) => {
        const stack = (await this.deps.state.dialogState.get(turn))?.dialogStack ?? [];
        if (stackHolds(stack, DialogIds.teamsSignIn)) await this.dialogs.run(turn);
      });
    }
    return super.onInvokeActivity(context);
  }

  /** A message: refuse what we will not read, greet once, then let the dialogs answer. */
  private async handleMessage(context: TurnContext): Promise<void> {
    const translator = turnTranslator(context);
    const activity = context.activity;
    const mentioned = mentionsRecipient(activity);
    stripRecipientMention(activity);
    // A card button (Action.Submit) sends data in `value`, usually without text: read it as the option typed.
    const submitted = submittedText(activity.value, translator, this.deps.menu);
    if (submitted !== undefined) activity.text = submitted;
    const check = checkMessageText(activity.text, this.deps.maxMessageChars);
    if (check.kind === 'tooLong') {
      await context.sendActivity(translator.t('bot.tooLong', { max: check.max }));
      return;
    }
    if (check.kind === 'empty') {
      // A value we cannot read (an old or foreign card) gets the options again, not "please type";
      // attachments alone, "please type"; the bot's @mention alone (Teams), a hello and the menu;
      // nothing at all (or only spaces), "it was empty" and the options.
      const unreadableValue = activity.value !== undefined && activity.value !== null;
      const attached = sentAttachments(activity).length > 0;
      if (unreadableValue) await context.sendActivity(menuActivity(translator, this.deps.menu, translator.t('bot.fallback')));
      else if (mentioned && !attached) await this.greet(context);
      else if (attached) await context.sendActivity(translator.t('bot.nonText'));
      else await context.sendActivity(menuActivity(translator, this.deps.menu, translator.t('bot.empty')));
      return;
    }
    activity.text = check.text;
    const handoff = await this.deps.state.handoff.get(context);
    if (handoff) {
      await this.relay.onCustomerMessage(context, handoff, check.text);
      return;
    }
    await this.deps.transcript.add(context, 'customer', check.text);
    // A thread of a team's channel is a conversation of its own, but the team was welcomed at installation.
    if (!inTeamChannel(activity) && !(await this.deps.state.welcomed.get(context))) {
      await this.deps.state.welcomed.set(context, true);
      await context.sendActivity(welcomeText(translator));
      markWelcomedThisTurn(context);
    }
    if (this.deps.handoff.leave.isLeavePhrase(check.text)) {
      // "back to the bot" with no person on the line (say, after a timeout): not a request for a person.
      await context.sendActivity(menuActivity(translator, this.deps.menu, `${translator.t('handoff.alreadyBack')}\n\n${translator.t('menu.prompt')}`));
      return;
    }
    // GPC: the opt-out once the customer is known; before the dialog, so its question stays the last
    // word — unless the customer is answering the opt-out's own question, which records it anyway.
    const stack = (await this.deps.state.dialogState.get(context))?.dialogStack ?? [];
    const optingOut = stackHolds(stack, DialogIds.consentOptOutSale);
    if (!optingOut) await this.deps.gpc?.honour(context);
    await this.dialogs.run(context);
    if (!optingOut && !(await this.isWaiting(context))) await this.deps.gpc?.honour(context);
  }

  /** Who the bot is and the menu: the answer to being called by name with nothing else said. */
  private async greet(context: TurnContext): Promise<void> {
    await this.deps.state.welcomed.set(context, true);
    await context.sendActivity(welcomeActivity(turnTranslator(context), this.deps.menu));
  }

  /** Whether a question waits for the customer's answer, or a person holds the conversation. */
  private async isWaiting(context: TurnContext): Promise<boolean> {
    const stack = (await this.deps.state.dialogState.get(context))?.dialogStack ?? [];
    return stack.length > 0 || (await this.deps.state.handoff.get(context)) !== undefined;
  }

  /**
   * Our hub's `handoff.closed` or an external hub's `handoff.status`, for the handoff this
   * conversation is in: the waiting dialog takes it from here. News of another (an earlier,
   * already left) handoff is ignored.
   */
  private async handleHandoffEvent(context: TurnContext): Promise<void> {
    const closure = handoffClosureOf(context);
    const status = handoffStatusOf(context.activity);
    if (!closure && !status) return;
    const active = await this.deps.state.handoff.get(context);
    if (!active || (closure && active.ticketId !== closure.ticketId) || (status && active.mode !== 'external')) return;
    await this.continueDialogs(context);
  }

  /** Continues the dialog that waits; with none waiting (a lost stack), forgets the handoff and offers the menu. */
  private async continueDialogs(context: TurnContext): Promise<void> {
    const stack = (await this.deps.state.dialogState.get(context))?.dialogStack ?? [];
    if (stack.length > 0) {
      await this.dialogs.run(context);
      return;
    }
    await this.deps.state.handoff.delete(context);
    const translator = turnTranslator(context);
    await context.sendActivity(menuActivity(translator, this.deps.menu, `${translator.t('handoff.closed.ended')}\n\n${translator.t('menu.prompt')}`));
  }
}

/** Whether a dialog with this id runs anywhere in a saved stack (component dialogs nest their own stacks in their state). */
function stackHolds(stack: readonly DialogInstance[], id: string): boolean {
  return stack.some((instance) => {
    if (instance.id === id) return true;
    const inner = (instance.state as { dialogs?: { dialogStack?: DialogInstance[] } } | undefined)?.dialogs?.dialogStack;
    return inner !== undefined && stackHolds(inner, id);
  });
}
