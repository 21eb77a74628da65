/**
 * The privacy team's look at a copy before it is released: `report.html` read out of the decrypted
 * ZIP. A ZIP's directory sits at its end, so yauzl needs the whole archive: it is read into memory up
 * to a limit (a preview is a rare, one-person action; never written to a disk another reader could see).
 */
import type { Readable } from 'node:stream';
import { fromBufferPromise } from 'yauzl';

/** The readable part of a copy's ZIP, as the team previews it. */
export const REPORT_FILE = 'report.html';

export interface CopyPreviewLimits {
  /** Largest ZIP read into memory for a preview, bytes. @default 256 MiB */
  readonly maxZipBytes: number;
  /** Largest report.html shown, bytes (uncompressed). @default 64 MiB */
  readonly maxReportBytes: number;
}

export const DEFAULT_COPY_PREVIEW_LIMITS: CopyPreviewLimits = Object.freeze({
  maxZipBytes: 256 * 1024 * 1024, // 256 MiB
  maxReportBytes: 64 * 1024 * 1024, // 64 MiB
});

/** What the console needs to preview a copy. */
export interface ReportPreview {
  /** The copy's report.html, or undefined when the request has no copy (not assembled, or deleted). */
  previewReport(requestId: string): Promise<string | undefined>;
}

/** Where the decrypted copies come from (`DataCopies`): the ZIP of a request, as a stream. */
export interface PreviewableCopies {
  openForPreview(requestId: string): Readable | undefined | Promise<Readable | undefined>;
}

/** A copy that cannot be previewed: over a limit, or not a ZIP holding report.html as expected. */
export class CopyPreviewError extends Error {
  override readonly name = 'CopyPreviewError';
}

async function readAll(stream: Readable, limitBytes: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > limitBytes) {
      stream.destroy();
      throw new CopyPreviewError(`${what} is larger than the preview limit of ${limitBytes} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

/** report.html of a copy's ZIP as text; undefined when the archive holds none. */
export async function readReportHtml(zip: Readable, limits: CopyPreviewLimits = DEFAULT_COPY_PREVIEW_LIMITS): Promise<string | undefined> {
  const archive = await readAll(zip, limits.maxZipBytes, 'the copy');
  const file = await fromBufferPromise(archive, { lazyEntries: true, validateEntrySizes: true });
  try {
    for await (const entry of file.eachEntry()) {
      if (entry.fileName !== REPORT_FILE) continue;
      if (entry.uncompressedSize > limits.maxReportBytes) throw new CopyPreviewError(`${REPORT_FILE} is larger than the preview limit of ${limits.maxReportBytes} bytes`);
      const content = await readAll(await file.openReadStreamPromise(entry), limits.maxReportBytes, REPORT_FILE);
      return content.toString('utf8');
    }
    return undefined;
  } finally {
    file.close();
  }
}

/** The console's preview over the data copies. */
export function zipReportPreview(copies: PreviewableCopies, limits: CopyPreviewLimits = DEFAULT_COPY_PREVIEW_LIMITS): ReportPreview {
  return {
    previewReport: async (requestId) => {
      const zip = await copies.openForPreview(requestId);
      return zip === undefined ? undefined : readReportHtml(zip, limits);
    },
  };
}
