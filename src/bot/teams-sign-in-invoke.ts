import { InvokeResponse, TurnContext } from 'botbuilder';
import type { Logger } from '../log/logger';
import type { TeamsSso } from '../channels/teams/teams-sso';
import type { CustomerAssurance } from './customer-assurance';

export interface TeamsSignInInvokeDeps {
  readonly sso: Pick<TeamsSso, 'isSignInInvoke' | 'handleInvoke'>;
  readonly assurance: Pick<CustomerAssurance, 'signedInWithTeams'>;
  readonly logger: Pick<Logger, 'info'>;
}

/**
 * Teams' sign-in invokes (`signin/tokenExchange`, `signin/verifyState`) at the bot's edge: the token
 * service's answer is turned into the session's assurance (verified when the signed-in account is
 * linked to a customer), then the waiting sign-in dialog resumes. A refused exchange answers 412, so
 * Teams shows the card's sign-in button instead, and nothing resumes: the customer may sign in with
 * the button or type their details. Logs what happened, never a token or an object id.
 */
export class TeamsSignInInvoke {
  constructor(private readonly deps: TeamsSignInInvokeDeps) {}

  handles(context: TurnContext): boolean {
    return this.deps.sso.isSignInInvoke(context.activity);
  }

  async answer(context: TurnContext, resumeDialogs: (context: TurnContext) => Promise<void>): Promise<InvokeResponse> {
    const outcome = await this.deps.sso.handleInvoke(context);
    const invoke = context.activity.name;
    if (outcome.response.status !== 200) {
      this.deps.logger.info({ invoke, status: outcome.response.status }, 'teams sso: token exchange refused, Teams falls back to the sign-in button');
      return outcome.response;
    }
    const held = await this.deps.assurance.signedInWithTeams(context, outcome.aadObjectId);
    this.deps.logger.info({ invoke, account: outcome.aadObjectId ? 'the sender' : 'none', verified: held.level === 'verified' }, 'teams sso: signed in');
    await resumeDialogs(context);
    return outcome.response;
  }
}
