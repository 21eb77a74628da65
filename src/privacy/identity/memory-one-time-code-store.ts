import type { CodeAttempt, OneTimeCodeStore, PendingCode, PendingCodeState, SendLimit, SendReservation } from './one-time-code-store';

/** How often stale entries are dropped, milliseconds (1 min). */
const SWEEP_EVERY_MS = 60_000;

interface KeptCode {
  state: PendingCodeState;
  keepUntil: number;
}

interface SendMark {
  readonly at: number;
  readonly token: string;
}

/**
 * Codes and limits in this process (no REDIS_URL): one instance only. JavaScript runs each
 * method to its end before another starts, which makes every operation atomic here. Expired
 * entries are dropped as they are met.
 */
export class MemoryOneTimeCodeStore implements OneTimeCodeStore {
  private readonly codes = new Map<string, KeptCode>();
  private readonly sends = new Map<string, SendMark[]>();
  private windowMs = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;

  async reserveSend(limits: readonly SendLimit[], windowMs: number, now: number, token: string): Promise<SendReservation> {
    this.windowMs = Math.max(this.windowMs, windowMs);
    this.sweep(now);
    let retryAfterMs = 0;
    for (const limit of limits) {
      const marks = (this.sends.get(limit.key) ?? []).filter((mark) => mark.at > now - windowMs);
      if (marks.length >= limit.max) retryAfterMs = Math.max(retryAfterMs, marks[marks.length - limit.max].at + windowMs - now);
    }
    if (retryAfterMs > 0) return { allowed: false, retryAfterMs };
    for (const limit of limits) this.sends.set(limit.key, [...(this.sends.get(limit.key) ?? []).filter((mark) => mark.at > now - windowMs), { at: now, token }]);
    return { allowed: true };
  }

  async releaseSend(keys: readonly string[], token: string): Promise<void> {
    for (const key of keys) {
      const marks = this.sends.get(key)?.filter((mark) => mark.token !== token);
      if (marks && marks.length > 0) this.sends.set(key, marks);
      else this.sends.delete(key);
    }
  }

  async putPending(conversation: string, code: PendingCode, keepMs: number, now: number): Promise<void> {
    this.sweep(now);
    this.codes.set(conversation, { state: { ...code, attempts: 0 }, keepUntil: now + keepMs });
  }

  async beginAttempt(conversation: string, maxAttempts: number, now: number): Promise<CodeAttempt | undefined> {
    const kept = this.live(conversation, now);
    if (!kept) return undefined;
    if (kept.state.consumedBy !== undefined || kept.state.attempts >= maxAttempts) return { code: kept.state, counted: false };
    kept.state = { ...kept.state, attempts: kept.state.attempts + 1 };
    return { code: kept.state, counted: true };
  }

  async consume(conversation: string, codeId: string, consumer: string, now: number): Promise<boolean> {
    const kept = this.live(conversation, now);
    if (!kept || kept.state.id !== codeId) return false;
    if (kept.state.consumedBy !== undefined) return kept.state.consumedBy === consumer;
    kept.state = { ...kept.state, consumedBy: consumer };
    return true;
  }

  async close(): Promise<void> {
    this.codes.clear();
    this.sends.clear();
  }

  private live(conversation: string, now: number): KeptCode | undefined {
    const kept = this.codes.get(conversation);
    if (kept && kept.keepUntil <= now) {
      this.codes.delete(conversation);
      return undefined;
    }
    return kept;
  }

  /** Drops codes past their keep time and send marks out of every window; at most once a minute. */
  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [conversation, kept] of this.codes) if (kept.keepUntil <= now) this.codes.delete(conversation);
    for (const [key, marks] of this.sends) {
      const live = marks.filter((mark) => mark.at > now - this.windowMs);
      if (live.length === 0) this.sends.delete(key);
      else if (live.length !== marks.length) this.sends.set(key, live);
    }
  }
}
