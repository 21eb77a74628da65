/**
 * A cap on concurrent password hashes. scrypt takes ~32 MiB and tens of milliseconds on the libuv
 * pool, which the bot's own I/O shares: unbounded parallel sign-ins slow every turn. A sign-in past
 * the cap is refused at once (503 with `Retry-After`), before hashing, rather than queued.
 */
export class HashSlots {
  private inFlight = 0;
  private peak = 0;

  constructor(
    /** Hashes allowed at once. */
    private readonly capacity: number,
  ) {}

  /** Runs `work` in a slot; undefined when every slot is taken (`work` is not run). */
  async tryRun<T>(work: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.inFlight >= this.capacity) return undefined;
    this.inFlight += 1;
    this.peak = Math.max(this.peak, this.inFlight);
    try {
      return { value: await work() };
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Most hashes that ran at once since start (for tests and diagnostics). */
  get peakInFlight(): number {
    return this.peak;
  }
}
