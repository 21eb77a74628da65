import type { TurnContext } from 'botbuilder';

/** Identifier kinds a company site may vouch for (a subset of the ledger's identifier kinds). */
export const SIGNED_IN_CLAIM_KINDS = ['email', 'customer_number', 'phone'] as const;
export type SignedInClaimKind = (typeof SIGNED_IN_CLAIM_KINDS)[number];

/**
 * A customer the company's own site signed in and vouched for with a signed assertion, checked by
 * the Web Chat token route. It travels inside our signed Direct Line token (the browser can read it
 * but not forge or alter it) and, for every turn of the conversation, in the turn state that
 * `BotBridge` sets — never in the activity JSON, whose `channelData` a client writes at will.
 */
export interface SignedInUser {
  readonly kind: SignedInClaimKind;
  /** The identifier the assertion's configured claim carried, normalised (e.g. lower-case email). */
  readonly value: string;
  /** The assertion's `iss`: who vouched (recorded as the verification's actor `site:<iss>`). */
  readonly issuer: string;
}

/**
 * The channel a signed-in verification is recorded under: only the Web Chat page's token route
 * (`POST /webchat/token`) mints tokens that carry a signed-in user.
 */
export const SIGNED_IN_CHANNEL = 'webchat';

/** Where `BotBridge` leaves the signed-in user for the turn (a symbol: no activity field can reach it). */
export const SIGNED_IN_USER_KEY = Symbol('psb.signedInUser');

export function isSignedInUser(value: unknown): value is SignedInUser {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.kind === 'string' &&
    (SIGNED_IN_CLAIM_KINDS as readonly string[]).includes(candidate.kind) &&
    typeof candidate.value === 'string' &&
    candidate.value !== '' &&
    typeof candidate.issuer === 'string' &&
    candidate.issuer !== ''
  );
}

/**
 * The signed-in user of this turn: set only by our Direct Line bridge from the conversation's
 * token, so nothing a client posts (nor an activity sent to `/api/messages`) can make one up.
 */
export function signedInUserOf(context: Pick<TurnContext, 'turnState'>): SignedInUser | undefined {
  const value: unknown = context.turnState.get(SIGNED_IN_USER_KEY);
  return isSignedInUser(value) ? value : undefined;
}
