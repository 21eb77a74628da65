import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { AccessCopySummary } from '../../privacy/access/access-types';
import { appendAudit, WriteContext } from '../audit/audit-log';
import { SqlDatabase, SqlExecutor } from '../db/sql-database';
import { LedgerError } from '../ledger-errors';
import { BlobCipher } from './blob-cipher';
import { COPY_CHUNK_BYTES, CopyChunkSink } from './copy-chunk-sink';

/** A download link's token: 32 random bytes in base64url (256 bits), nothing else is looked up. */
const COPY_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `token` has the form of a download token (a lookup may still find nothing). */
export function isCopyToken(token: string): boolean {
  return COPY_TOKEN.test(token);
}

const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');
/** Where a chunk sits, bound into its GCM tag: a chunk moved to another place or copy does not open. */
const chunkContext = (requestId: string, seq: number): string => `copy:${requestId}:${seq}`;

export interface DataCopiesOptions {
  /** Size of a stored chunk, bytes. @default COPY_CHUNK_BYTES (1 MiB) */
  readonly chunkBytes?: number;
}

export interface StoreCopyOptions {
  /** When the link stops working and the expiry job erases the chunks. */
  readonly expiresAt: Date;
  /** Downloads the link allows (DATA_COPY_MAX_DOWNLOADS). */
  readonly maxDownloads: number;
}

/** What a link opens, or why it opens nothing. `locale` is the case's language, for the page. */
export type CopyLinkState =
  | { readonly kind: 'ok'; readonly requestId: string; readonly reference: string; readonly sizeBytes: number; readonly expiresAt: Date; readonly downloadsLeft: number; readonly locale: string | null; readonly timeZone: string | null }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'expired' | 'exhausted'; readonly locale: string | null };

/** A download that was counted: the ZIP as a stream. */
export interface CopyDownload {
  readonly kind: 'ok';
  readonly requestId: string;
  readonly reference: string;
  readonly sizeBytes: number;
  /** `data-copy-<reference>.zip` */
  readonly filename: string;
  readonly stream: Readable;
}

export type CopyDownloadOutcome = CopyDownload | Exclude<CopyLinkState, { kind: 'ok' }>;

interface CopyRow {
  request_id: string;
  created_at: Date | string;
  expires_at: Date | string;
  size_bytes: number | string;
  sha256: string;
  released_at: Date | string | null;
  downloads: number;
  max_downloads: number;
  deleted_at: Date | string | null;
  writer_id: string | null;
}

interface LinkRow extends Pick<CopyRow, 'request_id' | 'expires_at' | 'size_bytes' | 'sha256' | 'downloads' | 'max_downloads' | 'deleted_at'> {
  reference: string;
  locale: string | null;
  time_zone: string | null;
}

const SYSTEM: WriteContext = { actor: 'system:data-copies', reason: 'data copy kept for a limited time' };
const COPY_COLUMNS = 'request_id, created_at, expires_at, size_bytes, sha256, released_at, downloads, max_downloads, deleted_at, writer_id';
const LINK_QUERY = `SELECT c.request_id, c.expires_at, c.size_bytes, c.sha256, c.downloads, c.max_downloads, c.deleted_at, r.reference, r.locale, r.time_zone
  FROM data_copy c JOIN data_request r ON r.id = c.request_id WHERE c.token_hash = $1`;

const asDate = (value: Date | string): Date => new Date(value);
const asBuffer = (value: Buffer | Uint8Array): Buffer => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));

function summaryOf(row: CopyRow): AccessCopySummary {
  return {
    createdAt: asDate(row.created_at),
    expiresAt: asDate(row.expires_at),
    sizeBytes: Number(row.size_bytes),
    releasedAt: row.released_at === null ? null : asDate(row.released_at),
    downloads: row.downloads,
    maxDownloads: row.max_downloads,
    deletedAt: row.deleted_at === null ? null : asDate(row.deleted_at),
  };
}

/** The file name a download is saved under: the reference, nothing from the customer. */
export function copyFileName(reference: string): string {
  return `data-copy-${reference.replace(/[^A-Za-z0-9-]/g, '')}.zip`;
}

/**
 * Assembled data copies (ZIPs), stored encrypted in ~1 MiB chunks in the ledger's database every
 * instance shares, for a limited time, opened by a single-purpose link a limited number of times.
 * Record types and their integrity only: when a copy may be released is the case service's rule.
 * Every change writes its audit entry in the same transaction (never the link token).
 */
export class DataCopies {
  private readonly chunkBytes: number;

  constructor(
    private readonly db: SqlDatabase,
    private readonly blobs: BlobCipher,
    private readonly now: () => Date = () => new Date(),
    options: DataCopiesOptions = {},
  ) {
    this.chunkBytes = options.chunkBytes ?? COPY_CHUNK_BYTES;
    if (!Number.isInteger(this.chunkBytes) || this.chunkBytes < 1) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `chunkBytes must be a positive whole number of bytes (got ${String(options.chunkBytes)})`, { field: 'chunkBytes' });
  }

  /**
   * Stores the copy `write` streams into the sink it is given (`write` ends the sink, or it is ended
   * when `write` resolves): each chunk sealed and inserted as it fills, size and SHA-256 computed on
   * the way, so memory stays flat. The copy becomes visible (summary, release) only once complete,
   * with its `copy.stored` audit entry; when `write` or the database fails, the chunks written so far
   * are removed and the error thrown. A half-written copy left by a crashed writer is replaced.
   * @throws LedgerError `PSB_LEDGER_INVALID_INPUT` for an unknown request, bad options, or a request
   *   that already has a complete copy; whatever `write` threw.
   */
  async store(requestId: string, write: (sink: Writable) => Promise<void>, options: StoreCopyOptions): Promise<AccessCopySummary> {
    if (!UUID.test(requestId)) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'a data copy belongs to a request id (uuid)', { field: 'requestId' });
    if (!(options.expiresAt instanceof Date) || Number.isNaN(options.expiresAt.getTime())) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'expiresAt must be a valid date', { field: 'expiresAt' });
    if (!Number.isInteger(options.maxDownloads) || options.maxDownloads < 1) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `maxDownloads must be a whole number from 1 (got ${String(options.maxDownloads)})`, { field: 'maxDownloads' });
    const writerId = randomUUID();
    await this.db.transaction(async (tx) => {
      const request = await tx.query('SELECT 1 FROM data_request WHERE id = $1', [requestId]);
      if (request.rows.length === 0) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'no request has this id', { field: 'requestId' });
      const existing = (await tx.query<{ writer_id: string | null }>('SELECT writer_id FROM data_copy WHERE request_id = $1 FOR UPDATE', [requestId])).rows[0];
      if (existing && existing.writer_id === null) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'this request already has a stored copy', { field: 'requestId' });
      if (existing) await this.erase(tx, requestId, true);
      // Placeholders until the end: size and hash are known once the last chunk is in.
      await tx.query("INSERT INTO data_copy (request_id, created_at, expires_at, size_bytes, sha256, max_downloads, writer_id) VALUES ($1, $2, $3, 0, '', $4, $5)", [
        requestId,
        this.now(),
        options.expiresAt,
        options.maxDownloads,
        writerId,
      ]);
    });
    const sink = new CopyChunkSink((seq, chunk) => this.saveChunk(requestId, writerId, seq, chunk), this.chunkBytes);
    try {
      await write(sink);
      if (!sink.writableEnded) sink.end();
      await finished(sink);
      const content = sink.result();
      return await this.db.transaction(async (tx) => {
        await this.requireWriter(tx, requestId, writerId);
        const stored = Number((await tx.query<{ n: number | string }>('SELECT count(*) AS n FROM data_copy_chunk WHERE request_id = $1', [requestId])).rows[0].n);
        if (stored !== content.chunks) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `the copy has ${stored} stored chunks where ${content.chunks} were written`, { field: 'requestId' });
        const at = this.now();
        const row = (
          await tx.query<CopyRow>(`UPDATE data_copy SET size_bytes = $2, sha256 = $3, created_at = $4, writer_id = NULL WHERE request_id = $1 RETURNING ${COPY_COLUMNS}`, [requestId, content.sizeBytes, content.sha256, at])
        ).rows[0];
        await appendAudit(
          tx,
          { actor: SYSTEM.actor, reason: 'data copy assembled and stored encrypted' },
          { action: 'copy.stored', entity: 'data_request', entityId: requestId, details: { sizeBytes: content.sizeBytes, sha256: content.sha256, chunks: content.chunks, expiresAt: options.expiresAt.toISOString(), maxDownloads: options.maxDownloads } },
          at,
        );
        return summaryOf(row);
      });
    } catch (err) {
      if (!sink.destroyed) sink.destroy();
      // A chunk being inserted right now would race the clean-up: let it land first.
      await sink.idle();
      await this.discard(requestId, writerId).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Makes the download link of a complete copy, in the caller's transaction: a new 256-bit token
   * (base64url) whose SHA-256 alone is stored; released_at/by set; audited (`copy.released`, without
   * the token). Releasing again replaces the token: the earlier link stops working.
   * @returns the token, for the notice the caller queues in the same transaction.
   * @throws LedgerError `PSB_LEDGER_INVALID_INPUT` when the request has no complete copy, or it was deleted.
   */
  async release(tx: SqlExecutor, requestId: string, actor: string): Promise<string> {
    const row = UUID.test(requestId) ? (await tx.query<CopyRow>(`SELECT ${COPY_COLUMNS} FROM data_copy WHERE request_id = $1 FOR UPDATE`, [requestId])).rows[0] : undefined;
    if (!row || row.writer_id !== null) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'this request has no stored copy to release', { field: 'requestId' });
    if (row.deleted_at !== null) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'this copy was deleted after it expired; assemble a new one', { field: 'requestId' });
    const token = randomBytes(32).toString('base64url');
    const at = this.now();
    await tx.query('UPDATE data_copy SET token_hash = $2, released_at = $3, released_by = $4 WHERE request_id = $1', [requestId, tokenHash(token), at, actor]);
    await appendAudit(
      tx,
      { actor, reason: 'data copy released: download link issued' },
      { action: 'copy.released', entity: 'data_request', entityId: requestId, details: { expiresAt: asDate(row.expires_at).toISOString(), maxDownloads: row.max_downloads, replacedLink: row.released_at !== null } },
      at,
    );
    return token;
  }

  /** The complete copy of a request (deleted ones too, as evidence), or null. */
  async summary(requestId: string, executor: SqlExecutor = this.db): Promise<AccessCopySummary | null> {
    if (!UUID.test(requestId)) return null;
    const row = (await executor.query<CopyRow>(`SELECT ${COPY_COLUMNS} FROM data_copy WHERE request_id = $1 AND writer_id IS NULL`, [requestId])).rows[0];
    return row ? summaryOf(row) : null;
  }

  /**
   * What a link opens, without counting a download (the page before the button). A malformed token
   * is `unknown` at once; any other is looked up by its hash, so an unknown and an expired token
   * cost the same.
   */
  async lookUp(token: string): Promise<CopyLinkState> {
    if (!isCopyToken(token)) return { kind: 'unknown' };
    const row = (await this.db.query<LinkRow>(LINK_QUERY, [tokenHash(token)])).rows[0];
    return this.stateOf(row);
  }

  /**
   * A download: counts it and appends its audit entry (`copy.downloaded`, never the token) in one
   * transaction, at most `max_downloads` times, then streams the decrypted ZIP (each chunk checked,
   * and the whole against its stored size and SHA-256: an altered or cut copy ends in an error).
   */
  async openForDownload(token: string): Promise<CopyDownloadOutcome> {
    if (!isCopyToken(token)) return { kind: 'unknown' };
    const hash = tokenHash(token);
    const opened = await this.db.transaction(async (tx) => {
      const row = (await tx.query<LinkRow>(`${LINK_QUERY} FOR UPDATE OF c`, [hash])).rows[0];
      const state = this.stateOf(row);
      if (state.kind !== 'ok') return state;
      const at = this.now();
      const downloads = row.downloads + 1;
      await tx.query('UPDATE data_copy SET downloads = $2 WHERE request_id = $1', [row.request_id, downloads]);
      await appendAudit(
        tx,
        { actor: 'system:copy-download', reason: 'data copy downloaded with its link' },
        { action: 'copy.downloaded', entity: 'data_request', entityId: row.request_id, details: { download: downloads, maxDownloads: row.max_downloads, sizeBytes: Number(row.size_bytes) } },
        at,
      );
      return { kind: 'ok' as const, row };
    });
    if (opened.kind !== 'ok') return opened;
    const { row } = opened;
    return {
      kind: 'ok',
      requestId: row.request_id,
      reference: row.reference,
      sizeBytes: Number(row.size_bytes),
      filename: copyFileName(row.reference),
      stream: this.chunkStream(row.request_id, Number(row.size_bytes), row.sha256),
    };
  }

  /**
   * The decrypted ZIP of a request's complete copy, for the privacy team's preview; not counted as
   * a download (the caller audits who looked). Undefined when the request has no copy (not
   * assembled yet, or deleted after it expired).
   */
  async openForPreview(requestId: string): Promise<Readable | undefined> {
    if (!UUID.test(requestId)) return undefined;
    const row = (await this.db.query<CopyRow>(`SELECT ${COPY_COLUMNS} FROM data_copy WHERE request_id = $1 AND writer_id IS NULL AND deleted_at IS NULL`, [requestId])).rows[0];
    return row ? this.chunkStream(requestId, Number(row.size_bytes), row.sha256) : undefined;
  }

  /**
   * Erases the chunks of every copy past its expiry and sets deleted_at; the row stays as evidence
   * that a copy existed (size, hash, downloads). One transaction and one `copy.deleted` audit entry
   * per copy. A half-written copy past its expiry (its writer died) is removed whole.
   * @returns how many copies were deleted.
   */
  async deleteExpired(): Promise<number> {
    const due = (await this.db.query<{ request_id: string }>('SELECT request_id FROM data_copy WHERE deleted_at IS NULL AND expires_at <= $1 ORDER BY expires_at', [this.now()])).rows;
    let deleted = 0;
    for (const { request_id: requestId } of due) {
      const done = await this.db.transaction(async (tx) => {
        const row = (await tx.query<CopyRow>(`SELECT ${COPY_COLUMNS} FROM data_copy WHERE request_id = $1 FOR UPDATE`, [requestId])).rows[0];
        const at = this.now();
        // Another instance's job got there first, or the copy was replaced in between.
        if (!row || row.deleted_at !== null || asDate(row.expires_at) > at) return false;
        const incomplete = row.writer_id !== null;
        const chunks = await this.erase(tx, requestId, incomplete);
        if (incomplete) return false;
        await tx.query('UPDATE data_copy SET deleted_at = $2 WHERE request_id = $1', [requestId, at]);
        await appendAudit(
          tx,
          { actor: SYSTEM.actor, reason: 'data copy deleted at the end of its retention period' },
          { action: 'copy.deleted', entity: 'data_request', entityId: requestId, details: { chunks, sizeBytes: Number(row.size_bytes), downloads: row.downloads, expiredAt: asDate(row.expires_at).toISOString() } },
          at,
        );
        return true;
      });
      if (done) deleted += 1;
    }
    return deleted;
  }

  private stateOf(row: LinkRow | undefined): CopyLinkState {
    if (!row) return { kind: 'unknown' };
    if (row.deleted_at !== null || asDate(row.expires_at) <= this.now()) return { kind: 'expired', locale: row.locale };
    if (row.downloads >= row.max_downloads) return { kind: 'exhausted', locale: row.locale };
    return {
      kind: 'ok',
      requestId: row.request_id,
      reference: row.reference,
      sizeBytes: Number(row.size_bytes),
      expiresAt: asDate(row.expires_at),
      downloadsLeft: row.max_downloads - row.downloads,
      locale: row.locale,
      timeZone: row.time_zone,
    };
  }

  private chunkStream(requestId: string, sizeBytes: number, sha256: string): Readable {
    return Readable.from(this.chunks(requestId, sizeBytes, sha256), { objectMode: false });
  }

  /** The chunks in order, each opened in its place, then the whole checked against its size and hash. */
  private async *chunks(requestId: string, sizeBytes: number, sha256: string): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    let size = 0;
    for (let seq = 0; ; seq += 1) {
      const row = (await this.db.query<{ sealed: Buffer | Uint8Array; key_id: string }>('SELECT sealed, key_id FROM data_copy_chunk WHERE request_id = $1 AND seq = $2', [requestId, seq])).rows[0];
      if (!row) break;
      const plain = this.blobs.open({ sealed: asBuffer(row.sealed), keyId: row.key_id }, chunkContext(requestId, seq));
      hash.update(plain);
      size += plain.length;
      yield plain;
    }
    if (size !== sizeBytes || hash.digest('hex') !== sha256) {
      throw new LedgerError('PSB_LEDGER_ENCRYPTION_KEY', `the stored copy of request ${requestId} is incomplete or altered (${size} of ${sizeBytes} bytes, or a different hash)`, { requestId });
    }
  }

  private async saveChunk(requestId: string, writerId: string, seq: number, chunk: Buffer): Promise<void> {
    const sealed = this.blobs.seal(chunk, chunkContext(requestId, seq));
    // Only while this writer still owns the row: a writer presumed dead and replaced stops here.
    const inserted = await this.db.query(
      'INSERT INTO data_copy_chunk (request_id, seq, sealed, key_id) SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM data_copy WHERE request_id = $1 AND writer_id = $5)',
      [requestId, seq, sealed.sealed, sealed.keyId, writerId],
    );
    if (inserted.rowCount !== 1) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'another writer replaced this copy while it was being stored', { field: 'requestId' });
  }

  private async requireWriter(tx: SqlExecutor, requestId: string, writerId: string): Promise<void> {
    const row = (await tx.query<{ writer_id: string | null }>('SELECT writer_id FROM data_copy WHERE request_id = $1 FOR UPDATE', [requestId])).rows[0];
    if (row?.writer_id !== writerId) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'another writer replaced this copy while it was being stored', { field: 'requestId' });
  }

  /** Removes what a failed writer left, if the row is still its own. */
  private async discard(requestId: string, writerId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = (await tx.query<{ writer_id: string | null }>('SELECT writer_id FROM data_copy WHERE request_id = $1 FOR UPDATE', [requestId])).rows[0];
      if (row?.writer_id === writerId) await this.erase(tx, requestId, true);
    });
  }

  /** Deletes a copy's chunks (and, with `row`, the row itself); returns how many chunks there were. */
  private async erase(tx: SqlExecutor, requestId: string, row: boolean): Promise<number> {
    const chunks = (await tx.query('DELETE FROM data_copy_chunk WHERE request_id = $1', [requestId])).rowCount;
    if (row) await tx.query('DELETE FROM data_copy WHERE request_id = $1', [requestId]);
    return chunks;
  }
}
