import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../errors/app-error';
import { DirectLineConfig } from './direct-line-config';
import { isSignedInUser, SignedInUser } from './signed-in-user';
import { signToken, TokenClaims, verifyToken } from './signed-token';

/** Seconds a `streamUrl` stays valid for opening the WebSocket (as Azure's: 60 s). */
export const STREAM_TOKEN_TTL_SECONDS = 60;
/** Seconds a credential the bot sends to our connector routes stays valid (minted per request). */
export const CONNECTOR_TOKEN_TTL_SECONDS = 120;
const ISSUER = 'psb-directline';

/**
 * One key per kind of token, derived from one base key, so a token of one kind can never pass
 * for another (a browser's token is useless against the connector routes, a `streamUrl` cannot
 * post).
 */
export interface DirectLineKeys {
  readonly client: Buffer;
  readonly stream: Buffer;
  readonly connector: Buffer;
}

function derive(base: Buffer, label: string): Buffer {
  return createHmac('sha256', base).update(`psb-directline/${label}/v1`).digest();
}

export function deriveKeys(base: Buffer): DirectLineKeys {
  return Object.freeze({ client: derive(base, 'client'), stream: derive(base, 'stream'), connector: derive(base, 'connector') });
}

/** The base key: `DIRECT_LINE_TOKEN_KEY`, else derived from `DIRECT_LINE_SECRET`, else random (development only). */
export function baseKeyFor(config: Pick<DirectLineConfig, 'tokenKey' | 'secret'>): Buffer {
  if (config.tokenKey) return Buffer.from(config.tokenKey, 'utf8');
  if (config.secret) return createHmac('sha256', config.secret).update('psb-directline/token-key/v1').digest();
  return randomBytes(32);
}

/** What the issuer of a token asked the conversation to start with (carried inside the token). */
export interface ConversationStart {
  /** BCP 47 tag the welcome should use, e.g. 'it-IT'. */
  readonly locale?: string;
  /** Small flat facts for the bot's `conversationUpdate`, e.g. `{ gpc: true }`. */
  readonly channelData?: Readonly<Record<string, string | number | boolean>>;
  /** The customer the company's site signed in (Web Chat token route): every turn of the conversation carries it. */
  readonly signedIn?: SignedInUser;
}

/** What a valid client token grants: one conversation, one user, until `expiresAt`. */
export interface ConversationGrant {
  readonly conversationId: string;
  readonly userId: string;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
  readonly start?: ConversationStart;
}

export interface IssuedToken {
  readonly token: string;
  /** Seconds until it expires. */
  readonly expiresIn: number;
}

function isStart(value: unknown): value is ConversationStart {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const signedIn = (value as { signedIn?: unknown }).signedIn;
  return signedIn === undefined || isSignedInUser(signedIn);
}

/** Issues and checks the three kinds of Direct Line tokens, and recognises the secret. */
export class DirectLineTokens {
  private readonly secretDigest?: Buffer;

  constructor(
    private readonly keys: DirectLineKeys,
    private readonly options: { secret: string; tokenTtlSeconds: number; now?: () => number },
  ) {
    if (options.secret) this.secretDigest = createHash('sha256').update(options.secret).digest();
  }

  private nowSeconds(): number {
    return Math.floor((this.options.now?.() ?? Date.now()) / 1000);
  }

  /** True when `bearer` is the Direct Line secret (constant-time). */
  isSecret(bearer: string): boolean {
    if (!this.secretDigest) return false;
    return timingSafeEqual(createHash('sha256').update(bearer).digest(), this.secretDigest);
  }

  /** A token for a browser: this conversation, this user, `DIRECT_LINE_TOKEN_TTL_SECONDS`. */
  issueClientToken(conversationId: string, userId: string, start?: ConversationStart): IssuedToken {
    const iat = this.nowSeconds();
    const claims: Record<string, unknown> = { iss: ISSUER, conv: conversationId, user: userId, iat, exp: iat + this.options.tokenTtlSeconds, jti: randomBytes(9).toString('base64url') };
    if (start && (start.locale || start.channelData || start.signedIn)) claims.start = start;
    return { token: signToken(this.keys.client, claims), expiresIn: this.options.tokenTtlSeconds };
  }

  /** @throws AppError `PSB_DL_UNAUTHORIZED` (not ours, tampered) or `PSB_DL_TOKEN_EXPIRED`. */
  verifyClientToken(token: string): ConversationGrant {
    const claims = this.check(this.keys.client, token);
    if (typeof claims.conv !== 'string' || typeof claims.user !== 'string' || typeof claims.exp !== 'number') throw unauthorized();
    return { conversationId: claims.conv, userId: claims.user, expiresAt: claims.exp, ...(isStart(claims.start) ? { start: claims.start } : {}) };
  }

  /** The `t` of a `streamUrl`: opens this conversation's WebSocket within 60 s. */
  issueStreamToken(conversationId: string, userId: string): string {
    const iat = this.nowSeconds();
    return signToken(this.keys.stream, { iss: ISSUER, conv: conversationId, user: userId, iat, exp: iat + STREAM_TOKEN_TTL_SECONDS });
  }

  /** @throws AppError 401/403 as verifyClientToken; `PSB_DL_FORBIDDEN` for another conversation. */
  verifyStreamToken(token: string, conversationId: string): void {
    const claims = this.check(this.keys.stream, token);
    if (claims.conv !== conversationId) throw forbidden();
  }

  /** What the bot's ConnectorClient sends to our connector routes, bound to one conversation. */
  issueConnectorToken(conversationId: string): string {
    const iat = this.nowSeconds();
    return signToken(this.keys.connector, { iss: ISSUER, conv: conversationId, iat, exp: iat + CONNECTOR_TOKEN_TTL_SECONDS });
  }

  /** @throws AppError `PSB_DL_CONNECTOR_UNAUTHORIZED` unless the bot itself sent it for this conversation. */
  verifyConnectorToken(token: string, conversationId: string): void {
    const result = verifyToken(this.keys.connector, token, this.nowSeconds());
    if (!result.ok || result.claims.conv !== conversationId) {
      throw new AppError('PSB_DL_CONNECTOR_UNAUTHORIZED', 'only the bot itself may post to the connector routes (Authorization: Bearer <connector credential>)');
    }
  }

  private check(key: Buffer, token: string): TokenClaims {
    const result = verifyToken(key, token, this.nowSeconds());
    if (result.ok) return result.claims;
    if (result.reason === 'expired') throw new AppError('PSB_DL_TOKEN_EXPIRED', 'the Direct Line token has expired; refresh tokens before they expire (POST /v3/directline/tokens/refresh) or get a new one');
    throw unauthorized();
  }
}

function unauthorized(): AppError {
  return new AppError('PSB_DL_UNAUTHORIZED', 'send a valid Direct Line token (or, from a server, the secret) as Authorization: Bearer ...');
}

function forbidden(): AppError {
  return new AppError('PSB_DL_FORBIDDEN', 'this Direct Line token is for another conversation');
}
