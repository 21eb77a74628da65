import { Activity, Middleware } from 'botbuilder';
import { AuthenticationConstants, ClaimsIdentity } from 'botframework-connector';

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

/** What the adapter leaves in the turn state after it validated a Bot Framework channel token. */
export const channelAuthenticated: Middleware = {
  onTurn: async (context, next) => {
    context.turnState.set(context.adapter.BotIdentityKey, new ClaimsIdentity([{ type: AuthenticationConstants.IssuerClaim, value: AuthenticationConstants.ToBotFromChannelTokenIssuer }], true));
    await next();
  },
};

let teamsConversations = 0;

/** A Teams sender in a conversation of its own (activity ids restart with every test client). */
export function teamsActivity(aadObjectId: string, conversationType: 'personal' | 'groupChat'): Partial<Activity> {
  teamsConversations += 1;
  return {
    from: { id: `29:${aadObjectId}`, name: 'Anna', aadObjectId },
    conversation: { id: `a:${conversationType}-${teamsConversations}-${aadObjectId}`, conversationType, tenantId: TENANT, isGroup: conversationType !== 'personal', name: '' },
    channelData: { tenant: { id: TENANT } },
  };
}
