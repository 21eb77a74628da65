import { Activity, CallerIdConstants, CloudAdapter, ConfigurationBotFrameworkAuthentication, ConfigurationBotFrameworkAuthenticationOptions, InvokeResponse, TurnContext } from 'botbuilder';
import { AuthenticateRequestResult, AuthenticationConstants, BotFrameworkAuthentication } from 'botframework-connector';
import { BotOptions } from '../config/options';
import { channelTokenFailure } from './channel-token-failure';
import { ReusingBotFrameworkAuthentication } from './reusing-authentication';

/**
 * CloudAdapter with its authenticated processing made public, so the HTTP route can read and
 * check the body itself and answer errors as JSON (CloudAdapter.process logs errors to the
 * console unredacted and answers in plain text). Its connector and user-token clients are made
 * once and reused across turns (reusing-authentication.ts), not rebuilt on every turn.
 */
export class BotAdapter extends CloudAdapter {
  constructor(authentication: BotFrameworkAuthentication) {
    super(authentication instanceof ReusingBotFrameworkAuthentication ? authentication : new ReusingBotFrameworkAuthentication(authentication));
  }

  /**
   * Checks the caller's Bot Framework token, then runs the turn. A token that fails the check
   * throws `PSB_UNAUTHORIZED`; signing keys that cannot be fetched throw
   * `PSB_BOT_KEYS_UNAVAILABLE` (channel-token-failure.ts) — never a raw library error, which
   * would be answered 500. Errors of the turn itself pass through unchanged.
   */
  async processIncoming(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    let authenticated: AuthenticateRequestResult;
    try {
      authenticated = await this.botFrameworkAuthentication.authenticateRequest(activity, authHeader);
    } catch (err) {
      throw channelTokenFailure(err);
    }
    return this.processActivity(authenticated, activity, logic);
  }

  /**
   * Runs a turn for an activity whose caller a channel of ours already authenticated (our own
   * Direct Line endpoint): `authenticated` names the bot's identity and the ConnectorFactory its
   * replies go through, so no Bot Framework token is checked or fetched — it works offline, with
   * or without MicrosoftAppId.
   */
  processAuthenticated(authenticated: AuthenticateRequestResult, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authenticated, activity, logic);
  }
}

/**
 * The Bot Framework adapter, authenticated from the standard variables. With no app id the
 * adapter accepts unauthenticated requests (local development and the Emulator); load-config
 * refuses that in production unless ALLOW_UNAUTHENTICATED=true.
 */
export function createAdapter(options: BotOptions): BotAdapter {
  const auth: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: options.microsoftAppId || undefined,
    MicrosoftAppPassword: options.microsoftAppPassword || undefined,
    MicrosoftAppType: options.microsoftAppType,
    MicrosoftAppTenantId: options.microsoftAppTenantId || undefined,
    ...(options.botOpenIdMetadataUrl ? ownSigningKeys(options.botOpenIdMetadataUrl) : {}),
  };
  return new BotAdapter(new ConfigurationBotFrameworkAuthentication(auth));
}

/**
 * The public-cloud settings with both token checks (channel tokens, Emulator/Azure AD tokens)
 * reading their keys from `metadataUrl` instead of Microsoft's hosts. botbuilder takes all of
 * these as one set once any is given, so the rest are its public-cloud defaults.
 */
function ownSigningKeys(metadataUrl: string): ConfigurationBotFrameworkAuthenticationOptions {
  return {
    ValidateAuthority: true,
    ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
    ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
    OAuthUrl: AuthenticationConstants.OAuthUrl,
    ToBotFromChannelOpenIdMetadataUrl: metadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: metadataUrl,
    CallerId: CallerIdConstants.PublicAzureChannel,
  };
}
