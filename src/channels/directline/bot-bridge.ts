import { Activity, ConversationReference, TurnContext } from 'botbuilder';
import { AuthenticateRequestResult, AuthenticationConstants, ClaimsIdentity, ConnectorClient, ConnectorFactory } from 'botframework-connector';
import { BotAdapter } from '../../adapter/create-adapter';
import type { TurnFacts } from './direct-line-service';
import { DirectLineTokens } from './direct-line-tokens';
import { SIGNED_IN_USER_KEY } from './signed-in-user';

type ConnectorCredentials = ConstructorParameters<typeof ConnectorClient>[0];
type OutgoingRequest = Parameters<ConnectorCredentials['signRequest']>[0];

const CONVERSATION_IN_PATH = /\/v3\/conversations\/([^/?#]+)/;

/**
 * What the bot's ConnectorClient sends to our own connector routes: on every request, a fresh
 * short-lived connector token (HMAC, a key of its own derived from the Direct Line key) bound to
 * the conversation in the request's URL. The routes accept nothing else, so they are no relay.
 */
export class ConnectorTokenCredentials implements ConnectorCredentials {
  constructor(private readonly tokens: DirectLineTokens) {}

  async signRequest(request: OutgoingRequest): Promise<OutgoingRequest> {
    const match = CONVERSATION_IN_PATH.exec(new URL(request.url).pathname);
    const conversationId = match ? decodeURIComponent(match[1]) : '';
    request.headers.set('authorization', `Bearer ${this.tokens.issueConnectorToken(conversationId)}`);
    return request;
  }
}

/**
 * Connector clients for our own service URL only, built once and reused (CloudAdapter's own
 * factory builds a new HTTP pipeline per turn). Refuses any other URL, so our connector
 * credential can never be sent to another host.
 */
export class DirectLineConnectorFactory extends ConnectorFactory {
  private cached?: { serviceUrl: string; client: ConnectorClient };

  constructor(
    private readonly serviceUrl: () => string,
    private readonly credentials: ConnectorCredentials,
  ) {
    super();
  }

  async create(serviceUrl: string): Promise<ConnectorClient> {
    const ours = this.serviceUrl();
    if (serviceUrl.replace(/\/+$/, '') !== ours) throw new Error('the Direct Line connector factory only serves our own service URL');
    if (this.cached?.serviceUrl !== ours) this.cached = { serviceUrl: ours, client: new ConnectorClient(this.credentials, { baseUri: ours }) };
    return this.cached.client;
  }
}

export interface BotBridgeDeps {
  adapter: BotAdapter;
  /** The turn runner (exactly-once replies, dedupe by activity id). */
  runTurn(context: TurnContext): Promise<void>;
  /** MicrosoftAppId, or '' (the adapter then makes no Bot Framework token either). */
  botAppId: string;
  serviceUrl(): string;
  tokens: DirectLineTokens;
}

/**
 * Hands Direct Line activities to the adapter the Bot Framework way — with `serviceUrl` pointing
 * at our connector routes — as an already authenticated request: we checked the customer's
 * token ourselves, so the adapter is given the bot's own identity and our connector factory
 * instead of validating a Bot Framework JWT (which would need Microsoft's keys, online).
 */
export class BotBridge {
  private readonly authenticated: AuthenticateRequestResult;

  constructor(private readonly deps: BotBridgeDeps) {
    const appId = deps.botAppId;
    this.authenticated = {
      // The bot's own identity, as CloudAdapter builds it for proactive turns (audience = app id, so never a skill).
      claimsIdentity: new ClaimsIdentity(
        [
          { type: AuthenticationConstants.AudienceClaim, value: appId },
          { type: AuthenticationConstants.AppIdClaim, value: appId },
        ],
        true,
      ),
      audience: AuthenticationConstants.ToChannelFromBotOAuthScope,
      callerId: undefined,
      connectorFactory: new DirectLineConnectorFactory(deps.serviceUrl, new ConnectorTokenCredentials(deps.tokens)),
    };
  }

  /**
   * Runs the bot's turn for a customer's activity (its replies arrive at our connector routes).
   * What the token vouches for (`facts`) goes into the turn state, beside the activity, where no
   * client-written field can reach.
   */
  async deliver(activity: Partial<Activity>, facts: TurnFacts = {}): Promise<void> {
    await this.deps.adapter.processAuthenticated(this.authenticated, { ...activity, serviceUrl: this.deps.serviceUrl() } as Activity, (context) => {
      if (facts.signedIn) context.turnState.set(SIGNED_IN_USER_KEY, facts.signedIn);
      return this.deps.runTurn(context);
    });
  }

  /**
   * A proactive turn in a Direct Line conversation (an agent's message, a reminder): `logic`
   * runs with a context whose sends reach the customer like replies do.
   */
  async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const continuation = TurnContext.applyConversationReference({ type: 'event', name: 'ContinueConversation' }, { ...reference, serviceUrl: this.deps.serviceUrl() }, true);
    await this.deps.adapter.processAuthenticated(this.authenticated, continuation as Activity, logic);
  }
}
