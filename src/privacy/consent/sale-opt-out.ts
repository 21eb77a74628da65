import type { PurposeCatalog } from '../../ledger/purposes/purpose-catalog';
import type { ConsentPair } from './consent-scope';

/** The W3C DPV purpose of selling or sharing personal data with third parties (CCPA "sale" and "sharing"). */
export const SALE_OR_SHARING_PURPOSE = 'dpv:SellDataToThirdParties';

/**
 * What a CCPA opt-out of the sale or sharing of personal information withdraws: every consent-based
 * purpose of the catalog that sells or shares data with third parties (in ours, `partner_sharing`),
 * on every channel it uses. Read from the catalog, so a purpose added there is covered too.
 *
 * @throws Error when the catalog has no such purpose: an opt-out that records nothing would be a lie.
 */
export function saleOptOutPairs(catalog: PurposeCatalog): ConsentPair[] {
  const pairs = catalog.purposes
    .filter((purpose) => purpose.legalBasis === 'consent' && purpose.dpvPurpose === SALE_OR_SHARING_PURPOSE)
    .flatMap((purpose) => purpose.channels.map((channel) => ({ purposeId: purpose.id, channel })));
  if (pairs.length === 0) throw new Error(`the purposes catalog has no consent-based purpose with dpvPurpose "${SALE_OR_SHARING_PURPOSE}": a sale/sharing opt-out would record nothing`);
  return pairs;
}
