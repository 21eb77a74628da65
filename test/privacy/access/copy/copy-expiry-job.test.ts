import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../../src/config/load-config';
import { isAppError } from '../../../../src/errors/app-error';
import { DataCopies } from '../../../../src/ledger/access/data-copies';
import { Ledger, openLedger } from '../../../../src/ledger/ledger';
import { PROJECT_ROOT } from '../../../../src/paths';
import { CopyExpiryJob } from '../../../../src/privacy/access/copy/copy-expiry-job';
import { copyExpiresAt, DEFAULT_DATA_COPY_CONFIG, loadDataCopyConfig } from '../../../../src/privacy/access/copy/data-copy-config';
import { HEAVY_HOOK_TIMEOUT_MS } from '../../../support/hook-timeouts';
import { LogCapture } from '../../../support/test-app';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Resolves once `check` holds, looking again every few milliseconds (mocha's timeout ends a wait that never ends). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('data copy settings (DATA_COPY_RETENTION_DAYS, DATA_COPY_MAX_DOWNLOADS)', () => {
  it('default to 30 days and 5 downloads, as .env.example ships them', () => {
    const { retentionDays, maxDownloads } = loadDataCopyConfig({});
    assert.deepEqual({ retentionDays, maxDownloads }, { retentionDays: 30, maxDownloads: 5 });
    assert.deepEqual([DEFAULT_DATA_COPY_CONFIG.retentionDays, DEFAULT_DATA_COPY_CONFIG.maxDownloads], [30, 5]);
    const documented = Object.fromEntries(
      readFileSync(path.join(PROJECT_ROOT, '.env.example'), 'utf8')
        .split('\n')
        .filter((line) => /^DATA_COPY_(RETENTION_DAYS|MAX_DOWNLOADS)=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    assert.deepEqual(documented, { DATA_COPY_RETENTION_DAYS: '30', DATA_COPY_MAX_DOWNLOADS: '5' });
    assert.deepEqual(loadDataCopyConfig(documented), DEFAULT_DATA_COPY_CONFIG);
  });

  it('are part of the bot’s options', () => {
    const options = loadConfig({ NODE_ENV: 'test', DATA_COPY_RETENTION_DAYS: '7', DATA_COPY_MAX_DOWNLOADS: '2' });
    assert.deepEqual([options.dataCopies.retentionDays, options.dataCopies.maxDownloads], [7, 2]);
    assert.equal(copyExpiresAt(new Date('2026-11-29T10:00:00Z'), options.dataCopies).toISOString(), '2026-12-06T10:00:00.000Z');
  });

  for (const [variable, value] of [
    ['DATA_COPY_RETENTION_DAYS', '0'],
    ['DATA_COPY_RETENTION_DAYS', '366'],
    ['DATA_COPY_RETENTION_DAYS', '30 days'],
    ['DATA_COPY_MAX_DOWNLOADS', '0'],
    ['DATA_COPY_MAX_DOWNLOADS', '101'],
    ['DATA_COPY_MAX_DOWNLOADS', '2.5'],
  ] as const) {
    it(`refuses ${variable}=${value}, naming the variable and the range`, () => {
      assert.throws(
        () => loadDataCopyConfig({ [variable]: value }),
        (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.details.variable === variable && err.message.startsWith(`${variable} must be an integer from 1 to`),
      );
    });
  }
});

describe('the copy expiry job', () => {
  let ledger: Ledger;
  let now = new Date('2026-11-29T10:00:00.000Z');

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    ledger = await openLedger({ ledgerDir: 'memory://', hashKey: 'copy-expiry-test-key-0123456789', now: () => now });
  });
  after(async () => {
    await ledger?.close();
  });

  it('deletes a copy once it expired (first run at start), and keeps its row as evidence', async () => {
    const copies = new DataCopies(ledger.db, ledger.blobs, () => now);
    const subject = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: `expiry-${process.pid}@example.com` }], regime: 'gdpr' }, { actor: 'system:test', reason: 'test' });
    const request = await ledger.requests.open({ subjectId: subject.id, type: 'access', regime: 'gdpr', startAs: 'in_progress' }, { actor: 'system:test', reason: 'test' });
    await copies.store(
      request.id,
      async (sink) => {
        sink.end(Buffer.from('a small copy'));
      },
      { expiresAt: new Date(now.getTime() + DAY_MS), maxDownloads: 5 },
    );
    now = new Date(now.getTime() + 2 * DAY_MS);
    const logs = new LogCapture();
    const job = new CopyExpiryJob({ copies, logger: logs.logger, intervalMs: 60_000 });
    job.start();
    try {
      await eventually(async () => (await copies.summary(request.id))?.deletedAt != null);
    } finally {
      await job.stop();
    }
    assert.equal(Number((await ledger.db.query<{ n: string | number }>('SELECT count(*) AS n FROM data_copy_chunk WHERE request_id = $1', [request.id])).rows[0].n), 0);
    assert.match(logs.text, /"deleted":1[,}].*expired data copies deleted/);
  });

  it('a failed run is logged and the job carries on at the next interval', async () => {
    let calls = 0;
    const logs = new LogCapture();
    const job = new CopyExpiryJob({
      copies: {
        deleteExpired: async () => {
          calls += 1;
          if (calls === 1) throw new Error('the ledger does not answer');
          return 0;
        },
      },
      logger: logs.logger,
      intervalMs: 10,
    });
    job.start();
    try {
      await eventually(async () => calls >= 3);
    } finally {
      await job.stop();
    }
    assert.match(logs.text, /deleting expired data copies failed; retrying at the next interval/);
    const after = calls;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(calls, after, 'stopped: no more runs');
    assert.throws(() => new CopyExpiryJob({ copies: { deleteExpired: async () => 0 }, logger: logs.logger, intervalMs: 0 }), /intervalMs/);
  });
});
