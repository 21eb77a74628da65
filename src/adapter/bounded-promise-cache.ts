/**
 * Values made asynchronously, kept by key, at most `capacity` of them: the least recently used goes
 * first. Concurrent requests for a key share one creation; a creation that fails is forgotten, so
 * the next request tries again.
 */
export class BoundedPromiseCache<V> {
  private readonly entries = new Map<string, Promise<V>>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, create: () => Promise<V>): Promise<V> {
    const cached = this.entries.get(key);
    if (cached) {
      // Map order is insertion order: re-inserting marks the entry as the most recently used.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const made = create();
    this.entries.set(key, made);
    made.catch(() => {
      if (this.entries.get(key) === made) this.entries.delete(key);
    });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return made;
  }
}
