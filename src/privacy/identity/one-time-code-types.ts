import type { IdentityClaim } from './identity-service';

/**
 * The contract of one-time codes: a customer proves they hold the contact on file by typing back a
 * code sent to it. Implemented by `OneTimeCodeService` (one-time-code-service.ts); used by the
 * identity dialogs. Plain TypeScript: no bot, no HTTP, no Redis types.
 */

/** Where a code is being asked for: the conversation it is bound to and the channel, for the ledger. */
export interface CodeConversation {
  /** Channel id + conversation id: a code sent in one conversation is worthless in another. */
  readonly conversationKey: string;
  /** 'webchat', 'msteams', 'directline', …: recorded with the verification. */
  readonly channel: string;
  /** The customer's language: the code message is written in it. */
  readonly locale: string;
}

/**
 * The answer to "send me a code". `sent` is returned alike whether or not the claim matched a
 * subject (nothing is sent when it did not): the customer is told "if this matches our records,
 * we've sent a code to <hint>", where the hint comes from what they typed, never from the file.
 */
export type CodeSendOutcome =
  | { readonly status: 'sent'; readonly hint: CodeDestinationHint; readonly expiresInSeconds: number }
  /** Too many codes (per claimed identifier or subject, per conversation): try again after the wait. The same for on-file and not. */
  | { readonly status: 'limited'; readonly retryAfterSeconds: number }
  /** The email/SMS transport failed: nothing is pending, nothing recorded; try again or talk to a person. */
  | { readonly status: 'unavailable' };

/** How the destination is shown to the customer: the masked email, the last two digits of a phone, or "the contact on file". */
export type CodeDestinationHint =
  | { readonly kind: 'email'; readonly masked: string }
  | { readonly kind: 'phone'; readonly lastDigits: string }
  | { readonly kind: 'contact_on_file' };

/** The answer to a code the customer typed. Neither `wrong` nor `expired` reveals whether the identifier is on file. */
export type CodeCheckOutcome =
  /** Right code: the verification is recorded in the ledger (method one_time_code, the channel, no secret). */
  | { readonly status: 'verified'; readonly claim: IdentityClaim & { readonly subjectId: string } }
  | { readonly status: 'wrong'; readonly attemptsLeft: number }
  /** The code's 10 minutes are over: ask for a new one. */
  | { readonly status: 'expired' }
  /** Five wrong tries: this code is dead; ask for a new one (limits permitting). */
  | { readonly status: 'exhausted' }
  /** No code is pending in this conversation. */
  | { readonly status: 'none' };

export interface OneTimeCodes {
  /** Sends a code to the contact on file for `claim` (when it matched a subject), bound to the conversation. */
  send(claim: IdentityClaim, conversation: CodeConversation): Promise<CodeSendOutcome>;
  /** Checks what the customer typed against the code pending in this conversation, in constant time. */
  check(typed: string, conversation: CodeConversation, idempotencyKey: string): Promise<CodeCheckOutcome>;
}
