import type { HandoffTicket } from '../handoff/handoff-types';

/**
 * The handoff reasons that mark a ticket as about an incident: a suspected breach reported in chat
 * (`breach`) and a question about a published incident (`incident`). Compared as strings, so the
 * console already knows them whichever of them the hub accepts (`src/handoff/handoff-types.ts`).
 */
export const INCIDENT_HANDOFF_REASONS: readonly string[] = Object.freeze(['breach', 'incident']);

export function isIncidentHandoff(ticket: Pick<HandoffTicket, 'reason'>): boolean {
  return INCIDENT_HANDOFF_REASONS.includes(ticket.reason);
}

/**
 * Incident handoffs first — their own priority, so a surge never waits behind routine questions —
 * each group in the hub's order (oldest first). The hub's storage is untouched: this is the view.
 */
export function incidentsFirst<T extends Pick<HandoffTicket, 'reason'>>(tickets: readonly T[]): T[] {
  return [...tickets.filter(isIncidentHandoff), ...tickets.filter((ticket) => !isIncidentHandoff(ticket))];
}
