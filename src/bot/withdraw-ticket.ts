import { TurnContext } from 'botbuilder';
import { isHandoffError } from '../handoff/handoff-errors';
import type { HandoffHub } from '../handoff/handoff-hub';
import { onceThisTurn } from './turn-effects';

/**
 * Withdraws a ticket from the hub. One already closed (or forgotten) needs nothing more; with the
 * hub unreachable the customer still leaves — the ticket times out, and its closure no longer
 * matches the session, so the customer hears nothing of it.
 */
export async function withdrawTicket(context: TurnContext, hub: Pick<HandoffHub, 'cancel'>, ticketId: string): Promise<void> {
  try {
    await onceThisTurn(context, `handoff.cancel:${ticketId}`, () => hub.cancel(ticketId));
  } catch (err) {
    if (!isHandoffError(err, 'PSB_HANDOFF_CLOSED') && !isHandoffError(err, 'PSB_HANDOFF_NOT_FOUND') && !isHandoffError(err, 'PSB_HANDOFF_UNAVAILABLE')) throw err;
  }
}
