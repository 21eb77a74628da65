import { createHmac, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IdentifierKind, NormalizedIdentifier } from '../../ledger/subjects/identifiers';
import type { VerificationService } from '../../ledger/verifications/verification-service';
import type { Logger } from '../../log/logger';
import type { ContactMessenger } from './contact-messenger';
import { ContactUnreachableError } from './contact-unreachable-error';
import type { IdentityClaim } from './identity-service';
import type { CodeMessageComposer } from './one-time-code-message';
import type { OneTimeCodeStore, PendingCode, SendLimit } from './one-time-code-store';
import type { CodeCheckOutcome, CodeConversation, CodeDestinationHint, CodeSendOutcome, OneTimeCodes } from './one-time-code-types';

/** The rules of one-time codes; every number with its unit. */
export interface OneTimeCodeRules {
  /** Digits of a code. @default 6 */
  readonly digits: number;
  /** How long a code is valid, seconds. @default 600 (10 min) */
  readonly validitySeconds: number;
  /** Wrong tries that end a code. @default 5 */
  readonly maxAttempts: number;
  /** Codes per subject (or per claimed identifier that matched nobody) per window. @default 3 */
  readonly maxCodesPerSubject: number;
  /** Codes per conversation per window, whatever was claimed. @default 5 */
  readonly maxCodesPerConversation: number;
  /** The sliding window of both limits, seconds. @default 3600 (1 h) */
  readonly limitWindowSeconds: number;
  /** How long an expired code is still known (to answer "expired", not "none"), seconds. @default 3600 (1 h) */
  readonly keepExpiredSeconds: number;
}

export const DEFAULT_ONE_TIME_CODE_RULES: OneTimeCodeRules = Object.freeze({
  digits: 6,
  validitySeconds: 600, // 10 min
  maxAttempts: 5,
  maxCodesPerSubject: 3,
  maxCodesPerConversation: 5,
  limitWindowSeconds: 3600, // 1 h
  keepExpiredSeconds: 3600, // 1 h
});

export interface OneTimeCodeServiceDeps {
  readonly store: OneTimeCodeStore;
  /** Sends to the contact on file only. */
  readonly messenger: ContactMessenger;
  /** The ledger's verification records. */
  readonly verifications: Pick<VerificationService, 'record'>;
  /** HMAC key of code hashes and store keys (IDENTITY_CODE_KEY): the same on every instance. */
  readonly key: Buffer;
  /** The localized message carrying a code. */
  readonly composeMessage: CodeMessageComposer;
  readonly logger: Logger;
  readonly rules?: Partial<OneTimeCodeRules>;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Why a key or hash is made: each use has its own label, so no value can stand in for another. */
type HashPurpose = 'code' | 'conversation' | 'limit' | 'claim';

/**
 * One-time codes to the contact on file (`OneTimeCodes`). A code is 6 digits from
 * `crypto.randomInt`, valid 10 minutes, stored only as an HMAC bound to the conversation and
 * the subject, compared with `timingSafeEqual`; 5 wrong tries end it; at most 3 codes per
 * subject and 5 per conversation per hour.
 *
 * A claim that matched nobody gets exactly the answers an on-file claim gets: `sent` (with a
 * decoy pending code that nothing matches, so `wrong`, `exhausted` and `expired` follow alike),
 * and `limited` counted per claimed identifier as it would be per subject. The hint comes from
 * what the customer typed, never from the file. A right code records the verification in the
 * ledger (method `one_time_code`, the channel, the idempotency key; never the code).
 */
export class OneTimeCodeService implements OneTimeCodes {
  private readonly rules: OneTimeCodeRules;
  private readonly now: () => Date;
  private readonly logger: Logger;

  constructor(private readonly deps: OneTimeCodeServiceDeps) {
    this.rules = Object.freeze({ ...DEFAULT_ONE_TIME_CODE_RULES, ...deps.rules });
    this.now = deps.now ?? (() => new Date());
    this.logger = deps.logger.child({ module: 'identity-codes' });
    if (deps.key.length < 16) throw new Error('the one-time code key must be at least 16 bytes');
  }

  /**
   * The key of a claimed identifier for limits (`IdentityClaim.claimKey`): an HMAC of its
   * normalised form, so claims of one identifier count together without the identifier being
   * stored anywhere. `IdentityService` sets it on every claim when given this function.
   */
  readonly claimKeyOf = (identifier: NormalizedIdentifier): string => this.hash('claim', `${identifier.kind}:${identifier.value}`);

  async send(claim: IdentityClaim, conversation: CodeConversation): Promise<CodeSendOutcome> {
    requireConversation(conversation);
    const rules = this.rules;
    const now = this.now().getTime();
    const conversationKey = this.hash('conversation', conversation.conversationKey);
    const limits: SendLimit[] = [
      { key: this.hash('limit', claim.subjectId !== undefined ? `subject:${claim.subjectId}` : `claim:${claim.claimKey ?? `${claim.kind}:${claim.masked}`}`), max: rules.maxCodesPerSubject },
      { key: this.hash('limit', `conversation:${conversationKey}`), max: rules.maxCodesPerConversation },
    ];
    const token = randomUUID();
    const reservation = await this.deps.store.reserveSend(limits, rules.limitWindowSeconds * 1000, now, token);
    if (!reservation.allowed) {
      this.logger.info({ channel: conversation.channel }, 'one-time code refused: too many codes');
      return { status: 'limited', retryAfterSeconds: Math.max(1, Math.ceil(reservation.retryAfterMs / 1000)) };
    }

    const code = randomInt(0, 10 ** rules.digits).toString().padStart(rules.digits, '0');
    let sentFor: string | undefined;
    if (claim.subjectId !== undefined) {
      try {
        const delivery = await this.deps.messenger.sendToContactOnFile(claim.subjectId, claim.kind, this.deps.composeMessage(code, conversation.locale, rules.validitySeconds / 60));
        // A subject with neither email nor phone on file gets a decoy, like a claim that matched nobody.
        if (delivery) sentFor = claim.subjectId;
      } catch (err) {
        await this.deps.store.releaseSend(
          limits.map((limit) => limit.key),
          token,
        );
        if (err instanceof ContactUnreachableError) {
          this.logger.warn({ channel: conversation.channel, contactChannel: err.channel }, 'one-time code not sent: the transport failed; nothing pending');
          return { status: 'unavailable' };
        }
        throw err;
      }
    }

    const pending: PendingCode = {
      id: randomUUID(),
      ...(sentFor !== undefined ? { subjectId: sentFor } : {}),
      claimKind: claim.kind,
      claimMasked: claim.masked,
      // A decoy's hash is of nothing: no typed code can match it.
      codeHash: sentFor !== undefined ? this.codeHash(conversation.conversationKey, sentFor, code) : randomBytes(32).toString('hex'),
      expiresAt: now + rules.validitySeconds * 1000,
    };
    await this.deps.store.putPending(conversationKey, pending, (rules.validitySeconds + rules.keepExpiredSeconds) * 1000, now);
    this.logger.info({ channel: conversation.channel }, 'one-time code pending');
    return { status: 'sent', hint: hintOf(claim), expiresInSeconds: rules.validitySeconds };
  }

  async check(typed: string, conversation: CodeConversation, idempotencyKey: string): Promise<CodeCheckOutcome> {
    requireConversation(conversation);
    if (typeof idempotencyKey !== 'string' || idempotencyKey === '') throw new TypeError('check needs an idempotency key (the id of the message that carried the code)');
    const rules = this.rules;
    const now = this.now().getTime();
    const conversationKey = this.hash('conversation', conversation.conversationKey);
    const attempt = await this.deps.store.beginAttempt(conversationKey, rules.maxAttempts, now);
    if (!attempt) return { status: 'none' };
    const { code } = attempt;
    // A decoy's hash is computed and compared too (against random bytes), so both take the same time.
    const matches = (): boolean => this.sameHash(code.codeHash, this.codeHash(conversation.conversationKey, code.subjectId ?? '', normalizeTyped(typed))) && code.subjectId !== undefined;

    if (code.consumedBy !== undefined) {
      // The same message again (a channel's redelivery, a turn re-run): the same answer, recorded once.
      return code.consumedBy === idempotencyKey && matches() ? this.verified(code, conversation, `${conversationKey}:${idempotencyKey}`) : { status: 'none' };
    }
    if (now >= code.expiresAt) return { status: 'expired' };
    if (!attempt.counted) return { status: 'exhausted' };
    if (matches()) {
      if (!(await this.deps.store.consume(conversationKey, code.id, idempotencyKey, now))) return { status: 'none' };
      return this.verified(code, conversation, `${conversationKey}:${idempotencyKey}`);
    }
    const attemptsLeft = rules.maxAttempts - code.attempts;
    if (attemptsLeft <= 0) {
      this.logger.info({ channel: conversation.channel }, 'one-time code used up by wrong tries');
      return { status: 'exhausted' };
    }
    return { status: 'wrong', attemptsLeft };
  }

  /** Records the verification (once per conversation and message: `ledgerKey`) and answers it. */
  private async verified(code: PendingCode, conversation: CodeConversation, ledgerKey: string): Promise<CodeCheckOutcome> {
    const subjectId = code.subjectId;
    if (subjectId === undefined) return { status: 'none' };
    await this.deps.verifications.record(
      { subjectId, method: 'one_time_code', level: 'verified', outcome: 'verified', channel: conversation.channel },
      { actor: `customer:${subjectId}`, reason: 'customer typed back the one-time code sent to the contact on file', idempotencyKey: `one_time_code:${ledgerKey}` },
    );
    this.logger.info({ channel: conversation.channel }, 'one-time code verified');
    return { status: 'verified', claim: { kind: code.claimKind, masked: code.claimMasked, subjectId } };
  }

  /** HMAC-SHA256 (hex) of `value` under the code key, labelled with its purpose. */
  private hash(purpose: HashPurpose, value: string): string {
    return createHmac('sha256', this.deps.key).update(`${purpose}\n${value}`).digest('hex');
  }

  /** The stored form of a code: bound to the conversation and the subject it was sent for. */
  private codeHash(conversationKey: string, subjectId: string, code: string): string {
    return this.hash('code', `${conversationKey}\n${subjectId}\n${code}`);
  }

  /** Constant-time comparison of two hex hashes (equal length by construction). */
  private sameHash(stored: string, candidate: string): boolean {
    const a = Buffer.from(stored, 'hex');
    const b = Buffer.from(candidate, 'hex');
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** Spaces, dashes and dots customers put in codes ("123 456", "123-456") are not part of them. */
function normalizeTyped(typed: string): string {
  return String(typed).replace(/[\s.\-]/g, '');
}

function requireConversation(conversation: CodeConversation): void {
  if (!conversation || typeof conversation.conversationKey !== 'string' || conversation.conversationKey === '') throw new TypeError('a one-time code needs the conversation key');
}

/** The last two digits of a masked phone ("+39******67" → "67"). */
function lastDigitsOf(masked: string): string {
  return masked.replace(/\D/g, '').slice(-2);
}

/** What the customer is shown: from what they typed (the claim), never from the file. */
export function hintOf(claim: { readonly kind: IdentifierKind; readonly masked: string }): CodeDestinationHint {
  if (claim.kind === 'email') return { kind: 'email', masked: claim.masked };
  if (claim.kind === 'phone') return { kind: 'phone', lastDigits: lastDigitsOf(claim.masked) };
  return { kind: 'contact_on_file' };
}
