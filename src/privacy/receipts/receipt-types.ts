import type { CollectionMethod, ConsentEvent, ConsentState, CurrentConsent } from '../../ledger/consent/consent-types';
import type { Channel } from '../../ledger/purposes/purpose-catalog';
import type { Regime } from '../clocks/regimes';

/**
 * How much of the person's consents a receipt shows. `full_state`: every purpose and channel after the
 * change, with dates (for a verified customer, who may see their consents). `change_only`: only the
 * purposes and channels this change touched (for a customer who is only identified: someone who merely
 * knows an address learns nothing from the receipt beyond what they just did).
 */
export type ReceiptDisclosure = 'full_state' | 'change_only';

/** What a receipt confirms: one consent change of one person, and (for `full_state`) their whole state after it. */
export interface ReceiptRequest {
  readonly subjectId: string;
  /** The subject's regime → the receipt's jurisdiction. */
  readonly regime: Regime;
  /** BCP-47, the conversation's language. */
  readonly language: string;
  readonly collectionMethod: CollectionMethod;
  /** The events this receipt confirms. */
  readonly changed: readonly ConsentEvent[];
  /** The subject's whole state after the change (read only for a `full_state` receipt). */
  readonly current: readonly CurrentConsent[];
  /** How much the receipt shows; the caller decides from the customer's assurance (see ConsentSelfService). */
  readonly disclosure: ReceiptDisclosure;
  /** Same key again returns the receipt issued the first time (a re-run of the same turn). */
  readonly idempotencyKey?: string;
}

export interface IssuedReceipt {
  readonly receiptId: string;
  readonly issuedAt: Date;
  /** Unguessable link token (256 bits, base64url); only its SHA-256 is stored. */
  readonly token: string;
  /** publicBaseUrl + '/receipts/' + token: the link the customer is given. */
  readonly url: string;
}

/** A receipt as the ledger keeps it. */
export interface StoredReceipt {
  readonly receiptId: string;
  readonly subjectId: string;
  readonly issuedAt: Date;
  readonly receipt: ConsentReceipt;
  /** Compact JWS over the canonical JSON of `receipt`. */
  readonly jws: string;
}

/** A channel's state on a receipt: the ledger's states, or never asked. */
export type ReceiptChannelState = ConsentState | 'not_asked';

/** Kantara CR v1.1 `piiControllers[]` entry. */
export interface ReceiptController {
  readonly piiController: string;
  readonly onBehalf: boolean;
  readonly contact: string;
  readonly address: string;
  readonly email: string;
  readonly phone: string;
  readonly piiControllerUrl: string;
}

/** One channel of a purpose on the receipt (ISO/IEC TS 27560 per-channel state). */
export interface ReceiptChannel {
  readonly channel: Channel;
  readonly state: ReceiptChannelState;
  /** ISO instant the state holds since; null when never asked. */
  readonly since: string | null;
  /** Ledger event that set the state; null when never asked. */
  readonly eventId: string | null;
  /** True when this receipt confirms a change of this channel. */
  readonly changed: boolean;
}

/** Kantara CR v1.1 purpose, plus what our ledger knows about it. */
export interface ReceiptPurpose {
  /** What the purpose is for, in the receipt's language (the catalog's description). */
  readonly purpose: string;
  /** Its short name in the receipt's language (the catalog's label). */
  readonly purposeName: string;
  /** W3C DPV purpose term. */
  readonly purposeCategory: readonly string[];
  /** "EXPLICIT" for a consent-based purpose; "NOT_APPLICABLE" when another legal basis applies. */
  readonly consentType: 'EXPLICIT' | 'NOT_APPLICABLE';
  readonly piiCategory: readonly string[];
  readonly primaryPurpose: boolean;
  readonly termination: string;
  readonly thirdPartyDisclosure: boolean;
  readonly thirdPartyName?: string;
  /** Catalog id of the purpose. */
  readonly purposeId: string;
  /** W3C DPV legal basis term, e.g. "dpv:Consent". */
  readonly legalBasis: string;
  readonly noticeVersion: string;
  readonly noticeUrl: string;
  readonly channels: readonly ReceiptChannel[];
}

/** One purpose × channel this receipt confirms as changed, with its ledger event. */
export interface ReceiptChange {
  readonly purposeId: string;
  readonly channel: Channel;
  readonly state: ConsentState;
  readonly eventId: string;
  readonly occurredAt: string;
  /** Notice version shown when the choice was made. */
  readonly noticeVersion: string;
}

/**
 * The machine-readable consent receipt: Kantara Consent Receipt v1.1 field names, extended with
 * ISO/IEC TS 27560 per-channel states and the changes it confirms (see README.md beside this file).
 */
export interface ConsentReceipt {
  readonly version: 'KI-CR-v1.1.0';
  readonly jurisdiction: string;
  /** Epoch seconds of the consent transaction (the latest confirmed change). */
  readonly consentTimestamp: number;
  readonly collectionMethod: CollectionMethod;
  readonly consentReceiptID: string;
  readonly language: string;
  /** The ledger's pseudonymous subject id (a UUID), never an e-mail or phone number. */
  readonly piiPrincipalId: string;
  readonly piiControllers: readonly ReceiptController[];
  readonly policyUrl: string;
  readonly services: readonly { readonly service: string; readonly purposes: readonly ReceiptPurpose[] }[];
  readonly sensitive: boolean;
  readonly spiCat: readonly string[];
  /** ISO instant the receipt was issued. */
  readonly issuedAt: string;
  /** The subject's regime id (the jurisdiction's legal frame). */
  readonly regime: Regime;
  /** Version of the purposes catalog the receipt was built from. */
  readonly catalogVersion: string;
  /**
   * `full_state`: `services[].purposes` lists every purpose of the catalog with every channel;
   * `change_only`: only the purposes and channels in `changes`.
   */
  readonly disclosure: ReceiptDisclosure;
  readonly changes: readonly ReceiptChange[];
}
