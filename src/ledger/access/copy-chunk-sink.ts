import { createHash, Hash } from 'node:crypto';
import { Writable } from 'node:stream';

/** Size of a stored chunk of a copy, bytes (the last one may be shorter). */
export const COPY_CHUNK_BYTES = 1024 * 1024; // 1 MiB

/** What a sink took in, once finished. */
export interface ChunkedContent {
  readonly sizeBytes: number;
  /** SHA-256 of everything written, hex. */
  readonly sha256: string;
  readonly chunks: number;
}

/**
 * A Writable that cuts what it is given into fixed-size chunks and hands each to `save` (in order,
 * one at a time, waiting for it: backpressure reaches the writer), hashing and counting as it goes.
 * At most one chunk plus one write is held in memory, whatever the total size.
 */
export class CopyChunkSink extends Writable {
  private readonly hash: Hash = createHash('sha256');
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private sizeBytes = 0;
  private chunks = 0;
  private digest: string | undefined;
  /** The save in progress, if any. */
  private saving: Promise<void> | undefined;

  constructor(
    private readonly save: (seq: number, chunk: Buffer) => Promise<void>,
    private readonly chunkBytes = COPY_CHUNK_BYTES,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.hash.update(chunk);
    this.sizeBytes += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.chunkBytes) {
      callback();
      return;
    }
    this.flush(false).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.flush(true).then(() => {
      this.digest = this.hash.digest('hex');
      callback();
    }, callback);
  }

  /** Saves every full chunk held; with `all`, the short last one too. */
  private async flush(all: boolean): Promise<void> {
    while (this.pendingBytes >= this.chunkBytes || (all && this.pendingBytes > 0)) {
      const joined = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
      const size = Math.min(this.chunkBytes, joined.length);
      const chunk = joined.subarray(0, size);
      const rest = joined.subarray(size);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
      this.saving = this.save(this.chunks, chunk);
      try {
        await this.saving;
      } finally {
        this.saving = undefined;
      }
      this.chunks += 1;
    }
  }

  /** Resolves once no chunk is being saved (whether that save worked or not). */
  async idle(): Promise<void> {
    await this.saving?.catch(() => undefined);
  }

  /** Size, hash and chunk count; only once the sink has finished. */
  result(): ChunkedContent {
    if (this.digest === undefined) throw new Error('the copy sink has not finished');
    return { sizeBytes: this.sizeBytes, sha256: this.digest, chunks: this.chunks };
  }
}
