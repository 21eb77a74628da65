import type { AgentConsoleConfig } from '../agent/agent-console-config';
import type { DirectLineConfig } from '../channels/directline/direct-line-config';
import type { SiteIdentityConfig } from '../channels/webchat/site-identity-config';
import type { LedgerConfig } from '../ledger/ledger-config';
import type { ReceiptConfig } from '../privacy/receipts/receipt-config';
import type { ConsentWebhookConfig } from '../integrations/consent-webhook/webhook-config';
import type { MessagingConfig } from '../integrations/messaging/messaging-config';
import type { IdentityCodeConfig } from '../privacy/identity/identity-code-config';
import type { DataCopyConfig } from '../privacy/access/copy/data-copy-config';
import type { SourceJobConfig } from '../privacy/access/source-job-config';
import type { DpoAlertConfig } from './dpo-alert-config';
import { DEFAULT_METRICS_OPTIONS, MetricsOptions } from '../metrics/metrics-options';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths';
import { NO_TRUSTED_PROXY, TrustProxy } from './trust-proxy';

/** Where trained intent models are cached by default (beside the embedded ledger). */
export const DEFAULT_NLU_CACHE_DIR = path.join(PROJECT_ROOT, 'data', 'nlu-models');

/** Every setting of the bot, read once from the environment, validated and frozen at start. */
export interface BotOptions {
  /** HTTP port. Env `PORT`. @default 3978 */
  readonly port: number;
  /** Interface to listen on. Env `HOST`. @default '0.0.0.0' */
  readonly host: string;
  /** Env `NODE_ENV`. @default 'development' */
  readonly nodeEnv: 'development' | 'production' | 'test';
  /** pino level. Env `LOG_LEVEL`. @default 'info' */
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Locale used when neither the customer's choice nor the activity names one. Env `DEFAULT_LOCALE`. @default 'en' */
  readonly defaultLocale: string;
  /** Bot Framework credentials; empty app id means no channel authentication. */
  readonly microsoftAppId: string;
  readonly microsoftAppPassword: string;
  /** Env `MicrosoftAppType`. @default 'MultiTenant' */
  readonly microsoftAppType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  readonly microsoftAppTenantId: string;
  /**
   * Where the bot reads the keys that sign channel tokens: an OpenID metadata document whose
   * `jwks_uri` lists them. Empty means Microsoft's public-cloud documents (one for channel
   * tokens, one for Emulator/Azure AD tokens); set it to serve your own copy in an air-gapped
   * deployment or a test, and both token kinds are checked against it.
   * Env `BOT_OPENID_METADATA_URL`. @default ''
   */
  readonly botOpenIdMetadataUrl: string;
  /**
   * Teams single sign-on: the name of the Azure Bot resource's OAuth connection setting for the
   * bot's own Entra app (token exchange). Set, a Teams personal-chat user is verified by signing in
   * (no code) when their Entra account is linked to a customer; empty, no SSO. Env `TEAMS_SSO_CONNECTION`. @default ''
   */
  readonly teamsSsoConnection: string;
  /** Explicit opt-in to run in production without an app id. Env `ALLOW_UNAUTHENTICATED`. @default false */
  readonly allowUnauthenticated: boolean;
  /**
   * In production without MicrosoftAppId, the only serviceUrls the bot replies to (normalised
   * http(s) base URLs; a serviceUrl below one on the same origin also matches). Ignored with
   * channel authentication or outside production. Env `ALLOWED_SERVICE_URLS` (comma-separated).
   * @default [] (no serviceUrl accepted in that mode; `expectReplies` without one still works)
   */
  readonly allowedServiceUrls: readonly string[];
  /** Redis for session state; empty means in-process storage. Env `REDIS_URL`. */
  readonly redisUrl: string;
  /** Prefix of every Redis key the bot writes. Env `REDIS_PREFIX`. @default 'psb:' */
  readonly redisPrefix: string;
  /**
   * The proxies whose `X-Forwarded-For` names the client (agent sign-in limits, Web Chat token
   * limits): none, a number of hops, or CIDRs. Env `TRUST_PROXY`. @default none (the header is ignored)
   */
  readonly trustProxy: TrustProxy;
  /** Sliding lifetime of conversation state, seconds. Env `SESSION_TTL_SECONDS`. @default 1800 (30 min) */
  readonly sessionTtlSeconds: number;
  /** Sliding lifetime of user preferences (language), seconds. Env `USER_STATE_TTL_SECONDS`. @default 7776000 (90 days) */
  readonly userStateTtlSeconds: number;
  /** Intent probability below which text counts as `none`. Env `NLU_THRESHOLD`. @default 0.4 */
  readonly nluThreshold: number;
  /**
   * Folder of trained intent models, keyed by a hash of each language's corpus, so a start with an
   * unchanged corpus reads instead of training. Env `NLU_CACHE_DIR`; `none` always trains. @default `<project>/data/nlu-models`
   */
  readonly nluCacheDir: string | undefined;
  /** Largest request body accepted, bytes. Env `BODY_LIMIT_BYTES`. @default 262144 (256 KiB) */
  readonly bodyLimitBytes: number;
  /** Longest customer message the bot reads; longer gets a polite "too long". Env `MAX_MESSAGE_CHARS`. @default 2000 */
  readonly maxMessageChars: number;
  /** Attempts to commit a turn that keeps meeting concurrent writers. Env `TURN_MAX_ATTEMPTS`. @default 12 */
  readonly turnMaxAttempts: number;
  /** Turns one instance runs at once; more wait in arrival order (TURN_CONCURRENCY). */
  readonly turnConcurrency: number;
  /**
   * Who takes a conversation the bot hands to a person. Env `HANDOFF_MODE`. `builtin`: our queue
   * (Redis with REDIS_URL, in-process without) and the agent console at /agent; `external`: the
   * Bot Framework `handoff.initiate` event for an external agent hub (Omnichannel, LivePerson…).
   * @default 'builtin'
   */
  readonly handoffMode: 'builtin' | 'external';
  /**
   * A queued handoff nobody claimed within this many seconds is closed and the customer told
   * to try later. Env `HANDOFF_TIMEOUT_SECONDS`. @default 300 (5 min)
   */
  readonly handoffTimeoutSeconds: number;
  /**
   * On SIGTERM/SIGINT the bot drains (/readyz 503, new requests refused, in-flight turns and
   * background work finished, stores closed) and exits 0; still busy after this many seconds, it
   * logs what was running and exits 1. Keep it below the orchestrator's grace period (Kubernetes:
   * 30 s). Env `SHUTDOWN_TIMEOUT_SECONDS`. @default 25
   */
  readonly shutdownTimeoutSeconds: number;
  /** `GET /metrics` (Prometheus): METRICS_PORT, METRICS_HOST, METRICS_TOKEN (see metrics/metrics-options.ts). */
  readonly metrics: MetricsOptions;
  /** The privacy ledger: DATABASE_URL, LEDGER_DIR, LEDGER_SCHEMA, LEDGER_HASH_KEY (see ledger-config.ts). */
  readonly ledger: LedgerConfig;
  /** Our own Direct Line endpoint: DIRECT_LINE_* (see channels/directline/direct-line-config.ts). */
  readonly directLine: DirectLineConfig;
  /** Signed-in Web Chat (a company site's signed assertion): WEBCHAT_IDENTITY_* (see channels/webchat/site-identity-config.ts). */
  readonly webChatIdentity: SiteIdentityConfig;
  /** The agent console at /agent: AGENT_* (see agent/agent-console-config.ts). */
  readonly agentConsole: AgentConsoleConfig;
  /** Signed consent receipts: RECEIPT_SIGNING_KEY, PUBLIC_BASE_URL (see privacy/receipts/receipt-config.ts). */
  readonly receipts: ReceiptConfig;
  /** The outbound consent webhook: CONSENT_WEBHOOK_* (see integrations/consent-webhook/webhook-config.ts). */
  readonly consentWebhook: ConsentWebhookConfig;
  /** Email and SMS to customers' contacts on file: EMAIL_*, SMS_*, MESSAGE_* (see integrations/messaging/messaging-config.ts). */
  readonly messaging: MessagingConfig;
  /** One-time codes: IDENTITY_CODE_KEY (see privacy/identity/identity-code-config.ts). */
  readonly identityCodes: IdentityCodeConfig;
  /** Data copies (access requests): DATA_COPY_RETENTION_DAYS, DATA_COPY_MAX_DOWNLOADS (see privacy/access/copy/data-copy-config.ts). */
  readonly dataCopies: DataCopyConfig;
  /** Access requests' source jobs: SOURCE_JOBS_* (see privacy/access/source-job-config.ts). */
  readonly sourceJobs: SourceJobConfig;
  /** The DPO alert of a suspected breach: DPO_WEBHOOK_URL, DPO_WEBHOOK_SECRET, DPO_EMAIL (see config/dpo-alert-config.ts). */
  readonly dpoAlert: DpoAlertConfig;
}

/** Defaults of everything but the ledger, Direct Line and the agent console, whose defaults live with them (ledger-config.ts, direct-line-config.ts, agent-console-config.ts). */
export const DEFAULT_BOT_OPTIONS: Omit<BotOptions, 'ledger' | 'directLine' | 'webChatIdentity' | 'agentConsole' | 'receipts' | 'consentWebhook' | 'messaging' | 'identityCodes' | 'dataCopies' | 'sourceJobs' | 'dpoAlert'> = Object.freeze({
  port: 3978,
  host: '0.0.0.0',
  nodeEnv: 'development',
  logLevel: 'info',
  defaultLocale: 'en',
  microsoftAppId: '',
  microsoftAppPassword: '',
  microsoftAppType: 'MultiTenant',
  microsoftAppTenantId: '',
  botOpenIdMetadataUrl: '',
  teamsSsoConnection: '',
  allowUnauthenticated: false,
  allowedServiceUrls: [],
  redisUrl: '',
  redisPrefix: 'psb:',
  trustProxy: NO_TRUSTED_PROXY,
  sessionTtlSeconds: 1800,
  userStateTtlSeconds: 90 * 24 * 3600,
  nluThreshold: 0.4,
  nluCacheDir: DEFAULT_NLU_CACHE_DIR,
  bodyLimitBytes: 256 * 1024,
  maxMessageChars: 2000,
  turnMaxAttempts: 12,
  turnConcurrency: 64,
  handoffMode: 'builtin',
  handoffTimeoutSeconds: 300, // 5 min
  shutdownTimeoutSeconds: 25, // s
  metrics: DEFAULT_METRICS_OPTIONS,
});
