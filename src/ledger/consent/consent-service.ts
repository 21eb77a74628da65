import { randomUUID } from 'node:crypto';
import { appendAudit, WriteContext } from '../audit/audit-log';
import { chainHash } from '../chain/canonical-json';
import { SqlDatabase, SqlExecutor } from '../db/sql-database';
import { LedgerError } from '../ledger-errors';
import { PurposeCatalog } from '../purposes/purpose-catalog';
import { enqueueConsentChanged } from '../webhooks/webhook-outbox';
import { CONSENT_EVENT_COLUMNS, ConsentEventRow, consentHashRecord, toConsentEvent } from './consent-event-row';
import { COLLECTION_METHODS, CONSENT_STATES, ConsentChange, ConsentEvent, ConsentProvenance, CurrentConsent } from './consent-types';

/** A subject id is a UUID; anything else cannot name a subject. */
const SUBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How far ahead of the ledger's clock an occurredAt may be (the sender's clock may run fast). */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface RecordConsentResult {
  /** The events of this write, in chain order (the earlier ones when the key was seen before). */
  readonly events: ConsentEvent[];
  /** True when the idempotency key had been recorded already and nothing new was written. */
  readonly replayed: boolean;
}

/**
 * Consent events: append-only, per-subject hash chain, current state derived in the same
 * transaction. Input is checked against the purposes catalog before anything is written.
 */
export class ConsentService {
  constructor(
    private readonly db: SqlDatabase,
    private readonly catalog: PurposeCatalog,
    private readonly now: () => Date,
  ) {}

  /** Refuses unknown purposes, channels a purpose does not use, unknown states and methods. */
  validate(changes: readonly ConsentChange[], provenance: ConsentProvenance): void {
    if (changes.length === 0) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'no consent change to record', { field: 'changes' });
    if (!(COLLECTION_METHODS as readonly string[]).includes(provenance.collectionMethod)) {
      throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `unknown collection method "${provenance.collectionMethod}" (allowed: ${COLLECTION_METHODS.join(', ')})`, { field: 'collectionMethod' });
    }
    if (!provenance.language || !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(provenance.language)) {
      throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'language must be a BCP-47 tag such as "en" or "it-IT"', { field: 'language' });
    }
    if (provenance.occurredAt && Number.isNaN(provenance.occurredAt.getTime())) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'occurredAt is not a valid time', { field: 'occurredAt' });
    if (provenance.occurredAt && provenance.occurredAt.getTime() > this.now().getTime() + MAX_CLOCK_SKEW_MS) {
      throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'occurredAt is in the future: a choice is recorded when it has been made', { field: 'occurredAt' });
    }
    for (const change of changes) {
      const purpose = this.catalog.get(change.purposeId);
      if (!purpose) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `unknown purpose "${change.purposeId}"`, { field: 'purposeId' });
      if (!purpose.channels.includes(change.channel)) {
        throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `purpose "${purpose.id}" does not use channel "${change.channel}" (it uses ${purpose.channels.join(', ')})`, { field: 'channel' });
      }
      if (!(CONSENT_STATES as readonly string[]).includes(change.state)) {
        throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `unknown consent state "${change.state}" (allowed: ${CONSENT_STATES.join(', ')})`, { field: 'state' });
      }
    }
  }

  /**
   * Records a set of changes for one subject in one transaction, with its audit entry. The same
   * idempotency key again returns the events recorded the first time and writes nothing.
   */
  async record(subjectId: string, changes: readonly ConsentChange[], provenance: ConsentProvenance, context: WriteContext, tx?: SqlExecutor): Promise<RecordConsentResult> {
    this.validate(changes, provenance);
    if (!SUBJECT_ID.test(subjectId)) throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', 'no subject with this id', { field: 'subjectId' });
    const work = (executor: SqlExecutor) => this.recordIn(executor, subjectId, changes, provenance, context);
    return tx ? work(tx) : this.db.transaction(work);
  }

  private async recordIn(tx: SqlExecutor, subjectId: string, changes: readonly ConsentChange[], provenance: ConsentProvenance, context: WriteContext): Promise<RecordConsentResult> {
    // Lock the subject first: its chain grows one writer at a time, and a replay is seen reliably.
    const subject = (await tx.query<{ consent_chain_length: number; consent_chain_head: string | null }>('SELECT consent_chain_length, consent_chain_head FROM subject WHERE id = $1 FOR UPDATE', [subjectId])).rows[0];
    if (!subject) throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', 'no subject with this id', { field: 'subjectId' });
    if (context.idempotencyKey) {
      const earlier = await tx.query<ConsentEventRow>(`SELECT ${CONSENT_EVENT_COLUMNS} FROM consent_event WHERE idempotency_key = $1 ORDER BY batch_index`, [context.idempotencyKey]);
      if (earlier.rows.length > 0 && earlier.rows[0].subject_id !== subjectId) {
        throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'this idempotency key was already used for another subject', { field: 'idempotencyKey' });
      }
      if (earlier.rows.length > 0) return { events: earlier.rows.map(toConsentEvent), replayed: true };
    }
    const recordedAt = this.now();
    let seq = Number(subject.consent_chain_length);
    let prevHash = subject.consent_chain_head;
    const events: ConsentEvent[] = [];
    for (const [index, change] of changes.entries()) {
      const purpose = this.catalog.get(change.purposeId);
      if (!purpose) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `unknown purpose "${change.purposeId}"`, { field: 'purposeId' });
      seq += 1;
      const body = {
        id: randomUUID(),
        subjectId,
        subjectSeq: seq,
        purposeId: change.purposeId,
        channel: change.channel,
        state: change.state,
        occurredAt: provenance.occurredAt ?? recordedAt,
        recordedAt,
        collectionMethod: provenance.collectionMethod,
        noticeVersion: provenance.noticeVersion ?? purpose.notice.version,
        language: provenance.language,
        conversationId: provenance.conversationId ?? null,
        actor: context.actor,
        evidence: provenance.evidence ?? {},
      };
      const hash = chainHash(prevHash, consentHashRecord(body));
      const event: ConsentEvent = { ...body, prevHash, hash };
      await tx.query(
        `INSERT INTO consent_event (${CONSENT_EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
        [event.id, subjectId, seq, event.purposeId, event.channel, event.state, event.occurredAt, recordedAt, event.collectionMethod, event.noticeVersion, event.language, event.conversationId, event.actor, JSON.stringify(event.evidence), context.idempotencyKey ?? null, index, prevHash, hash],
      );
      // Current state follows the latest *occurrence*: an import of an old choice never overrides a newer one.
      await tx.query(
        `INSERT INTO consent_state (subject_id, purpose_id, channel, state, event_id, since) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (subject_id, purpose_id, channel) DO UPDATE SET state = EXCLUDED.state, event_id = EXCLUDED.event_id, since = EXCLUDED.since
         WHERE consent_state.since <= EXCLUDED.since`,
        [subjectId, event.purposeId, event.channel, event.state, event.id, event.occurredAt],
      );
      prevHash = hash;
      events.push(event);
    }
    await tx.query('UPDATE subject SET consent_chain_length = $2, consent_chain_head = $3 WHERE id = $1', [subjectId, seq, prevHash]);
    await appendAudit(tx, context, { action: 'consent.recorded', entity: 'subject', entityId: subjectId, details: { events: events.map((e) => ({ id: e.id, purposeId: e.purposeId, channel: e.channel, state: e.state })), collectionMethod: provenance.collectionMethod } }, recordedAt);
    // Downstream systems learn of the change through the webhook outbox, committed with it. Imports
    // are left out: they came from those systems in the first place.
    if (provenance.collectionMethod !== 'import') await enqueueConsentChanged(tx, subjectId, events, recordedAt);
    return { events, replayed: false };
  }

  /** Current state per purpose × channel for a subject (channels never asked are absent). */
  async current(subjectId: string, executor: SqlExecutor = this.db): Promise<CurrentConsent[]> {
    const result = await executor.query<{ purpose_id: string; channel: CurrentConsent['channel']; state: CurrentConsent['state']; since: Date | string; event_id: string }>(
      'SELECT purpose_id, channel, state, since, event_id FROM consent_state WHERE subject_id = $1 ORDER BY purpose_id, channel',
      [subjectId],
    );
    return result.rows.map((r) => ({ purposeId: r.purpose_id, channel: r.channel, state: r.state, since: new Date(r.since), eventId: r.event_id }));
  }

  /** A subject's events, oldest first; optionally for one purpose. */
  async history(subjectId: string, purposeId?: string, executor: SqlExecutor = this.db): Promise<ConsentEvent[]> {
    const result = purposeId
      ? await executor.query<ConsentEventRow>(`SELECT ${CONSENT_EVENT_COLUMNS} FROM consent_event WHERE subject_id = $1 AND purpose_id = $2 ORDER BY subject_seq`, [subjectId, purposeId])
      : await executor.query<ConsentEventRow>(`SELECT ${CONSENT_EVENT_COLUMNS} FROM consent_event WHERE subject_id = $1 ORDER BY subject_seq`, [subjectId]);
    return result.rows.map(toConsentEvent);
  }
}
