import type { HandoffTicket, TranscriptLine } from '../handoff/handoff-types';
import type { IdentifierKind } from '../ledger/subjects/identifiers';
import { isIncidentHandoff } from './incident-handoffs';

/**
 * What the agent API shows of tickets. Never the serialized ConversationReference (user and
 * conversation ids of the channel), never an unmasked identifier.
 */
export interface QueueItem {
  readonly id: string;
  readonly reason: HandoffTicket['reason'];
  /** Present on handoffs about an incident, which the queue lists first (`incident-handoffs.ts`). */
  readonly priority?: 'incident';
  /** The customer's language. */
  readonly locale: string;
  readonly pendingAction?: string;
  readonly channelId: string;
  /** ISO instant. */
  readonly createdAt: string;
  /** Seconds since the customer was queued, at the answer's `now`. */
  readonly waitingSeconds: number;
}

export interface HeldItem extends QueueItem {
  readonly status: HandoffTicket['status'];
  readonly agent?: string;
  readonly claimedAt?: string;
}

export interface TicketSummary extends HeldItem {
  readonly closedAt?: string;
  readonly outcome?: HandoffTicket['outcome'];
}

export interface DataPoint {
  readonly kind: IdentifierKind;
  /** E.g. "m***@example.com", "+39******67". */
  readonly masked: string;
}

export interface PastVerification {
  readonly at: string;
  readonly outcome: 'verified' | 'failed';
  readonly method: string;
  readonly agent?: string;
}

/** The verification panel: what the customer claims, and what is on record to compare it with, masked. */
export interface VerificationPanel {
  readonly claimedIdentity: { readonly kind: string; readonly masked: string } | null;
  /** null when the claim matched no subject (or none was made). */
  readonly record: {
    readonly subjectId: string;
    readonly regime: string;
    readonly preferredLocale: string | null;
    readonly dataPoints: readonly DataPoint[];
    /** The latest few, newest first. */
    readonly verifications: readonly PastVerification[];
  } | null;
}

export interface TicketDetail {
  readonly ticket: TicketSummary;
  readonly transcript: readonly TranscriptLine[];
  /** null for a role without the ledger's data about the customer (`surge`): no claim, no record. */
  readonly verification: VerificationPanel | null;
}

function waitingSeconds(ticket: HandoffTicket, now: Date): number {
  const until = ticket.claimedAt ?? ticket.closedAt;
  const end = until !== undefined ? Date.parse(until) : now.getTime();
  return Math.max(0, Math.floor((end - Date.parse(ticket.createdAt)) / 1000));
}

export function queueItem(ticket: HandoffTicket, now: Date): QueueItem {
  return {
    id: ticket.id,
    reason: ticket.reason,
    ...(isIncidentHandoff(ticket) ? { priority: 'incident' as const } : {}),
    locale: ticket.locale,
    ...(ticket.pendingAction !== undefined ? { pendingAction: ticket.pendingAction } : {}),
    channelId: ticket.channelId,
    createdAt: ticket.createdAt,
    waitingSeconds: waitingSeconds(ticket, now),
  };
}

export function heldItem(ticket: HandoffTicket, now: Date): HeldItem {
  return {
    ...queueItem(ticket, now),
    status: ticket.status,
    ...(ticket.agent !== undefined ? { agent: ticket.agent } : {}),
    ...(ticket.claimedAt !== undefined ? { claimedAt: ticket.claimedAt } : {}),
  };
}

export function ticketSummary(ticket: HandoffTicket, now: Date): TicketSummary {
  return {
    ...heldItem(ticket, now),
    ...(ticket.closedAt !== undefined ? { closedAt: ticket.closedAt } : {}),
    ...(ticket.outcome !== undefined ? { outcome: ticket.outcome } : {}),
  };
}
