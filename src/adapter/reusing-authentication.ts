import { Activity } from 'botbuilder';
import {
  AuthenticateRequestResult,
  AuthenticationConstants,
  BotFrameworkAuthentication,
  BotFrameworkClient,
  ClaimsIdentity,
  ConnectorClient,
  ConnectorFactory,
  UserTokenClient,
} from 'botframework-connector';
import { BoundedPromiseCache } from './bounded-promise-cache';
import { ReusingConnectorFactory } from './reusing-connector-factory';

/** Service URLs × audiences × bot ids a process talks to: a handful (Teams has one per region). */
const CLIENTS_KEPT = 256;

/**
 * The bot's app id as botbuilder's own authentication reads it for its clients: the audience
 * claim of a channel's token, else the app id claim (Emulator), else none (unauthenticated).
 */
function botAppIdOf(identity: ClaimsIdentity): string {
  return identity.getClaimValue(AuthenticationConstants.AudienceClaim) ?? identity.getClaimValue(AuthenticationConstants.AppIdClaim) ?? '';
}

/**
 * Bot Framework authentication exactly as `inner` does it — every token still checked on every
 * request — whose connector and user-token clients are made once and then reused (per bot app
 * id, service URL and audience; per bot app id). botbuilder's CloudAdapter otherwise builds both,
 * each with its Azure HTTP pipeline, on every turn, even when the turn sends nothing over them
 * (expectReplies answers in the HTTP response). Results a channel of ours authenticates itself
 * (Direct Line) keep their own factory: it is one object for the channel's life and keeps its client.
 */
export class ReusingBotFrameworkAuthentication extends BotFrameworkAuthentication {
  private readonly connectorClients = new BoundedPromiseCache<ConnectorClient>(CLIENTS_KEPT);
  private readonly userTokenClients = new BoundedPromiseCache<UserTokenClient>(CLIENTS_KEPT);

  constructor(private readonly inner: BotFrameworkAuthentication) {
    super();
  }

  async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.reusing(await this.inner.authenticateRequest(activity, authHeader));
  }

  async authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.reusing(await this.inner.authenticateStreamingRequest(authHeader, channelIdHeader));
  }

  createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.innerFactory(claimsIdentity, this.inner.createConnectorFactory(claimsIdentity));
  }

  createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.userTokenClients.get(botAppIdOf(claimsIdentity), () => this.inner.createUserTokenClient(claimsIdentity));
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }

  private reusing(result: AuthenticateRequestResult): AuthenticateRequestResult {
    return result.connectorFactory ? { ...result, connectorFactory: this.innerFactory(result.claimsIdentity, result.connectorFactory) } : result;
  }

  /** `inner`'s factories differ only by the bot app id they are made for (its settings are fixed). */
  private innerFactory(claimsIdentity: ClaimsIdentity, factory: ConnectorFactory): ConnectorFactory {
    return new ReusingConnectorFactory(factory, this.connectorClients, `bot ${botAppIdOf(claimsIdentity)}`);
  }
}
