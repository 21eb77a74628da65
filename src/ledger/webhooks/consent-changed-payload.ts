import { CollectionMethod, ConsentEvent, ConsentState } from '../consent/consent-types';
import { Channel } from '../purposes/purpose-catalog';

/** The one topic the consent webhook announces. */
export const CONSENT_CHANGED = 'consent.changed';

/** One consent event as downstream systems receive it: what changed, when, where and how; no evidence. */
export interface ConsentChangedEvent {
  readonly eventId: string;
  readonly subjectSeq: number;
  readonly purposeId: string;
  readonly channel: Channel;
  readonly state: ConsentState;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly collectionMethod: CollectionMethod;
  readonly noticeVersion: string;
  readonly language: string;
  /** Present when the change was made in a conversation. */
  readonly conversationId?: string;
  readonly actor: string;
}

/**
 * The body of a `consent.changed` delivery: one recorded batch of one subject. The subject is
 * named by its pseudonymous ledger id only — no email, phone or name leaves through the webhook;
 * a receiver that needs the person maps the id in its own systems.
 */
export interface ConsentChangedPayload {
  /** The delivery id, also sent as `Webhook-Id`: the same on every retry. */
  readonly id: string;
  readonly type: typeof CONSENT_CHANGED;
  readonly occurredAt: string;
  readonly subjectId: string;
  readonly events: readonly ConsentChangedEvent[];
}

export function consentChangedPayload(deliveryId: string, subjectId: string, events: readonly ConsentEvent[]): ConsentChangedPayload {
  return {
    id: deliveryId,
    type: CONSENT_CHANGED,
    // Every event of a batch shares its occurrence (one provenance per write).
    occurredAt: events[0].occurredAt.toISOString(),
    subjectId,
    events: events.map((e) => ({
      eventId: e.id,
      subjectSeq: e.subjectSeq,
      purposeId: e.purposeId,
      channel: e.channel,
      state: e.state,
      occurredAt: e.occurredAt.toISOString(),
      recordedAt: e.recordedAt.toISOString(),
      collectionMethod: e.collectionMethod,
      noticeVersion: e.noticeVersion,
      language: e.language,
      ...(e.conversationId ? { conversationId: e.conversationId } : {}),
      actor: e.actor,
    })),
  };
}
