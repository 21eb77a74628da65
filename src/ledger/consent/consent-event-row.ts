import { Channel } from '../purposes/purpose-catalog';
import { CollectionMethod, ConsentEvent, ConsentState } from './consent-types';

/** consent_event as the driver returns it. */
export interface ConsentEventRow {
  id: string;
  subject_id: string;
  subject_seq: number;
  purpose_id: string;
  channel: Channel;
  state: ConsentState;
  occurred_at: Date | string;
  recorded_at: Date | string;
  collection_method: CollectionMethod;
  notice_version: string;
  language: string;
  conversation_id: string | null;
  actor: string;
  evidence: Record<string, unknown> | string | null;
  idempotency_key: string | null;
  batch_index: number;
  prev_hash: string | null;
  hash: string;
}

export const CONSENT_EVENT_COLUMNS =
  'id, subject_id, subject_seq, purpose_id, channel, state, occurred_at, recorded_at, collection_method, notice_version, language, conversation_id, actor, evidence, idempotency_key, batch_index, prev_hash, hash';

export function toConsentEvent(row: ConsentEventRow): ConsentEvent {
  return {
    id: row.id,
    subjectId: row.subject_id,
    subjectSeq: Number(row.subject_seq),
    purposeId: row.purpose_id,
    channel: row.channel,
    state: row.state,
    occurredAt: new Date(row.occurred_at),
    recordedAt: new Date(row.recorded_at),
    collectionMethod: row.collection_method,
    noticeVersion: row.notice_version,
    language: row.language,
    conversationId: row.conversation_id,
    actor: row.actor,
    evidence: typeof row.evidence === 'string' ? (JSON.parse(row.evidence) as Record<string, unknown>) : (row.evidence ?? {}),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * The fields of a consent event its hash covers: everything that says who, what, when, where
 * and how — so changing any of them behind the code's back breaks the chain.
 */
export function consentHashRecord(event: Omit<ConsentEvent, 'hash' | 'prevHash'> & { idempotencyKey?: string | null }): Record<string, unknown> {
  return {
    id: event.id,
    subjectId: event.subjectId,
    subjectSeq: event.subjectSeq,
    purposeId: event.purposeId,
    channel: event.channel,
    state: event.state,
    occurredAt: event.occurredAt.toISOString(),
    recordedAt: event.recordedAt.toISOString(),
    collectionMethod: event.collectionMethod,
    noticeVersion: event.noticeVersion,
    language: event.language,
    conversationId: event.conversationId,
    actor: event.actor,
    evidence: event.evidence,
  };
}
