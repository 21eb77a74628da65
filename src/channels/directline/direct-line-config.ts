import { AppError } from '../../errors/app-error';
import { Env, invalid, read, readBool, readInt } from '../../config/env-readers';

/** Shortest accepted `DIRECT_LINE_SECRET` and `DIRECT_LINE_TOKEN_KEY`, characters. */
export const MIN_DIRECT_LINE_KEY_LENGTH = 32;

/** Where the key that signs Direct Line tokens comes from. */
export type DirectLineKeySource = 'DIRECT_LINE_TOKEN_KEY' | 'DIRECT_LINE_SECRET' | 'random-per-process';

/** The Direct Line channel's settings, read once at start (see `.env.example`). */
export interface DirectLineConfig {
  /** Serve `/v3/directline` and the connector routes. Env `DIRECT_LINE_ENABLED`. @default true */
  readonly enabled: boolean;
  /**
   * What a server (never a browser) presents to mint tokens. Env `DIRECT_LINE_SECRET`, at least
   * 32 characters; required with `NODE_ENV=production` while Direct Line is enabled. @default ''
   */
  readonly secret: string;
  /** Key that signs tokens; empty → derived from the secret. Env `DIRECT_LINE_TOKEN_KEY`. @default '' */
  readonly tokenKey: string;
  /** Which of the above signs tokens; `random-per-process` only outside production. */
  readonly keySource: DirectLineKeySource;
  /** Lifetime of a client token, seconds. Env `DIRECT_LINE_TOKEN_TTL_SECONDS`. @default 1800 (30 min) */
  readonly tokenTtlSeconds: number;
  /**
   * Base URL the bot's replies are posted to (our own connector routes), without a trailing
   * slash. Env `DIRECT_LINE_SERVICE_URL`. @default '' = `http://127.0.0.1:<bound port>` (this instance)
   */
  readonly serviceUrl: string;
  /** Sliding lifetime of a conversation's activities after its last activity, seconds. Env `DIRECT_LINE_CONVERSATION_TTL_SECONDS`. @default 3600 (1 h) */
  readonly conversationTtlSeconds: number;
  /** Activities a client may post per conversation and window. Env `DIRECT_LINE_RATE_LIMIT_POSTS`. @default 30 */
  readonly rateLimitPosts: number;
  /** The rate-limit window, seconds. Env `DIRECT_LINE_RATE_LIMIT_WINDOW_SECONDS`. @default 10 */
  readonly rateLimitWindowSeconds: number;
  /** Web Chat tokens (`POST /webchat/token`) one client address may get per window. Env `WEBCHAT_TOKEN_LIMIT`. @default 20 */
  readonly webChatTokenLimit: number;
  /** The token window, seconds. Env `WEBCHAT_TOKEN_WINDOW_SECONDS`. @default 60 */
  readonly webChatTokenWindowSeconds: number;
  /**
   * Conversations one client address may open within a conversation's lifetime
   * (`DIRECT_LINE_CONVERSATION_TTL_SECONDS`): every token opens one, so this caps the conversations an
   * address holds open at once. Env `WEBCHAT_MAX_CONVERSATIONS_PER_ADDRESS`. @default 60
   */
  readonly webChatMaxConversationsPerAddress: number;
  /** Interval of the WebSocket keep-alive (an empty message, a ping, a check for missed activities), seconds. Env `DIRECT_LINE_KEEPALIVE_SECONDS`. @default 30 */
  readonly keepAliveSeconds: number;
  /** Other sites' origins allowed to call `/v3/directline` from a browser (CORS). Env `DIRECT_LINE_CORS_ORIGINS`, comma-separated. @default [] (same origin only) */
  readonly corsOrigins: readonly string[];
  /** Sentences the caller logs once at start (e.g. the random-key warning). */
  readonly warnings: readonly string[];
}

export const DEFAULT_DIRECT_LINE_CONFIG = Object.freeze({
  enabled: true,
  tokenTtlSeconds: 1800,
  conversationTtlSeconds: 3600,
  rateLimitPosts: 30,
  rateLimitWindowSeconds: 10,
  webChatTokenLimit: 20,
  webChatTokenWindowSeconds: 60, // 1 min
  webChatMaxConversationsPerAddress: 60,
  keepAliveSeconds: 30,
});

function readKey(env: Env, variable: string): string {
  const value = read(env, variable) ?? '';
  if (value !== '' && value.length < MIN_DIRECT_LINE_KEY_LENGTH) {
    throw invalid(variable, `at least ${MIN_DIRECT_LINE_KEY_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`, `<${value.length} characters>`);
  }
  return value;
}

function readServiceUrl(env: Env): string {
  const raw = read(env, 'DIRECT_LINE_SERVICE_URL');
  if (raw === undefined) return '';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('DIRECT_LINE_SERVICE_URL', 'an http(s) URL such as https://bot.example.com', '<unparseable>');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('DIRECT_LINE_SERVICE_URL', 'an http(s) URL such as https://bot.example.com', url.protocol);
  if (url.username || url.password || url.search || url.hash) throw invalid('DIRECT_LINE_SERVICE_URL', 'a URL without credentials, query or fragment', url.origin);
  return raw.replace(/\/+$/, '');
}

function readOrigins(env: Env): string[] {
  const raw = read(env, 'DIRECT_LINE_CORS_ORIGINS');
  if (raw === undefined) return [];
  return raw.split(',').map((entry) => {
    const origin = entry.trim();
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
      throw invalid('DIRECT_LINE_CORS_ORIGINS', 'comma-separated origins such as https://www.example.com (scheme, host and port only)', origin);
    }
    return origin;
  });
}

/**
 * Reads the Direct Line settings. A pure function of `env` (it prints nothing: the caller logs
 * `warnings`). With `NODE_ENV=production` and Direct Line enabled, `DIRECT_LINE_SECRET` is
 * required; outside production, without secret or key, tokens are signed with a random key per
 * process (`keySource: 'random-per-process'`), so they die with the process and a second instance
 * cannot read them.
 *
 * @throws AppError `PSB_CONFIG_INVALID` naming the variable.
 */
export function loadDirectLineConfig(env: Env = process.env): DirectLineConfig {
  const d = DEFAULT_DIRECT_LINE_CONFIG;
  const enabled = readBool(env, 'DIRECT_LINE_ENABLED', d.enabled);
  const secret = readKey(env, 'DIRECT_LINE_SECRET');
  const tokenKey = readKey(env, 'DIRECT_LINE_TOKEN_KEY');
  const warnings: string[] = [];
  if (enabled && secret === '' && read(env, 'NODE_ENV') === 'production') {
    throw new AppError(
      'PSB_CONFIG_INVALID',
      `DIRECT_LINE_SECRET must be set when NODE_ENV=production and Direct Line is enabled (a random secret of at least ${MIN_DIRECT_LINE_KEY_LENGTH} characters, e.g. \`openssl rand -hex 32\`), or set DIRECT_LINE_ENABLED=false`,
      { variable: 'DIRECT_LINE_SECRET' },
    );
  }
  const keySource: DirectLineKeySource = tokenKey ? 'DIRECT_LINE_TOKEN_KEY' : secret ? 'DIRECT_LINE_SECRET' : 'random-per-process';
  if (enabled && keySource === 'random-per-process') {
    warnings.push('DIRECT_LINE_SECRET is not set: Direct Line tokens are signed with a random key of this process; they die with it and another instance cannot read them. Set DIRECT_LINE_SECRET for production or several instances.');
  }
  return Object.freeze({
    enabled,
    secret,
    tokenKey,
    keySource,
    tokenTtlSeconds: readInt(env, 'DIRECT_LINE_TOKEN_TTL_SECONDS', d.tokenTtlSeconds, 60, 24 * 3600),
    serviceUrl: readServiceUrl(env),
    conversationTtlSeconds: readInt(env, 'DIRECT_LINE_CONVERSATION_TTL_SECONDS', d.conversationTtlSeconds, 60, 7 * 24 * 3600),
    rateLimitPosts: readInt(env, 'DIRECT_LINE_RATE_LIMIT_POSTS', d.rateLimitPosts, 1, 10_000),
    rateLimitWindowSeconds: readInt(env, 'DIRECT_LINE_RATE_LIMIT_WINDOW_SECONDS', d.rateLimitWindowSeconds, 1, 3600),
    webChatTokenLimit: readInt(env, 'WEBCHAT_TOKEN_LIMIT', d.webChatTokenLimit, 1, 100_000),
    webChatTokenWindowSeconds: readInt(env, 'WEBCHAT_TOKEN_WINDOW_SECONDS', d.webChatTokenWindowSeconds, 1, 24 * 3600),
    webChatMaxConversationsPerAddress: readInt(env, 'WEBCHAT_MAX_CONVERSATIONS_PER_ADDRESS', d.webChatMaxConversationsPerAddress, 1, 1_000_000),
    keepAliveSeconds: readInt(env, 'DIRECT_LINE_KEEPALIVE_SECONDS', d.keepAliveSeconds, 1, 300),
    corsOrigins: Object.freeze(readOrigins(env)),
    warnings: Object.freeze(warnings),
  });
}
