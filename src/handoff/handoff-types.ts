import type { PolicyAction } from '../privacy/assurance/assurance-policy';

/**
 * The handoff of a conversation to a human agent, as the hub stores it. Plain data: the bot edge
 * turns a Bot Framework ConversationReference into `conversation` (opaque JSON) and back; the
 * hub never looks inside.
 */
export type HandoffStatus = 'queued' | 'claimed' | 'completed' | 'cancelled' | 'timed_out';

/**
 * Why a person is needed. `incident`: the customer asked for a person while an incident notice is published and the
 * conversation is about it (incident mode; queued with priority). `breach`: the customer has just reported a suspected
 * breach of their data and asked for a person now (priority, like `incident`).
 */
export type HandoffReason = 'verification' | 'customer_request' | 'incident' | 'breach';

export type VerificationOutcome = 'verified' | 'failed' | 'none';

export interface TranscriptLine {
  readonly from: 'customer' | 'bot' | 'agent';
  /** Redacted (emails, phone numbers, customer numbers): what is kept never holds them. */
  readonly text: string;
  /** ISO instant. */
  readonly at: string;
}

/** Who the customer claims to be; what an agent needs to compare, masked. */
export interface ClaimedIdentity {
  readonly kind: 'email' | 'phone' | 'customer_number' | 'aad_object_id';
  /** E.g. "m***@example.com". */
  readonly masked: string;
  /** Set only when the claim matched a subject; agents see it, customers never learn it. */
  readonly subjectId?: string;
}

export interface HandoffTicket {
  readonly id: string;
  readonly status: HandoffStatus;
  readonly reason: HandoffReason;
  /** The customer's language (shipped locale). */
  readonly locale: string;
  /** The action waiting for the outcome (e.g. 'consent.view'), if any. */
  readonly pendingAction?: PolicyAction;
  readonly claimedIdentity?: ClaimedIdentity;
  readonly channelId: string;
  /** Serialized ConversationReference for proactive messages. */
  readonly conversation: Record<string, unknown>;
  readonly transcript: readonly TranscriptLine[];
  /** ISO instants. */
  readonly createdAt: string;
  readonly claimedAt?: string;
  readonly closedAt?: string;
  readonly agent?: string;
  readonly outcome?: { readonly verification: VerificationOutcome; readonly method?: string; readonly note?: string };
}

export type NewHandoff = Pick<HandoffTicket, 'reason' | 'locale' | 'pendingAction' | 'claimedIdentity' | 'channelId' | 'conversation' | 'transcript'>;

/** What happens to tickets, published to every instance (agents' live views, the bot's relays). */
export type HandoffEvent =
  | { readonly type: 'queued'; readonly ticket: HandoffTicket }
  | { readonly type: 'claimed'; readonly ticket: HandoffTicket }
  | {
      readonly type: 'customer.message';
      readonly ticketId: string;
      /** As kept in the transcript: redacted. */
      readonly line: TranscriptLine;
      /**
       * What the customer typed, unredacted, present only when redaction changed the line: for the
       * live view of the agent holding the ticket (and supervisors), never stored (see customer-message.ts).
       */
      readonly liveText?: string;
    }
  | { readonly type: 'agent.message'; readonly ticketId: string; readonly agent: string; readonly line: TranscriptLine }
  | { readonly type: 'closed'; readonly ticket: HandoffTicket };
