import { createHash } from 'node:crypto';
import type { Request, Response } from 'restify';
import { AppError, isAppError } from '../../errors/app-error';
import type { Logger } from '../../log/logger';
import type { ClientAddressOf } from '../../server/client-address';
import type { RateLimiter } from '../directline/rate-limiter';
import { readJsonBody } from '../../server/json-body';
import { sendError } from '../../server/send-error';
import type { SignedInUser } from '../directline/signed-in-user';
import { requestHasGpc } from './gpc-signal';
import type { SiteAssertionVerifier } from './site-assertion-verifier';

/** What the page tells us when it asks for a token. */
export interface WebChatTokenRequest {
  /** The browser's language (`navigator.language`), when it looks like a language tag. */
  readonly locale?: string;
  /** The browser sends Global Privacy Control: `Sec-GPC: 1` on this request, or `"gpc": true` in its body. */
  readonly gpc: boolean;
  /** The customer the company's site signed in: present only when the request's assertion verified. */
  readonly signedIn?: SignedInUser;
}

/** A Direct Line token for one new conversation, as `POST /v3/directline/tokens/generate` gives it. */
export interface WebChatTokenGrant {
  readonly token: string;
  readonly conversationId?: string;
  /** Seconds until the token expires (the page's Direct Line client refreshes it before). */
  readonly expiresIn: number;
}

/**
 * Mints a Direct Line token server-side, where the Direct Line secret lives: the browser never
 * sees the secret, only a token bound to one conversation.
 */
export type WebChatTokenIssuer = (request: WebChatTokenRequest) => Promise<WebChatTokenGrant>;

const LANGUAGE_TAG = /^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8}){0,4}$/;

/** What the body asked for, before the assertion (if any) is checked. */
interface TokenBody {
  readonly request: WebChatTokenRequest;
  /** The `assertion` field as sent (absent or null: an anonymous token). */
  readonly assertion?: unknown;
}

/** The optional body `{ "locale"?: "it-IT", "gpc"?: true, "assertion"?: "<JWT>" }`; anything else in it is ignored. */
async function readTokenBody(req: Request, limitBytes: number): Promise<TokenBody> {
  const fromHeader = requestHasGpc(req.headers);
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return { request: { gpc: fromHeader } };
  const body = await readJsonBody(req, limitBytes);
  const fields = typeof body === 'object' && body !== null ? (body as { locale?: unknown; gpc?: unknown; assertion?: unknown }) : {};
  const locale = typeof fields.locale === 'string' && LANGUAGE_TAG.test(fields.locale) ? fields.locale : undefined;
  return { request: { locale, gpc: fromHeader || fields.gpc === true }, ...(fields.assertion !== undefined && fields.assertion !== null ? { assertion: fields.assertion } : {}) };
}

/** Per-client-address limits on the token route (both counted before anything is minted). */
export interface TokenLimits {
  /** Tokens per address and window (`WEBCHAT_TOKEN_LIMIT` per `WEBCHAT_TOKEN_WINDOW_SECONDS`). */
  readonly tokens: RateLimiter;
  /** Conversations per address within a conversation's lifetime (`WEBCHAT_MAX_CONVERSATIONS_PER_ADDRESS`). */
  readonly conversations: RateLimiter;
  /** The client's address (`TRUST_PROXY`). */
  readonly clientAddress: ClientAddressOf;
}

export interface TokenRouteDeps {
  issueToken: WebChatTokenIssuer;
  /** Absent: no limits (tests of other behaviour); the app always sets them. */
  limits?: TokenLimits;
  /** Checks sign-in assertions; absent when signed-in Web Chat is off (an assertion then gets 400). */
  siteIdentity?: SiteAssertionVerifier;
  bodyLimitBytes: number;
  logger: Logger;
}

/** The request with its signed-in customer, or a refusal: no token is minted for a bad assertion. */
async function withSignedInUser(body: TokenBody, deps: TokenRouteDeps): Promise<WebChatTokenRequest> {
  if (body.assertion === undefined) return body.request;
  if (!deps.siteIdentity) throw new AppError('PSB_WEBCHAT_SIGNIN_DISABLED', 'this bot accepts no sign-in assertion (WEBCHAT_IDENTITY_JWKS_URL or WEBCHAT_IDENTITY_SECRET is not set): send the request without "assertion"', { field: 'assertion' });
  return { ...body.request, signedIn: await deps.siteIdentity.verify(body.assertion) };
}

/** Counts one token and one conversation for the client's address; refuses with Retry-After past either limit. */
async function checkLimits(req: Request, res: Response, limits: TokenLimits): Promise<void> {
  // Hashed: no client address sits in Redis.
  const address = createHash('sha256').update(limits.clientAddress(req)).digest('hex');
  const tokens = await limits.tokens.hit(address);
  const decision = tokens.allowed ? await limits.conversations.hit(address) : tokens;
  if (decision.allowed) return;
  res.header('Retry-After', String(decision.retryAfterSeconds));
  throw new AppError('PSB_WEBCHAT_RATE_LIMITED', `too many chat tokens or open conversations from this address; try again in ${decision.retryAfterSeconds} s`, {
    retryAfterSeconds: decision.retryAfterSeconds,
    limit: tokens.allowed ? 'conversations' : 'tokens',
  });
}

/**
 * `POST /webchat/token` (same origin as the page): `{ "locale"?: "it-IT", "gpc"?: true,
 * "assertion"?: "<JWT>" }` → `{ token, conversationId, expiresIn }`, never cached. Other sites can
 * call it but cannot read the answer (no CORS headers), and a token only opens a new, empty
 * conversation. With an `assertion` (signed-in Web Chat) the token is minted only when it verifies,
 * and carries the customer it names; a refused one gets a 401 and nothing is minted. Neither the
 * assertion nor the claim is ever logged. Past a per-address limit: 429 `PSB_WEBCHAT_RATE_LIMITED`
 * with `Retry-After`, and nothing is minted.
 */
export function tokenRoute(deps: TokenRouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      if (deps.limits) await checkLimits(req, res, deps.limits);
      const request = await withSignedInUser(await readTokenBody(req, deps.bodyLimitBytes), deps);
      const grant = await deps.issueToken(request);
      if (request.signedIn) deps.logger.info({ conversationId: grant.conversationId, claimKind: request.signedIn.kind }, 'signed-in Web Chat token issued');
      res.header('Cache-Control', 'no-store');
      res.send(200, { token: grant.token, conversationId: grant.conversationId, expiresIn: grant.expiresIn });
    } catch (err) {
      if (isAppError(err, 'PSB_WEBCHAT_IDENTITY_UNAVAILABLE') && typeof err.details.retryAfterSeconds === 'number' && !res.headersSent) {
        res.header('Retry-After', String(err.details.retryAfterSeconds));
        deps.logger.warn({ err: err.cause }, 'signed-in Web Chat: the site’s JWK Set cannot be fetched');
      }
      if (isAppError(err, 'PSB_WEBCHAT_ASSERTION_INVALID') || isAppError(err, 'PSB_WEBCHAT_ASSERTION_EXPIRED')) deps.logger.info({ reason: err.details.reason }, 'signed-in Web Chat: assertion refused');
      sendError(res, err, deps.logger);
    }
  };
}
