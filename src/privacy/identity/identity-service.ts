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
}

/** Where a channel-authenticated verification happened, for the ledger's audit entry. */
export interface ChannelVerificationContext {
  /** The channel that authenticated the person, e.g. 'msteams'. */
  readonly channel: string;
  /** Same key twice records once (the activity that needed the level). */
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
    return { status: 'claimed', claim: { kind: normalized.kind, masked: maskIdentifier(normalized), ...(subject ? { subjectId: subject.id } : {}) } };
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
      { subjectId: identified.claim.subjectId, method: 'channel_authenticated', level: 'verified', outcome: 'verified' },
      { actor: `channel:${context.channel}`, reason: 'signed-in user of an authenticated channel with a linked account', idempotencyKey: context.idempotencyKey },
    );
    return identified.claim;
  }
}
