import type { SqlExecutor } from '../../../src/ledger/db/sql-database';

/**
 * Every table a consent change or an identity check writes to: the person, the consent events and
 * current state, the signed receipt, the webhook outbox row, the audit log and verifications.
 * "Nothing was recorded" means none of them moved, not only the consent events.
 */
export const LEDGER_RECORD_TABLES = ['subject', 'consent_event', 'consent_state', 'consent_receipt', 'webhook_delivery', 'audit_log', 'verification'] as const;

export type LedgerFootprint = Record<(typeof LEDGER_RECORD_TABLES)[number], number>;

/**
 * Row counts of LEDGER_RECORD_TABLES, for before/after comparisons (`assert.deepEqual` names the
 * table that moved). Counts of whole tables: compare only while nothing else writes to the ledger.
 */
export async function ledgerFootprint(ledger: { readonly db: SqlExecutor }): Promise<LedgerFootprint> {
  const counts: Partial<LedgerFootprint> = {};
  for (const table of LEDGER_RECORD_TABLES) {
    counts[table] = Number((await ledger.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  }
  return counts as LedgerFootprint;
}
