import type { Logger } from '../../log/logger';
import type { Concerns } from './concerns';
import type { IncidentNoticeText } from './concern-types';

/** The incident notice the bot answers from while it is published. */
export interface PublishedNotice {
  readonly incidentReference: string;
  /** Per language (`en`, `it`…); a language may be missing (the answer then falls back, with a note). */
  readonly texts: Readonly<Partial<Record<string, IncidentNoticeText>>>;
}

export interface PublishedNoticeCacheOptions {
  readonly source: Pick<Concerns, 'publishedNotice'>;
  readonly logger: Logger;
  /**
   * How long one read of the ledger answers for, in ms: a notice published or withdrawn is seen by
   * every instance at most this long (plus one ledger read) later.
   * @default 5000
   */
  readonly ttlMs?: number;
  /**
   * While the ledger cannot be read, the last notice read keeps being answered from for at most this
   * long after that read (ms); after that, none is (the normal flow).
   * @default 60000
   */
  readonly maxStaleMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export const DEFAULT_NOTICE_TTL_MS = 5_000;
export const DEFAULT_NOTICE_MAX_STALE_MS = 60_000;

/**
 * The published incident notice, read from the ledger at most once per `ttlMs` per instance, however
 * many customers ask at once: during a surge (2,000 customers in a burst) the bot answers from memory.
 * Concurrent callers share one read in flight. Staleness bound: `ttlMs` plus one ledger read after a
 * publish or withdraw; while the ledger is unreachable, the last notice read for up to `maxStaleMs`.
 */
export class PublishedNoticeCache {
  private readonly ttlMs: number;
  private readonly maxStaleMs: number;
  private readonly now: () => number;
  private value: PublishedNotice | undefined;
  /** When `value` was read from the ledger (ms); undefined before the first read. */
  private readAt: number | undefined;
  /** When `value` stops being answered from without a new read (ms). */
  private freshUntil = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<PublishedNotice | undefined> | undefined;

  constructor(private readonly options: PublishedNoticeCacheOptions) {
    this.ttlMs = options.ttlMs ?? DEFAULT_NOTICE_TTL_MS;
    this.maxStaleMs = options.maxStaleMs ?? DEFAULT_NOTICE_MAX_STALE_MS;
    this.now = options.now ?? Date.now;
    if (!(this.ttlMs > 0) || !(this.maxStaleMs >= this.ttlMs)) throw new Error('PublishedNoticeCache: ttlMs must be > 0 and maxStaleMs >= ttlMs');
  }

  /** The notice published now (as of at most `ttlMs` ago), or undefined when none is. */
  async current(): Promise<PublishedNotice | undefined> {
    if (this.now() < this.freshUntil) return this.value;
    this.inFlight ??= this.refresh().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async refresh(): Promise<PublishedNotice | undefined> {
    try {
      const read = await this.options.source.publishedNotice();
      const at = this.now();
      this.value = read && { incidentReference: read.incidentReference, texts: read.texts };
      this.readAt = at;
      this.freshUntil = at + this.ttlMs;
      return this.value;
    } catch (err) {
      const at = this.now();
      const stale = this.readAt !== undefined && at - this.readAt <= this.maxStaleMs;
      if (!stale) this.value = undefined;
      // Asked again after one more TTL, not at every message: the ledger is not hammered while it is down.
      this.freshUntil = stale && this.readAt !== undefined ? Math.min(at + this.ttlMs, this.readAt + this.maxStaleMs) : at + this.ttlMs;
      this.options.logger.warn({ err, module: 'incident-notice', keptLastNotice: stale && this.value !== undefined }, 'incident notice: the ledger could not be read; answering from the last notice read, if recent');
      return this.value;
    }
  }
}
