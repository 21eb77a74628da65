import { Activity, Attachment, CardFactory, InvokeResponse, TurnContext } from 'botbuilder';
import type { TokenExchangeRequest, TokenResponse } from 'botframework-schema';
import type { SignInUrlResponse } from 'botframework-connector';
import { decodeJwt } from 'jose';
import { ERROR_CODES } from '../../errors/codes';
import { teamsContext } from './teams-context';

/** The invoke names Teams sends for SSO: the silent exchange, and the sign-in card's magic code. */
export const TOKEN_EXCHANGE_INVOKE = 'signin/tokenExchange';
export const VERIFY_STATE_INVOKE = 'signin/verifyState';

/** What SSO needs of Bot Service's token service (botframework-connector's UserTokenClient has it). */
export interface TeamsUserTokens {
  getSignInResource(connectionName: string, activity: Activity, finalRedirect: string): Promise<SignInUrlResponse>;
  exchangeToken(userId: string, connectionName: string, channelId: string, request: TokenExchangeRequest): Promise<TokenResponse>;
  getUserToken(userId: string, connectionName: string, channelId: string, magicCode: string): Promise<TokenResponse>;
}

/** The token service client of this turn: the one the adapter put in the turn state. */
export function adapterUserTokens(context: TurnContext): TeamsUserTokens | undefined {
  // CloudAdapter keeps it under its own symbol; other adapters (the test adapter) have none.
  const key: unknown = (context.adapter as { UserTokenClientKey?: unknown }).UserTokenClientKey;
  const client: unknown = typeof key === 'symbol' ? context.turnState.get(key) : undefined;
  return client && typeof client === 'object' ? (client as TeamsUserTokens) : undefined;
}

/** The words of the sign-in card, in the customer's language. */
export interface SignInCardTexts {
  readonly text: string;
  readonly button: string;
}

/**
 * What a sign-in invoke came to: the answer Teams gets, and — when the token service gave a token
 * for the very Teams user who sent the invoke — that user's Entra object id. Never the token.
 */
export interface SsoInvokeOutcome {
  readonly response: InvokeResponse;
  readonly aadObjectId?: string;
}

/**
 * How long a call to the token service may take before SSO gives up for this turn: a hanging token
 * service must cost the customer a few seconds and the code flow, not the HTTP client's whole timeout.
 */
export const TOKEN_SERVICE_LIMIT_MS = 5000;

/** `promise`, or a rejection once `limitMs` have passed. */
function withinLimit<T>(promise: Promise<T>, limitMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Teams SSO: the token service did not answer ${what} within ${limitMs} ms`)), limitMs);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * The `failureDetail` of a refused exchange: Teams falls back to the card's sign-in button on a 412 (botbuilder's
 * TokenExchangeInvokeResponse) and shows the customer nothing of this, so it is a diagnostic from the error registry.
 */
const EXCHANGE_REFUSED = `PSB_TEAMS_SSO_EXCHANGE_REFUSED: ${ERROR_CODES.PSB_TEAMS_SSO_EXCHANGE_REFUSED}`;

/**
 * Teams single sign-on in a personal chat, through the Azure Bot resource's OAuth connection for
 * the bot's own Entra app: an OAuthCard whose `tokenExchangeResource` lets Teams hand the bot a token
 * of the signed-in user silently (`signin/tokenExchange`), with the card's sign-in button as the
 * fallback (`signin/verifyState` with a magic code). The token only proves whose account it is: its
 * `oid` must be the object id of the Teams user who sent the invoke; the token itself is never
 * kept, logged or passed on.
 */
export class TeamsSso {
  constructor(
    readonly connectionName: string,
    private readonly tokensOf: (context: TurnContext) => TeamsUserTokens | undefined = adapterUserTokens,
    private readonly limitMs: number = TOKEN_SERVICE_LIMIT_MS,
  ) {}

  /** Whether SSO may be offered in this turn: Teams, a personal chat, a sender with an Entra object id. */
  appliesTo(context: TurnContext): boolean {
    const teams = teamsContext(context);
    return teams !== undefined && !teams.shared && teams.aadObjectId !== undefined && this.tokensOf(context) !== undefined;
  }

  /** The OAuthCard that asks Teams for the user's token (silently where the tenant consented). */
  async signInCard(context: TurnContext, texts: SignInCardTexts): Promise<Attachment> {
    const tokens = this.tokensOf(context);
    if (!tokens) throw new Error('Teams SSO: no user token client in this turn');
    const resource = await withinLimit(tokens.getSignInResource(this.connectionName, context.activity as Activity, ''), this.limitMs, 'the sign-in resource');
    return CardFactory.oauthCard(this.connectionName, texts.button, texts.text, resource.signInLink, resource.tokenExchangeResource, resource.tokenPostResource);
  }

  /** Whether this activity is one of the SSO invokes (the exchange checks the connection it names; verifyState carries none). */
  isSignInInvoke(activity: Partial<Activity>): boolean {
    return activity.type === 'invoke' && (activity.name === TOKEN_EXCHANGE_INVOKE || activity.name === VERIFY_STATE_INVOKE);
  }

  /** Answers a sign-in invoke: 200 with the user's object id when the token service vouched for them; else 412 (exchange) or 200 without one. */
  async handleInvoke(context: TurnContext): Promise<SsoInvokeOutcome> {
    const activity = context.activity;
    const value = (activity.value ?? {}) as { id?: unknown; connectionName?: unknown; token?: unknown; state?: unknown };
    const tokens = this.tokensOf(context);
    const sender = teamsContext(context);
    const userId = activity.from?.id;
    if (activity.name === TOKEN_EXCHANGE_INVOKE) {
      const refused: SsoInvokeOutcome = { response: { status: 412, body: { id: value.id, connectionName: this.connectionName, failureDetail: EXCHANGE_REFUSED } } };
      if (!tokens || !userId || sender?.shared !== false || value.connectionName !== this.connectionName || typeof value.token !== 'string' || value.token === '') return refused;
      const exchanged = await withinLimit(tokens.exchangeToken(userId, this.connectionName, activity.channelId ?? '', { token: value.token }), this.limitMs, 'the token exchange').catch(() => undefined);
      const aadObjectId = objectIdOf(exchanged?.token);
      if (!aadObjectId) return refused;
      return { response: { status: 200, body: { id: value.id, connectionName: this.connectionName } }, ...(aadObjectId === sender.aadObjectId ? { aadObjectId } : {}) };
    }
    // signin/verifyState: the magic code the sign-in page showed, redeemed once for the token.
    const state = typeof value.state === 'string' ? value.state : '';
    if (!tokens || !userId || sender?.shared !== false || state === '') return { response: { status: 200 } };
    const redeemed = await withinLimit(tokens.getUserToken(userId, this.connectionName, activity.channelId ?? '', state), this.limitMs, 'the magic code').catch(() => undefined);
    const aadObjectId = objectIdOf(redeemed?.token);
    return { response: { status: 200 }, ...(aadObjectId && aadObjectId === sender.aadObjectId ? { aadObjectId } : {}) };
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The Entra object id (`oid`) a token names, lower-case; undefined for anything else. The token came
 * from Bot Service's token service, over a connection authenticated with the bot's credentials, in
 * answer to our own request — so its claims are read, not its signature checked (it is issued to the
 * bot's Entra app, whose keys the bot does not hold).
 */
function objectIdOf(token: string | undefined): string | undefined {
  if (!token) return undefined;
  try {
    const oid = decodeJwt(token).oid;
    return typeof oid === 'string' && GUID.test(oid) ? oid.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}
