import type { WriteContext } from '../../src/ledger/audit/audit-log';
import { newReference, parseReference } from '../../src/ledger/references/reference';
import { REQUEST_REFERENCE_PREFIX } from '../../src/ledger/requests/request-service';
import type { AccessPreview, AccessRequestOutcome, AccessRequests, NewAccessRequest } from '../../src/privacy/access/access-requests';
import { AccessCase, DataCategory, OPEN_ACCESS_STATUSES } from '../../src/privacy/access/access-types';
import { computeRequestDeadlines } from '../../src/privacy/clocks/deadlines';
import type { Regime } from '../../src/privacy/clocks/regimes';

/** The categories of the fake: what a configuration with a CRM and an orders system would offer. */
export const TEST_CATEGORIES: readonly DataCategory[] = Object.freeze([
  { id: 'identity', label: { en: 'Identity and contact details', it: 'Identità e recapiti' }, synonyms: { en: ['contact details', 'my address', 'my email address'], it: ['identità', 'recapiti', 'il mio indirizzo', 'anagrafica'] } },
  { id: 'orders', label: { en: 'Orders', it: 'Ordini' }, synonyms: { en: ['order history', 'purchases', 'my orders'], it: ['acquisti', 'storico ordini', 'i miei ordini'] } },
  { id: 'support', label: { en: 'Support tickets', it: 'Assistenza' }, synonyms: { en: ['support', 'tickets', 'complaints'], it: ['ticket', 'richieste di assistenza', 'reclami'] } },
  { id: 'consents', label: { en: 'Consents', it: 'Consensi' }, synonyms: { en: ['my consents', 'marketing preferences'], it: ['i miei consensi', 'preferenze di marketing'] } },
]);

/** When the fake's clock stands: a request made now is due (GDPR) at the end of 28 February 2026, Brussels time. */
export const ACCESS_CLOCK = new Date('2026-01-28T10:00:00Z');

/** One `request` call as the dialog made it. */
export interface RequestCall {
  readonly input: NewAccessRequest;
  readonly context: WriteContext;
}

/**
 * `AccessRequests` in memory, with the real statutory clocks and references, for the dialog tables:
 * one open case per subject (asking again gives it back, `reused`), the same idempotency key gives
 * back what it opened, and `failing` makes `request` throw as a ledger that is down would.
 * The privacy team's operations are not the dialogs' business and throw.
 */
export class FakeAccessRequests implements AccessRequests {
  readonly cases: AccessCase[] = [];
  readonly calls: RequestCall[] = [];
  /** References looked up with `find`, as typed. */
  readonly finds: string[] = [];
  /** Set: `request` throws it (the ledger is down). */
  failing?: Error;
  private readonly byKey = new Map<string, AccessCase>();
  private readonly regimes = new Map<string, Regime>();

  constructor(
    readonly categories: readonly DataCategory[] = TEST_CATEGORIES,
    private readonly now: () => Date = () => ACCESS_CLOCK,
  ) {}

  /** The subject's regime (GDPR unless set). */
  setRegime(subjectId: string, regime: Regime): void {
    this.regimes.set(subjectId, regime);
  }

  async preview(subjectId: string): Promise<AccessPreview> {
    const regime = this.regimeOf(subjectId);
    const deadlines = computeRequestDeadlines({ regime, type: 'access', receivedAt: this.now() });
    return { regime, dueAt: deadlines.due, acknowledgeBy: deadlines.acknowledgeBy, categories: this.categories, openCase: this.openCaseOf(subjectId) ?? null };
  }

  async request(input: NewAccessRequest, context: WriteContext): Promise<AccessRequestOutcome> {
    this.calls.push({ input, context });
    if (this.failing) throw this.failing;
    const replayed = context.idempotencyKey !== undefined ? this.byKey.get(context.idempotencyKey) : undefined;
    if (replayed) return { case: replayed, reused: false };
    const open = this.openCaseOf(input.subjectId);
    if (open) return { case: open, reused: true };
    const opened = this.seed({ subjectId: input.subjectId, categories: input.categories, channel: input.channel, locale: input.locale, timeZone: input.timeZone, actor: context.actor });
    if (context.idempotencyKey !== undefined) this.byKey.set(context.idempotencyKey, opened);
    return { case: opened, reused: false };
  }

  async casesOf(subjectId: string): Promise<AccessCase[]> {
    return this.cases.filter((accessCase) => accessCase.subjectId === subjectId).sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime());
  }

  async find(typedReference: string): Promise<AccessCase | undefined> {
    this.finds.push(typedReference);
    const reference = parseReference(typedReference, REQUEST_REFERENCE_PREFIX);
    return reference ? this.cases.find((accessCase) => accessCase.reference === reference) : undefined;
  }

  /** A case as the ledger would hold it, received `receivedAt` (default: now), in progress unless told otherwise. */
  seed(seeded: Partial<AccessCase> & { subjectId: string; actor?: string }): AccessCase {
    const { actor, ...fields } = seeded;
    const receivedAt = fields.receivedAt ?? this.now();
    const regime = fields.regime ?? this.regimeOf(fields.subjectId);
    const deadlines = computeRequestDeadlines({ regime, type: 'access', receivedAt });
    const status = fields.status ?? 'in_progress';
    const accessCase: AccessCase = {
      id: `case-${this.cases.length + 1}`,
      reference: newReference(REQUEST_REFERENCE_PREFIX, receivedAt),
      regime,
      status,
      receivedAt,
      acknowledgeBy: deadlines.acknowledgeBy,
      dueAt: deadlines.due,
      extendedDueAt: null,
      extensionReason: null,
      effectiveDueAt: fields.extendedDueAt ?? deadlines.due,
      maxExtendedDueAt: deadlines.extendedDue,
      extensionNoticeBy: deadlines.extensionNoticeBy,
      categories: null,
      channel: 'webchat',
      locale: 'en',
      timeZone: 'Europe/Brussels',
      blockedReason: null,
      history: [
        { status: 'received', reason: null, actor: actor ?? `customer:${fields.subjectId}`, at: receivedAt },
        ...(status === 'received' ? [] : [{ status, reason: fields.blockedReason ?? null, actor: 'system:test', at: new Date(receivedAt.getTime() + 60_000) }]),
      ],
      sources: [],
      copy: null,
      ...fields,
    };
    this.cases.push(accessCase);
    return accessCase;
  }

  async list(): Promise<AccessCase[]> {
    throw new Error('the dialogs do not list cases');
  }

  async release(): Promise<AccessCase> {
    throw new Error('the dialogs do not release copies');
  }

  async extend(): Promise<AccessCase> {
    throw new Error('the dialogs do not extend cases');
  }

  async refuse(): Promise<AccessCase> {
    throw new Error('the dialogs do not refuse cases');
  }

  async rerunSource(): Promise<AccessCase> {
    throw new Error('the dialogs do not re-run sources');
  }

  private openCaseOf(subjectId: string): AccessCase | undefined {
    return this.cases.find((accessCase) => accessCase.subjectId === subjectId && OPEN_ACCESS_STATUSES.includes(accessCase.status));
  }

  private regimeOf(subjectId: string): Regime {
    return this.regimes.get(subjectId) ?? 'gdpr';
  }
}
