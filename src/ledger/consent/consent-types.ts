import { Channel } from '../purposes/purpose-catalog';

export const CONSENT_STATES = ['given', 'withdrawn', 'refused', 'expired'] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];

export const COLLECTION_METHODS = ['import', 'web_chat', 'teams', 'agent', 'api'] as const;
export type CollectionMethod = (typeof COLLECTION_METHODS)[number];

/** One choice of a person about one purpose on one channel. */
export interface ConsentChange {
  readonly purposeId: string;
  readonly channel: Channel;
  readonly state: ConsentState;
}

/** Where, how and in which words a set of changes was collected. */
export interface ConsentProvenance {
  readonly collectionMethod: CollectionMethod;
  /** Notice version shown; defaults to the purpose's current version. */
  readonly noticeVersion?: string;
  readonly language: string;
  readonly conversationId?: string;
  /** When the person made the choice; defaults to now (imports carry the original time). */
  readonly occurredAt?: Date;
  /** E.g. { activityId } for chat, { file, row } for an import. */
  readonly evidence?: Record<string, unknown>;
}

/** A stored consent event, as the privacy team reads it back. */
export interface ConsentEvent {
  readonly id: string;
  readonly subjectId: string;
  readonly subjectSeq: number;
  readonly purposeId: string;
  readonly channel: Channel;
  readonly state: ConsentState;
  readonly occurredAt: Date;
  readonly recordedAt: Date;
  readonly collectionMethod: CollectionMethod;
  readonly noticeVersion: string;
  readonly language: string;
  readonly conversationId: string | null;
  readonly actor: string;
  readonly evidence: Record<string, unknown>;
  readonly prevHash: string | null;
  readonly hash: string;
}

/** Current state of one purpose on one channel for a subject. */
export interface CurrentConsent {
  readonly purposeId: string;
  readonly channel: Channel;
  readonly state: ConsentState;
  readonly since: Date;
  readonly eventId: string;
}
