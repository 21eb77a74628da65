import { Activity, ActivityTypes, TurnContext } from 'botbuilder';
import type { HandoffTicket, VerificationOutcome } from '../handoff/handoff-types';

/** Name of the event activity of the proactive turn that hands a closed ticket back to the bot. */
export const HANDOFF_CLOSED_EVENT = 'handoff.closed';

/** How a ticket ended, as the waiting dialog needs it: no personal data, no transcript. */
export interface HandoffClosure {
  readonly ticketId: string;
  /** 'completed' by an agent (with `verification`), 'timed_out' (nobody claimed it), 'cancelled'. */
  readonly status: 'completed' | 'timed_out' | 'cancelled';
  readonly verification: VerificationOutcome;
  /** How the agent checked, when verification is not 'none' (agent_check, document, knowledge). */
  readonly method?: string;
}

const CLOSED_STATUSES: readonly HandoffClosure['status'][] = ['completed', 'timed_out', 'cancelled'];
const VERIFICATIONS: readonly VerificationOutcome[] = ['verified', 'failed', 'none'];

/** The closure of a closed ticket; a ticket still open yields undefined. */
export function closureOf(ticket: HandoffTicket): HandoffClosure | undefined {
  if (!(CLOSED_STATUSES as readonly string[]).includes(ticket.status)) return undefined;
  const verification = ticket.status === 'completed' ? (ticket.outcome?.verification ?? 'none') : 'none';
  const method = verification === 'none' ? undefined : ticket.outcome?.method;
  return { ticketId: ticket.id, status: ticket.status as HandoffClosure['status'], verification, ...(method !== undefined ? { method } : {}) };
}

/**
 * What a proactive turn's continuation activity becomes to carry a closure: an event named
 * `handoff.closed`, its id derived from the ticket so that a second delivery of the same closure
 * is recognised by the turn runner and processed once.
 */
export function handoffClosedEvent(closure: HandoffClosure): Pick<Activity, 'type' | 'name' | 'id' | 'value'> {
  return { type: ActivityTypes.Event, name: HANDOFF_CLOSED_EVENT, id: `${HANDOFF_CLOSED_EVENT}:${closure.ticketId}`, value: closure };
}

function readClosure(value: unknown): HandoffClosure | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { ticketId, status, verification, method } = value as Record<string, unknown>;
  if (typeof ticketId !== 'string' || !(CLOSED_STATUSES as readonly unknown[]).includes(status) || !(VERIFICATIONS as readonly unknown[]).includes(verification)) return undefined;
  return {
    ticketId,
    status: status as HandoffClosure['status'],
    verification: verification as VerificationOutcome,
    ...(typeof method === 'string' ? { method } : {}),
  };
}

const CLOSURE_KEY = Symbol('psb.handoffClosure');

/** Makes `closure` this turn's news for the waiting dialog (the relay found the ticket closed). */
export function setTurnClosure(context: TurnContext, closure: HandoffClosure): void {
  context.turnState.set(CLOSURE_KEY, closure);
}

/** The closure this turn carries: a `handoff.closed` event, or one the relay found. */
export function handoffClosureOf(context: TurnContext): HandoffClosure | undefined {
  const found = context.turnState.get(CLOSURE_KEY) as HandoffClosure | undefined;
  if (found) return found;
  const { type, name, value } = context.activity;
  return type === ActivityTypes.Event && name === HANDOFF_CLOSED_EVENT ? readClosure(value) : undefined;
}
