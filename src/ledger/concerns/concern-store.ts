import { randomUUID } from 'node:crypto';
import { BlobCipher, SealedBlob } from '../access/blob-cipher';
import { SqlDatabase, SqlExecutor } from '../db/sql-database';
import { LedgerError } from '../ledger-errors';
import { newReference, parseReference } from '../references/reference';

export const CONCERN_REFERENCE_PREFIX = 'CNC';

/** What a concern is about (the report dialog's first question). */
export const CONCERN_TOPICS = ['breach', 'use', 'answer', 'other'] as const;
export type StoredConcernTopic = (typeof CONCERN_TOPICS)[number];

/** Where a concern stands (privacy/concerns/concern-types.ts names them for the dialogs and the console). */
export const CONCERN_STATES = ['reported', 'confirmed_breach', 'dismissed', 'merged', 'answered'] as const;
export type StoredConcernState = (typeof CONCERN_STATES)[number];

/** The customer's own words about a concern, kept sealed together. */
export interface ConcernWords {
  readonly description: string;
  /** How they said when it happened or was noticed ("ieri sera"). */
  readonly occurredPhrase: string | null;
  /** How they said which data. */
  readonly dataPhrase: string | null;
}

/** A concern as stored: everything but the customer's words and typed contact, which `openWords` / `openContact` open. */
export interface ConcernRecord {
  readonly id: string;
  readonly reference: string;
  readonly subjectId: string | null;
  readonly topic: StoredConcernTopic;
  readonly suspectedBreach: boolean;
  readonly status: StoredConcernState;
  readonly reportedAt: Date;
  readonly occurredAt: Date | null;
  readonly dataCategories: readonly string[];
  readonly channel: string | null;
  /** How to reach the conversation again (opaque to the ledger). */
  readonly conversation: Record<string, unknown> | null;
  readonly locale: string | null;
  readonly timeZone: string | null;
  readonly awarenessAt: Date | null;
  readonly awarenessReason: string | null;
  readonly incidentId: string | null;
  readonly incidentReference: string | null;
  /** The DPO alert's webhook delivery, when one was raised. */
  readonly dpoAlertDeliveryId: string | null;
  /** A contact typed for the reply is on the row (sealed). */
  readonly hasContact: boolean;
  /** Rows written before migration 009: their category, severity, authority deadline, redacted text and phrase of when. */
  readonly legacy: {
    readonly category: string | null;
    readonly severity: string | null;
    readonly authorityDueAt: Date | null;
    readonly descriptionRedacted: string | null;
    readonly occurredPhrase: string | null;
  };
  readonly sealed: { readonly description: SealedBlob | null; readonly contact: SealedBlob | null };
}

/** One change of a concern's state, with who and why (the append-only concern_status). */
export interface ConcernStatusChange {
  readonly status: string;
  readonly reason: string | null;
  readonly actor: string;
  readonly at: Date;
}

/** A report as the store writes it: the words and contact in clear here, sealed on the way in. */
export interface NewConcernRow {
  readonly subjectId: string | null;
  readonly topic: StoredConcernTopic;
  readonly suspectedBreach: boolean;
  readonly words: ConcernWords;
  readonly occurredAt: Date | null;
  readonly dataCategories: readonly string[];
  readonly contact: string | null;
  readonly channel: string;
  readonly conversation: Record<string, unknown> | null;
  readonly locale: string;
  readonly timeZone: string;
  readonly reportedAt: Date;
  readonly actor: string;
  readonly idempotencyKey: string | null;
}

interface ConcernRow {
  id: string;
  reference: string;
  subject_id: string | null;
  topic: StoredConcernTopic;
  suspected_breach: boolean;
  status: StoredConcernState;
  reported_at: Date | string;
  occurred_at: Date | string | null;
  occurred_phrase: string | null;
  data_categories: string[] | string | null;
  channel: string | null;
  conversation: Record<string, unknown> | string | null;
  locale: string | null;
  time_zone: string | null;
  awareness_at: Date | string | null;
  awareness_reason: string | null;
  incident_id: string | null;
  incident_reference: string | null;
  dpo_alert_delivery_id: string | null;
  category: string | null;
  severity: string | null;
  authority_due_at: Date | string | null;
  description_redacted: string | null;
  description_sealed: Buffer | Uint8Array | null;
  key_id: string | null;
  contact_sealed: Buffer | Uint8Array | null;
  contact_key_id: string | null;
}

const SELECT = `SELECT c.*, i.reference AS incident_reference FROM concern c LEFT JOIN incident i ON i.id = c.incident_id`;

const optionalDate = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));
const json = <T>(value: T | string | null): T | null => (typeof value === 'string' ? (JSON.parse(value) as T) : value);
const blob = (sealed: Buffer | Uint8Array | null, keyId: string | null): SealedBlob | null => (sealed && keyId ? { sealed: Buffer.from(sealed), keyId } : null);

/** The seals are bound to the concern's id and to what they hold: moved to another row or column, they do not open. */
const wordsContext = (concernId: string): string => `concern:${concernId}:words`;
const contactContext = (concernId: string): string => `concern:${concernId}:contact`;

function toRecord(row: ConcernRow): ConcernRecord {
  return {
    id: row.id,
    reference: row.reference,
    subjectId: row.subject_id,
    topic: row.topic,
    suspectedBreach: row.suspected_breach,
    status: row.status,
    reportedAt: new Date(row.reported_at),
    occurredAt: optionalDate(row.occurred_at),
    dataCategories: json<string[]>(row.data_categories) ?? [],
    channel: row.channel,
    conversation: json<Record<string, unknown>>(row.conversation),
    locale: row.locale,
    timeZone: row.time_zone,
    awarenessAt: optionalDate(row.awareness_at),
    awarenessReason: row.awareness_reason,
    incidentId: row.incident_id,
    incidentReference: row.incident_reference,
    dpoAlertDeliveryId: row.dpo_alert_delivery_id,
    hasContact: row.contact_sealed !== null,
    legacy: { category: row.category, severity: row.severity, authorityDueAt: optionalDate(row.authority_due_at), descriptionRedacted: row.description_redacted, occurredPhrase: row.occurred_phrase },
    sealed: { description: blob(row.description_sealed, row.key_id), contact: blob(row.contact_sealed, row.contact_key_id) },
  };
}

/**
 * Concerns as records (src/ledger knows record types, not rules: the rules live in
 * src/privacy/concerns/concern-service.ts). The free text and a typed contact are sealed here with the
 * ledger's blob cipher and opened only by `openDescription` / `openContact`.
 */
export class ConcernStore {
  constructor(
    private readonly db: SqlDatabase,
    private readonly blobs: BlobCipher,
  ) {}

  /** Inserts a report and its first status row inside the caller's transaction; returns the record. */
  async insert(tx: SqlExecutor, input: NewConcernRow): Promise<ConcernRecord> {
    const id = randomUUID();
    const reference = newReference(CONCERN_REFERENCE_PREFIX, input.reportedAt);
    const words = this.blobs.seal(Buffer.from(JSON.stringify(input.words), 'utf8'), wordsContext(id));
    const contact = input.contact === null ? null : this.blobs.seal(Buffer.from(input.contact, 'utf8'), contactContext(id));
    await tx.query(
      `INSERT INTO concern (id, reference, subject_id, topic, suspected_breach, status, reported_at, occurred_at,
         data_categories, description_sealed, key_id, contact_sealed, contact_key_id, channel, conversation, locale, time_zone, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, 'reported', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [
        id,
        reference,
        input.subjectId,
        input.topic,
        input.suspectedBreach,
        input.reportedAt,
        input.occurredAt,
        JSON.stringify(input.dataCategories),
        words.sealed,
        words.keyId,
        contact?.sealed ?? null,
        contact?.keyId ?? null,
        input.channel,
        input.conversation === null ? null : JSON.stringify(input.conversation),
        input.locale,
        input.timeZone,
        input.idempotencyKey,
      ],
    );
    await tx.query('INSERT INTO concern_status (concern_id, status, reason, actor, at) VALUES ($1, $2, $3, $4, $5)', [id, 'reported', null, input.actor, input.reportedAt]);
    return (await this.byId(id, tx))!;
  }

  async byId(id: string, executor: SqlExecutor = this.db): Promise<ConcernRecord | undefined> {
    const row = (await executor.query<ConcernRow>(`${SELECT} WHERE c.id = $1`, [id])).rows[0];
    return row ? toRecord(row) : undefined;
  }

  async byIdempotencyKey(executor: SqlExecutor, key: string): Promise<ConcernRecord | undefined> {
    const row = (await executor.query<ConcernRow>(`${SELECT} WHERE c.idempotency_key = $1`, [key])).rows[0];
    return row ? toRecord(row) : undefined;
  }

  /** A concern by the reference someone typed (check symbol verified), or undefined. */
  async find(typedReference: string, executor: SqlExecutor = this.db): Promise<ConcernRecord | undefined> {
    const reference = parseReference(typedReference, CONCERN_REFERENCE_PREFIX);
    if (!reference) return undefined;
    const row = (await executor.query<ConcernRow>(`${SELECT} WHERE c.reference = $1`, [reference])).rows[0];
    return row ? toRecord(row) : undefined;
  }

  /**
   * Locks a concern for a change in the caller's transaction.
   * @throws LedgerError `PSB_LEDGER_INVALID_INPUT` (field `reference`) when no concern has it.
   */
  async lock(tx: SqlExecutor, typedReference: string): Promise<ConcernRecord> {
    const reference = parseReference(typedReference, CONCERN_REFERENCE_PREFIX);
    const locked = reference ? (await tx.query<{ id: string }>('SELECT id FROM concern WHERE reference = $1 FOR UPDATE', [reference])).rows[0] : undefined;
    if (!locked) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'no concern with this reference', { field: 'reference' });
    return (await this.byId(locked.id, tx))!;
  }

  /**
   * Records a change: the new status (which may be the same, for an event such as a reply) in the
   * append-only history, and the columns that change with it.
   */
  async recordChange(
    tx: SqlExecutor,
    concernId: string,
    change: { readonly status: StoredConcernState; readonly reason: string | null; readonly actor: string; readonly at: Date },
    columns: { readonly incidentId?: string; readonly awarenessAt?: Date; readonly awarenessReason?: string | null } = {},
  ): Promise<void> {
    await tx.query(
      `UPDATE concern SET status = $2,
         incident_id = COALESCE($3, incident_id),
         awareness_at = COALESCE($4, awareness_at),
         awareness_reason = CASE WHEN $4::timestamptz IS NULL THEN awareness_reason ELSE $5 END
       WHERE id = $1`,
      [concernId, change.status, columns.incidentId ?? null, columns.awarenessAt ?? null, columns.awarenessReason ?? null],
    );
    await tx.query('INSERT INTO concern_status (concern_id, status, reason, actor, at) VALUES ($1, $2, $3, $4, $5)', [concernId, change.status, change.reason, change.actor, change.at]);
  }

  /** Links the DPO alert's webhook delivery to the concern. */
  async setAlertDelivery(tx: SqlExecutor, concernId: string, deliveryId: string): Promise<void> {
    await tx.query('UPDATE concern SET dpo_alert_delivery_id = $2 WHERE id = $1', [concernId, deliveryId]);
  }

  /**
   * Concerns for the privacy team: every one still to triage (reported, answered) and, with
   * `closedSince`, those triaged (confirmed, dismissed, merged) whose last change is not older.
   */
  async list(options: { readonly openStates: readonly StoredConcernState[]; readonly closedSince?: Date }, executor: SqlExecutor = this.db): Promise<ConcernRecord[]> {
    const rows = (
      await executor.query<ConcernRow>(
        `${SELECT}
         WHERE c.status = ANY($1::text[])
            OR ($2::timestamptz IS NOT NULL AND (SELECT max(s.at) FROM concern_status s WHERE s.concern_id = c.id) >= $2)
         ORDER BY c.reported_at DESC, c.reference`,
        [options.openStates, options.closedSince ?? null],
      )
    ).rows;
    return rows.map(toRecord);
  }

  async forSubject(subjectId: string, executor: SqlExecutor = this.db): Promise<ConcernRecord[]> {
    return (await executor.query<ConcernRow>(`${SELECT} WHERE c.subject_id = $1 ORDER BY c.reported_at, c.reference`, [subjectId])).rows.map(toRecord);
  }

  async forIncident(incidentId: string, executor: SqlExecutor = this.db): Promise<ConcernRecord[]> {
    return (await executor.query<ConcernRow>(`${SELECT} WHERE c.incident_id = $1 ORDER BY c.reported_at, c.reference`, [incidentId])).rows.map(toRecord);
  }

  /** The status histories of several concerns at once, oldest change first. */
  async histories(concernIds: readonly string[], executor: SqlExecutor = this.db): Promise<Map<string, ConcernStatusChange[]>> {
    const byConcern = new Map<string, ConcernStatusChange[]>(concernIds.map((id) => [id, []]));
    if (concernIds.length === 0) return byConcern;
    const rows = (
      await executor.query<{ concern_id: string; status: string; reason: string | null; actor: string; at: Date | string }>(
        'SELECT concern_id, status, reason, actor, at FROM concern_status WHERE concern_id = ANY($1::uuid[]) ORDER BY id',
        [concernIds],
      )
    ).rows;
    for (const r of rows) byConcern.get(r.concern_id)?.push({ status: r.status, reason: r.reason, actor: r.actor, at: new Date(r.at) });
    return byConcern;
  }

  /** One concern's history, oldest first. */
  async history(concernId: string, executor: SqlExecutor = this.db): Promise<ConcernStatusChange[]> {
    return (await this.histories([concernId], executor)).get(concernId) ?? [];
  }

  /** The customer's words: opened from the seal, or what a row from before migration 009 kept (its redacted text and phrase). */
  openWords(record: ConcernRecord): ConcernWords {
    if (!record.sealed.description) return { description: record.legacy.descriptionRedacted ?? '', occurredPhrase: record.legacy.occurredPhrase, dataPhrase: null };
    const words = JSON.parse(this.blobs.open(record.sealed.description, wordsContext(record.id)).toString('utf8')) as Partial<ConcernWords>;
    return { description: words.description ?? '', occurredPhrase: words.occurredPhrase ?? null, dataPhrase: words.dataPhrase ?? null };
  }

  /** The contact the customer typed for the reply, or null. */
  openContact(record: ConcernRecord): string | null {
    return record.sealed.contact ? this.blobs.open(record.sealed.contact, contactContext(record.id)).toString('utf8') : null;
  }
}
