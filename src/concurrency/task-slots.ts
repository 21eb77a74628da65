/**
 * At most `limit` tasks at once in this process; the rest wait their turn in arrival order. Used for turns
 * (TURN_CONCURRENCY: a burst of thousands of customers queues in memory instead of piling thousands of state
 * commands onto Redis at the same instant, where they would miss their timeout and each customer would hear
 * "temporarily unavailable") and for the ledger's database connections (a busy pool is waited for, in line).
 */
export class TaskSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`TaskSlots needs a whole number of slots, at least 1 (got ${String(limit)})`);
  }

  /**
   * Runs `task` in a slot. With `wait`, a task that got no slot within `wait.limitMs` leaves the line
   * and rejects with `wait.error()` (it never runs).
   */
  async run<T>(task: () => Promise<T>, wait?: { readonly limitMs: number; readonly error: () => Error }): Promise<T> {
    if (this.running >= this.limit) await this.queue(wait);
    else this.running += 1;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line (the count stays), or is given back.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  private queue(wait: { readonly limitMs: number; readonly error: () => Error } | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!wait) {
        this.waiting.push(resolve);
        return;
      }
      const timer = setTimeout(() => {
        const index = this.waiting.indexOf(granted);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(wait.error());
      }, wait.limitMs);
      const granted = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiting.push(granted);
    });
  }

  /** Tasks running now and waiting for a slot (for tests; no metric reads it yet). */
  get load(): { readonly running: number; readonly waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
