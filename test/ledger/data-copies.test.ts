import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { Translations } from '../../src/i18n/translator';
import { DataCopies } from '../../src/ledger/access/data-copies';
import type { Ledger } from '../../src/ledger/ledger';
import { assembleCopy, COPY_FILES } from '../../src/privacy/access/copy/assemble-copy';
import type { CopySource } from '../../src/privacy/access/copy/copy-input';
import { copyInput, MARKER } from '../privacy/access/copy/copy-fixtures';
import { bytesOf, readZipEntries } from '../support/zip-entries';
import { FakeClock, forEachBackend, registerSubject } from './support/ledger-backends';

const WHO = { actor: 'system:test', reason: 'data copy test' };
const DAY_MS = 24 * 60 * 60 * 1000;
/** Small chunks, so a test copy spans several. */
const CHUNK_BYTES = 4096;

/** An access request of a new subject (one open access request per subject). */
async function newRequest(ledger: Ledger): Promise<{ id: string; reference: string }> {
  const subject = await registerSubject(ledger);
  const request = await ledger.requests.open({ subjectId: subject.id, type: 'access', regime: 'gdpr', startAs: 'in_progress', locale: 'it', timeZone: 'Europe/Rome' }, WHO);
  return { id: request.id, reference: request.reference };
}

/** Plain bytes with the marker throughout: were they stored as they are, the marker would show. */
function payload(bytes: number): Buffer {
  const unit = Buffer.from(`${MARKER}|record|`, 'utf8');
  return Buffer.concat(Array.from({ length: Math.ceil(bytes / unit.length) }, () => unit)).subarray(0, bytes);
}

/** A writer that streams `content` in pieces of odd sizes (never aligned with the chunks). */
function writerOf(content: Buffer, pieceBytes = 1500): (sink: Writable) => Promise<void> {
  return async (sink) => {
    for (let i = 0; i < content.length; i += pieceBytes) {
      if (!sink.write(content.subarray(i, i + pieceBytes))) await new Promise((resolve) => sink.once('drain', resolve));
    }
    sink.end();
  };
}

async function auditOf(ledger: Ledger, requestId: string, action: string): Promise<{ actor: string; reason: string; details: Record<string, unknown> }[]> {
  const rows = (await ledger.db.query<{ actor: string; reason: string; details: Record<string, unknown> | string }>('SELECT actor, reason, details FROM audit_log WHERE entity_id = $1 AND action = $2 ORDER BY seq', [requestId, action])).rows;
  return rows.map((row) => ({ ...row, details: typeof row.details === 'string' ? (JSON.parse(row.details) as Record<string, unknown>) : row.details }));
}

async function chunkRows(ledger: Ledger, requestId: string): Promise<{ seq: number; sealed: Buffer }[]> {
  const rows = (await ledger.db.query<{ seq: number; sealed: Buffer | Uint8Array }>('SELECT seq, sealed FROM data_copy_chunk WHERE request_id = $1 ORDER BY seq', [requestId])).rows;
  return rows.map((row) => ({ seq: row.seq, sealed: Buffer.from(row.sealed) }));
}

async function copyRowCount(ledger: Ledger, requestId: string): Promise<{ copies: number; chunks: number }> {
  const copies = Number((await ledger.db.query<{ n: string | number }>('SELECT count(*) AS n FROM data_copy WHERE request_id = $1', [requestId])).rows[0].n);
  const chunks = Number((await ledger.db.query<{ n: string | number }>('SELECT count(*) AS n FROM data_copy_chunk WHERE request_id = $1', [requestId])).rows[0].n);
  return { copies, chunks };
}

const sha256 = (content: Buffer): string => createHash('sha256').update(content).digest('hex');

async function released(ledger: Ledger, copies: DataCopies, requestId: string, actor = 'agent:privacy-lead'): Promise<string> {
  return ledger.db.transaction((tx) => copies.release(tx, requestId, actor));
}

forEachBackend('data copies (encrypted chunks, link, downloads, expiry)', (ctx) => {
  let copies: DataCopies;
  let clock: FakeClock;
  let translations: Translations;
  const expiresIn30Days = (): Date => new Date(clock.now().getTime() + 30 * DAY_MS);

  before(async () => {
    clock = ctx.clock;
    copies = new DataCopies(ctx.ledger.db, ctx.ledger.blobs, clock.now, { chunkBytes: CHUNK_BYTES });
    translations = await Translations.load();
  });

  it('stores a copy in sealed chunks that hold nothing in clear, with its size and hash, and gives the same bytes back', async () => {
    const { ledger } = ctx;
    const request = await newRequest(ledger);
    const content = payload(5 * CHUNK_BYTES + 123);
    const summary = await copies.store(request.id, writerOf(content), { expiresAt: expiresIn30Days(), maxDownloads: 5 });
    assert.deepEqual(summary, { createdAt: clock.now(), expiresAt: expiresIn30Days(), sizeBytes: content.length, releasedAt: null, downloads: 0, maxDownloads: 5, deletedAt: null });
    assert.deepEqual(await copies.summary(request.id), summary);

    const chunks = await chunkRows(ledger, request.id);
    assert.deepEqual(
      chunks.map((chunk) => chunk.seq),
      [0, 1, 2, 3, 4, 5],
    );
    for (const chunk of chunks) assert.ok(!chunk.sealed.includes(Buffer.from(MARKER)) && !chunk.sealed.includes(Buffer.from('|record|')), `chunk ${chunk.seq} holds no clear text`);
    const preview = await copies.openForPreview(request.id);
    assert.ok(preview);
    assert.ok((await bytesOf(preview)).equals(content));
    const [stored] = await auditOf(ledger, request.id, 'copy.stored');
    assert.equal(stored.details.sizeBytes, content.length);
    assert.equal(stored.details.sha256, sha256(content));
  });

  it('stores the real ZIP of a copy: the marker of a record is nowhere in data_copy_chunk, and the ZIP reads back whole', async () => {
    const { ledger } = ctx;
    const request = await newRequest(ledger);
    await copies.store(request.id, (sink) => assembleCopy(copyInput(translations, { locale: 'it' }), sink), { expiresAt: expiresIn30Days(), maxDownloads: 5 });
    const everything = Buffer.concat((await chunkRows(ledger, request.id)).map((chunk) => chunk.sealed));
    for (const clear of [MARKER, 'report.html', 'data.json', 'PK\u0003\u0004']) assert.ok(!everything.includes(Buffer.from(clear, 'latin1')), `"${clear}" is not in the stored chunks`);
    const preview = await copies.openForPreview(request.id);
    assert.ok(preview);
    const entries = await readZipEntries(await bytesOf(preview));
    assert.deepEqual(
      entries.map((entry) => entry.name),
      [...COPY_FILES],
    );
    assert.ok(entries[0].data.toString('utf8').includes(MARKER));
  });

  it('a copy of 20,000 records streams from its source through the ZIP into the chunks', async function () {
    this.timeout(120_000);
    const { ledger } = ctx;
    const request = await newRequest(ledger);
    const total = 20_000;
    const large: CopySource = {
      config: { id: 'orders-db', label: { en: 'Order history', it: 'Storico ordini' }, kind: 'postgres', categories: ['orders'], timeoutMs: 10_000, maxBytes: 50_000_000, maxAttempts: 3 },
      categories: [{ id: 'orders', label: { en: 'Orders', it: 'Ordini' } }],
      recordCount: total,
      async *pages() {
        for (let page = 0; page < total / 1000; page++) yield Array.from({ length: 1000 }, (_, i) => ({ '@category': 'orders', order: `O-${page * 1000 + i}`, reference: createHash('sha1').update(String(page * 1000 + i)).digest('hex') }));
      },
    };
    // The default chunk size (1 MiB): the random-looking references keep the ZIP over one chunk.
    const store = new DataCopies(ledger.db, ledger.blobs, clock.now);
    const summary = await store.store(request.id, (sink) => assembleCopy(copyInput(translations, { sources: [large] }), sink), { expiresAt: expiresIn30Days(), maxDownloads: 5 });
    assert.ok((await chunkRows(ledger, request.id)).length >= 2, 'several chunks');
    const preview = await store.openForPreview(request.id);
    assert.ok(preview);
    const zip = await bytesOf(preview);
    assert.equal(zip.length, summary.sizeBytes);
    const data = JSON.parse((await readZipEntries(zip))[0].data.toString('utf8')) as { sources: { records: { order: string }[] }[] };
    assert.equal(data.sources[0].records.length, total);
    assert.equal(data.sources[0].records[total - 1].order, `O-${total - 1}`);
  });

  it('a writer failing half-way leaves nothing behind, and the copy can then be stored', async () => {
    const { ledger } = ctx;
    const request = await newRequest(ledger);
    let storedBeforeFailing = 0;
    const failing = async (sink: Writable): Promise<void> => {
      for (let i = 0; i < 3; i++) await new Promise<void>((resolve, reject) => sink.write(payload(CHUNK_BYTES + 10), (err) => (err ? reject(err) : resolve())));
      storedBeforeFailing = (await copyRowCount(ledger, request.id)).chunks;
      throw new Error('a source page does not decrypt');
    };
    await assert.rejects(copies.store(request.id, failing, { expiresAt: expiresIn30Days(), maxDownloads: 5 }), /a source page does not decrypt/);
    assert.ok(storedBeforeFailing >= 2, `chunks were written before the failure (${storedBeforeFailing})`);
    assert.deepEqual(await copyRowCount(ledger, request.id), { copies: 0, chunks: 0 });
    assert.equal(await copies.summary(request.id), null);
    assert.deepEqual(await auditOf(ledger, request.id, 'copy.stored'), []);

    await copies.store(request.id, writerOf(payload(100)), { expiresAt: expiresIn30Days(), maxDownloads: 5 });
    assert.deepEqual(await copyRowCount(ledger, request.id), { copies: 1, chunks: 1 });
  });

  it('replaces a half-written copy a crashed writer left, and refuses a second complete copy', async () => {
    const { ledger } = ctx;
    const request = await newRequest(ledger);
    // What a writer that died after its first chunk leaves: a row still marked as being written.
    await ledger.db.query("INSERT INTO data_copy (request_id, created_at, expires_at, size_bytes, sha256, max_downloads, writer_id) VALUES ($1, $2, $3, 0, '', 5, $4)", [request.id, clock.now(), expiresIn30Days(), '00000000-0000-4000-8000-000000000001']);
    await ledger.db.query('INSERT INTO data_copy_chunk (request_id, seq, sealed, key_id) VALUES ($1, 0, $2, $3)', [request.id, Buffer.from('left over'), 'k']);
    assert.equal(await copies.summary(request.id), null, 'a half-written copy is no copy');
    const content = payload(2 * CHUNK_BYTES);
    await copies.store(request.id, writerOf(content), { expiresAt: expiresIn30Days(), maxDownloads: 5 });
    const preview = await copies.openForPreview(request.id);
    assert.ok(preview && (await bytesOf(preview)).equals(content));
    await assert.rejects(copies.store(request.id, writerOf(content), { expiresAt: expiresIn30Days(), maxDownloads: 5 }), /already has a stored copy/);
  });

  it('a chunk altered, swapped or missing does not open: the stream fails instead of giving wrong bytes', async () => {
    const { ledger } = ctx;
    for (const damage of ['altered', 'swapped', 'missing'] as const) {
      const request = await newRequest(ledger);
      await copies.store(request.id, writerOf(payload(3 * CHUNK_BYTES)), { expiresAt: expiresIn30Days(), maxDownloads: 5 });
      const [first, second, third] = await chunkRows(ledger, request.id);
      if (damage === 'altered') {
        const tampered = Buffer.from(second.sealed);
        tampered[tampered.length - 1] ^= 0x01;
        await ledger.db.query('UPDATE data_copy_chunk SET sealed = $2 WHERE request_id = $1 AND seq = 1', [request.id, tampered]);
      } else if (damage === 'swapped') {
        await ledger.db.query('UPDATE data_copy_chunk SET sealed = $2 WHERE request_id = $1 AND seq = 0', [request.id, second.sealed]);
        await ledger.db.query('UPDATE data_copy_chunk SET sealed = $2 WHERE request_id = $1 AND seq = 1', [request.id, first.sealed]);
      } else {
        await ledger.db.query('DELETE FROM data_copy_chunk WHERE request_id = $1 AND seq = $2', [request.id, third.seq]);
      }
      const preview = await copies.openForPreview(request.id);
      assert.ok(preview);
      await assert.rejects(bytesOf(preview), (err: unknown) => (err as { code?: string }).code === 'PSB_LEDGER_ENCRYPTION_KEY', damage);
    }
  });

  it('release: a 256-bit base64url token whose hash alone is stored; the page lookup counts nothing', async () => {
    const { ledger } = ctx;
    const request = await newRequest(ledger);
    await copies.store(request.id, writerOf(payload(1000)), { expiresAt: expiresIn30Days(), maxDownloads: 5 });
    const token = await released(ledger, copies, request.id);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(token, 'base64url').length, 32);
    const row = (await ledger.db.query<{ token_hash: string; released_by: string }>('SELECT token_hash, released_by FROM data_copy WHERE request_id = $1', [request.id])).rows[0];
    assert.equal(row.token_hash, createHash('sha256').update(token).digest('hex'));
    assert.equal(row.released_by, 'agent:privacy-lead');
    assert.equal((await copies.summary(request.id))?.releasedAt?.getTime(), clock.now().getTime());
    const [audit] = await auditOf(ledger, request.id, 'copy.released');
    assert.equal(audit.actor, 'agent:privacy-lead');
    assert.ok(!JSON.stringify(audit).includes(token));

    const state = await copies.lookUp(token);
    assert.equal(state.kind, 'ok');
    assert.deepEqual(state.kind === 'ok' && [state.reference, state.sizeBytes, state.downloadsLeft, state.locale, state.timeZone], [request.reference, 1000, 5, 'it', 'Europe/Rome']);
    await copies.lookUp(token);
    assert.equal((await copies.summary(request.id))?.downloads, 0, 'looking at the page is no download');

    const again = await released(ledger, copies, request.id);
    assert.notEqual(again, token);
    assert.deepEqual(await copies.lookUp(token), { kind: 'unknown' }, 'a new release replaces the link');
    const noCopy = await newRequest(ledger);
    await assert.rejects(released(ledger, copies, noCopy.id), /no stored copy to release/);
  });

  it('downloads: counted and audited (without the token) each time, at most max_downloads, then exhausted', async () => {
    const { ledger } = ctx;
    const request = await newRequest(ledger);
    const content = payload(2 * CHUNK_BYTES + 7);
    await copies.store(request.id, writerOf(content), { expiresAt: expiresIn30Days(), maxDownloads: 3 });
    const token = await released(ledger, copies, request.id);
    for (let n = 1; n <= 3; n++) {
      const download = await copies.openForDownload(token);
      assert.equal(download.kind, 'ok');
      if (download.kind !== 'ok') return;
      assert.deepEqual([download.requestId, download.reference, download.sizeBytes, download.filename], [request.id, request.reference, content.length, `data-copy-${request.reference}.zip`]);
      assert.ok((await bytesOf(download.stream)).equals(content));
      assert.equal((await copies.summary(request.id))?.downloads, n);
    }
    assert.deepEqual(await copies.openForDownload(token), { kind: 'exhausted', locale: 'it' });
    assert.deepEqual(await copies.lookUp(token), { kind: 'exhausted', locale: 'it' });
    assert.equal((await copies.summary(request.id))?.downloads, 3);
    const audits = await auditOf(ledger, request.id, 'copy.downloaded');
    assert.deepEqual(
      audits.map((audit) => audit.details.download),
      [1, 2, 3],
    );
    const tokenHash = createHash('sha256').update(token).digest('hex');
    for (const audit of audits) assert.ok(!JSON.stringify(audit).includes(token) && !JSON.stringify(audit).includes(tokenHash), 'neither the token nor its hash in the audit');
  });

  it('concurrent downloads of one link: exactly max_downloads of them go through', async () => {
    const { ledger } = ctx;
    const request = await newRequest(ledger);
    await copies.store(request.id, writerOf(payload(500)), { expiresAt: expiresIn30Days(), maxDownloads: 5 });
    const token = await released(ledger, copies, request.id);
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => copies.openForDownload(token)));
    for (const outcome of outcomes) if (outcome.kind === 'ok') await bytesOf(outcome.stream);
    assert.equal(outcomes.filter((outcome) => outcome.kind === 'ok').length, 5);
    assert.equal(outcomes.filter((outcome) => outcome.kind === 'exhausted').length, 7);
    assert.equal((await copies.summary(request.id))?.downloads, 5);
  });

  it('unknown and malformed tokens open nothing; an expired copy is expired, counted nothing', async () => {
    const { ledger } = ctx;
    for (const token of ['A'.repeat(43), 'short', '', 'A'.repeat(42) + '=', '../../etc/passwd'.padEnd(43, 'x')]) {
      assert.deepEqual(await copies.lookUp(token), { kind: 'unknown' }, token);
      assert.deepEqual(await copies.openForDownload(token), { kind: 'unknown' }, token);
    }
    const request = await newRequest(ledger);
    await copies.store(request.id, writerOf(payload(500)), { expiresAt: new Date(clock.now().getTime() + DAY_MS), maxDownloads: 5 });
    const token = await released(ledger, copies, request.id);
    clock.advance(DAY_MS);
    assert.deepEqual(await copies.lookUp(token), { kind: 'expired', locale: 'it' });
    assert.deepEqual(await copies.openForDownload(token), { kind: 'expired', locale: 'it' });
    assert.equal((await copies.summary(request.id))?.downloads, 0);
  });

  it('deleteExpired erases the chunks of expired copies only, keeps each row as evidence, audits it, and is idempotent', async () => {
    const { ledger } = ctx;
    const soon = await newRequest(ledger);
    const later = await newRequest(ledger);
    await copies.store(soon.id, writerOf(payload(3 * CHUNK_BYTES)), { expiresAt: new Date(clock.now().getTime() + DAY_MS), maxDownloads: 5 });
    await copies.store(later.id, writerOf(payload(CHUNK_BYTES)), { expiresAt: new Date(clock.now().getTime() + 10 * DAY_MS), maxDownloads: 5 });
    const token = await released(ledger, copies, soon.id);
    clock.advance(2 * DAY_MS);
    // Other tests' copies may expire too: count only ours.
    await copies.deleteExpired();
    assert.deepEqual(await copyRowCount(ledger, soon.id), { copies: 1, chunks: 0 });
    assert.deepEqual(await copyRowCount(ledger, later.id), { copies: 1, chunks: 1 });
    const summary = await copies.summary(soon.id);
    assert.equal(summary?.deletedAt?.getTime(), clock.now().getTime());
    assert.equal(summary?.sizeBytes, 3 * CHUNK_BYTES, 'the evidence keeps the size');
    assert.equal(await copies.openForPreview(soon.id), undefined);
    assert.deepEqual(await copies.openForDownload(token), { kind: 'expired', locale: 'it' });
    const [audit] = await auditOf(ledger, soon.id, 'copy.deleted');
    assert.deepEqual([audit.actor, audit.details.chunks], ['system:data-copies', 3]);
    assert.equal(await copies.deleteExpired(), 0, 'nothing left to delete');
    assert.equal((await auditOf(ledger, soon.id, 'copy.deleted')).length, 1);
  });

  it('refuses bad input before writing anything', async () => {
    const { ledger } = ctx;
    const request = await newRequest(ledger);
    const write = writerOf(payload(10));
    await assert.rejects(copies.store('not-a-uuid', write, { expiresAt: expiresIn30Days(), maxDownloads: 5 }), /request id/);
    await assert.rejects(copies.store('00000000-0000-4000-8000-000000000000', write, { expiresAt: expiresIn30Days(), maxDownloads: 5 }), /no request has this id/);
    await assert.rejects(copies.store(request.id, write, { expiresAt: expiresIn30Days(), maxDownloads: 0 }), /maxDownloads/);
    await assert.rejects(copies.store(request.id, write, { expiresAt: new Date('nope'), maxDownloads: 5 }), /expiresAt/);
    assert.deepEqual(await copyRowCount(ledger, request.id), { copies: 0, chunks: 0 });
    assert.equal(await copies.openForPreview('not-a-uuid'), undefined);
  });
});
