import type { HandoffStatus, HandoffTicket, NewHandoff, TranscriptLine } from './handoff-types';

/** What never changes after enqueue: stored once, as one JSON document, never decoded in Lua. */
export interface TicketDoc {
  readonly id: string;
  readonly reason: HandoffTicket['reason'];
  readonly locale: string;
  readonly pendingAction?: HandoffTicket['pendingAction'];
  readonly claimedIdentity?: HandoffTicket['claimedIdentity'];
  readonly channelId: string;
  readonly conversation: Record<string, unknown>;
  readonly createdAt: string;
}

/** A ticket as both hubs hold it: the fixed document, the fields transitions change, the transcript. */
export interface TicketRecord {
  readonly doc: TicketDoc;
  readonly status: HandoffStatus;
  readonly agent?: string;
  readonly claimedAt?: string;
  readonly closedAt?: string;
  readonly outcome?: HandoffTicket['outcome'];
  readonly transcript: readonly TranscriptLine[];
}

export const OPEN_STATUSES: readonly HandoffStatus[] = ['queued', 'claimed'];

export function isOpen(status: HandoffStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

export function newTicketDoc(id: string, input: NewHandoff, createdAt: Date): TicketDoc {
  return {
    id,
    reason: input.reason,
    locale: input.locale,
    ...(input.pendingAction !== undefined ? { pendingAction: input.pendingAction } : {}),
    ...(input.claimedIdentity !== undefined ? { claimedIdentity: { ...input.claimedIdentity } } : {}),
    channelId: input.channelId,
    conversation: structuredClone(input.conversation),
    createdAt: createdAt.toISOString(),
  };
}

/** The ticket callers see, its fields always in the same order whichever hub built it; a deep copy. */
export function toTicket(record: TicketRecord): HandoffTicket {
  const { doc } = record;
  return structuredClone({
    id: doc.id,
    status: record.status,
    reason: doc.reason,
    locale: doc.locale,
    ...(doc.pendingAction !== undefined ? { pendingAction: doc.pendingAction } : {}),
    ...(doc.claimedIdentity !== undefined ? { claimedIdentity: doc.claimedIdentity } : {}),
    channelId: doc.channelId,
    conversation: doc.conversation,
    transcript: record.transcript,
    createdAt: doc.createdAt,
    ...(record.claimedAt !== undefined ? { claimedAt: record.claimedAt } : {}),
    ...(record.closedAt !== undefined ? { closedAt: record.closedAt } : {}),
    ...(record.agent !== undefined ? { agent: record.agent } : {}),
    ...(record.outcome !== undefined ? { outcome: record.outcome } : {}),
  });
}
