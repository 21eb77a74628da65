import { canonicalJson } from '../../ledger/chain/canonical-json';
import { ClaimedDelivery, DeliveryFailure, WebhookOutbox } from '../../ledger/webhooks/webhook-outbox';
import { PeriodicWorker } from '../../jobs/periodic-worker';
import type { Logger } from '../../log/logger';
import { retryDelayMs } from './retry-backoff';
import { webhookSignature } from './webhook-signature';

export interface WebhookDispatcherOptions {
  readonly outbox: WebhookOutbox;
  /** The receiver's URL. */
  readonly url: string;
  /** HMAC key of `Webhook-Signature`. */
  readonly secret: string;
  readonly timeoutMs: number;
  readonly maxBackoffSeconds: number;
  readonly pollMs: number;
  readonly logger: Logger;
  /** The outbox's clock too; tests pass a fake one. @default () => new Date() */
  readonly now?: () => Date;
  /** Jitter source; tests pin it. @default Math.random */
  readonly random?: () => number;
  /** Deliveries posted at once; they are of different subjects by construction. @default 10 */
  readonly batchSize?: number;
  /**
   * What this dispatcher posts, in its log lines and User-Agent (another topic's dispatcher, such as the
   * DPO alert's, names itself). @default 'consent webhook'
   */
  readonly name?: string;
}

/** What one pass over the outbox did. */
export interface DeliveryPassReport {
  readonly delivered: number;
  readonly failed: number;
}

/** Time on top of the request timeout a lease covers: the post, then recording its outcome. */
const LEASE_MARGIN_MS = 30_000;

/** The kind of a failed post for logs and the outbox row: a code or a class, never a message that might quote data. */
function failureOf(err: unknown): DeliveryFailure {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return { error: 'timeout' };
  const cause = err instanceof Error ? (err.cause as { code?: unknown; name?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return { error: cause.code };
  if (typeof cause?.name === 'string') return { error: cause.name };
  return { error: err instanceof Error ? err.name : 'unknown error' };
}

/**
 * Drains the consent webhook outbox: claims due deliveries with a lease, POSTs each as signed JSON,
 * marks it delivered on 2xx and otherwise schedules a retry with capped exponential backoff —
 * never giving up, so nothing is dropped while a receiver is down. Delivery is at least once
 * (a crash after the receiver answered and before the row is marked means one more post): receivers
 * deduplicate by `Webhook-Id`. Order is kept per subject (head of line, see WebhookOutbox.claimDue).
 */
export class ConsentWebhookDispatcher extends PeriodicWorker {
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly logger: Logger;
  private readonly name: string;
  private stopping = false;

  constructor(private readonly options: WebhookDispatcherOptions) {
    super({ pollMs: options.pollMs, logger: options.logger, name: `${options.name ?? 'consent webhook'}: the outbox could not be read or updated` });
    this.name = options.name ?? 'consent webhook';
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.batchSize = options.batchSize ?? 10;
    this.leaseMs = options.timeoutMs + LEASE_MARGIN_MS;
    this.logger = options.logger;
  }

  /** Polls every `pollMs`, starting now. */
  override start(): void {
    this.stopping = false;
    super.start();
  }

  /** Stops polling; resolves once the posts in flight have finished and been recorded. */
  override async stop(): Promise<void> {
    this.stopping = true;
    await super.stop();
  }

  /** One pass (see deliverDue): how many posts it made. */
  async runDue(): Promise<number> {
    const { delivered, failed } = await this.deliverDue();
    return delivered + failed;
  }

  /**
   * One pass: delivers everything due now, batch after batch (a subject's next change becomes due
   * as soon as the one before it is delivered), and stops at a batch where nothing got through.
   */
  async deliverDue(): Promise<DeliveryPassReport> {
    let delivered = 0;
    let failed = 0;
    for (;;) {
      const batch = await this.options.outbox.claimDue(this.batchSize, this.leaseMs);
      if (batch.length === 0) break;
      const outcomes = await Promise.all(batch.map((delivery) => this.post(delivery)));
      const ok = outcomes.filter(Boolean).length;
      delivered += ok;
      failed += outcomes.length - ok;
      if (ok === 0 || this.stopping) break;
    }
    return { delivered, failed };
  }

  /** Posts one delivery and records the outcome; true when the receiver took it. */
  private async post(delivery: ClaimedDelivery): Promise<boolean> {
    // Canonical JSON: every retry of a delivery sends the same bytes.
    const body = canonicalJson(delivery.payload);
    const timestamp = Math.floor(this.now().getTime() / 1000);
    let failure: DeliveryFailure;
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': `privacy-selfservice-bot ${this.name.replace(/\s+/g, '-')}`,
          'webhook-id': delivery.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': webhookSignature(this.options.secret, delivery.id, timestamp, body),
        },
        body,
        // A redirect is a misconfiguration, not a delivery: the body is never sent somewhere else.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      // What the receiver says is not ours to read or keep.
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        await this.options.outbox.markDelivered(delivery, response.status);
        if (delivery.attempts > 1) this.logger.info({ deliveryId: delivery.id, attempts: delivery.attempts }, `${this.name}: delivered after retrying`);
        return true;
      }
      failure = { statusCode: response.status, error: `HTTP ${response.status}` };
    } catch (err) {
      failure = failureOf(err);
    }
    const retryAt = new Date(this.now().getTime() + retryDelayMs(delivery.attempts, this.options.maxBackoffSeconds * 1000, this.random));
    await this.options.outbox.markFailed(delivery, retryAt, failure);
    this.logger.warn(
      { deliveryId: delivery.id, attempts: delivery.attempts, statusCode: failure.statusCode, error: failure.error, retryAt: retryAt.toISOString() },
      `${this.name}: delivery failed; will retry`,
    );
    return false;
  }
}
