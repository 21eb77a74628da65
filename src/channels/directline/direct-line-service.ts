import { randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';
import { AppError, isAppError } from '../../errors/app-error';
import type { Logger } from '../../log/logger';
import { ActivityPage, ConversationRecord, ConversationStore, MAX_ACTIVITIES_PER_READ, seqOfActivityId } from './conversation-store';
import {
  botActivity,
  ChannelAccountLike,
  conversationStartActivity,
  isConversationId,
  localeFrom,
  newConversationId,
  newUserId,
  startChannelDataFrom,
  userActivity,
  userIdFrom,
} from './direct-line-activities';
import { ConversationGrant, ConversationStart, DirectLineTokens } from './direct-line-tokens';
import { LocalNotices } from './local-notices';
import { RateLimiter } from './rate-limiter';
import { SignedInUser } from './signed-in-user';

/** Who is calling: a server holding the secret, or a client holding a token for one conversation. */
export type Caller = { readonly kind: 'secret' } | { readonly kind: 'token'; readonly token: string; readonly grant: ConversationGrant };

/** `{ conversationId, token, expires_in }`, as Azure's Direct Line answers token requests. */
export interface TokenResponse {
  readonly conversationId: string;
  readonly token: string;
  readonly expires_in: number;
}

/** A started (or reconnected) conversation; the route turns `streamToken` into a `streamUrl`. */
export interface ConversationAccess extends TokenResponse {
  readonly created: boolean;
  readonly streamToken: string;
}

/** What a server may ask a token to carry (the Web Chat page's token route uses this in-process). */
export interface TokenRequest {
  /** The customer's id; a random `dl_…` one when absent. */
  readonly userId?: string;
  /** Language of the welcome, e.g. the browser's 'it-IT'. */
  readonly locale?: string;
  /** Small flat facts the bot sees on the conversation's start, e.g. `{ gpc: true }`. */
  readonly channelData?: Readonly<Record<string, string | number | boolean>>;
  /** A customer the company's site signed in (checked by the caller): signed into the token, carried by every turn. */
  readonly signedIn?: SignedInUser;
}

/** What a turn carries besides its activity, from the token (never from the client's JSON). */
export interface TurnFacts {
  readonly signedIn?: SignedInUser;
}

/** Where customers' activities go: the bot (see BotBridge). */
export interface BotDelivery {
  deliver(activity: Partial<Activity>, facts?: TurnFacts): Promise<void>;
}

export interface DirectLineServiceDeps {
  store: ConversationStore;
  tokens: DirectLineTokens;
  rateLimiter: RateLimiter;
  bot: BotDelivery;
  /** The bot as conversation member (id = MicrosoftAppId, or 'privacy-bot'). */
  botAccount: ChannelAccountLike;
  serviceUrl(): string;
  logger: Logger;
  now?: () => Date;
  /**
   * When the store (Redis) does not answer, a customer's post is answered in the chat instead
   * of with a 503: its echo and this localized "temporarily unavailable" message go to the
   * conversation's open streams on this instance (`notices`). Without them, the 503 stands.
   */
  outage?: { readonly notices: LocalNotices; unavailableText(locale: string | undefined): string };
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The Direct Line 3.0 rules, without HTTP: who may do what to which conversation, what a
 * customer's activity becomes, where it goes. The routes (direct-line-routes.ts,
 * connector-routes.ts) and the WebSocket stream only translate to and from HTTP.
 */
export class DirectLineService {
  private readonly logger: Logger;

  constructor(private readonly deps: DirectLineServiceDeps) {
    this.logger = deps.logger;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The caller behind an `Authorization` header. @throws 401 / 403 AppErrors. */
  authenticate(authorization: string | undefined): Caller {
    const match = BEARER.exec(authorization ?? '');
    if (!match) throw new AppError('PSB_DL_UNAUTHORIZED', 'send a Direct Line token (or, from a server, the secret) as Authorization: Bearer ...');
    const bearer = match[1];
    if (this.deps.tokens.isSecret(bearer)) return { kind: 'secret' };
    return { kind: 'token', token: bearer, grant: this.deps.tokens.verifyClientToken(bearer) };
  }

  /** `POST /tokens/generate`: the secret mints a token for a new conversation (body `{ user: { id } }`). */
  generateToken(caller: Caller, body: unknown): TokenResponse {
    if (caller.kind !== 'secret') throw new AppError('PSB_DL_FORBIDDEN', 'generating tokens needs the Direct Line secret, which only a server holds');
    return this.issueToken({ userId: userIdFrom(body) });
  }

  /** In-process token minting for our own pages (the secret stays on the server). */
  issueToken(request: TokenRequest = {}): TokenResponse {
    const userId = request.userId === undefined ? newUserId() : userIdFrom({ user: { id: request.userId } }) ?? newUserId();
    const locale = localeFrom(request.locale);
    const channelData = startChannelDataFrom(request.channelData);
    const signedIn = request.signedIn;
    const start: ConversationStart | undefined =
      locale || channelData || signedIn ? { ...(locale ? { locale } : {}), ...(channelData ? { channelData } : {}), ...(signedIn ? { signedIn } : {}) } : undefined;
    const conversationId = newConversationId();
    const issued = this.deps.tokens.issueClientToken(conversationId, userId, start);
    return { conversationId, token: issued.token, expires_in: issued.expiresIn };
  }

  /** `POST /tokens/refresh`: a valid token gets a fresh one for the same conversation and user. */
  refreshToken(caller: Caller): TokenResponse {
    if (caller.kind !== 'token') throw new AppError('PSB_DL_FORBIDDEN', 'refresh a token, not the secret: send the token as Authorization: Bearer ...');
    const { grant } = caller;
    const issued = this.deps.tokens.issueClientToken(grant.conversationId, grant.userId, grant.start);
    return { conversationId: grant.conversationId, token: issued.token, expires_in: issued.expiresIn };
  }

  /**
   * `POST /conversations`: starts the token's conversation (or a new one, with the secret) and
   * tells the bot, which welcomes the customer. Starting a started conversation again answers
   * it as it is (a reloaded page), without a second welcome.
   */
  async startConversation(caller: Caller, body: unknown): Promise<ConversationAccess> {
    const bodyLocale = localeFrom(body !== null && typeof body === 'object' ? (body as { locale?: unknown }).locale : undefined);
    const conversationId = caller.kind === 'token' ? caller.grant.conversationId : newConversationId();
    const userId = caller.kind === 'token' ? caller.grant.userId : userIdFrom(body) ?? newUserId();
    const start = caller.kind === 'token' ? caller.grant.start : undefined;
    const locale = bodyLocale ?? start?.locale;
    const candidate: ConversationRecord = { conversationId, userId, createdAt: this.now().toISOString(), ...(locale ? { locale } : {}) };
    const { created, record } = await this.deps.store.create(candidate);
    if (record.userId !== userId) throw forbidden();
    if (created) {
      this.logger.info({ conversationId, by: caller.kind }, 'direct line conversation started');
      const update = conversationStartActivity({ conversationId, userId, bot: this.deps.botAccount, timestamp: this.now().toISOString(), locale, start });
      try {
        await this.deps.bot.deliver(update, factsOf(caller));
      } catch (err) {
        // The conversation exists; the customer can still write. The failure is the bot's.
        this.logger.error({ err, conversationId }, 'direct line: the bot failed on the conversation start');
      }
    }
    return { created, ...this.accessFor(caller, record), streamToken: this.deps.tokens.issueStreamToken(conversationId, record.userId) };
  }

  /** `GET /conversations/:id`: a new `streamUrl` (and the token) to reconnect. */
  async reconnect(caller: Caller, conversationId: string): Promise<ConversationAccess> {
    const record = await this.access(caller, conversationId);
    return { created: false, ...this.accessFor(caller, record), streamToken: this.deps.tokens.issueStreamToken(conversationId, record.userId) };
  }

  /**
   * `POST /conversations/:id/activities`: rate-limited per conversation; the activity gets its
   * id and time, is stored (the echo the client waits for) and handed to the bot, whose replies
   * are stored by the connector routes before this resolves. A client's retry (same
   * `clientActivityID`) is stored once and processed once (the turn runner dedupes by id).
   */
  async postActivity(caller: Caller, conversationId: string, readBody: () => Promise<unknown>): Promise<{ id: string }> {
    let body: { value: unknown } | undefined;
    const readOnce = async (): Promise<unknown> => (body ??= { value: await readBody() }).value;
    try {
      return await this.storeAndDeliver(caller, conversationId, readOnce);
    } catch (err) {
      const answered = isAppError(err, 'PSB_DL_UNAVAILABLE') ? await this.answerDuringOutage(caller, conversationId, readOnce) : undefined;
      if (!answered) throw err;
      return answered;
    }
  }

  /**
   * The store is down: a token's holder (whose conversation and user the token proves) who has a
   * stream open here gets the echo of the post and the localized "temporarily unavailable"
   * message in the chat. Nothing is stored and the bot does not run: the customer is told to try
   * again. Undefined (the 503 stands) for the secret, without `outage`, or with no stream here.
   */
  private async answerDuringOutage(caller: Caller, conversationId: string, readBody: () => Promise<unknown>): Promise<{ id: string } | undefined> {
    const outage = this.deps.outage;
    if (!outage || caller.kind !== 'token' || caller.grant.conversationId !== conversationId) return undefined;
    const timestamp = this.now().toISOString();
    const { draft } = userActivity({ body: await readBody(), conversationId, userId: caller.grant.userId, bot: this.deps.botAccount, serviceUrl: this.deps.serviceUrl(), timestamp });
    const locale = typeof draft.locale === 'string' ? draft.locale : caller.grant.start?.locale;
    // Ids outside the store's sequence: the notice never takes a seq a stored activity will need.
    const echoId = `${conversationId}|unavailable-${randomUUID()}`;
    const notice = botActivity({ body: { type: 'message', text: outage.unavailableText(locale), ...(locale ? { locale } : {}) }, conversationId, bot: this.deps.botAccount, timestamp, replyToId: echoId });
    const reached = outage.notices.publish(conversationId, [
      { ...draft, id: echoId },
      { ...notice, id: `${conversationId}|unavailable-${randomUUID()}` },
    ]);
    if (reached === 0) return undefined;
    this.logger.warn({ conversationId }, 'direct line: the conversation store does not answer; the customer was told in the chat');
    return { id: echoId };
  }

  private async storeAndDeliver(caller: Caller, conversationId: string, readBody: () => Promise<unknown>): Promise<{ id: string }> {
    const record = await this.access(caller, conversationId);
    const decision = await this.deps.rateLimiter.hit(`dl:{${conversationId}}:rate`);
    if (!decision.allowed) {
      throw new AppError('PSB_DL_RATE_LIMITED', `too many activities in this conversation; try again in ${decision.retryAfterSeconds} s`, { retryAfterSeconds: decision.retryAfterSeconds });
    }
    const { draft, clientActivityId } = userActivity({
      body: await readBody(),
      conversationId,
      userId: record.userId,
      bot: this.deps.botAccount,
      serviceUrl: this.deps.serviceUrl(),
      timestamp: this.now().toISOString(),
    });
    const appended = await this.deps.store.append(conversationId, draft, clientActivityId);
    if (!appended) throw notFound();
    await this.deps.bot.deliver({ ...draft, id: appended.id } as Partial<Activity>, factsOf(caller));
    return { id: appended.id };
  }

  /** `GET /conversations/:id/activities?watermark=`: what came after the watermark (polling). */
  async getActivities(caller: Caller, conversationId: string, watermark: number): Promise<{ activities: ActivityPage['activities']; watermark: string }> {
    await this.access(caller, conversationId);
    return this.page(conversationId, watermark);
  }

  /** Activities after `watermark` for a stream or a poll, as the protocol shapes them. */
  async page(conversationId: string, watermark: number): Promise<{ activities: ActivityPage['activities']; watermark: string }> {
    const page = await this.deps.store.read(conversationId, watermark, MAX_ACTIVITIES_PER_READ);
    if (!page) throw notFound();
    return { activities: page.activities, watermark: String(page.watermark) };
  }

  /** The WebSocket's `t`: valid for this conversation, which exists. */
  async authorizeStream(conversationId: string, streamToken: string): Promise<ConversationRecord> {
    this.deps.tokens.verifyStreamToken(streamToken, conversationId);
    const record = isConversationId(conversationId) ? await this.deps.store.get(conversationId) : undefined;
    if (!record) throw notFound();
    return record;
  }

  /** Connector `POST /v3/conversations/:id/activities[/:replyTo]`: the bot's activity, stored for the client. */
  async storeBotActivity(conversationId: string, body: unknown, replyToId?: string): Promise<{ id: string }> {
    if (!isConversationId(conversationId)) throw notFound();
    const draft = botActivity({ body, conversationId, bot: this.deps.botAccount, timestamp: this.now().toISOString(), replyToId });
    const appended = await this.deps.store.append(conversationId, draft);
    if (!appended) throw notFound();
    return { id: appended.id };
  }

  /** Connector `PUT /v3/conversations/:id/activities/:activityId`: the bot's update replaces the stored activity. */
  async replaceBotActivity(conversationId: string, activityId: string, body: unknown): Promise<{ id: string }> {
    if (!isConversationId(conversationId)) throw notFound();
    const seq = seqOfActivityId(conversationId, activityId);
    if (seq === undefined) throw activityNotFound();
    const draft = botActivity({ body, conversationId, bot: this.deps.botAccount, timestamp: this.now().toISOString() });
    const outcome = await this.deps.store.replace(conversationId, seq, draft);
    if (outcome === 'no-conversation') throw notFound();
    if (outcome === 'no-activity') throw activityNotFound();
    return { id: activityId };
  }

  /**
   * May `caller` use this conversation? A token only its own (403 otherwise, even when the other
   * does not exist: nothing is revealed); then the conversation must exist (404).
   */
  private async access(caller: Caller, conversationId: string): Promise<ConversationRecord> {
    if (caller.kind === 'token' && caller.grant.conversationId !== conversationId) throw forbidden();
    const record = isConversationId(conversationId) ? await this.deps.store.get(conversationId) : undefined;
    if (!record) throw notFound();
    if (caller.kind === 'token' && record.userId !== caller.grant.userId) throw forbidden();
    return record;
  }

  /** The token a client should use from now on: its own, or (for the secret) one minted for the conversation's user. */
  private accessFor(caller: Caller, record: ConversationRecord): TokenResponse {
    if (caller.kind === 'token') {
      const expiresIn = Math.max(0, caller.grant.expiresAt - Math.floor(this.now().getTime() / 1000));
      return { conversationId: record.conversationId, token: caller.token, expires_in: expiresIn };
    }
    const issued = this.deps.tokens.issueClientToken(record.conversationId, record.userId);
    return { conversationId: record.conversationId, token: issued.token, expires_in: issued.expiresIn };
  }
}

/** What the caller's token vouches for, for the bot's turn; the secret vouches for nobody. */
function factsOf(caller: Caller): TurnFacts {
  const signedIn = caller.kind === 'token' ? caller.grant.start?.signedIn : undefined;
  return signedIn ? { signedIn } : {};
}

function forbidden(): AppError {
  return new AppError('PSB_DL_FORBIDDEN', 'this Direct Line token is for another conversation');
}

function notFound(): AppError {
  return new AppError('PSB_DL_CONVERSATION_NOT_FOUND', 'no such Direct Line conversation (never started, or expired); start a new one');
}

function activityNotFound(): AppError {
  return new AppError('PSB_DL_ACTIVITY_NOT_FOUND', 'no such activity in this conversation');
}
