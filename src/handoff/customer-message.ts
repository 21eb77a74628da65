import { redactText } from '../log/redact-text';
import { redactCustomerNumbers } from '../privacy/identity/claimed-identifier';
import type { HandoffEvent, TranscriptLine } from './handoff-types';

/**
 * A customer's words as they may be kept (a ticket transcript, the session's recent lines, the
 * `handoff.initiate` transcript): emails, phone numbers and customer numbers masked. One rule
 * for every line that outlives the moment.
 */
export function redactForKeeping(text: string): string {
  return redactCustomerNumbers(redactText(text));
}

/** A customer's message during a live handoff, split into what is kept and what only passes. */
export interface CustomerMessage {
  /** The transcript line the hub stores: redacted. */
  readonly line: TranscriptLine;
  /** The live event: the same line, plus `liveText` (as typed) when redaction changed it. */
  readonly event: Extract<HandoffEvent, { type: 'customer.message' }>;
}

/**
 * Why the hub, and not its caller, redacts: whatever reaches the hub cannot be stored unredacted
 * by a caller's mistake. Why the typed text rides on the event at all: the agent holding the
 * conversation must compare the number the customer gives with the record (the console's
 * Compare form), and `[phone]` cannot be compared. The event is the live path only — Redis
 * pub/sub (or the in-process listeners) to the agents' event streams, which send it to the
 * holder and supervisors — and nothing stores events: the transcript list, the ticket hash,
 * session state and logs never see `liveText`. When redaction changed nothing, the event carries
 * no `liveText` (the line already is what was typed).
 */
export function customerMessage(ticketId: string, typed: string, at: Date): CustomerMessage {
  const kept = redactForKeeping(typed);
  const line: TranscriptLine = { from: 'customer', text: kept, at: at.toISOString() };
  return { line, event: { type: 'customer.message', ticketId, line: { ...line }, ...(kept !== typed ? { liveText: typed } : {}) } };
}
