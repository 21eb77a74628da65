import { chainHash } from '../chain/canonical-json';
import { SqlExecutor } from '../db/sql-database';

/** Who changed the ledger and why; every write carries one. */
export interface WriteContext {
  /** "customer:<subject id>", "agent:<username>", "system:import", … */
  readonly actor: string;
  /** Why, in a few words: "customer withdrew consent in chat", "initial import". */
  readonly reason: string;
  /** Same key twice records once (e.g. the activity id of the message that asked). */
  readonly idempotencyKey?: string;
}

export interface AuditEntry {
  readonly action: string;
  readonly entity: string;
  readonly entityId: string;
  readonly details?: Record<string, unknown>;
}

/** The fields of an audit row that its hash covers. */
export function auditRecord(row: { seq: number | string; at: Date | string; actor: string; action: string; entity: string; entity_id: string; reason: string; details: unknown }): Record<string, unknown> {
  return {
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    actor: row.actor,
    action: row.action,
    entity: row.entity,
    entityId: row.entity_id,
    reason: row.reason,
    details: row.details ?? {},
  };
}

/**
 * Appends to the global audit chain inside the caller's transaction. The chain head row is
 * locked until commit, so concurrent writers append one after the other and the chain stays
 * linear; a rolled-back use case leaves no audit entry either.
 */
export async function appendAudit(tx: SqlExecutor, context: WriteContext, entry: AuditEntry, at: Date): Promise<void> {
  const head = (await tx.query<{ seq: string; hash: string | null }>('SELECT seq, hash FROM audit_chain_head WHERE id FOR UPDATE')).rows[0];
  const seq = Number(head.seq) + 1;
  const row = { seq, at, actor: context.actor, action: entry.action, entity: entry.entity, entity_id: entry.entityId, reason: context.reason, details: entry.details ?? {} };
  const hash = chainHash(head.hash, auditRecord(row));
  await tx.query(
    'INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, reason, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
    [seq, at, row.actor, row.action, row.entity, row.entity_id, row.reason, JSON.stringify(row.details), head.hash, hash],
  );
  await tx.query('UPDATE audit_chain_head SET seq = $1, hash = $2 WHERE id', [seq, hash]);
}
