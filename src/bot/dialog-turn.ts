import { ActivityEx, Channels, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { Dialog, DialogContext, DialogSet, DialogState, DialogStateManagerConfiguration, DialogTurnStatus } from 'botbuilder-dialogs';

/** Where a DialogStateManager looks for its memory scopes and path resolvers (botbuilder-dialogs' turn-state key). */
const MEMORY_CONFIGURATION_KEY = 'DialogStateManagerConfiguration';

/**
 * Runs the main dialog for a turn: continue what waits, else begin it. What botbuilder's `runDialog`
 * does for a bot that is not a skill and keeps no BotState, without the rest of its work per turn:
 * a second DialogStateManager loading and saving BotState-backed memory scopes (this bot's state
 * is the turn session, saved by the turn runner), and a `BotState` trace activity carrying a
 * snapshot of the whole dialog memory — built on every turn, and returned to the caller in an
 * `expectReplies` answer. That trace is for the Bot Framework Emulator's inspector, so it is sent
 * only there (channel `emulator`), never to a customer's channel.
 *
 * The dialogs' memory scopes and path resolvers hold nothing of a turn (they read it from the dialog
 * context they are given), so they are made on the first turn and handed to every later one, instead
 * of being assembled from the component registry on every turn.
 */
export class DialogTurn {
  private readonly dialogs: DialogSet;
  private memoryConfiguration: DialogStateManagerConfiguration | undefined;

  constructor(
    private readonly dialog: Dialog,
    dialogState: StatePropertyAccessor<DialogState>,
  ) {
    this.dialogs = new DialogSet(dialogState).add(dialog);
  }

  /** A dialog context on the turn's stack (for cancelling or inspecting it). */
  async createContext(context: TurnContext): Promise<DialogContext> {
    if (this.memoryConfiguration && !context.turnState.has(MEMORY_CONFIGURATION_KEY)) context.turnState.set(MEMORY_CONFIGURATION_KEY, this.memoryConfiguration);
    const dc = await this.dialogs.createContext(context);
    this.memoryConfiguration ??= context.turnState.get(MEMORY_CONFIGURATION_KEY) as DialogStateManagerConfiguration | undefined;
    return dc;
  }

  async run(context: TurnContext): Promise<void> {
    const dc = await this.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.dialog.id);
    if (context.activity.channelId === Channels.Emulator) await sendStateSnapshot(dc);
  }
}

/** The Emulator's "Bot State" inspector entry: the active dialog's memory, as runDialog sends it. */
async function sendStateSnapshot(dc: DialogContext): Promise<void> {
  let active = dc;
  for (let child = active.child; child; child = active.child) active = child;
  const snapshot = active.state.getMemorySnapshot();
  await dc.context.sendActivity(ActivityEx.createTraceActivity('BotState', 'https://www.botframework.com/schemas/botState', snapshot, 'Bot State'));
}
