/**
 * The steps of a shutdown still in progress, by name, so that the line logged when the deadline
 * passes says what was still running (e.g. "handoff sweeper: a timeout notice", "ledger").
 */
export class ShutdownProgress {
  private readonly running = new Set<string>();

  /** Runs one step under `name`; the name is listed while the step runs. */
  async step<T>(name: string, work: () => Promise<T> | T): Promise<T> {
    this.running.add(name);
    try {
      return await work();
    } finally {
      this.running.delete(name);
    }
  }

  /** The steps running now, in the order they began. */
  list(): string[] {
    return [...this.running];
  }
}
