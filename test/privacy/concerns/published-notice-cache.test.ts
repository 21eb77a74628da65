import assert from 'node:assert/strict';
import { PublishedNotice, PublishedNoticeCache } from '../../../src/privacy/concerns/published-notice-cache';
import { LogCapture } from '../../support/test-app';
import { NOTICE_EN } from './incident-support';

const NOTICE: PublishedNotice = { incidentReference: 'INC-2026-ABCDEF-1', texts: { en: NOTICE_EN } };

/** The ledger's answer about the published notice, as a test sets it; every read counted. */
class NoticeSource {
  reads = 0;
  published: PublishedNotice | undefined;
  down = false;

  async publishedNotice(): Promise<PublishedNotice | undefined> {
    this.reads += 1;
    await new Promise((resolve) => setImmediate(resolve));
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    return this.published;
  }
}

describe('the published incident notice, cached per instance', () => {
  let now = 0;
  let source: NoticeSource;
  let logs: LogCapture;
  let cache: PublishedNoticeCache;

  beforeEach(() => {
    now = 1_000_000;
    source = new NoticeSource();
    logs = new LogCapture();
    cache = new PublishedNoticeCache({ source, logger: logs.logger, ttlMs: 5_000, maxStaleMs: 60_000, now: () => now });
  });

  it('a burst of 2,000 customers asking at once reads the ledger once', async () => {
    source.published = NOTICE;
    const answers = await Promise.all(Array.from({ length: 2000 }, () => cache.current()));
    assert.equal(source.reads, 1);
    assert.ok(answers.every((answer) => answer?.incidentReference === NOTICE.incidentReference));
  });

  it('sees a notice published or withdrawn at most one TTL (5 s) later, and reads the ledger at most once per TTL', async () => {
    assert.equal(await cache.current(), undefined);
    source.published = NOTICE;
    now += 4_999;
    assert.equal(await cache.current(), undefined, 'still within the 5 s of the last read');
    assert.equal(source.reads, 1);
    now += 1;
    assert.equal((await cache.current())?.incidentReference, NOTICE.incidentReference);
    assert.equal(source.reads, 2);

    source.published = undefined;
    now += 4_999;
    assert.equal((await cache.current())?.incidentReference, NOTICE.incidentReference);
    now += 1;
    assert.equal(await cache.current(), undefined);
    assert.equal(source.reads, 3);
  });

  it('while the ledger cannot be read: the last notice for up to a minute after it was read, then none; one read per TTL', async () => {
    source.published = NOTICE;
    await cache.current();
    source.down = true;
    now += 5_000;
    assert.equal((await cache.current())?.incidentReference, NOTICE.incidentReference, 'kept: read 5 s ago');
    assert.equal(source.reads, 2);
    now += 1_000;
    await cache.current();
    assert.equal(source.reads, 2, 'the ledger is not asked at every message while it is down');
    now = 1_000_000 + 60_000;
    assert.equal((await cache.current())?.incidentReference, NOTICE.incidentReference, 'kept: read exactly a minute ago');
    now += 1;
    assert.equal(await cache.current(), undefined, 'older than a minute: the normal flow');
    assert.match(logs.text, /incident notice: the ledger could not be read/);
  });

  it('a ledger down from the start: no notice (the normal flow), no error', async () => {
    source.down = true;
    assert.equal(await cache.current(), undefined);
  });

  it('refuses a TTL of 0 or a stale bound shorter than the TTL', () => {
    assert.throws(() => new PublishedNoticeCache({ source, logger: logs.logger, ttlMs: 0 }), /ttlMs must be > 0/);
    assert.throws(() => new PublishedNoticeCache({ source, logger: logs.logger, ttlMs: 10_000, maxStaleMs: 5_000 }), /maxStaleMs >= ttlMs/);
  });
});
