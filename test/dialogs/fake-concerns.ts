import type { WriteContext } from '../../src/ledger/audit/audit-log';
import { newReference } from '../../src/ledger/references/reference';
import { CONCERN_TEXT_LIMIT, NewConcern } from '../../src/privacy/concerns/concern-types';
import type { ConcernReceipt, Concerns } from '../../src/privacy/concerns/concerns';

/** When the fake's clock stands: Monday, March 16, 2026, 11:00 in Rome ("last Tuesday" is March 10, "ieri sera" March 15). */
export const CONCERN_CLOCK = new Date('2026-03-16T10:00:00Z');

/** One `report` call as the dialog made it. */
export interface ReportCall {
  readonly input: NewConcern;
  readonly context: WriteContext;
}

/**
 * `Concerns` in memory for the dialog tables: `report` keeps every call, gives a reference, treats
 * a `breach` topic as a suspected breach, cuts a text over the limit (`truncated`), gives back the
 * same receipt for the same idempotency key, and throws `failing` as a ledger that is down would.
 * The privacy team's operations are not the dialog's business and throw.
 */
export class FakeConcerns implements Pick<Concerns, 'report'> {
  readonly calls: ReportCall[] = [];
  /** The reports recorded (one per idempotency key). */
  readonly recorded: { readonly reference: string; readonly input: NewConcern }[] = [];
  /** Set: `report` throws it. */
  failing?: Error;
  private readonly byKey = new Map<string, ConcernReceipt>();

  constructor(private readonly now: () => Date = () => CONCERN_CLOCK) {}

  async report(input: NewConcern, context: WriteContext): Promise<ConcernReceipt> {
    this.calls.push({ input, context });
    if (this.failing) throw this.failing;
    const replayed = context.idempotencyKey !== undefined ? this.byKey.get(context.idempotencyKey) : undefined;
    if (replayed) return replayed;
    const receipt: ConcernReceipt = { reference: newReference('CNC', this.now()), suspectedBreach: input.topic === 'breach', truncated: input.description.length > CONCERN_TEXT_LIMIT };
    this.recorded.push({ reference: receipt.reference, input: { ...input, description: input.description.slice(0, CONCERN_TEXT_LIMIT) } });
    if (context.idempotencyKey !== undefined) this.byKey.set(context.idempotencyKey, receipt);
    return receipt;
  }
}
