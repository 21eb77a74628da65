import { appendAudit } from '../audit/audit-log';
import { canonicalJson } from '../chain/canonical-json';
import { SqlDatabase } from '../db/sql-database';
import { PurposeCatalog } from './purpose-catalog';

/**
 * Mirrors the catalog file into the `purpose` table (events reference it). A purpose whose
 * definition changed (a new notice version, say) is updated and the change audited; purposes
 * removed from the file stay, because past events still point at them.
 */
export async function syncPurposes(db: SqlDatabase, catalog: PurposeCatalog, now: () => Date): Promise<string[]> {
  return db.transaction(async (tx) => {
    const stored = new Map((await tx.query<{ id: string; definition: unknown }>('SELECT id, definition FROM purpose')).rows.map((r) => [r.id, canonicalJson(typeof r.definition === 'string' ? JSON.parse(r.definition) : r.definition)]));
    const changed: string[] = [];
    const at = now();
    for (const purpose of catalog.purposes) {
      const definition = canonicalJson(purpose);
      if (stored.get(purpose.id) === definition) continue;
      await tx.query(
        `INSERT INTO purpose (id, dpv_purpose, legal_basis, channels, notice_version, notice_url, definition, synced_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET dpv_purpose = EXCLUDED.dpv_purpose, legal_basis = EXCLUDED.legal_basis, channels = EXCLUDED.channels,
           notice_version = EXCLUDED.notice_version, notice_url = EXCLUDED.notice_url, definition = EXCLUDED.definition, synced_at = EXCLUDED.synced_at`,
        [purpose.id, purpose.dpvPurpose, purpose.legalBasis, purpose.channels, purpose.notice.version, purpose.notice.url, definition, at],
      );
      await appendAudit(tx, { actor: 'system:catalog', reason: `purposes catalog ${catalog.version} loaded` }, { action: stored.has(purpose.id) ? 'purpose.updated' : 'purpose.added', entity: 'purpose', entityId: purpose.id, details: { noticeVersion: purpose.notice.version } }, at);
      changed.push(purpose.id);
    }
    return changed;
  });
}
