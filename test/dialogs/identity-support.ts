import { Ledger, openLedger } from '../../src/ledger/ledger';
import { IdentityService } from '../../src/privacy/identity/identity-service';

/** What the identity dialogs' tests stand on: an in-memory ledger with one customer, and the identity service over it. */
export interface OneCustomerLedger {
  readonly ledger: Ledger;
  readonly identity: IdentityService;
  readonly subjectId: string;
}

/** Opens an in-memory ledger (hash key of the test's own) holding one GDPR customer with `identifiers`. */
export async function ledgerWithOneCustomer(testName: string, identifiers: Parameters<Ledger['subjects']['register']>[0]['identifiers']): Promise<OneCustomerLedger> {
  const ledger = await openLedger({ ledgerDir: 'memory://', hashKey: `${testName}-test-key-0123456789` });
  const subjectId = (await ledger.subjects.register({ identifiers, regime: 'gdpr' }, { actor: 'system:test', reason: 'test subject' })).id;
  return { ledger, identity: new IdentityService({ subjects: ledger.subjects, verifications: ledger.verifications }), subjectId };
}
