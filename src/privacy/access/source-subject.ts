import type { SqlExecutor } from '../../ledger/db/sql-database';
import { LedgerError } from '../../ledger/ledger-errors';
import type { SubjectService } from '../../ledger/subjects/subject-service';
import type { SourceSubject } from './access-types';

/**
 * The `subjectOf` of the source job worker: the request's subject with its identifiers decrypted,
 * one per kind (the first in the ledger's order when a subject has two of a kind). Held in memory
 * for one run only.
 * @throws LedgerError `PSB_LEDGER_UNKNOWN_SUBJECT` when the request has no subject.
 */
export function subjectOfRequest(db: SqlExecutor, subjects: Pick<SubjectService, 'identifiersOf'>): (requestId: string) => Promise<SourceSubject> {
  return async (requestId) => {
    const subjectId = (await db.query<{ subject_id: string | null }>('SELECT subject_id FROM data_request WHERE id = $1', [requestId])).rows[0]?.subject_id;
    if (!subjectId) throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', 'the access request has no subject', { field: 'requestId' });
    const identifiers: Record<string, string> = {};
    for (const { kind, value } of await subjects.identifiersOf(subjectId)) identifiers[kind] ??= value;
    return { subjectId, identifiers };
  };
}
