import { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** One file of a ZIP as read back: its name and content (CRC checked by yauzl). */
export interface ZipEntryContent {
  readonly name: string;
  readonly data: Buffer;
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/**
 * Every file of a ZIP (bytes, or a file path for a large one), in archive order, read back with
 * yauzl, a reader independent of the writer: a wrong size, CRC or structure fails here.
 */
export async function readZipEntries(zip: Buffer | string): Promise<ZipEntryContent[]> {
  const options = { lazyEntries: true, autoClose: false };
  const file = typeof zip === 'string' ? await yauzl.openPromise(zip, options) : await yauzl.fromBufferPromise(zip, options);
  try {
    const entries: ZipEntryContent[] = [];
    for await (const entry of file.eachEntry()) {
      entries.push({ name: entry.fileName, data: await collect(await file.openReadStreamPromise(entry)) });
    }
    return entries;
  } finally {
    if (file.isOpen) file.close();
  }
}

/** Collects a stream of bytes. */
export function bytesOf(stream: Readable): Promise<Buffer> {
  return collect(stream);
}
