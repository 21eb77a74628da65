import { StatePropertyAccessor, TurnContext } from 'botbuilder';
import { MenuEntry, menuActivity } from '../../dialogs/menu';
import { isHandoffError } from '../handoff/handoff-errors';
import type { HandoffHub } from '../handoff/handoff-hub';
import { MAX_MESSAGE_CHARS } from '../handoff/handoff-input';
import { closureOf, HandoffClosure, setTurnClosure } from './handoff-closure';
import { HandoffLeaveMatcher } from './handoff-leave-matcher';
import { ActiveHandoff } from './session-types';
import { onceThisTurn } from './turn-effects';
import { turnTranslator } from './turn-locale';
import { withdrawTicket } from './withdraw-ticket';

export interface HandoffRelayDeps {
  hub: Pick<HandoffHub, 'postCustomerMessage' | 'get' | 'cancel'>;
  handoffState: StatePropertyAccessor<ActiveHandoff>;
  leave: HandoffLeaveMatcher;
  menu: readonly MenuEntry[];
  /** Cancels the dialog stack (the waiting handoff dialog withdraws its ticket as it ends). */
  cancelDialogs(context: TurnContext): Promise<void>;
  /** Continues the dialog stack with this turn (the waiting handoff dialog reads the turn's closure). */
  continueDialogs(context: TurnContext): Promise<void>;
}

/**
 * The customer's messages while a person holds (or is about to take) the conversation: they go
 * to the hub as typed — the hub keeps them redacted, like every transcript line, and passes the
 * typed text only to the agent's live view (see handoff/customer-message.ts) — and never to the
 * classifier, the dialogs or the session's recent lines. "cancel" or "back to the bot" (any
 * shipped language) leaves: the ticket is withdrawn, the waiting dialog dropped, and the bot
 * offers its menu. A ticket found closed (its closing turn lost) is handed to the waiting dialog
 * as if the closure had just arrived.
 */
export class HandoffRelay {
  constructor(private readonly deps: HandoffRelayDeps) {}

  async onCustomerMessage(context: TurnContext, active: ActiveHandoff, text: string): Promise<void> {
    const translator = turnTranslator(context);
    if (this.deps.leave.matches(text, translator.locale)) {
      await this.leave(context, active);
      await context.sendActivity(menuActivity(translator, this.deps.menu, `${translator.t('handoff.left')}\n\n${translator.t('menu.prompt')}`));
      return;
    }
    if (active.mode === 'external' || active.ticketId === undefined) {
      await context.sendActivity(translator.t('handoff.stillWaiting'));
      return;
    }
    const ticketId = active.ticketId;
    try {
      await onceThisTurn(context, 'handoff.relay', () => this.deps.hub.postCustomerMessage(ticketId, text));
    } catch (err) {
      if (isHandoffError(err, 'PSB_HANDOFF_CLOSED') || isHandoffError(err, 'PSB_HANDOFF_NOT_FOUND')) {
        setTurnClosure(context, await this.closureOf(ticketId));
        await this.deps.continueDialogs(context);
      } else if (isHandoffError(err, 'PSB_HANDOFF_INVALID')) {
        await context.sendActivity(translator.t('bot.tooLong', { max: MAX_MESSAGE_CHARS }));
      } else if (isHandoffError(err, 'PSB_HANDOFF_UNAVAILABLE')) {
        await context.sendActivity(translator.t('handoff.relayFailed'));
      } else {
        throw err;
      }
    }
  }

  /** Ends the handoff from the customer's side; the bot has the conversation again. */
  private async leave(context: TurnContext, active: ActiveHandoff): Promise<void> {
    await this.deps.cancelDialogs(context);
    // No waiting dialog withdrew it (the stack was lost): withdraw it here.
    if (await this.deps.handoffState.get(context)) {
      if (active.ticketId !== undefined) await withdrawTicket(context, this.deps.hub, active.ticketId);
      await this.deps.handoffState.delete(context);
    }
  }

  /** How a ticket found closed ended; one already forgotten counts as ended without verification. */
  private async closureOf(ticketId: string): Promise<HandoffClosure> {
    const ticket = await this.deps.hub.get(ticketId);
    return (ticket && closureOf(ticket)) ?? { ticketId, status: 'completed', verification: 'none' };
  }
}
