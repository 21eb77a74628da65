import type { SqlDatabase, SqlExecutor } from '../../ledger/db/sql-database';
import type { ConsentService } from '../../ledger/consent/consent-service';
import type { CollectionMethod, ConsentEvent, CurrentConsent } from '../../ledger/consent/consent-types';
import type { IssuedReceipt, ReceiptDisclosure, ReceiptRequest } from '../receipts/receipt-types';
import type { PurposeCatalog } from '../../ledger/purposes/purpose-catalog';
import type { IdentifierKind } from '../../ledger/subjects/identifiers';
import type { SubjectService } from '../../ledger/subjects/subject-service';
import { AppError } from '../../errors/app-error';
import { LedgerError } from '../../ledger/ledger-errors';
import { Assurance, AssurancePolicy, PolicyAction, loadAssurancePolicy } from '../assurance/assurance-policy';
import { ConsentDirection, ConsentPair, targetState } from './consent-scope';
import { PurposeConsentView, consentOverview } from './consent-overview';
import type { WithdrawalNoticeOutcome, WithdrawalNotices } from './withdrawal-notice';

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
  /** Which level may do what, and who may see their consents on a receipt. @default loadAssurancePolicy() */
  readonly policy?: Pick<AssurancePolicy, 'allows'>;
  /**
   * Tells the contact on file of a withdrawal made by a customer who is only identified; sent after
   * the commit. Without it no notice is sent (a deployment with no way to reach customers).
   */
  readonly notices?: WithdrawalNotices;
}

/**
 * Why a change is made: a consent change the customer asked for (`request`), a CCPA opt-out of the
 * sale or sharing of their personal information (`sale_opt_out`), or the same opt-out signalled by
 * their browser's Global Privacy Control (`gpc_signal`). Kept as evidence and in the audit reason.
 */
export type ConsentChangeBasis = 'request' | 'sale_opt_out' | 'gpc_signal';

const REASONS: Readonly<Record<ConsentChangeBasis, Readonly<Record<ConsentDirection, string>>>> = {
  request: { withdraw: 'customer withdrew consent in chat', give: 'customer gave consent in chat' },
  sale_opt_out: { withdraw: 'customer opted out of the sale or sharing of personal information in chat', give: 'customer gave consent in chat' },
  gpc_signal: { withdraw: "customer's browser sent Global Privacy Control: opt-out of sale or sharing", give: 'customer gave consent in chat' },
};

/** A customer's change in a conversation: what, and the context the ledger keeps with it. */
export interface ConsentChangeRequest {
  readonly subjectId: string;
  readonly direction: ConsentDirection;
  readonly pairs: readonly ConsentPair[];
  readonly collectionMethod: CollectionMethod;
  /** BCP-47 language of the conversation. */
  readonly language: string;
  readonly conversationId: string;
  /** The activity that confirmed the change: evidence, and the key that makes a retry record once when there is no `changeId`. */
  readonly activityId: string;
  /**
   * The pending change the conversation settled before asking for confirmation (an id kept in
   * dialog state with the question). When given, it is the key of the write instead of the
   * activity: two different "yes" messages racing on two instances, or an attempt re-run after
   * losing the state race, make the very same write (same events, same receipt) — the first one
   * recorded; the others replay it.
   */
  readonly changeId?: string;
  /** Who acted: the customer themself, or an agent on their behalf ("agent:<username>"). */
  readonly actor?: string;
  /**
   * How sure we are who asked (the session's level). The policy decides whether it may make this
   * change, and whether the receipt may show the person's whole state or only this change.
   */
  readonly assurance: Assurance;
  /** The kind of identifier the customer gave: a withdrawal notice goes to the contact on file of that kind first. */
  readonly contactKind?: IdentifierKind;
  /** @default 'request' */
  readonly basis?: ConsentChangeBasis;
}

export interface ConsentChangeOutcome {
  readonly events: readonly ConsentEvent[];
  /** When the change took effect (the events' time). */
  readonly effectiveAt: Date;
  readonly receipt: IssuedReceipt;
  /**
   * True when this confirmation had been recorded before (a retried message, or another "yes" to the
   * same `changeId`): nothing new written, the events and receipt are the first write's, and the
   * first write alone sent the notice (a replay carries none).
   */
  readonly replayed: boolean;
  /** What the receipt shows: the whole state (verified) or only this change (identified). */
  readonly disclosure: ReceiptDisclosure;
  /** The notice to the contact on file, for a withdrawal at `identified` that wrote something new; absent otherwise. */
  readonly notice?: WithdrawalNoticeOutcome;
}

/** The policy action a change is, for the assurance check. */
function actionOf(request: ConsentChangeRequest): PolicyAction {
  if (request.direction === 'give') return 'consent.give';
  return request.basis === 'sale_opt_out' || request.basis === 'gpc_signal' ? 'consent.optOutSale' : 'consent.withdraw';
}

/**
 * Consent self-service over the ledger, with no bot types: what a customer has agreed to, the
 * history of one purpose, and a change recorded together with its signed receipt in one
 * transaction — the caller says "done" only after this resolves.
 *
 * The assurance rules live here, so every face (chat, console) follows them: a change the policy
 * does not allow at the customer's level is refused (giving consent needs `verified`); a customer who
 * may not see their consents gets a receipt of the change only; and a withdrawal made at that level is
 * told to the contact on file once it committed, so the real person learns of it if it wasn't them.
 */
export class ConsentSelfService {
  private readonly policy: Pick<AssurancePolicy, 'allows'>;

  constructor(private readonly deps: ConsentSelfServiceDeps) {
    this.policy = deps.policy ?? loadAssurancePolicy();
  }

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

  /**
   * Records the change and its receipt in one transaction; then, for a new withdrawal whose receipt
   * shows the change only, sends the notice to the contact on file (its failure changes nothing of
   * what was recorded: it is reported in `notice`).
   *
   * @throws AppError `PSB_ASSURANCE_INSUFFICIENT` when the policy does not allow this change at `request.assurance`.
   */
  async change(request: ConsentChangeRequest): Promise<ConsentChangeOutcome> {
    if (request.pairs.length === 0) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'no consent change to record', { field: 'pairs' });
    const action = actionOf(request);
    if (!this.policy.allows(action, request.assurance)) throw new AppError('PSB_ASSURANCE_INSUFFICIENT', `${action} is not allowed at assurance "${request.assurance}"`, { action, assurance: request.assurance });
    const disclosure: ReceiptDisclosure = this.policy.allows('consent.view', request.assurance) ? 'full_state' : 'change_only';
    const basis = request.basis ?? 'request';
    const state = targetState(request.direction);
    const idempotencyKey = request.changeId ? `chat:${request.conversationId}:change:${request.changeId}` : `chat:${request.conversationId}:${request.activityId}`;
    const recordedChange = await this.deps.db.transaction(async (tx) => {
      const subject = await this.deps.subjects.byId(request.subjectId, tx);
      if (!subject) throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', 'no subject with this id', { field: 'subjectId' });
      const recorded = await this.deps.consent.record(
        request.subjectId,
        request.pairs.map((pair) => ({ ...pair, state })),
        {
          collectionMethod: request.collectionMethod,
          language: request.language,
          conversationId: request.conversationId,
          evidence: { activityId: request.activityId, ...(basis !== 'request' ? { basis } : {}) },
        },
        { actor: request.actor ?? `customer:${request.subjectId}`, reason: REASONS[basis][request.direction], idempotencyKey },
        tx,
      );
      // A change-only receipt never reads the rest of the person's state.
      const current = disclosure === 'full_state' ? await this.deps.consent.current(request.subjectId, tx) : [];
      const receipt = await this.deps.receipts.issue(tx, {
        subjectId: request.subjectId,
        regime: subject.regime,
        language: request.language,
        collectionMethod: request.collectionMethod,
        changed: recorded.events,
        current,
        disclosure,
        idempotencyKey,
      });
      return { events: recorded.events, effectiveAt: recorded.events[0].occurredAt, receipt, replayed: recorded.replayed, disclosure };
    });
    if (recordedChange.replayed) return recordedChange;
    this.deps.afterCommit?.();
    if (request.direction !== 'withdraw' || disclosure !== 'change_only' || !this.deps.notices) return recordedChange;
    const notice = await this.deps.notices.send({
      subjectId: request.subjectId,
      preferKind: request.contactKind,
      language: request.language,
      events: recordedChange.events,
      receiptId: recordedChange.receipt.receiptId,
    });
    return { ...recordedChange, notice };
  }
}
