import { exportSubjectById, SubjectExport } from '../../../ledger/export/subject-export';
import type { Ledger } from '../../../ledger/ledger';
import { RECORD_CATEGORY_KEY, RECORD_KIND_KEY, SourceRecord } from '../access-types';
import type { SourceRunInput, SourceRunner, SourceRunOutcome } from './source-runner';

/** Which category an audit entry belongs to, by its action's prefix (`consent.recorded` → consents). */
const AUDIT_CATEGORY: Readonly<Record<string, string>> = {
  consent: 'consents',
  receipt: 'consents',
  request: 'requests',
  concern: 'concerns',
  verification: 'verifications',
};

const tagged = (category: string, kind: string, fields: object): SourceRecord => ({ [RECORD_CATEGORY_KEY]: category, [RECORD_KIND_KEY]: kind, ...fields });

/**
 * The ledger's export as records, each tagged with its category (identity, consents, requests,
 * concerns, verifications) and its kind, in the order the export has them. Audit entries go with
 * what they are about; hashes stay, so the copy can be checked against the chain.
 */
export function ledgerRecords(exported: SubjectExport): SourceRecord[] {
  const records: SourceRecord[] = [tagged('identity', 'subject', exported.subject), ...exported.identifiers.map((i) => tagged('identity', 'identifier', i))];
  records.push(
    ...exported.consents.map(({ purpose, ...rest }) => tagged('consents', 'consent', { purposeId: purpose.id, purpose: purpose.label, legalBasis: purpose.legalBasis, ...rest })),
    ...exported.consentHistory.map((e) => tagged('consents', 'consentEvent', e)),
    tagged('consents', 'consentChain', exported.consentChain),
    ...exported.receipts.map((r) => tagged('consents', 'receipt', r)),
    ...exported.requests.map((r) => tagged('requests', 'request', r)),
    ...exported.concerns.map((c) => tagged('concerns', 'concern', c)),
    ...exported.affectedBy.map((a) => tagged('concerns', 'incidentAffected', a)),
    ...exported.verifications.map((v) => tagged('verifications', 'verification', v)),
    ...exported.audit.map((a) => tagged(AUDIT_CATEGORY[a.action.split('.')[0]] ?? 'identity', 'audit', a)),
  );
  return records;
}

/**
 * The ledger itself: everything it holds about the subject (identifiers decrypted), read in one
 * repeatable-read transaction by the subject export. Read whole before the job stores it: the export
 * and the job's write are two ledger transactions, never one inside the other (PGlite has one connection).
 */
export class LedgerSourceRunner implements SourceRunner {
  constructor(
    private readonly ledger: Ledger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async run(input: SourceRunInput): Promise<SourceRunOutcome> {
    const exported = await exportSubjectById(this.ledger, input.subject.subjectId, { now: this.now });
    const records = ledgerRecords(exported);
    const wanted = input.categories;
    return { kind: 'records', records: wanted === null ? records : records.filter((r) => wanted.includes(r[RECORD_CATEGORY_KEY] as string)) };
  }
}
