import { StatePropertyAccessor, TurnContext } from 'botbuilder';
import { SIGNED_IN_CHANNEL, signedInUserOf } from '../channels/directline/signed-in-user';
import { teamsContext } from '../channels/teams/teams-context';
import type { VerificationMethod } from '../ledger/verifications/verification-service';
import { Assurance, AssurancePolicy, PolicyAction, satisfies } from '../privacy/assurance/assurance-policy';
import type { IdentityClaim, IdentityService } from '../privacy/identity/identity-service';
import { SessionAssurance } from './session-types';

export interface CustomerAssuranceDeps {
  /** The session's assurance (conversation state). */
  readonly state: StatePropertyAccessor<SessionAssurance>;
  readonly identity: Pick<IdentityService, 'verifyByChannel' | 'verifyBySignedInSite'>;
  readonly policy: AssurancePolicy;
  /**
   * Teams single sign-on is configured (TEAMS_SSO_CONNECTION): a Teams user is verified by signing
   * in (`signedInWithTeams`, after the token exchange), not silently from the activity's object id.
   */
  readonly teamsSignIn?: boolean;
}

/**
 * The customer's assurance level for this conversation, at the bot edge: what the session holds,
 * raised to `verified` when the channel itself authenticated the person — a customer the company's
 * site signed in (Web Chat opened with a verified assertion, carried by our Direct Line token), or a
 * signed-in Teams user (the adapter checked the channel token), in a 1:1 chat (never a shared one),
 * whose Entra object id is linked to a subject. That channel check runs once per session, and its
 * verification is recorded in the ledger then. An identifier that matches nobody leaves the
 * session as it was (anonymous), with nothing recorded. With Teams SSO on (`teamsSignIn`), that silent
 * Teams check is off: the token exchange proves the account instead (`signedInWithTeams`).
 */
export class CustomerAssurance {
  constructor(private readonly deps: CustomerAssuranceDeps) {}

  /** What the session knows, after the channel check. */
  async current(context: TurnContext): Promise<SessionAssurance> {
    const held = (await this.deps.state.get(context)) ?? { level: 'anonymous' };
    if (held.level === 'verified' || held.channelChecked) return held;
    const vouched = await this.vouchedByChannel(context);
    if (!vouched) return held;
    const next: SessionAssurance = vouched.claim ? { level: 'verified', method: vouched.method, claim: vouched.claim, channelChecked: true } : { ...held, channelChecked: true };
    await this.deps.state.set(context, next);
    return next;
  }

  /**
   * Whom the channel vouches for in this turn, looked up and (when on file) recorded: undefined
   * when the channel vouches for nobody, so that nothing was checked.
   */
  private async vouchedByChannel(context: TurnContext): Promise<{ method: VerificationMethod; claim?: IdentityClaim } | undefined> {
    const { channelId, conversation, id } = context.activity;
    const signedIn = signedInUserOf(context);
    if (signedIn) {
      // One verification per conversation, however many sessions it outlives.
      const claim = await this.deps.identity.verifyBySignedInSite(signedIn.kind, signedIn.value, {
        channel: SIGNED_IN_CHANNEL,
        issuer: signedIn.issuer,
        idempotencyKey: `signed_in_site:${channelId}:${conversation.id}`,
      });
      return { method: 'signed_in_site', claim };
    }
    const teams = teamsContext(context);
    if (this.deps.teamsSignIn) return undefined;
    if (!teams?.channelAuthenticated || teams.shared || !teams.aadObjectId) return undefined;
    const claim = await this.deps.identity.verifyByChannel(teams.aadObjectId, { channel: channelId, idempotencyKey: `channel_authenticated:${channelId}:${conversation.id}:${id ?? ''}` });
    return { method: 'channel_authenticated', claim };
  }

  async level(context: TurnContext): Promise<Assurance> {
    return (await this.current(context)).level;
  }

  /** Whether the customer may do `action` now (policy file). */
  async allows(context: TurnContext, action: PolicyAction): Promise<boolean> {
    return this.deps.policy.allows(action, await this.level(context));
  }

  required(action: PolicyAction): Assurance {
    return this.deps.policy.required(action);
  }

  /**
   * The customer gave an identifier: `identified` when it matched a subject (never lowering a
   * level held), and the masked claim kept either way for an agent to compare.
   */
  async claimed(context: TurnContext, claim: IdentityClaim): Promise<SessionAssurance> {
    const held = await this.current(context);
    if (satisfies(held.level, 'identified') && held.claim?.subjectId !== undefined) return held;
    const next: SessionAssurance = claim.subjectId !== undefined ? { ...held, level: 'identified', method: 'claimed_identifier', claim } : { ...held, claim };
    await this.deps.state.set(context, next);
    return next;
  }

  /**
   * The customer proved who they are by themselves (a one-time code typed back, a signed-in site):
   * `verified` for the rest of the session, as the subject the proof was for. The caller's service
   * has recorded the verification in the ledger; the session keeps the masked claim only.
   */
  async verifiedAs(context: TurnContext, method: VerificationMethod, claim: IdentityClaim & { readonly subjectId: string }): Promise<SessionAssurance> {
    const held = await this.current(context);
    const next: SessionAssurance = { ...held, level: 'verified', method, claim };
    await this.deps.state.set(context, next);
    return next;
  }

  /**
   * The Teams user signed in through SSO (the token exchange, or the sign-in card's code) and the token
   * service's token named `aadObjectId`, their own Entra object id: `verified`, recorded in the ledger
   * once per conversation, when that account is linked to a subject — the channel vouches for the
   * person, exactly as for the channel check above. No id, or one linked to nobody: the session stays
   * as it was (the code flow follows), and the sign-in is not offered again in this session.
   */
  async signedInWithTeams(context: TurnContext, aadObjectId: string | undefined): Promise<SessionAssurance> {
    const held = await this.current(context);
    const { channelId, conversation } = context.activity;
    const claim =
      aadObjectId && held.level !== 'verified' ? await this.deps.identity.verifyByChannel(aadObjectId, { channel: channelId, idempotencyKey: `teams_sso:${channelId}:${conversation.id}` }) : undefined;
    const next: SessionAssurance = claim ? { ...held, level: 'verified', method: 'channel_authenticated', claim, teamsSignInTried: true } : { ...held, teamsSignInTried: true };
    await this.deps.state.set(context, next);
    return next;
  }

  /** A person checked the customer's identity (the agent's outcome): `verified` for the rest of the session. */
  async verified(context: TurnContext, method: VerificationMethod): Promise<SessionAssurance> {
    const held = await this.current(context);
    const next: SessionAssurance = { ...held, level: 'verified', method };
    await this.deps.state.set(context, next);
    return next;
  }
}
