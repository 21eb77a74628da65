/**
 * The customers of a surge (bench/surge.ts): who they are, which flow each runs, and their records put in the
 * ledger before the surge through the ledger's own services (`subjects.register`, `consent.record`,
 * `requests.open`), as an import from the company's CRM would: every write audited and hash-chained, so
 * `ledger verify` checks the seeded records too.
 */
import type { Ledger } from '../src/ledger/ledger';
import { seededRandom } from '../src/nlu/seeded-random';

/** What a customer comes for: (a) the welcome only; (b) withdraw a consent after a one-time code; (c) a case's status; (d) report a concern. */
export const FLOW_KINDS = ['welcome', 'withdraw', 'status', 'concern'] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

/** One simulated customer. */
export interface SurgeCustomer {
  readonly index: number;
  readonly kind: FlowKind;
  /** The contact on file (example.com: nobody's), where the codes go. */
  readonly email: string;
  /** The ledger subject, once seeded. */
  subjectId?: string;
  /** (c) only: the reference of the access request the customer asks about. */
  requestReference?: string;
}

/** The consents every customer gave at sign-up: offers by email and SMS, the newsletter (flow b withdraws offers by SMS). */
const SIGN_UP_CONSENTS = [
  { purposeId: 'marketing_offers', channel: 'email', state: 'given' },
  { purposeId: 'marketing_offers', channel: 'sms', state: 'given' },
  { purposeId: 'newsletter', channel: 'email', state: 'given' },
] as const;
const SIGNED_UP_AT = new Date('2025-03-01T09:00:00Z');
/** Customers registered per transaction: big enough to amortise the commit, small enough to show progress. */
const SEED_CHUNK = 250;
/** Access requests are opened one transaction each (`requests.open`); this many at once. */
const REQUEST_CONCURRENCY = 8;
const DAY_MS = 86_400_000;

/** A small seeded PRNG, so one seed gives one run's choices. */
export const randomSource = seededRandom;

/**
 * `count` customers whose kinds follow `weights` exactly (smooth weighted round-robin: 12 customers at 1:2:1:1
 * include every kind), in an order shuffled by `random`.
 */
export function planCustomers(count: number, weights: Readonly<Record<FlowKind, number>>, random: () => number): SurgeCustomer[] {
  const total = FLOW_KINDS.reduce((sum, kind) => sum + weights[kind], 0);
  if (!(total > 0)) throw new Error('the flow mix needs at least one kind with a weight above 0');
  const current = Object.fromEntries(FLOW_KINDS.map((kind) => [kind, 0])) as Record<FlowKind, number>;
  const kinds: FlowKind[] = [];
  for (let i = 0; i < count; i += 1) {
    let best: FlowKind = FLOW_KINDS[0];
    for (const kind of FLOW_KINDS) {
      current[kind] += weights[kind];
      if (current[kind] > current[best]) best = kind;
    }
    current[best] -= total;
    kinds.push(best);
  }
  for (let i = kinds.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  return kinds.map((kind, index) => ({ index, kind, email: `customer-${index + 1}@example.com` }));
}

/**
 * Registers every customer (email on file, GDPR, English) with the sign-up consents, SEED_CHUNK to a
 * transaction; then opens one access request, in progress since ten days, for each customer of flow (c).
 * Sets `subjectId` and `requestReference` on the customers.
 */
export async function seedCustomers(ledger: Ledger, customers: readonly SurgeCustomer[], progress: (done: number) => void = () => undefined): Promise<void> {
  const context = { actor: 'system:surge-seed', reason: 'customers of the surge bench, imported before it' };
  for (let from = 0; from < customers.length; from += SEED_CHUNK) {
    const chunk = customers.slice(from, from + SEED_CHUNK);
    await ledger.db.transaction(async (tx) => {
      for (const customer of chunk) {
        const subject = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: customer.email }], regime: 'gdpr', preferredLocale: 'en' }, context, tx);
        await ledger.consent.record(subject.id, SIGN_UP_CONSENTS, { collectionMethod: 'import', language: 'en', occurredAt: SIGNED_UP_AT, evidence: { source: 'surge bench' } }, context, tx);
        customer.subjectId = subject.id;
      }
    });
    progress(from + chunk.length);
  }
  const asking = customers.filter((customer) => customer.kind === 'status');
  let next = 0;
  const receivedAt = new Date(Date.now() - 10 * DAY_MS);
  await Promise.all(
    Array.from({ length: REQUEST_CONCURRENCY }, async () => {
      for (let i = next++; i < asking.length; i = next++) {
        const customer = asking[i];
        const request = await ledger.requests.open({ subjectId: customer.subjectId, type: 'access', regime: 'gdpr', receivedAt, startAs: 'in_progress', channel: 'web_chat', locale: 'en', timeZone: 'Europe/London' }, context);
        customer.requestReference = request.reference;
      }
    }),
  );
}
