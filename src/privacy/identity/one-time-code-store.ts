import type { IdentifierKind } from '../../ledger/subjects/identifiers';

/**
 * A code waiting to be typed back, as stored: the hash of the code, never the code. Keys of the
 * store are opaque hashes (of the conversation, of the subject or claim): no identifier, no
 * address, no conversation id is stored in clear.
 */
export interface PendingCode {
  /** Random id of this code: a later code in the same conversation replaces it. */
  readonly id: string;
  /** The subject the code was sent for; absent for a decoy (the claim matched nobody: nothing was sent). */
  readonly subjectId?: string;
  /** The claim the customer made, as the verified outcome repeats it (masked already). */
  readonly claimKind: IdentifierKind;
  readonly claimMasked: string;
  /** HMAC-SHA256 (hex) of the code bound to the conversation and the subject; random bytes for a decoy. */
  readonly codeHash: string;
  /** Epoch milliseconds after which the code is expired. */
  readonly expiresAt: number;
}

/** A pending code with what happened to it. */
export interface PendingCodeState extends PendingCode {
  /** Attempts counted so far (the one being begun included when `counted`). */
  readonly attempts: number;
  /** The idempotency key of the check that consumed it; set once it verified. */
  readonly consumedBy?: string;
}

/** The answer to `beginAttempt`: the code, and whether this attempt was counted against it. */
export interface CodeAttempt {
  readonly code: PendingCodeState;
  /** False when the code was already used up (attempts at the maximum) or consumed: nothing was counted. */
  readonly counted: boolean;
}

/** One sliding-window limit a send must fit under. */
export interface SendLimit {
  /** Opaque key (a hash): per subject or claimed identifier, per conversation. */
  readonly key: string;
  /** Most sends within the window. */
  readonly max: number;
}

export type SendReservation = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * Where one-time codes and their limits live: in this process (`MemoryOneTimeCodeStore`) or in
 * Redis, shared by every instance (`RedisOneTimeCodeStore` in src/state). Every operation that
 * counts is atomic, so parallel guesses or sends through several instances cannot slip past a
 * limit. Times are epoch milliseconds from the caller's clock.
 */
export interface OneTimeCodeStore {
  /**
   * Counts one send against every limit, all or none: when any limit is full nothing is counted
   * and the answer says when the oldest send of the fullest one leaves its window. `token`
   * identifies this send for `releaseSend`.
   */
  reserveSend(limits: readonly SendLimit[], windowMs: number, now: number, token: string): Promise<SendReservation>;
  /** Takes back a reserved send that did not go out (the transport failed). */
  releaseSend(keys: readonly string[], token: string): Promise<void>;
  /** Stores the conversation's pending code, replacing any earlier one, kept `keepMs` (past its expiry, so "expired" can be told). */
  putPending(conversation: string, code: PendingCode, keepMs: number, now: number): Promise<void>;
  /**
   * Counts one attempt at the conversation's pending code, unless it is used up or consumed,
   * and answers the code as it now is; undefined when none is pending.
   */
  beginAttempt(conversation: string, maxAttempts: number, now: number): Promise<CodeAttempt | undefined>;
  /**
   * Marks the pending code `codeId` consumed by `consumer` (an idempotency key). True when it
   * was not consumed yet, or was consumed by the same consumer (a redelivered message); false
   * when another check consumed it or another code replaced it.
   */
  consume(conversation: string, codeId: string, consumer: string, now: number): Promise<boolean>;
  /** Releases what the store holds open (not a shared client). */
  close(): Promise<void>;
}
