import { SqlDatabase } from '../../ledger/db/sql-database';
import { WebhookOutbox, WebhookOutboxStats } from '../../ledger/webhooks/webhook-outbox';
import type { Logger } from '../../log/logger';
import { ConsentWebhookConfig } from './webhook-config';
import { ConsentWebhookDispatcher } from './webhook-dispatcher';

/** The outbound consent webhook as the app runs it. */
export interface ConsentWebhook {
  /** False when no `CONSENT_WEBHOOK_URL` is set: start, kick and stop then do nothing. */
  readonly enabled: boolean;
  /** Starts polling the outbox. */
  start(): void;
  /** Delivers promptly (e.g. right after a consent change) instead of at the next poll. */
  kick(): void;
  /** Stops polling; resolves once the posts in flight have finished. Call before closing the ledger. */
  stop(): Promise<void>;
  /** Pending and delivered counts, for logs, metrics or an operator. */
  stats(): Promise<WebhookOutboxStats>;
}

export interface ConsentWebhookDeps {
  readonly config: ConsentWebhookConfig;
  /** The ledger's database (`ledger.db`): the outbox lives there. */
  readonly db: SqlDatabase;
  readonly logger: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/**
 * Builds the consent webhook. Consent changes are queued in the ledger whether or not a URL is
 * set (the queue is part of the consent transaction); without a URL nothing is posted, and the
 * backlog goes out, oldest first, once one is configured. No readiness check on purpose: a
 * receiver being down must not take the bot out of service — that is what the outbox is for.
 */
export function createConsentWebhook(deps: ConsentWebhookDeps): ConsentWebhook {
  const logger = deps.logger.child({ module: 'consent-webhook' });
  const outbox = new WebhookOutbox(deps.db, deps.now);
  const stats = (): Promise<WebhookOutboxStats> => outbox.stats();
  for (const warning of deps.config.warnings) logger.warn(warning);

  if (!deps.config.url) {
    return {
      enabled: false,
      start: () => {
        logger.info({ target: deps.config.description }, 'consent webhook: off; consent changes are kept in the outbox and delivered once CONSENT_WEBHOOK_URL is set');
      },
      kick: () => undefined,
      stop: async () => undefined,
      stats,
    };
  }

  const dispatcher = new ConsentWebhookDispatcher({
    outbox,
    url: deps.config.url,
    secret: deps.config.secret,
    timeoutMs: deps.config.timeoutMs,
    maxBackoffSeconds: deps.config.maxBackoffSeconds,
    pollMs: deps.config.pollMs,
    logger,
    now: deps.now,
  });
  return {
    enabled: true,
    start: () => {
      logger.info({ target: deps.config.description, pollMs: deps.config.pollMs, timeoutMs: deps.config.timeoutMs, maxBackoffSeconds: deps.config.maxBackoffSeconds }, `consent webhook: delivering to ${deps.config.description}`);
      dispatcher.start();
    },
    kick: () => dispatcher.kick(),
    stop: () => dispatcher.stop(),
    stats,
  };
}
