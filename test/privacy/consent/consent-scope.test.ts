import assert from 'node:assert/strict';
import { CurrentConsent } from '../../../src/ledger/consent/consent-types';
import { loadPurposeCatalog } from '../../../src/ledger/purposes/purpose-catalog';
import { ScopeRequest, channelsOf, keptAfterWithdrawal, pairsToChange, scopeFromRequest, scopePairs } from '../../../src/privacy/consent/consent-scope';

const catalog = loadPurposeCatalog();
const NOTHING: ScopeRequest = { purposeIds: [], allMarketing: false, channels: [], allChannels: false, everything: false };
const since = new Date('2026-03-15T10:30:00Z');
const given = (purposeId: string, channel: CurrentConsent['channel']): CurrentConsent => ({ purposeId, channel, state: 'given', since, eventId: `${purposeId}-${channel}` });
const withdrawn = (purposeId: string, channel: CurrentConsent['channel']): CurrentConsent => ({ purposeId, channel, state: 'withdrawn', since, eventId: `${purposeId}-${channel}` });

describe('consent scope (what a request covers)', () => {
  it('one purpose on one channel, as named', () => {
    const scope = scopeFromRequest({ ...NOTHING, purposeIds: ['marketing_offers'], channels: ['sms'] }, catalog);
    assert.deepEqual(scope, { purposeIds: ['marketing_offers'], channels: ['sms'], broad: false, notConsentBased: [] });
  });

  it('nothing named leaves purposes and channels to ask', () => {
    assert.deepEqual(scopeFromRequest(NOTHING, catalog), { purposeIds: undefined, channels: undefined, broad: false, notConsentBased: [] });
  });

  it('"all marketing" is every marketing purpose resting on consent, in catalog order', () => {
    const scope = scopeFromRequest({ ...NOTHING, allMarketing: true, allChannels: true }, catalog);
    assert.deepEqual(scope.purposeIds, ['newsletter', 'marketing_offers', 'profiling', 'partner_sharing']);
    assert.equal(scope.channels, 'all');
    assert.equal(scope.broad, true, 'all marketing everywhere is spelled out before it is recorded');
  });

  it('"everything" covers every consent-based purpose on every channel, and is broad', () => {
    const scope = scopeFromRequest({ ...NOTHING, everything: true }, catalog);
    assert.deepEqual([scope.purposeIds, scope.channels, scope.broad], [['newsletter', 'marketing_offers', 'profiling', 'partner_sharing'], 'all', true]);
  });

  it('a purpose on a legal basis other than consent is not withdrawable here: reported, not in scope', () => {
    const scope = scopeFromRequest({ ...NOTHING, purposeIds: ['service_updates'], channels: ['sms'] }, catalog);
    assert.deepEqual([scope.purposeIds, scope.notConsentBased], [undefined, ['service_updates']]);
  });

  it('pairs leave out channels a purpose does not use', () => {
    assert.deepEqual(scopePairs(['newsletter', 'marketing_offers'], ['sms', 'email'], catalog), [
      { purposeId: 'newsletter', channel: 'email' },
      { purposeId: 'marketing_offers', channel: 'email' },
      { purposeId: 'marketing_offers', channel: 'sms' },
    ]);
    assert.deepEqual(channelsOf(['newsletter', 'profiling'], catalog), ['email', 'in_app']);
  });

  it('only pairs whose state would change are recorded; a withdrawal of a pair never asked stands (objection)', () => {
    const current = [given('marketing_offers', 'email'), withdrawn('marketing_offers', 'sms')];
    const pairs = scopePairs(['marketing_offers'], ['email', 'sms', 'phone'], catalog);
    assert.deepEqual(pairsToChange('withdraw', pairs, current), [
      { purposeId: 'marketing_offers', channel: 'email' },
      { purposeId: 'marketing_offers', channel: 'phone' },
    ]);
    assert.deepEqual(pairsToChange('give', pairs, current), [
      { purposeId: 'marketing_offers', channel: 'sms' },
      { purposeId: 'marketing_offers', channel: 'phone' },
    ]);
  });

  it('"keep" names what stays given for the same purposes', () => {
    const current = [given('marketing_offers', 'email'), given('marketing_offers', 'sms'), given('newsletter', 'email')];
    assert.deepEqual(keptAfterWithdrawal([{ purposeId: 'marketing_offers', channel: 'sms' }], current), [{ purposeId: 'marketing_offers', channel: 'email' }]);
  });
});
