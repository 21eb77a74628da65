import { HandoffTicket } from './handoff-types';

/**
 * How the hub's side reaches the customer of a ticket. Implemented at the bot edge with the real
 * proactive path (the adapter's continueConversation on Web Chat and Teams); the agent API and
 * the timeout sweeper call it on the instance where the action happened, so each message is
 * delivered exactly once.
 */
export interface CustomerChannel {
  /** An agent wrote to the customer. */
  deliverAgentMessage(ticket: HandoffTicket, agent: string, text: string): Promise<void>;
  /** An agent claimed the ticket: the customer hears a person has joined. */
  agentJoined(ticket: HandoffTicket): Promise<void>;
  /**
   * The ticket closed (completed with an outcome, timed out, or ended by the agent): the bot takes
   * the conversation back — resuming the waiting dialog when verified, explaining otherwise.
   */
  handoffClosed(ticket: HandoffTicket): Promise<void>;
}
