import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_PURPOSES_FILE, loadPurposeCatalog, parsePurposeCatalog } from '../../../src/ledger/purposes/purpose-catalog';
import { saleOptOutPairs } from '../../../src/privacy/consent/sale-opt-out';

describe('what an opt-out of sale/sharing withdraws', () => {
  it('every channel of every consent-based purpose that sells or shares data: partner sharing by email, SMS, phone and post', () => {
    assert.deepEqual(
      saleOptOutPairs(loadPurposeCatalog()).map((pair) => [pair.purposeId, pair.channel]),
      [
        ['partner_sharing', 'email'],
        ['partner_sharing', 'sms'],
        ['partner_sharing', 'phone'],
        ['partner_sharing', 'post'],
      ],
    );
  });

  it('a catalog with no such purpose is refused, naming the DPV term: an opt-out that records nothing would be a lie', () => {
    const raw = JSON.parse(readFileSync(DEFAULT_PURPOSES_FILE, 'utf8')) as { purposes: { id: string }[] };
    raw.purposes = raw.purposes.filter((purpose) => purpose.id !== 'partner_sharing');
    assert.throws(() => saleOptOutPairs(parsePurposeCatalog(raw)), /dpv:SellDataToThirdParties/);
  });
});
