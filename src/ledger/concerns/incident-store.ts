import { randomUUID } from 'node:crypto';
import type { Regime } from '../../privacy/clocks/regimes';
import { SqlDatabase, SqlExecutor } from '../db/sql-database';
import { LedgerError } from '../ledger-errors';
import { newReference, parseReference } from '../references/reference';

export const INCIDENT_REFERENCE_PREFIX = 'INC';

export const INCIDENT_STATES = ['open', 'notified', 'closed'] as const;
export type StoredIncidentState = (typeof INCIDENT_STATES)[number];

/** The Art. 33(3) record as stored: field name → text or number (the service knows the fields). */
export type StoredRecord = Readonly<Record<string, string | number | null>>;

export interface IncidentRecord {
  readonly id: string;
  readonly reference: string;
  readonly title: string;
  readonly awarenessAt: Date;
  readonly awarenessReason: string | null;
  readonly regimes: readonly Regime[];
  readonly state: StoredIncidentState;
  readonly record: StoredRecord;
  readonly createdAt: Date;
  readonly createdBy: string;
  readonly notifiedAt: Date | null;
  readonly notifiedBy: string | null;
}

/** One phase of the Art. 33(3) record (Art. 33(4)). */
export interface IncidentPhaseRecord {
  readonly seq: number;
  readonly at: Date;
  readonly actor: string;
  readonly fields: readonly string[];
  readonly changes: StoredRecord;
}

/** What customers are told about an incident in one language (the four parts of an Art. 34 notice). */
export interface StoredNoticeText {
  readonly whatHappened: string;
  readonly whatData: string;
  readonly whatWeDo: string;
  readonly whatYouShouldDo: string;
}

/** The customer-facing texts of an incident, per language, and whether they are published. */
export interface IncidentNoticeRecord {
  readonly texts: Readonly<Record<string, StoredNoticeText>>;
  readonly updatedAt: Date;
  readonly publishedAt: Date | null;
  readonly withdrawnAt: Date | null;
}

interface IncidentRow {
  id: string;
  reference: string;
  title: string;
  awareness_at: Date | string;
  awareness_reason: string | null;
  regimes: string[] | string;
  state: StoredIncidentState;
  record: StoredRecord | string;
  created_at: Date | string;
  created_by: string;
  notified_at: Date | string | null;
  notified_by: string | null;
}

interface NoticeRow {
  incident_id: string;
  texts: IncidentNoticeRecord['texts'] | string;
  updated_at: Date | string;
  published_at: Date | string | null;
  withdrawn_at: Date | string | null;
}

const optionalDate = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));
const json = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);
/** text[] arrives as an array from pg and PGlite; a literal "{a,b}" is read too, to be safe. */
const textArray = (value: string[] | string): string[] => (Array.isArray(value) ? value : value.replace(/^\{|\}$/g, '').split(',').filter(Boolean));

function toIncident(row: IncidentRow): IncidentRecord {
  return {
    id: row.id,
    reference: row.reference,
    title: row.title,
    awarenessAt: new Date(row.awareness_at),
    awarenessReason: row.awareness_reason,
    regimes: textArray(row.regimes) as Regime[],
    state: row.state,
    record: json(row.record),
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
    notifiedAt: optionalDate(row.notified_at),
    notifiedBy: row.notified_by,
  };
}

function toNotice(row: NoticeRow): IncidentNoticeRecord {
  return { texts: json(row.texts), updatedAt: new Date(row.updated_at), publishedAt: optionalDate(row.published_at), withdrawnAt: optionalDate(row.withdrawn_at) };
}

/** True for the unique-violation error of both backends. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

/**
 * Breach incidents as records: the incident, its phases (append-only), its customer notice and its
 * affected subjects. No rules here (src/privacy/concerns/concern-service.ts holds them).
 */
export class IncidentStore {
  constructor(private readonly db: SqlDatabase) {}

  async insert(
    tx: SqlExecutor,
    input: { readonly title: string; readonly awarenessAt: Date; readonly awarenessReason: string | null; readonly regimes: readonly Regime[]; readonly record: StoredRecord; readonly at: Date; readonly actor: string },
  ): Promise<IncidentRecord> {
    const id = randomUUID();
    await tx.query(
      `INSERT INTO incident (id, reference, title, awareness_at, awareness_reason, regimes, state, record, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6::text[], 'open', $7, $8, $9)`,
      [id, newReference(INCIDENT_REFERENCE_PREFIX, input.at), input.title, input.awarenessAt, input.awarenessReason, input.regimes, JSON.stringify(input.record), input.at, input.actor],
    );
    return (await this.byId(id, tx))!;
  }

  async byId(id: string, executor: SqlExecutor = this.db): Promise<IncidentRecord | undefined> {
    const row = (await executor.query<IncidentRow>('SELECT * FROM incident WHERE id = $1', [id])).rows[0];
    return row ? toIncident(row) : undefined;
  }

  /** An incident by the reference someone typed (check symbol verified), or undefined. */
  async find(typedReference: string, executor: SqlExecutor = this.db): Promise<IncidentRecord | undefined> {
    const reference = parseReference(typedReference, INCIDENT_REFERENCE_PREFIX);
    if (!reference) return undefined;
    const row = (await executor.query<IncidentRow>('SELECT * FROM incident WHERE reference = $1', [reference])).rows[0];
    return row ? toIncident(row) : undefined;
  }

  /**
   * Locks an incident for a change in the caller's transaction.
   * @throws LedgerError `PSB_LEDGER_INVALID_INPUT` naming `field` (the input that held the reference) when no incident has it.
   */
  async lock(tx: SqlExecutor, typedReference: string, field = 'reference'): Promise<IncidentRecord> {
    const reference = parseReference(typedReference, INCIDENT_REFERENCE_PREFIX);
    const row = reference ? (await tx.query<IncidentRow>('SELECT * FROM incident WHERE reference = $1 FOR UPDATE', [reference])).rows[0] : undefined;
    if (!row) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'no incident with this reference', { field });
    return toIncident(row);
  }

  /** Every incident: open ones first, then by awareness, oldest first. */
  async list(executor: SqlExecutor = this.db): Promise<IncidentRecord[]> {
    const rows = (await executor.query<IncidentRow>("SELECT * FROM incident ORDER BY (state = 'open') DESC, awareness_at, reference")).rows;
    return rows.map(toIncident);
  }

  /** Changes the columns given, in the caller's transaction. */
  async update(
    tx: SqlExecutor,
    id: string,
    changes: { readonly awarenessAt?: Date; readonly awarenessReason?: string | null; readonly regimes?: readonly Regime[]; readonly record?: StoredRecord; readonly state?: StoredIncidentState; readonly notified?: { readonly at: Date; readonly by: string } },
  ): Promise<void> {
    await tx.query(
      `UPDATE incident SET
         awareness_at = COALESCE($2, awareness_at),
         awareness_reason = CASE WHEN $2::timestamptz IS NULL THEN awareness_reason ELSE $3 END,
         regimes = COALESCE($4::text[], regimes),
         record = COALESCE($5::jsonb, record),
         state = COALESCE($6, state),
         notified_at = COALESCE($7, notified_at),
         notified_by = COALESCE($8, notified_by)
       WHERE id = $1`,
      [
        id,
        changes.awarenessAt ?? null,
        changes.awarenessReason ?? null,
        changes.regimes ?? null,
        changes.record === undefined ? null : JSON.stringify(changes.record),
        changes.state ?? null,
        changes.notified?.at ?? null,
        changes.notified?.by ?? null,
      ],
    );
  }

  /** Appends a phase; returns its number (1 for the first). */
  async addPhase(tx: SqlExecutor, incidentId: string, phase: { readonly at: Date; readonly actor: string; readonly fields: readonly string[]; readonly changes: StoredRecord }): Promise<number> {
    const next = (await tx.query<{ seq: number | string }>('SELECT COALESCE(max(seq), 0) + 1 AS seq FROM incident_phase WHERE incident_id = $1', [incidentId])).rows[0];
    const seq = Number(next.seq);
    await tx.query('INSERT INTO incident_phase (incident_id, seq, at, actor, fields, changes) VALUES ($1, $2, $3, $4, $5::text[], $6)', [
      incidentId,
      seq,
      phase.at,
      phase.actor,
      phase.fields,
      JSON.stringify(phase.changes),
    ]);
    return seq;
  }

  async phases(incidentIds: readonly string[], executor: SqlExecutor = this.db): Promise<Map<string, IncidentPhaseRecord[]>> {
    const byIncident = new Map<string, IncidentPhaseRecord[]>(incidentIds.map((id) => [id, []]));
    if (incidentIds.length === 0) return byIncident;
    const rows = (
      await executor.query<{ incident_id: string; seq: number; at: Date | string; actor: string; fields: string[] | string; changes: StoredRecord | string }>(
        'SELECT incident_id, seq, at, actor, fields, changes FROM incident_phase WHERE incident_id = ANY($1::uuid[]) ORDER BY incident_id, seq',
        [incidentIds],
      )
    ).rows;
    for (const r of rows) byIncident.get(r.incident_id)?.push({ seq: Number(r.seq), at: new Date(r.at), actor: r.actor, fields: textArray(r.fields), changes: json(r.changes) });
    return byIncident;
  }

  /** References of the concerns gathered in each incident, oldest report first. */
  async concernReferences(incidentIds: readonly string[], executor: SqlExecutor = this.db): Promise<Map<string, string[]>> {
    const byIncident = new Map<string, string[]>(incidentIds.map((id) => [id, []]));
    if (incidentIds.length === 0) return byIncident;
    const rows = (await executor.query<{ incident_id: string; reference: string }>('SELECT incident_id, reference FROM concern WHERE incident_id = ANY($1::uuid[]) ORDER BY reported_at, reference', [incidentIds])).rows;
    for (const r of rows) byIncident.get(r.incident_id)?.push(r.reference);
    return byIncident;
  }

  async notices(incidentIds: readonly string[], executor: SqlExecutor = this.db): Promise<Map<string, IncidentNoticeRecord>> {
    const byIncident = new Map<string, IncidentNoticeRecord>();
    if (incidentIds.length === 0) return byIncident;
    const rows = (await executor.query<NoticeRow>('SELECT * FROM incident_notice WHERE incident_id = ANY($1::uuid[])', [incidentIds])).rows;
    for (const r of rows) byIncident.set(r.incident_id, toNotice(r));
    return byIncident;
  }

  /** Writes the notice's texts (all languages at once), keeping its publication state. */
  async setNoticeTexts(tx: SqlExecutor, incidentId: string, texts: IncidentNoticeRecord['texts'], at: Date, actor: string): Promise<void> {
    await tx.query(
      `INSERT INTO incident_notice (incident_id, texts, updated_at, updated_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (incident_id) DO UPDATE SET texts = EXCLUDED.texts, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
      [incidentId, JSON.stringify(texts), at, actor],
    );
  }

  /**
   * Publishes the incident's notice. Only one may be published at a time (a unique index): a race
   * with another publication fails with the database's unique violation (`isUniqueViolation`).
   */
  async publishNotice(tx: SqlExecutor, incidentId: string, at: Date): Promise<void> {
    await tx.query('UPDATE incident_notice SET published_at = $2, withdrawn_at = NULL WHERE incident_id = $1', [incidentId, at]);
  }

  async withdrawNotice(tx: SqlExecutor, incidentId: string, at: Date): Promise<void> {
    await tx.query('UPDATE incident_notice SET withdrawn_at = $2 WHERE incident_id = $1', [incidentId, at]);
  }

  /** The published notice, if any (one at most). */
  async publishedNotice(executor: SqlExecutor = this.db): Promise<{ readonly incidentId: string; readonly reference: string; readonly notice: IncidentNoticeRecord } | undefined> {
    const row = (
      await executor.query<NoticeRow & { reference: string }>(
        'SELECT n.*, i.reference FROM incident_notice n JOIN incident i ON i.id = n.incident_id WHERE n.published_at IS NOT NULL AND n.withdrawn_at IS NULL',
      )
    ).rows[0];
    return row ? { incidentId: row.incident_id, reference: row.reference, notice: toNotice(row) } : undefined;
  }

  /** Adds affected subjects; returns those that were not affected before (each once). */
  async addAffected(tx: SqlExecutor, incidentId: string, subjectIds: readonly string[], at: Date, source: string): Promise<string[]> {
    if (subjectIds.length === 0) return [];
    const rows = (
      await tx.query<{ subject_id: string }>(
        `INSERT INTO incident_affected (incident_id, subject_id, added_at, source)
         SELECT $1, s, $3, $4 FROM unnest($2::uuid[]) AS s
         ON CONFLICT (incident_id, subject_id) DO NOTHING
         RETURNING subject_id`,
        [incidentId, [...new Set(subjectIds)], at, source],
      )
    ).rows;
    return rows.map((r) => r.subject_id);
  }

  async isAffected(incidentId: string, subjectId: string, executor: SqlExecutor = this.db): Promise<boolean> {
    return (await executor.query('SELECT 1 FROM incident_affected WHERE incident_id = $1 AND subject_id = $2', [incidentId, subjectId])).rows.length > 0;
  }

  async affectedCounts(incidentIds: readonly string[], executor: SqlExecutor = this.db): Promise<Map<string, number>> {
    const counts = new Map<string, number>(incidentIds.map((id) => [id, 0]));
    if (incidentIds.length === 0) return counts;
    const rows = (await executor.query<{ incident_id: string; n: string | number }>('SELECT incident_id, count(*) AS n FROM incident_affected WHERE incident_id = ANY($1::uuid[]) GROUP BY incident_id', [incidentIds])).rows;
    for (const r of rows) counts.set(r.incident_id, Number(r.n));
    return counts;
  }

  /** The incidents a subject is among the affected of, with their Art. 34 notice (their own export). */
  async affecting(subjectId: string, executor: SqlExecutor = this.db): Promise<{ readonly reference: string; readonly addedAt: Date; readonly notice: { readonly status: 'pending' | 'sent'; readonly sentAt: Date | null } | null }[]> {
    const rows = (
      await executor.query<{ reference: string; added_at: Date | string; status: 'pending' | 'sent' | null; sent_at: Date | string | null }>(
        `SELECT i.reference, a.added_at, n.status, n.sent_at FROM incident_affected a
         JOIN incident i ON i.id = a.incident_id
         LEFT JOIN incident_subject_notice n ON n.incident_id = a.incident_id AND n.subject_id = a.subject_id
         WHERE a.subject_id = $1 ORDER BY a.added_at, i.reference`,
        [subjectId],
      )
    ).rows;
    return rows.map((r) => ({ reference: r.reference, addedAt: new Date(r.added_at), notice: r.status === null ? null : { status: r.status, sentAt: optionalDate(r.sent_at) } }));
  }
}
