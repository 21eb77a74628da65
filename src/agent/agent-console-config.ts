import { Env, invalid, read, readBool, readInt } from '../config/env-readers';

/** When the session cookie carries `Secure`: always, never, or when the request came over https. */
export type CookieSecureMode = 'auto' | 'true' | 'false';

/** The agent console's settings (`/agent`), read once at start (see `.env.example`). */
export interface AgentConsoleConfig {
  /** Serve the console page and `/agent/api`. Env `AGENT_CONSOLE_ENABLED`. @default true */
  readonly enabled: boolean;
  /**
   * An agent session ends after this many seconds without a request (every API call but the
   * event stream restarts the count). Env `AGENT_SESSION_TTL_SECONDS`. @default 1800 (30 min)
   */
  readonly sessionTtlSeconds: number;
  /** A session ends this many seconds after sign-in, however busy. Env `AGENT_SESSION_MAX_SECONDS`. @default 43200 (12 h) */
  readonly sessionMaxSeconds: number;
  /**
   * `Secure` on the session cookie: `auto` sets it when the request arrived over https (TLS here,
   * or `X-Forwarded-Proto: https` from the TLS proxy in front). Env `AGENT_COOKIE_SECURE`. @default 'auto'
   */
  readonly cookieSecure: CookieSecureMode;
  /** Sign-in attempts allowed per username and client address per window. Env `AGENT_LOGIN_MAX_ATTEMPTS`. @default 5 */
  readonly loginMaxAttempts: number;
  /** The sign-in window, seconds. Env `AGENT_LOGIN_WINDOW_SECONDS`. @default 60 */
  readonly loginWindowSeconds: number;
  /** Sign-in attempts allowed per client address per window, whatever the usernames. Env `AGENT_LOGIN_ADDRESS_MAX_ATTEMPTS`. @default 20 */
  readonly loginAddressMaxAttempts: number;
  /**
   * Longest per-account back-off, seconds: after `loginMaxAttempts` failures an account waits 1 s
   * after each failure, then 2, 4… up to this (addresses that signed in to it before are exempt).
   * Env `AGENT_LOGIN_BACKOFF_MAX_SECONDS`. @default 60
   */
  readonly loginBackoffMaxSeconds: number;
  /** Password hashes computed at once; a sign-in past it gets 503 with `Retry-After`. Env `AGENT_LOGIN_MAX_CONCURRENT_HASHES`. @default 4 */
  readonly loginMaxConcurrentHashes: number;
  /**
   * Interval of the event stream's keep-alive comment, which also checks the session still
   * exists (a sign-out on another instance ends the stream here). Env `AGENT_EVENTS_KEEPALIVE_SECONDS`. @default 15
   */
  readonly eventsKeepAliveSeconds: number;
}

export const DEFAULT_AGENT_CONSOLE_CONFIG: AgentConsoleConfig = Object.freeze({
  enabled: true,
  sessionTtlSeconds: 30 * 60, // 30 min
  sessionMaxSeconds: 12 * 3600, // 12 h
  cookieSecure: 'auto',
  loginMaxAttempts: 5,
  loginWindowSeconds: 60,
  loginAddressMaxAttempts: 20,
  loginBackoffMaxSeconds: 60, // 1 min
  loginMaxConcurrentHashes: 4,
  eventsKeepAliveSeconds: 15,
});

function readSecure(env: Env): CookieSecureMode {
  const raw = read(env, 'AGENT_COOKIE_SECURE')?.toLowerCase();
  if (raw === undefined) return DEFAULT_AGENT_CONSOLE_CONFIG.cookieSecure;
  if (raw === 'auto' || raw === 'true' || raw === 'false') return raw;
  throw invalid('AGENT_COOKIE_SECURE', 'auto, true or false', raw);
}

/**
 * Reads the agent console's settings; a pure function of `env`.
 *
 * @throws AppError `PSB_CONFIG_INVALID` naming the variable.
 */
export function loadAgentConsoleConfig(env: Env = process.env): AgentConsoleConfig {
  const d = DEFAULT_AGENT_CONSOLE_CONFIG;
  const sessionTtlSeconds = readInt(env, 'AGENT_SESSION_TTL_SECONDS', d.sessionTtlSeconds, 60, 24 * 3600);
  const sessionMaxSeconds = readInt(env, 'AGENT_SESSION_MAX_SECONDS', d.sessionMaxSeconds, 60, 7 * 24 * 3600);
  if (sessionMaxSeconds < sessionTtlSeconds) {
    throw invalid('AGENT_SESSION_MAX_SECONDS', `at least AGENT_SESSION_TTL_SECONDS (${sessionTtlSeconds})`, String(sessionMaxSeconds));
  }
  return Object.freeze({
    enabled: readBool(env, 'AGENT_CONSOLE_ENABLED', d.enabled),
    sessionTtlSeconds,
    sessionMaxSeconds,
    cookieSecure: readSecure(env),
    loginMaxAttempts: readInt(env, 'AGENT_LOGIN_MAX_ATTEMPTS', d.loginMaxAttempts, 1, 1000),
    loginWindowSeconds: readInt(env, 'AGENT_LOGIN_WINDOW_SECONDS', d.loginWindowSeconds, 1, 24 * 3600),
    loginAddressMaxAttempts: readInt(env, 'AGENT_LOGIN_ADDRESS_MAX_ATTEMPTS', d.loginAddressMaxAttempts, 1, 10_000),
    loginBackoffMaxSeconds: readInt(env, 'AGENT_LOGIN_BACKOFF_MAX_SECONDS', d.loginBackoffMaxSeconds, 1, 3600),
    loginMaxConcurrentHashes: readInt(env, 'AGENT_LOGIN_MAX_CONCURRENT_HASHES', d.loginMaxConcurrentHashes, 1, 256),
    eventsKeepAliveSeconds: readInt(env, 'AGENT_EVENTS_KEEPALIVE_SECONDS', d.eventsKeepAliveSeconds, 1, 300),
  });
}
