import { LedgerError } from '../../ledger/ledger-errors';
import { IdentifierKind, maskIdentifier, normalizeIdentifier, NormalizedIdentifier } from '../../ledger/subjects/identifiers';
import type { SubjectService } from '../../ledger/subjects/subject-service';
import type { VerificationService } from '../../ledger/verifications/verification-service';

/**
 * Who a customer says they are, as the bot may keep it for the session and show an agent: the
 * kind, the masked value, and the subject it matched — if any. The customer is never told
 * whether `subjectId` is set (no enumeration of who is on file).
 */
export interface IdentityClaim {
  readonly kind: IdentifierKind;
  /** E.g. "g***@example.com": enough for an agent to recognise, not to reuse. */
  readonly masked: string;
  readonly subjectId?: string;
  /**
   * An opaque keyed hash of the normalised identifier, set on a claim that matched nobody (when
   * the service was given `claimKeyOf`): one-time codes count their limits per claimed
   * identifier with it, exactly as they count per subject for a claim that matched. Names nobody.
   */
  readonly claimKey?: string;
}

export type IdentifyResult =
  /** The value cannot be an identifier of its kind (an email without a domain, a phone number that does not exist). */
  | { readonly status: 'malformed' }
  | { readonly status: 'claimed'; readonly claim: IdentityClaim };

export interface IdentityServiceDeps {
  /** The ledger's subjects (lookup by keyed hash). */
  readonly subjects: Pick<SubjectService, 'find'>;
  /** The ledger's verification records. */
  readonly verifications: Pick<VerificationService, 'record'>;
  /** Keys a claim for one-time code limits (`OneTimeCodeService.claimKeyOf`); without it claims carry no `claimKey`. */
  readonly claimKeyOf?: (identifier: NormalizedIdentifier) => string;
}

/** Where a channel-authenticated verification happened, for the ledger's audit entry. */
export interface ChannelVerificationContext {
  /** The channel that authenticated the person, e.g. 'msteams'. */
  readonly channel: string;
  /** Same key twice records once (the activity that needed the level). */
  readonly idempotencyKey?: string;
}

/** Where a company site's signed assertion verified a customer, for the ledger. */
export interface SiteVerificationContext {
  /** The channel the customer is chatting in, e.g. 'webchat'. */
  readonly channel: string;
  /** The assertion's issuer (`iss`): recorded as the actor `site:<issuer>`. */
  readonly issuer: string;
  /** Same key twice records once: one verification per conversation. */
  readonly idempotencyKey?: string;
}

/**
 * Finds customers in the ledger from what they claim, and records what a channel vouches for.
 * Plain TypeScript over the ledger: dialogs and the agent API call it; it calls nobody above it.
 */
export class IdentityService {
  constructor(private readonly deps: IdentityServiceDeps) {}

  /** Looks a claimed identifier up. The claim's `subjectId` is set only when it matched a subject. */
  async identify(kind: IdentifierKind, value: string): Promise<IdentifyResult> {
    let normalized: NormalizedIdentifier;
    try {
      normalized = normalizeIdentifier(kind, value);
    } catch (err) {
      if (err instanceof LedgerError && err.code === 'PSB_LEDGER_INVALID_INPUT') return { status: 'malformed' };
      throw err;
    }
    const subject = await this.deps.subjects.find(normalized.kind, normalized.value);
    // Only a claim that matched nobody needs it: a matched one is counted per subject.
    const claimKey = subject ? undefined : this.deps.claimKeyOf?.(normalized);
    return { status: 'claimed', claim: { kind: normalized.kind, masked: maskIdentifier(normalized), ...(subject ? { subjectId: subject.id } : {}), ...(claimKey !== undefined ? { claimKey } : {}) } };
  }

  /**
   * A person the channel authenticated (a signed-in Teams user in a 1:1 chat) whose Entra object
   * id is linked to a subject: records the verification (method channel_authenticated, level
   * verified) and returns the claim; undefined when the id is linked to nobody (nothing recorded).
   */
  async verifyByChannel(aadObjectId: string, context: ChannelVerificationContext): Promise<IdentityClaim | undefined> {
    const identified = await this.identify('aad_object_id', aadObjectId);
    if (identified.status !== 'claimed' || identified.claim.subjectId === undefined) return undefined;
    await this.deps.verifications.record(
      { subjectId: identified.claim.subjectId, method: 'channel_authenticated', level: 'verified', outcome: 'verified', channel: context.channel },
      { actor: `channel:${context.channel}`, reason: 'signed-in user of an authenticated channel with a linked account', idempotencyKey: context.idempotencyKey },
    );
    return identified.claim;
  }

  /**
   * A customer the company's own site signed in and named in a signed assertion (already checked
   * by the caller): looks the named identifier up and, when it is on file, records the
   * verification (method signed_in_site, level verified, the channel) and returns the claim;
   * undefined when it matches nobody (nothing recorded: the customer stays as they were).
   */
  async verifyBySignedInSite(kind: IdentifierKind, value: string, context: SiteVerificationContext): Promise<IdentityClaim | undefined> {
    const identified = await this.identify(kind, value);
    if (identified.status !== 'claimed' || identified.claim.subjectId === undefined) return undefined;
    await this.deps.verifications.record(
      { subjectId: identified.claim.subjectId, method: 'signed_in_site', level: 'verified', outcome: 'verified', channel: context.channel },
      { actor: `site:${context.issuer}`, reason: 'customer signed in on the company site (verified signed assertion)', idempotencyKey: context.idempotencyKey },
    );
    return identified.claim;
  }
}
