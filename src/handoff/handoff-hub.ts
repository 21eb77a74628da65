import { HandoffEvent, HandoffTicket, NewHandoff, TranscriptLine, VerificationOutcome } from './handoff-types';

export interface EnqueueResult {
  readonly ticket: HandoffTicket;
  /** 1-based place in the queue. */
  readonly position: number;
}

export interface CompleteHandoff {
  readonly verification: VerificationOutcome;
  /** How the agent checked (e.g. 'agent_check'); required when verification is not 'none'. */
  readonly method?: string;
  readonly note?: string;
}

/**
 * The queue of conversations waiting for a human, and the live relay while one holds them.
 * Backed by Redis so any instance serves any agent or customer; plain TypeScript (no bot or
 * HTTP types). Errors are HandoffError with codes PSB_HANDOFF_* (not found, already claimed,
 * not yours, closed; also not claimed — an agent action on a ticket still queued —, invalid input
 * and unavailable — Redis does not answer).
 * Implementations: RedisHandoffHub (any number of instances), MemoryHandoffHub (no REDIS_URL).
 */
export interface HandoffHub {
  enqueue(input: NewHandoff): Promise<EnqueueResult>;
  /** 1-based place of a queued ticket; undefined once claimed or closed. */
  position(ticketId: string): Promise<number | undefined>;
  get(ticketId: string): Promise<HandoffTicket | undefined>;
  /** Queued tickets, oldest first. */
  queue(): Promise<HandoffTicket[]>;
  /** How many tickets are queued, without reading them (metrics). */
  queueDepth(): Promise<number>;
  /** Tickets an agent holds (a supervisor: all claimed ones when `agent` is undefined). */
  claimedBy(agent: string | undefined): Promise<HandoffTicket[]>;
  /**
   * Atomic: of two agents claiming at once, exactly one wins; the other gets PSB_HANDOFF_ALREADY_CLAIMED.
   * The holder claiming again (a retry) gets the ticket back, with no second 'claimed' event.
   */
  claim(ticketId: string, agent: string): Promise<HandoffTicket>;
  /** The customer leaves the queue or the conversation ("cancel", "back to the bot"). */
  cancel(ticketId: string): Promise<HandoffTicket>;
  /**
   * `text` is what the customer typed. The transcript keeps it redacted (the line returned); the
   * agent's live view gets the event with the typed text as well, on the live path only.
   */
  postCustomerMessage(ticketId: string, text: string): Promise<TranscriptLine>;
  /** Only the agent holding the ticket (or a supervisor) may write; PSB_HANDOFF_NOT_YOURS otherwise. */
  postAgentMessage(ticketId: string, agent: string, text: string, supervisor?: boolean): Promise<TranscriptLine>;
  /** Closes a claimed ticket with its outcome. */
  complete(ticketId: string, agent: string, outcome: CompleteHandoff, supervisor?: boolean): Promise<HandoffTicket>;
  /**
   * Closes queued tickets older than the timeout as 'timed_out' and returns them (any instance may
   * sweep): at most `limit`, oldest first (the sweeper takes one at a time, so that a stop between
   * two leaves the rest queued for the next sweep). @default limit: all of them
   */
  expireStale(now: Date, limit?: number): Promise<HandoffTicket[]>;
  /** Events of every instance; returns the unsubscribe function. */
  subscribe(listener: (event: HandoffEvent) => void): () => void;
  close(): Promise<void>;
}
