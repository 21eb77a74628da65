import { Storage, StoreItems } from 'botbuilder';
import { StateConflictError } from './state-errors';
import { DocumentChange, DocumentStorage, StoredDocument } from './document-storage';
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
export class MemorySessionStorage implements Storage, DocumentStorage {
  private readonly entries = new Map<string, StoredEntry>();
  private readonly now: () => number;
  private nextETag = 1;

  constructor(private readonly options: MemorySessionStorageOptions) {
    this.now = options.now ?? Date.now;
  }

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    for (const [key, { eTag, json }] of Object.entries(await this.readDocuments(keys))) items[key] = { ...(JSON.parse(json) as Record<string, unknown>), eTag };
    return items;
  }

  async readDocuments(keys: readonly string[]): Promise<Record<string, StoredDocument>> {
    const documents: Record<string, StoredDocument> = {};
    for (const key of keys) {
      const entry = this.live(key);
      if (!entry) continue;
      entry.expiresAt = this.expiry(key);
      documents[key] = { eTag: entry.eTag, json: entry.json };
    }
    return documents;
  }

  async write(changes: StoreItems): Promise<void> {
    const documents: Record<string, DocumentChange> = {};
    for (const [key, change] of Object.entries(changes)) {
      const { eTag, ...doc } = (change ?? {}) as Record<string, unknown>;
      documents[key] = { expectedETag: typeof eTag === 'string' ? eTag : '', json: JSON.stringify(doc) };
    }
    const eTags = await this.writeDocuments(documents);
    for (const [key, eTag] of Object.entries(eTags)) (changes[key] as Record<string, unknown>).eTag = eTag;
  }

  async writeDocuments(changes: Readonly<Record<string, DocumentChange>>): Promise<Record<string, string>> {
    const keys = Object.keys(changes);
    for (const key of keys) {
      const expected = changes[key].expectedETag;
      if (expected === '' || expected === ANY_ETAG) continue;
      const current = this.live(key);
      const ok = expected === CREATE_ONLY_ETAG ? current === undefined : current?.eTag === expected;
      if (!ok) throw new StateConflictError(key);
    }
    const eTags: Record<string, string> = {};
    for (const key of keys) {
      const eTag = String(this.nextETag++);
      this.entries.set(key, { eTag, json: changes[key].json, expiresAt: this.expiry(key) });
      eTags[key] = eTag;
    }
    return eTags;
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
