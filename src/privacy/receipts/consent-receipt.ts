import { matchShippedLocale } from '../../i18n/shipped-locales';
import type { ConsentEvent, CurrentConsent } from '../../ledger/consent/consent-types';
import { LedgerError } from '../../ledger/ledger-errors';
import type { Channel, LegalBasis, Purpose, PurposeCatalog } from '../../ledger/purposes/purpose-catalog';
import type { Controller } from './controller';
import type { ConsentReceipt, ReceiptChange, ReceiptChannel, ReceiptPurpose, ReceiptRequest } from './receipt-types';

/** Kantara CR v1.1 version string. */
export const RECEIPT_VERSION = 'KI-CR-v1.1.0';

/** Our legal bases as W3C DPV names them. */
const DPV_LEGAL_BASIS: Readonly<Record<LegalBasis, string>> = {
  consent: 'dpv:Consent',
  contract: 'dpv:Contract',
  legal_obligation: 'dpv:LegalObligation',
  vital_interest: 'dpv:VitalInterest',
  public_task: 'dpv:PublicTask',
  legitimate_interest: 'dpv:LegitimateInterest',
};

const BCP47 = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export interface ConsentReceiptInput {
  readonly request: ReceiptRequest;
  readonly catalog: PurposeCatalog;
  readonly controller: Controller;
  readonly receiptId: string;
  readonly issuedAt: Date;
}

const pairKey = (purposeId: string, channel: Channel): string => `${purposeId}\u0000${channel}`;

function invalid(message: string, field: string): LedgerError {
  return new LedgerError('PSB_LEDGER_INVALID_INPUT', `consent receipt: ${message}`, { field });
}

/** Refuses a request a receipt cannot truthfully confirm. */
function checkRequest(request: ReceiptRequest, catalog: PurposeCatalog, controller: Controller): void {
  if (!BCP47.test(request.language)) throw invalid('language must be a BCP-47 tag such as "en" or "it-IT"', 'language');
  if (!controller.jurisdictions[request.regime]) throw invalid(`no jurisdiction for regime "${String(request.regime)}"`, 'regime');
  if (request.changed.length === 0) throw invalid('a receipt confirms at least one change', 'changed');
  if (request.disclosure !== 'full_state' && request.disclosure !== 'change_only') throw invalid('disclosure must be "full_state" or "change_only"', 'disclosure');
  for (const event of request.changed) {
    if (event.subjectId !== request.subjectId) throw invalid('a changed event belongs to another subject', 'changed');
    const purpose = catalog.get(event.purposeId);
    if (!purpose || !purpose.channels.includes(event.channel)) throw invalid(`purpose "${event.purposeId}" on channel "${event.channel}" is not in the catalog`, 'changed');
  }
}

/** The state of each purpose × channel after the change: the ledger's current state, else the change itself. */
function stateByPair(current: readonly CurrentConsent[], changes: readonly ConsentEvent[]): Map<string, { state: CurrentConsent['state']; since: Date; eventId: string }> {
  const states = new Map<string, { state: CurrentConsent['state']; since: Date; eventId: string }>();
  // Changes first, so the current state (which follows the latest occurrence) wins where both speak.
  for (const e of changes) {
    const known = states.get(pairKey(e.purposeId, e.channel));
    if (!known || known.since.getTime() <= e.occurredAt.getTime()) states.set(pairKey(e.purposeId, e.channel), { state: e.state, since: e.occurredAt, eventId: e.id });
  }
  for (const c of current) states.set(pairKey(c.purposeId, c.channel), { state: c.state, since: c.since, eventId: c.eventId });
  return states;
}

/** Every purpose of the catalog for a full-state receipt; only the changed ones, in catalog order, for a change-only one. */
function shownPurposes(catalog: PurposeCatalog, request: ReceiptRequest, changedPairs: ReadonlySet<string>): readonly Purpose[] {
  if (request.disclosure !== 'change_only') return catalog.purposes;
  return catalog.purposes.filter((purpose) => purpose.channels.some((channel) => changedPairs.has(pairKey(purpose.id, channel))));
}

function receiptPurpose(purpose: Purpose, input: ConsentReceiptInput, states: ReturnType<typeof stateByPair>, changedPairs: ReadonlySet<string>): ReceiptPurpose {
  const { controller } = input;
  const locale = matchShippedLocale(input.request.language) ?? 'en';
  const text = purpose.text[locale] ?? purpose.text.en;
  const thirdPartyName = controller.thirdParties[purpose.id];
  // A change-only receipt names the channels this change touched, nothing else of the person's state.
  const shown = input.request.disclosure === 'change_only' ? purpose.channels.filter((channel) => changedPairs.has(pairKey(purpose.id, channel))) : purpose.channels;
  const channels: ReceiptChannel[] = shown.map((channel) => {
    const held = states.get(pairKey(purpose.id, channel));
    return held
      ? { channel, state: held.state, since: held.since.toISOString(), eventId: held.eventId, changed: changedPairs.has(pairKey(purpose.id, channel)) }
      : { channel, state: 'not_asked', since: null, eventId: null, changed: false };
  });
  return {
    purpose: text.description,
    purposeName: text.label,
    purposeCategory: [purpose.dpvPurpose],
    consentType: purpose.legalBasis === 'consent' ? 'EXPLICIT' : 'NOT_APPLICABLE',
    piiCategory: [...new Set(purpose.channels.flatMap((channel) => controller.piiCategoriesByChannel[channel]))],
    primaryPurpose: !purpose.marketing,
    termination: controller.termination[locale],
    thirdPartyDisclosure: thirdPartyName !== undefined,
    ...(thirdPartyName !== undefined ? { thirdPartyName } : {}),
    purposeId: purpose.id,
    legalBasis: DPV_LEGAL_BASIS[purpose.legalBasis],
    noticeVersion: purpose.notice.version,
    noticeUrl: purpose.notice.url,
    channels,
  };
}

/**
 * Builds the consent receipt of one change: pure, no I/O, no clock (the issue time is given). A
 * `full_state` receipt lists every purpose of the catalog with every channel it uses, so it shows
 * the person's whole state; a `change_only` receipt lists only the purposes and channels the change
 * touched, with the state the change set (the current state of anything else is not even read).
 * Either way the pairs this change touched are flagged and listed in `changes` with their events.
 *
 * @throws LedgerError `PSB_LEDGER_INVALID_INPUT` when the request names another subject's events,
 *   purposes or channels the catalog does not know, no change at all, or a regime with no jurisdiction.
 */
export function buildConsentReceipt(input: ConsentReceiptInput): ConsentReceipt {
  const { request, catalog, controller } = input;
  checkRequest(request, catalog, controller);
  const ordered = [...request.changed].sort((a, b) => a.subjectSeq - b.subjectSeq);
  const changedPairs = new Set(ordered.map((e) => pairKey(e.purposeId, e.channel)));
  const states = stateByPair(request.disclosure === 'change_only' ? [] : request.current, ordered);
  const locale = matchShippedLocale(request.language) ?? 'en';
  const latestChange = Math.max(...ordered.map((e) => e.occurredAt.getTime()));
  const changes: ReceiptChange[] = ordered.map((e) => ({
    purposeId: e.purposeId,
    channel: e.channel,
    state: e.state,
    eventId: e.id,
    occurredAt: e.occurredAt.toISOString(),
    noticeVersion: e.noticeVersion,
  }));
  return {
    version: RECEIPT_VERSION,
    jurisdiction: controller.jurisdictions[request.regime],
    consentTimestamp: Math.floor(latestChange / 1000),
    collectionMethod: request.collectionMethod,
    consentReceiptID: input.receiptId,
    language: request.language,
    piiPrincipalId: request.subjectId,
    piiControllers: [
      {
        piiController: controller.name,
        onBehalf: controller.onBehalf,
        contact: controller.contact,
        address: controller.address,
        email: controller.email,
        phone: controller.phone,
        piiControllerUrl: controller.piiControllerUrl,
      },
    ],
    policyUrl: controller.policyUrl,
    services: [{ service: controller.service[locale], purposes: shownPurposes(catalog, request, changedPairs).map((p) => receiptPurpose(p, input, states, changedPairs)) }],
    // The catalog holds no special-category purpose; a purpose that did would set these.
    sensitive: false,
    spiCat: [],
    issuedAt: input.issuedAt.toISOString(),
    regime: request.regime,
    catalogVersion: catalog.version,
    disclosure: request.disclosure,
    changes,
  };
}
