/** A stored document as the store keeps it: its JSON text and its eTag. */
export interface StoredDocument {
  readonly eTag: string;
  readonly json: string;
}

/** A document to write: its JSON text, written only if the stored eTag is still `expectedETag` (see etag.ts). */
export interface DocumentChange {
  /** '' or ANY_ETAG: unconditional; CREATE_ONLY_ETAG: only if the key does not exist; else the eTag read. */
  readonly expectedETag: string;
  readonly json: string;
}

/**
 * A session store that also reads and writes documents as JSON text, so a turn serialises its
 * state once (to tell whether it changed and to write it) instead of once for a snapshot, once
 * to compare and once more inside `write`. Same rules as its `Storage` side: a write is all or
 * nothing and rejects with StateConflictError naming the first key whose check failed.
 */
export interface DocumentStorage {
  /** The documents found (missing keys are absent), their expiry slid as by `read`. */
  readDocuments(keys: readonly string[]): Promise<Record<string, StoredDocument>>;
  /** Writes every change or none; answers the new eTag of each key. */
  writeDocuments(changes: Readonly<Record<string, DocumentChange>>): Promise<Record<string, string>>;
}
