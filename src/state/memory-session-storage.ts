import { Storage, StoreItems } from 'botbuilder';
import { StateConflictError } from './state-errors';
import { ANY_ETAG, CREATE_ONLY_ETAG } from './etag';

interface StoredEntry {
  eTag: string;
  json: string;
  expiresAt: number;
}

export interface MemorySessionStorageOptions {
  /** Lifetime of a key after each read or write, seconds. */
  ttlSecondsForKey(key: string): number;
  /** Clock in ms; tests pass a fake. @default Date.now */
  now?: () => number;
}

/**
 * In-process storage with the same contract as RedisStorage: sliding TTL, and writes that are
 * atomic across keys with eTag checks (botbuilder's MemoryStorage writes some keys before
 * rejecting another, and never expires anything). Single process, not durable.
 */
export class MemorySessionStorage implements Storage {
  private readonly entries = new Map<string, StoredEntry>();
  private readonly now: () => number;
  private nextETag = 1;

  constructor(private readonly options: MemorySessionStorageOptions) {
    this.now = options.now ?? Date.now;
  }

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    for (const key of keys) {
      const entry = this.live(key);
      if (!entry) continue;
      entry.expiresAt = this.expiry(key);
      items[key] = { ...JSON.parse(entry.json), eTag: entry.eTag };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    const keys = Object.keys(changes);
    for (const key of keys) {
      const expected: unknown = changes[key]?.eTag;
      if (typeof expected !== 'string' || expected === '' || expected === ANY_ETAG) continue;
      const current = this.live(key);
      const ok = expected === CREATE_ONLY_ETAG ? current === undefined : current?.eTag === expected;
      if (!ok) throw new StateConflictError(key);
    }
    for (const key of keys) {
      const { eTag: _ignored, ...doc } = changes[key] as Record<string, unknown>;
      const eTag = String(this.nextETag++);
      this.entries.set(key, { eTag, json: JSON.stringify(doc), expiresAt: this.expiry(key) });
      (changes[key] as Record<string, unknown>).eTag = eTag;
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }

  private live(key: string): StoredEntry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private expiry(key: string): number {
    return this.now() + this.options.ttlSecondsForKey(key) * 1000;
  }
}
