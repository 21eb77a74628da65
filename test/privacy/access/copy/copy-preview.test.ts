import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import { CopyPreviewError, readReportHtml, zipReportPreview } from '../../../../src/privacy/access/copy/copy-preview';

const REPORT = '<!doctype html><html lang="it"><body><h1>I Suoi dati — Ünïcödé</h1></body></html>';

/** A ZIP as the copy is written (streamed by yazl, so sizes follow in data descriptors). */
async function zipOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, content] of Object.entries(files)) {
    const source = new PassThrough();
    zip.addReadStream(source, name);
    source.end(content);
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The archive in small pieces, as a decrypting stream hands it over. */
function streamOf(buffer: Buffer, chunkBytes = 1000): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += chunkBytes) pieces.push(buffer.subarray(i, i + chunkBytes));
  return Readable.from(pieces);
}

describe('copy preview (report.html out of the copy ZIP)', () => {
  it("reads report.html's text, whatever else the archive holds", async () => {
    const zip = await zipOf({ 'data.json': JSON.stringify({ records: 'x'.repeat(50_000) }), 'report.html': REPORT, 'README.txt': 'Leggimi' });
    assert.equal(await readReportHtml(streamOf(zip)), REPORT);
  });

  it('answers undefined for an archive without report.html', async () => {
    const zip = await zipOf({ 'data.json': '{}', 'reports/report.html': REPORT });
    assert.equal(await readReportHtml(streamOf(zip)), undefined);
  });

  it('refuses an archive or a report over its limit, and something that is not a ZIP', async () => {
    const zip = await zipOf({ 'report.html': REPORT });
    await assert.rejects(readReportHtml(streamOf(zip), { maxZipBytes: zip.length - 1, maxReportBytes: 1_000_000 }), CopyPreviewError);
    await assert.rejects(readReportHtml(streamOf(zip), { maxZipBytes: 1_000_000, maxReportBytes: 10 }), CopyPreviewError);
    await assert.rejects(readReportHtml(streamOf(Buffer.from('not a zip at all'))));
  });

  it('previews a request through the data copies; none when the copies have nothing for it', async () => {
    const zip = await zipOf({ 'report.html': REPORT });
    const opened: string[] = [];
    const preview = zipReportPreview({
      openForPreview: (requestId) => {
        opened.push(requestId);
        return requestId === 'with-copy' ? streamOf(zip) : undefined;
      },
    });
    assert.equal(await preview.previewReport('with-copy'), REPORT);
    assert.equal(await preview.previewReport('without'), undefined);
    assert.deepEqual(opened, ['with-copy', 'without']);
  });
});
