/**
 * Where a start's time goes, for the one log line that says the bot is ready (`start-up: ready`) and for
 * `npm run bench:startup`, which prints it. Times are milliseconds from this process's start
 * (`performance.now()` counts from there); what ran before it (npm, the build check) is not in them.
 */

/** What the ready line carries. */
export interface StartupSummary {
  /** From the process's start to ready: listening, with every readiness check able to answer. */
  readonly readyMs: number;
  /** CPU time this process used until then (user + system): unlike wall time, a busy machine barely moves it. */
  readonly cpuMs: number;
  /**
   * Wall time of each step. Steps started together (the ledger, the intent models, the translations) overlap,
   * so the steps can add up to more than `readyMs`.
   */
  readonly phases: Readonly<Record<string, number>>;
}

export class StartupTimeline {
  private readonly phases = new Map<string, number>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Runs `work` as the step `name`, recording its wall time whether it succeeds or fails. */
  async phase<T>(name: string, work: () => Promise<T> | T): Promise<T> {
    const started = this.now();
    try {
      return await work();
    } finally {
      this.record(name, this.now() - started);
    }
  }

  /** Records a step timed elsewhere. */
  record(name: string, millis: number): void {
    this.phases.set(name, Math.round(millis));
  }

  summary(): StartupSummary {
    const cpu = process.cpuUsage();
    return { readyMs: Math.round(this.now()), cpuMs: Math.round((cpu.user + cpu.system) / 1000), phases: Object.fromEntries(this.phases) };
  }
}
