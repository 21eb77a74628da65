import { Activity, CloudAdapter, ConfigurationBotFrameworkAuthentication, ConfigurationBotFrameworkAuthenticationOptions, InvokeResponse, TurnContext } from 'botbuilder';
import type { AuthenticateRequestResult } from 'botframework-connector';
import { BotOptions } from '../config/options';

/**
 * CloudAdapter with its authenticated processing made public, so the HTTP route can read and
 * check the body itself and answer errors as JSON (CloudAdapter.process logs errors to the
 * console unredacted and answers in plain text).
 */
export class BotAdapter extends CloudAdapter {
  processIncoming(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authHeader, activity, logic);
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
  };
  return new BotAdapter(new ConfigurationBotFrameworkAuthentication(auth));
}
