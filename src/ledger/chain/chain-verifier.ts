import { auditRecord } from '../audit/audit-log';
import { CONSENT_EVENT_COLUMNS, ConsentEventRow, consentHashRecord, toConsentEvent } from '../consent/consent-event-row';
import { SqlExecutor } from '../db/sql-database';
import { chainHash } from './canonical-json';

/** The first link that does not verify, in words the privacy team can act on. */
export interface BrokenLink {
  readonly chain: 'consent' | 'audit';
  /** Subject id for consent chains; "global" for the audit log. */
  readonly owner: string;
  /** Consent event id, or audit seq. */
  readonly entry: string;
  readonly position: number;
  readonly problem: 'hash mismatch' | 'prev_hash mismatch' | 'gap in sequence' | 'head mismatch';
}

export interface ChainReport {
  readonly ok: boolean;
  readonly consentEventsChecked: number;
  readonly auditEntriesChecked: number;
  readonly broken?: BrokenLink;
}

const PAGE = 1000;

/**
 * Recomputes every hash: each subject's consent chain, then the audit chain, and compares the
 * chain heads. Stops at the first broken link and names it. Reads in pages, so a large ledger
 * does not load into memory at once.
 */
export async function verifyChains(db: SqlExecutor): Promise<ChainReport> {
  let consentChecked = 0;
  const heads = new Map<string, { length: number; head: string | null }>();
  for (const row of (await db.query<{ id: string; consent_chain_length: number; consent_chain_head: string | null }>('SELECT id, consent_chain_length, consent_chain_head FROM subject')).rows) {
    heads.set(row.id, { length: Number(row.consent_chain_length), head: row.consent_chain_head });
  }
  const seen = new Map<string, { seq: number; hash: string | null }>();
  for (let offset = 0; ; offset += PAGE) {
    const rows = (await db.query<ConsentEventRow>(`SELECT ${CONSENT_EVENT_COLUMNS} FROM consent_event ORDER BY subject_id, subject_seq LIMIT ${PAGE} OFFSET ${offset}`)).rows;
    for (const row of rows) {
      const event = toConsentEvent(row);
      const last = seen.get(event.subjectId) ?? { seq: 0, hash: null };
      const at = { chain: 'consent' as const, owner: event.subjectId, entry: event.id, position: event.subjectSeq };
      if (event.subjectSeq !== last.seq + 1) return report(consentChecked, 0, { ...at, problem: 'gap in sequence' });
      if (event.prevHash !== last.hash) return report(consentChecked, 0, { ...at, problem: 'prev_hash mismatch' });
      if (chainHash(last.hash, consentHashRecord(event)) !== event.hash) return report(consentChecked, 0, { ...at, problem: 'hash mismatch' });
      seen.set(event.subjectId, { seq: event.subjectSeq, hash: event.hash });
      consentChecked += 1;
    }
    if (rows.length < PAGE) break;
  }
  for (const [subjectId, head] of heads) {
    const last = seen.get(subjectId) ?? { seq: 0, hash: null };
    if (last.seq !== head.length || last.hash !== head.head) {
      return report(consentChecked, 0, { chain: 'consent', owner: subjectId, entry: 'head', position: head.length, problem: 'head mismatch' });
    }
  }

  let auditChecked = 0;
  let prev: string | null = null;
  let expectedSeq = 1;
  for (let offset = 0; ; offset += PAGE) {
    const rows = (await db.query<{ seq: string; at: Date; actor: string; action: string; entity: string; entity_id: string; reason: string; details: unknown; prev_hash: string | null; hash: string }>(
      `SELECT seq, at, actor, action, entity, entity_id, reason, details, prev_hash, hash FROM audit_log ORDER BY seq LIMIT ${PAGE} OFFSET ${offset}`,
    )).rows;
    for (const row of rows) {
      const at = { chain: 'audit' as const, owner: 'global', entry: String(row.seq), position: Number(row.seq) };
      if (Number(row.seq) !== expectedSeq) return report(consentChecked, auditChecked, { ...at, problem: 'gap in sequence' });
      if (row.prev_hash !== prev) return report(consentChecked, auditChecked, { ...at, problem: 'prev_hash mismatch' });
      const details = typeof row.details === 'string' ? (JSON.parse(row.details) as unknown) : row.details;
      if (chainHash(prev, auditRecord({ ...row, details })) !== row.hash) return report(consentChecked, auditChecked, { ...at, problem: 'hash mismatch' });
      prev = row.hash;
      expectedSeq += 1;
      auditChecked += 1;
    }
    if (rows.length < PAGE) break;
  }
  const head = (await db.query<{ seq: string; hash: string | null }>('SELECT seq, hash FROM audit_chain_head WHERE id')).rows[0];
  if (head && (Number(head.seq) !== auditChecked || head.hash !== prev)) {
    return report(consentChecked, auditChecked, { chain: 'audit', owner: 'global', entry: 'head', position: Number(head.seq), problem: 'head mismatch' });
  }
  return report(consentChecked, auditChecked);
}

function report(consentEventsChecked: number, auditEntriesChecked: number, broken?: BrokenLink): ChainReport {
  return { ok: !broken, consentEventsChecked, auditEntriesChecked, ...(broken ? { broken } : {}) };
}
