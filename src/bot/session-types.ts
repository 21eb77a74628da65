import type { HandoffReason } from '../handoff/handoff-types';
import { ShippedLocale } from '../i18n/shipped-locales';
import type { VerificationMethod } from '../ledger/verifications/verification-service';
import type { Assurance } from '../privacy/assurance/assurance-policy';
import type { IdentityClaim } from '../privacy/identity/identity-service';

/** What the bot remembers about a person across conversations (user state; long TTL). */
export interface UserPreferences {
  /** The language the customer explicitly chose; wins over the channel's locale. */
  locale?: ShippedLocale;
  /** The customer was asked once whether to switch to the language they wrote in: never again. */
  languageSwitchOffered?: boolean;
}

/** Bookkeeping of one conversation (conversation state; short sliding TTL). */
export interface ConversationBookkeeping {
  /** Turns committed in this conversation. */
  turnCount: number;
  /** Ids of the latest activities processed, newest last: a redelivery is recognised and skipped. */
  processedActivityIds: string[];
}

/**
 * How sure the bot is of who the customer is — for this conversation only (conversation state:
 * it expires with the session). Holds the masked claim and a subject id, never the identifier.
 */
export interface SessionAssurance {
  readonly level: Assurance;
  /** How the level was reached: a claimed identifier that matched, an agent's check, the channel's sign-in. */
  readonly method?: 'claimed_identifier' | VerificationMethod;
  /** The identifier the customer gave (masked), or the Teams account the channel vouched for. */
  readonly claim?: IdentityClaim;
  /** The Teams channel check ran in this session (whatever it found): it runs, and is recorded, once. */
  readonly channelChecked?: boolean;
  /** Teams SSO was offered in this session and came to an end (signed in, or the customer typed instead): not offered again. */
  readonly teamsSignInTried?: boolean;
}

/** A handoff to a person in progress: while it is set, the customer's messages go to the person, not to the dialogs. */
export interface ActiveHandoff {
  /** 'builtin': our hub holds ticket `ticketId`; 'external': an external agent hub took the conversation. */
  readonly mode: 'builtin' | 'external';
  readonly ticketId?: string;
  readonly reason: HandoffReason;
  /** ISO instant the handoff started. */
  readonly since: string;
}
