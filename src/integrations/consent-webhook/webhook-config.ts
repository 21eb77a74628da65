import { Env, invalid, read, readInt } from '../../config/env-readers';

/** Shortest accepted `CONSENT_WEBHOOK_SECRET`, characters. */
export const MIN_WEBHOOK_SECRET_LENGTH = 32;

/** The outbound consent webhook's settings, read once at start (see `.env.example`). */
export interface ConsentWebhookConfig {
  /**
   * Where `consent.changed` deliveries are POSTed (http or https). Env `CONSENT_WEBHOOK_URL`.
   * @default '' = no delivery: changes still queue in the ledger's outbox and go out once a URL is set.
   */
  readonly url: string;
  /** HMAC-SHA256 key of `Webhook-Signature`, at least 32 characters; required with a URL. Env `CONSENT_WEBHOOK_SECRET`. */
  readonly secret: string;
  /** A post that has not answered after this many milliseconds failed. Env `CONSENT_WEBHOOK_TIMEOUT_MS`. @default 10000 */
  readonly timeoutMs: number;
  /** Longest wait between two attempts of one delivery, seconds. Env `CONSENT_WEBHOOK_MAX_BACKOFF_SECONDS`. @default 300 (5 min) */
  readonly maxBackoffSeconds: number;
  /** How often the outbox is checked for due deliveries, milliseconds. Env `CONSENT_WEBHOOK_POLL_MS`. @default 1000 */
  readonly pollMs: number;
  /** For the start-up log: scheme, host and port of the URL only (its path or credentials may be secret). */
  readonly description: string;
  /** Sentences the caller logs once at start. */
  readonly warnings: readonly string[];
}

export const DEFAULT_CONSENT_WEBHOOK_CONFIG = Object.freeze({
  timeoutMs: 10_000,
  maxBackoffSeconds: 300, // 5 min
  pollMs: 1000,
});

/**
 * A webhook receiver's URL from `variable`: http or https, without credentials (the signature is what
 * authenticates us to the receiver); undefined when unset. Shared by every outbound webhook.
 */
export function readWebhookUrl(env: Env, variable: string): URL | undefined {
  const raw = read(env, variable);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(variable, 'an http:// or https:// URL', '<unparseable>');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(variable, 'an http:// or https:// URL', url.protocol);
  // fetch refuses them, and the signature is what authenticates us to the receiver.
  if (url.username || url.password) throw invalid(variable, 'a URL without user:password@ (the receiver checks Webhook-Signature instead)', '<credentials in URL>');
  return url;
}

/** The signing secret in `variable`: required with a URL (named by `urlVariable`), at least MIN_WEBHOOK_SECRET_LENGTH characters. */
export function readWebhookSecret(env: Env, variable: string, urlVariable: string, url: URL | undefined): string {
  const secret = read(env, variable) ?? '';
  if (url && secret === '') throw invalid(variable, `set when ${urlVariable} is set (at least ${MIN_WEBHOOK_SECRET_LENGTH} characters, e.g. \`openssl rand -hex 32\`)`, '');
  if (secret !== '' && secret.length < MIN_WEBHOOK_SECRET_LENGTH) {
    throw invalid(variable, `at least ${MIN_WEBHOOK_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`, `<${secret.length} characters>`);
  }
  return secret;
}

/**
 * Reads the consent webhook's settings; a pure function of `env` (the caller logs `warnings`).
 *
 * @throws AppError `PSB_CONFIG_INVALID` naming the variable (a URL without a secret names `CONSENT_WEBHOOK_SECRET`).
 */
export function loadConsentWebhookConfig(env: Env = process.env): ConsentWebhookConfig {
  const d = DEFAULT_CONSENT_WEBHOOK_CONFIG;
  const url = readWebhookUrl(env, 'CONSENT_WEBHOOK_URL');
  const secret = readWebhookSecret(env, 'CONSENT_WEBHOOK_SECRET', 'CONSENT_WEBHOOK_URL', url);
  const warnings: string[] = [];
  if (url?.protocol === 'http:' && read(env, 'NODE_ENV') === 'production') {
    warnings.push('CONSENT_WEBHOOK_URL is plain http: consent changes travel unencrypted (the signature proves origin, not secrecy). Use https outside a private network.');
  }
  return Object.freeze({
    url: url ? url.href : '',
    secret,
    timeoutMs: readInt(env, 'CONSENT_WEBHOOK_TIMEOUT_MS', d.timeoutMs, 100, 120_000),
    maxBackoffSeconds: readInt(env, 'CONSENT_WEBHOOK_MAX_BACKOFF_SECONDS', d.maxBackoffSeconds, 1, 24 * 3600),
    pollMs: readInt(env, 'CONSENT_WEBHOOK_POLL_MS', d.pollMs, 50, 60_000),
    description: url ? `${url.protocol}//${url.host}` : 'off (no CONSENT_WEBHOOK_URL)',
    warnings: Object.freeze(warnings),
  });
}
