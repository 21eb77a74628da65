import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import type { CopyInput } from './copy-input';
import { dataJsonChunks } from './data-json';
import { readmeText } from './readme-text';
import { RecordGroups } from './record-groups';
import { reportHtmlChunks } from './report-html';

/** The files of a copy, in the order they are written (data.json first: it gathers the report's columns). */
export const COPY_FILES = ['data.json', 'report.html', 'README.txt'] as const;

/** A regular file, rw-r--r--, as unzip tools restore it. */
const FILE_MODE = 0o100644;

async function* utf8(chunks: AsyncIterable<string>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) if (chunk.length > 0) yield Buffer.from(chunk, 'utf8');
}

/**
 * Writes the copy — a ZIP of data.json, report.html and README.txt — to `output`, streaming: each
 * source's records are read page by page (twice: once per file that lists them) and compressed as
 * they come, so memory stays flat whatever the copy's size. Resolves when `output` has finished;
 * rejects with the first error (a page that fails to read, the output failing), after destroying
 * `output` with it so a store behind it discards what it got.
 */
export async function assembleCopy(input: CopyInput, output: Writable): Promise<void> {
  let readme: Buffer;
  try {
    readme = Buffer.from(readmeText(input), 'utf8');
  } catch (err) {
    output.destroy(err as Error);
    throw err;
  }
  const zip = new ZipFile();
  const groups = new RecordGroups();
  const options = { mtime: input.generatedAt, mode: FILE_MODE };
  let failure: Error | undefined;
  const zipStream = zip.outputStream as Readable;
  const fail = (err: unknown): void => {
    if (failure) return;
    failure = err instanceof Error ? err : new Error(String(err));
    // Ends the pipeline below with this error (yazl does not watch the streams it is handed).
    zipStream.destroy(failure);
  };
  zip.on('error', fail);
  // Lazy: yazl opens each stream only when the previous entry is written, so data.json has seen
  // every record (and its keys) before report.html starts.
  const entry = (name: string, chunks: () => AsyncIterable<string>): void => {
    zip.addReadStreamLazy(name, options, (done) => {
      const stream = Readable.from(utf8(chunks()), { objectMode: false });
      stream.on('error', fail);
      done(null, stream);
    });
  };
  entry('data.json', () => dataJsonChunks(input, groups));
  entry('report.html', () => reportHtmlChunks(input, groups));
  zip.addBuffer(readme, 'README.txt', options);
  zip.end();
  try {
    await pipeline(zipStream, output);
  } catch (err) {
    throw failure ?? err;
  }
  if (failure) throw failure;
}
