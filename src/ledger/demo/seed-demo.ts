/**
 * Demo customers, so a new user can try the bot on a fresh ledger (`npm run ledger -- seed-demo`).
 * Fictitious people on example.com with fictitious numbers; each has a consent history with the
 * twists real ones have (given at sign-up, withdrawn in chat, refused, given again). Idempotent:
 * subjects are found by identifier and every write carries a fixed idempotency key, so running it
 * twice adds nothing.
 */
import { Regime } from '../../privacy/clocks/regimes';
import { WriteContext } from '../audit/audit-log';
import { CollectionMethod, ConsentChange } from '../consent/consent-types';
import { Ledger } from '../ledger';

/** One moment in a demo customer's history: the choices they made then, and where. */
export interface DemoConsentStep {
  readonly occurredAt: string;
  readonly collectionMethod: CollectionMethod;
  readonly language: string;
  readonly changes: readonly ConsentChange[];
  readonly evidence: Record<string, unknown>;
}

export interface DemoCustomer {
  /** Stable handle, part of the idempotency keys. */
  readonly key: string;
  /** For the README and the demo; the ledger stores no names. */
  readonly name: string;
  readonly description: string;
  readonly regime: Regime;
  readonly language: string;
  readonly email: string;
  /** E.164. */
  readonly phone: string;
  readonly customerNumber: string;
  readonly history: readonly DemoConsentStep[];
}

const given = (purposeId: string, channel: ConsentChange['channel']): ConsentChange => ({ purposeId, channel, state: 'given' });
const withdrawn = (purposeId: string, channel: ConsentChange['channel']): ConsentChange => ({ purposeId, channel, state: 'withdrawn' });
const refused = (purposeId: string, channel: ConsentChange['channel']): ConsentChange => ({ purposeId, channel, state: 'refused' });

/** Who the demo customers are; the README names them and what to type. */
export const DEMO_CUSTOMERS: readonly DemoCustomer[] = Object.freeze([
  {
    key: 'giulia',
    name: 'Giulia Rossi',
    description: 'Italian customer in Milan (GDPR), speaks Italian; signed up on the website, later stopped SMS offers in the chat.',
    regime: 'gdpr',
    language: 'it',
    email: 'giulia.rossi@example.com',
    phone: '+393471234567',
    customerNumber: 'CUST-100001',
    history: [
      {
        occurredAt: '2025-03-14T09:12:00Z',
        collectionMethod: 'api',
        language: 'it',
        changes: [given('newsletter', 'email'), given('marketing_offers', 'email'), given('marketing_offers', 'sms'), refused('partner_sharing', 'email'), given('service_updates', 'email'), given('service_updates', 'sms')],
        evidence: { form: 'signup', page: 'https://example.com/it/registrazione' },
      },
      { occurredAt: '2025-06-02T18:40:00Z', collectionMethod: 'api', language: 'it', changes: [given('profiling', 'in_app')], evidence: { form: 'app-onboarding' } },
      { occurredAt: '2026-01-20T20:05:00Z', collectionMethod: 'web_chat', language: 'it', changes: [withdrawn('marketing_offers', 'sms')], evidence: { conversation: 'demo' } },
    ],
  },
  {
    key: 'oliver',
    name: 'Oliver Bennett',
    description: 'UK customer in Leeds (UK GDPR), speaks English; gave everything at sign-up, withdrew profiling through an agent, then re-subscribed to the newsletter.',
    regime: 'uk-gdpr',
    language: 'en',
    email: 'oliver.bennett@example.com',
    phone: '+447911123456',
    customerNumber: 'CUST-200002',
    history: [
      {
        occurredAt: '2024-11-05T11:30:00Z',
        collectionMethod: 'api',
        language: 'en-GB',
        changes: [given('newsletter', 'email'), given('marketing_offers', 'email'), given('marketing_offers', 'post'), given('profiling', 'email'), given('profiling', 'in_app'), given('service_updates', 'email')],
        evidence: { form: 'signup', page: 'https://example.com/uk/join' },
      },
      { occurredAt: '2025-09-18T15:00:00Z', collectionMethod: 'agent', language: 'en-GB', changes: [withdrawn('profiling', 'email'), withdrawn('profiling', 'in_app'), withdrawn('newsletter', 'email')], evidence: { call: 'customer care' } },
      { occurredAt: '2026-05-03T08:45:00Z', collectionMethod: 'web_chat', language: 'en-GB', changes: [given('newsletter', 'email')], evidence: { conversation: 'demo' } },
    ],
  },
  {
    key: 'maya',
    name: 'Maya Chen',
    description: 'Californian customer in Los Angeles (CCPA), speaks English; opted out of partner sharing (sale/sharing) and kept offers by email only.',
    regime: 'ccpa',
    language: 'en',
    email: 'maya.chen@example.com',
    phone: '+12135550147',
    customerNumber: 'CUST-300003',
    history: [
      {
        occurredAt: '2025-02-10T17:20:00Z',
        collectionMethod: 'api',
        language: 'en-US',
        changes: [given('marketing_offers', 'email'), given('marketing_offers', 'sms'), given('partner_sharing', 'email'), given('partner_sharing', 'phone'), given('service_updates', 'sms'), given('service_updates', 'push')],
        evidence: { form: 'checkout', page: 'https://example.com/us/checkout' },
      },
      { occurredAt: '2025-08-30T22:10:00Z', collectionMethod: 'web_chat', language: 'en-US', changes: [withdrawn('partner_sharing', 'email'), withdrawn('partner_sharing', 'phone')], evidence: { conversation: 'demo', note: 'Do Not Sell or Share' } },
      { occurredAt: '2026-02-14T16:00:00Z', collectionMethod: 'api', language: 'en-US', changes: [withdrawn('marketing_offers', 'sms')], evidence: { form: 'preferences' } },
    ],
  },
]);

/** What seeding did per customer; ids and counts only. */
export interface SeedDemoReport {
  readonly customers: readonly { readonly key: string; readonly subjectId: string; readonly created: boolean; readonly eventsRecorded: number }[];
}

/** Adds the demo customers (or nothing, when they are already there) in one transaction. */
export async function seedDemo(ledger: Ledger, customers: readonly DemoCustomer[] = DEMO_CUSTOMERS): Promise<SeedDemoReport> {
  return ledger.db.transaction(async (tx) => {
    const report: SeedDemoReport['customers'][number][] = [];
    for (const customer of customers) {
      const context: WriteContext = { actor: 'system:seed-demo', reason: 'demo customer for trying the bot' };
      const existed = await ledger.subjects.find('email', customer.email, tx);
      const subject =
        existed ??
        (await ledger.subjects.register(
          {
            identifiers: [
              { kind: 'email', value: customer.email },
              { kind: 'phone', value: customer.phone },
              { kind: 'customer_number', value: customer.customerNumber },
            ],
            regime: customer.regime,
            preferredLocale: customer.language,
          },
          context,
          tx,
        ));
      let eventsRecorded = 0;
      for (const [index, step] of customer.history.entries()) {
        const result = await ledger.consent.record(
          subject.id,
          step.changes,
          { collectionMethod: step.collectionMethod, language: step.language, occurredAt: new Date(step.occurredAt), evidence: { demo: true, ...step.evidence } },
          { ...context, idempotencyKey: `seed-demo:${customer.key}:${index + 1}` },
          tx,
        );
        if (!result.replayed) eventsRecorded += result.events.length;
      }
      report.push({ key: customer.key, subjectId: subject.id, created: !existed, eventsRecorded });
    }
    return { customers: report };
  });
}
