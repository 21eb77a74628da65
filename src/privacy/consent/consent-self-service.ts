import type { SqlDatabase, SqlExecutor } from '../../ledger/db/sql-database';
import type { ConsentService } from '../../ledger/consent/consent-service';
import type { CollectionMethod, ConsentEvent, CurrentConsent } from '../../ledger/consent/consent-types';
import type { IssuedReceipt, ReceiptRequest } from '../receipts/receipt-types';
import type { PurposeCatalog } from '../../ledger/purposes/purpose-catalog';
import type { SubjectService } from '../../ledger/subjects/subject-service';
import { LedgerError } from '../../ledger/ledger-errors';
import { ConsentDirection, ConsentPair, targetState } from './consent-scope';
import { PurposeConsentView, consentOverview } from './consent-overview';

/** Issues the signed receipt inside the transaction that records the change. */
export interface ConsentReceiptIssuer {
  issue(tx: SqlExecutor, request: ReceiptRequest): Promise<IssuedReceipt>;
}

export interface ConsentSelfServiceDeps {
  readonly db: SqlDatabase;
  readonly catalog: PurposeCatalog;
  readonly consent: Pick<ConsentService, 'record' | 'current' | 'history'>;
  readonly subjects: Pick<SubjectService, 'byId'>;
  readonly receipts: ConsentReceiptIssuer;
  /** Called after a change committed (e.g. to deliver the consent webhook promptly); never awaited. */
  readonly afterCommit?: () => void;
}

/** A customer's change in a conversation: what, and the context the ledger keeps with it. */
export interface ConsentChangeRequest {
  readonly subjectId: string;
  readonly direction: ConsentDirection;
  readonly pairs: readonly ConsentPair[];
  readonly collectionMethod: CollectionMethod;
  /** BCP-47 language of the conversation. */
  readonly language: string;
  readonly conversationId: string;
  /** The activity that confirmed the change: evidence, and the key that makes a retry record once. */
  readonly activityId: string;
  /** Who acted: the customer themself, or an agent on their behalf ("agent:<username>"). */
  readonly actor?: string;
}

export interface ConsentChangeOutcome {
  readonly events: readonly ConsentEvent[];
  /** When the change took effect (the events' time). */
  readonly effectiveAt: Date;
  readonly receipt: IssuedReceipt;
  /** True when this confirmation had been recorded before (a retried message): nothing new written. */
  readonly replayed: boolean;
}

/**
 * Consent self-service over the ledger, with no bot types: what a customer has agreed to, the
 * history of one purpose, and a change recorded together with its signed receipt in one
 * transaction — the caller says "done" only after this resolves.
 */
export class ConsentSelfService {
  constructor(private readonly deps: ConsentSelfServiceDeps) {}

  get catalog(): PurposeCatalog {
    return this.deps.catalog;
  }

  async current(subjectId: string): Promise<CurrentConsent[]> {
    return this.deps.consent.current(subjectId);
  }

  async overview(subjectId: string): Promise<PurposeConsentView[]> {
    const [current, events] = await Promise.all([this.deps.consent.current(subjectId), this.deps.consent.history(subjectId)]);
    return consentOverview(this.deps.catalog, current, events);
  }

  /** One purpose's events, oldest first. */
  async history(subjectId: string, purposeId: string): Promise<ConsentEvent[]> {
    return this.deps.consent.history(subjectId, purposeId);
  }

  async change(request: ConsentChangeRequest): Promise<ConsentChangeOutcome> {
    if (request.pairs.length === 0) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'no consent change to record', { field: 'pairs' });
    const state = targetState(request.direction);
    const idempotencyKey = `chat:${request.conversationId}:${request.activityId}`;
    const outcome = await this.deps.db.transaction(async (tx): Promise<ConsentChangeOutcome> => {
      const subject = await this.deps.subjects.byId(request.subjectId, tx);
      if (!subject) throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', 'no subject with this id', { field: 'subjectId' });
      const recorded = await this.deps.consent.record(
        request.subjectId,
        request.pairs.map((pair) => ({ ...pair, state })),
        { collectionMethod: request.collectionMethod, language: request.language, conversationId: request.conversationId, evidence: { activityId: request.activityId } },
        { actor: request.actor ?? `customer:${request.subjectId}`, reason: request.direction === 'withdraw' ? 'customer withdrew consent in chat' : 'customer gave consent in chat', idempotencyKey },
        tx,
      );
      const current = await this.deps.consent.current(request.subjectId, tx);
      const receipt = await this.deps.receipts.issue(tx, {
        subjectId: request.subjectId,
        regime: subject.regime,
        language: request.language,
        collectionMethod: request.collectionMethod,
        changed: recorded.events,
        current,
        idempotencyKey,
      });
      return { events: recorded.events, effectiveAt: recorded.events[0].occurredAt, receipt, replayed: recorded.replayed };
    });
    if (!outcome.replayed) this.deps.afterCommit?.();
    return outcome;
  }
}
