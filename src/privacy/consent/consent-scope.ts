import type { ConsentState, CurrentConsent } from '../../ledger/consent/consent-types';
import { CHANNELS, Channel, Purpose, PurposeCatalog } from '../../ledger/purposes/purpose-catalog';

/** Withdrawing records `withdrawn`; giving records `given`. */
export type ConsentDirection = 'withdraw' | 'give';

export function targetState(direction: ConsentDirection): ConsentState {
  return direction === 'withdraw' ? 'withdrawn' : 'given';
}

/** What a customer's words named (see the NLU's consent scope recognizer), as the domain reads it. */
export interface ScopeRequest {
  readonly purposeIds: readonly string[];
  readonly allMarketing: boolean;
  readonly channels: readonly Channel[];
  readonly allChannels: boolean;
  readonly everything: boolean;
}

/**
 * The scope as far as the words settle it: purposes and channels when named, undefined when a
 * question must ask. `broad` marks a sweeping request ("stop everything", all marketing on every
 * channel), whose confirmation spells the whole scope out.
 */
export interface PartialScope {
  readonly purposeIds?: readonly string[];
  readonly channels?: readonly Channel[] | 'all';
  readonly broad: boolean;
  /** Purposes named that do not rest on consent (service messages): nothing to withdraw or give in chat. */
  readonly notConsentBased: readonly string[];
}

/** One purpose on one channel. */
export interface ConsentPair {
  readonly purposeId: string;
  readonly channel: Channel;
}

/** Purposes whose legal basis is consent: the only ones a customer can give or withdraw here. */
export function consentPurposes(catalog: PurposeCatalog): Purpose[] {
  return catalog.purposes.filter((purpose) => purpose.legalBasis === 'consent');
}

/** Reads the named scope against the catalog. */
export function scopeFromRequest(request: ScopeRequest, catalog: PurposeCatalog): PartialScope {
  const consentBased = consentPurposes(catalog);
  const named = request.purposeIds.map((id) => catalog.get(id)).filter((purpose): purpose is Purpose => purpose !== undefined);
  const notConsentBased = named.filter((purpose) => purpose.legalBasis !== 'consent').map((purpose) => purpose.id);
  let purposes: Purpose[] = [];
  if (request.everything) purposes = consentBased;
  else {
    if (request.allMarketing) purposes.push(...consentBased.filter((purpose) => purpose.marketing));
    purposes.push(...named.filter((purpose) => purpose.legalBasis === 'consent'));
  }
  const purposeIds = consentBased.filter((purpose) => purposes.includes(purpose)).map((purpose) => purpose.id);
  const channels: PartialScope['channels'] = request.everything || request.allChannels ? 'all' : request.channels.length > 0 ? sortChannels(request.channels) : undefined;
  const broad = request.everything || ((request.allMarketing || purposeIds.length > 1) && channels === 'all');
  return { purposeIds: purposeIds.length > 0 ? purposeIds : undefined, channels, broad, notConsentBased };
}

/** The channels the given purposes use, in catalog channel order. */
export function channelsOf(purposeIds: readonly string[], catalog: PurposeCatalog): Channel[] {
  const used = new Set(purposeIds.flatMap((id) => catalog.get(id)?.channels ?? []));
  return CHANNELS.filter((channel) => used.has(channel));
}

/** Every purpose × channel the scope covers; a channel a purpose does not use is left out. */
export function scopePairs(purposeIds: readonly string[], channels: readonly Channel[] | 'all', catalog: PurposeCatalog): ConsentPair[] {
  return purposeIds.flatMap((purposeId) =>
    (catalog.get(purposeId)?.channels ?? []).filter((channel) => channels === 'all' || channels.includes(channel)).map((channel) => ({ purposeId, channel })),
  );
}

function stateOf(current: readonly CurrentConsent[], pair: ConsentPair): ConsentState | undefined {
  return current.find((entry) => entry.purposeId === pair.purposeId && entry.channel === pair.channel)?.state;
}

/**
 * The pairs whose state the direction would change. Withdrawing a pair never asked is recorded
 * too: an objection stands for the future, and the customer asked for it.
 */
export function pairsToChange(direction: ConsentDirection, pairs: readonly ConsentPair[], current: readonly CurrentConsent[]): ConsentPair[] {
  const target = targetState(direction);
  return pairs.filter((pair) => stateOf(current, pair) !== target);
}

/** After a withdrawal, what stays given for the same purposes: the "keep" of the confirmation question. */
export function keptAfterWithdrawal(pairs: readonly ConsentPair[], current: readonly CurrentConsent[]): ConsentPair[] {
  const purposes = new Set(pairs.map((pair) => pair.purposeId));
  return current
    .filter((entry) => purposes.has(entry.purposeId) && entry.state === 'given')
    .filter((entry) => !pairs.some((pair) => pair.purposeId === entry.purposeId && pair.channel === entry.channel))
    .map((entry) => ({ purposeId: entry.purposeId, channel: entry.channel }));
}

function sortChannels(channels: readonly Channel[]): Channel[] {
  return CHANNELS.filter((channel) => channels.includes(channel));
}
