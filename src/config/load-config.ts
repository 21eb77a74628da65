import { AppError } from '../errors/app-error';
import { Env, invalid, readBool, readEnum, readInt, readNumber } from './env-readers';
import { isShippedLocale, SHIPPED_LOCALES } from '../i18n/shipped-locales';
import { loadAgentConsoleConfig } from '../agent/agent-console-config';
import { loadDirectLineConfig } from '../channels/directline/direct-line-config';
import { loadSiteIdentityConfig } from '../channels/webchat/site-identity-config';
import { loadLedgerConfig } from '../ledger/ledger-config';
import { loadReceiptConfig } from '../privacy/receipts/receipt-config';
import { loadConsentWebhookConfig } from '../integrations/consent-webhook/webhook-config';
import { loadMessagingConfig } from '../integrations/messaging/messaging-config';
import { loadIdentityCodeConfig } from '../privacy/identity/identity-code-config';
import { loadDataCopyConfig } from '../privacy/access/copy/data-copy-config';
import { loadSourceJobConfig } from '../privacy/access/source-job-config';
import { BotOptions, DEFAULT_BOT_OPTIONS } from './options';
import { loadDpoAlertConfig } from './dpo-alert-config';
import { readAllowedServiceUrls } from '../server/service-url-policy';
import { readTrustProxy } from './trust-proxy';
import { readMetricsOptions } from '../metrics/metrics-options';

/** `NLU_CACHE_DIR`: a folder, or `none` to train at every start. */
export function readNluCacheDir(env: Env, fallback: string | undefined): string | undefined {
  const value = env.NLU_CACHE_DIR?.trim();
  if (value === undefined || value === '') return fallback;
  return value.toLowerCase() === 'none' ? undefined : value;
}

function readString(env: Env, variable: string, fallback: string): string {
  const raw = env[variable];
  return raw === undefined ? fallback : raw.trim();
}

function readRedisUrl(env: Env): string {
  const raw = readString(env, 'REDIS_URL', DEFAULT_BOT_OPTIONS.redisUrl);
  if (raw === '') return raw;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('REDIS_URL', 'a redis:// or rediss:// URL', '<unparseable>');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw invalid('REDIS_URL', 'a redis:// or rediss:// URL', url.protocol);
  return raw;
}

/** An optional http(s) URL: empty stays empty, anything else must parse as http: or https:. */
function readHttpUrl(env: Env, variable: string, fallback: string): string {
  const raw = readString(env, variable, fallback);
  if (raw === '') return raw;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(variable, 'an http:// or https:// URL', '<unparseable>');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(variable, 'an http:// or https:// URL', url.protocol);
  return raw;
}

/**
 * Reads and validates every setting. A wrong value throws `PSB_CONFIG_INVALID` naming the
 * variable; production without an app id throws `PSB_CONFIG_UNSAFE` unless explicitly allowed.
 */
export function loadConfig(env: Env = process.env): BotOptions {
  const d = DEFAULT_BOT_OPTIONS;
  const defaultLocale = readString(env, 'DEFAULT_LOCALE', d.defaultLocale) || d.defaultLocale;
  if (!isShippedLocale(defaultLocale)) throw invalid('DEFAULT_LOCALE', `one of ${SHIPPED_LOCALES.join(', ')}`, defaultLocale);
  const redisPrefix = readString(env, 'REDIS_PREFIX', d.redisPrefix);
  if (redisPrefix === '' || /\s/.test(redisPrefix)) throw invalid('REDIS_PREFIX', 'a non-empty prefix without spaces', redisPrefix);

  const port = readInt(env, 'PORT', d.port, 0, 65535);
  const options: Omit<BotOptions, 'ledger' | 'directLine' | 'webChatIdentity' | 'agentConsole' | 'receipts' | 'consentWebhook' | 'messaging' | 'identityCodes' | 'dataCopies' | 'sourceJobs' | 'dpoAlert'> = {
    port,
    host: readString(env, 'HOST', d.host) || d.host,
    nodeEnv: readEnum(env, 'NODE_ENV', d.nodeEnv, ['development', 'production', 'test'] as const),
    logLevel: readEnum(env, 'LOG_LEVEL', d.logLevel, ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    defaultLocale,
    microsoftAppId: readString(env, 'MicrosoftAppId', d.microsoftAppId),
    microsoftAppPassword: readString(env, 'MicrosoftAppPassword', d.microsoftAppPassword),
    microsoftAppType: readEnum(env, 'MicrosoftAppType', d.microsoftAppType, ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const),
    microsoftAppTenantId: readString(env, 'MicrosoftAppTenantId', d.microsoftAppTenantId),
    botOpenIdMetadataUrl: readHttpUrl(env, 'BOT_OPENID_METADATA_URL', d.botOpenIdMetadataUrl),
    teamsSsoConnection: readString(env, 'TEAMS_SSO_CONNECTION', d.teamsSsoConnection),
    allowUnauthenticated: readBool(env, 'ALLOW_UNAUTHENTICATED', d.allowUnauthenticated),
    allowedServiceUrls: readAllowedServiceUrls(env),
    redisUrl: readRedisUrl(env),
    redisPrefix,
    trustProxy: readTrustProxy(env),
    sessionTtlSeconds: readInt(env, 'SESSION_TTL_SECONDS', d.sessionTtlSeconds, 60, 7 * 24 * 3600),
    userStateTtlSeconds: readInt(env, 'USER_STATE_TTL_SECONDS', d.userStateTtlSeconds, 60, 400 * 24 * 3600),
    nluThreshold: readNumber(env, 'NLU_THRESHOLD', d.nluThreshold, 0, 1),
    nluCacheDir: readNluCacheDir(env, d.nluCacheDir),
    bodyLimitBytes: readInt(env, 'BODY_LIMIT_BYTES', d.bodyLimitBytes, 1024, 16 * 1024 * 1024),
    maxMessageChars: readInt(env, 'MAX_MESSAGE_CHARS', d.maxMessageChars, 100, 100_000),
    turnMaxAttempts: readInt(env, 'TURN_MAX_ATTEMPTS', d.turnMaxAttempts, 1, 100),
    turnConcurrency: readInt(env, 'TURN_CONCURRENCY', d.turnConcurrency, 1, 10_000),
    handoffMode: readEnum(env, 'HANDOFF_MODE', d.handoffMode, ['builtin', 'external'] as const),
    handoffTimeoutSeconds: readInt(env, 'HANDOFF_TIMEOUT_SECONDS', d.handoffTimeoutSeconds, 1, 24 * 3600),
    shutdownTimeoutSeconds: readInt(env, 'SHUTDOWN_TIMEOUT_SECONDS', d.shutdownTimeoutSeconds, 1, 600),
    metrics: readMetricsOptions(env, port),
  };

  if (options.microsoftAppType === 'SingleTenant' && options.microsoftAppId && !options.microsoftAppTenantId) {
    throw invalid('MicrosoftAppTenantId', 'set when MicrosoftAppType is SingleTenant', '');
  }
  if (options.microsoftAppId && options.microsoftAppType !== 'UserAssignedMSI' && !options.microsoftAppPassword) {
    throw invalid('MicrosoftAppPassword', 'set when MicrosoftAppId is set', '');
  }
  if (options.nodeEnv === 'production' && !options.microsoftAppId && !options.allowUnauthenticated) {
    throw new AppError(
      'PSB_CONFIG_UNSAFE',
      'NODE_ENV=production without MicrosoftAppId: anyone could impersonate a channel. Set MicrosoftAppId/MicrosoftAppPassword, or ALLOW_UNAUTHENTICATED=true to accept that risk explicitly.',
      { variable: 'MicrosoftAppId' },
    );
  }
  // After the bot's own checks, so the most fundamental problem is the one reported.
  return Object.freeze({ ...options, ledger: loadLedgerConfig(env), directLine: loadDirectLineConfig(env), webChatIdentity: loadSiteIdentityConfig(env), agentConsole: loadAgentConsoleConfig(env), receipts: loadReceiptConfig(env), consentWebhook: loadConsentWebhookConfig(env), messaging: loadMessagingConfig(env), identityCodes: loadIdentityCodeConfig(env), dataCopies: loadDataCopyConfig(env), sourceJobs: loadSourceJobConfig(env), dpoAlert: loadDpoAlertConfig(env) });
}
