import { DEFAULT_CONSENT_WEBHOOK_CONFIG, readWebhookSecret, readWebhookUrl } from '../integrations/consent-webhook/webhook-config';
import { normalizeIdentifier } from '../ledger/subjects/identifiers';
import { Env, invalid, read } from './env-readers';

/** Where the DPO alert's signed webhook goes (the same outbox, signature and retries as the consent webhook). */
export interface DpoWebhookConfig {
  /** Env `DPO_WEBHOOK_URL` (http or https, no credentials in it). */
  readonly url: string;
  /** HMAC key of `Webhook-Signature` (Standard Webhooks), at least 32 characters. Env `DPO_WEBHOOK_SECRET`. */
  readonly secret: string;
  readonly timeoutMs: number;
  readonly maxBackoffSeconds: number;
  readonly pollMs: number;
  /** For the start-up log: scheme, host and port only. */
  readonly description: string;
}

/**
 * The alert the DPO gets at once when a suspected breach is reported: a signed webhook and an email,
 * carrying the reference, topic, times and regimes, never the customer's words. Either may be off: a
 * suspected breach is still queued for both (delivered once configured), and the console says "not
 * configured" meanwhile.
 */
export interface DpoAlertConfig {
  /** null = no `DPO_WEBHOOK_URL`. */
  readonly webhook: DpoWebhookConfig | null;
  /** The DPO's address (`DPO_EMAIL`), sent through the email transport (EMAIL_TRANSPORT); '' = no email. */
  readonly email: string;
  /** Sentences the caller logs once at start. */
  readonly warnings: readonly string[];
}

/**
 * Reads DPO_WEBHOOK_URL, DPO_WEBHOOK_SECRET and DPO_EMAIL; a pure function of `env`.
 * @throws AppError `PSB_CONFIG_INVALID` naming the variable (a URL without a secret names DPO_WEBHOOK_SECRET).
 */
export function loadDpoAlertConfig(env: Env = process.env): DpoAlertConfig {
  const url = readWebhookUrl(env, 'DPO_WEBHOOK_URL');
  const secret = readWebhookSecret(env, 'DPO_WEBHOOK_SECRET', 'DPO_WEBHOOK_URL', url);
  const rawEmail = read(env, 'DPO_EMAIL');
  let email = '';
  if (rawEmail !== undefined) {
    try {
      email = normalizeIdentifier('email', rawEmail).value;
    } catch {
      throw invalid('DPO_EMAIL', 'an email address such as dpo@example.com', '<malformed>');
    }
  }
  const warnings: string[] = [];
  const production = read(env, 'NODE_ENV') === 'production';
  if (url?.protocol === 'http:' && production) warnings.push('DPO_WEBHOOK_URL is plain http: breach alerts travel unencrypted (the signature proves origin, not secrecy). Use https outside a private network.');
  if (!url && !email) warnings.push('DPO alert: neither DPO_WEBHOOK_URL nor DPO_EMAIL is set; suspected breaches are queued for the DPO but reach no one until one is.');
  return Object.freeze({
    webhook: url
      ? Object.freeze({
          url: url.href,
          secret,
          timeoutMs: DEFAULT_CONSENT_WEBHOOK_CONFIG.timeoutMs,
          maxBackoffSeconds: DEFAULT_CONSENT_WEBHOOK_CONFIG.maxBackoffSeconds,
          pollMs: DEFAULT_CONSENT_WEBHOOK_CONFIG.pollMs,
          description: `${url.protocol}//${url.host}`,
        })
      : null,
    email,
    warnings: Object.freeze(warnings),
  });
}
