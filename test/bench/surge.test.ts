/**
 * `npm run surge` end to end, small: a dozen customers over our Direct Line (WebSocket streams) against two bot
 * processes sharing the real Redis and PostgreSQL, one-time codes read from the SMTP sink. Every flow must
 * complete without an error and the ledger must agree with what the customers were told. Nothing here is timed:
 * the surge measures, this test only checks that what it measures is a clean run, and that it leaves nothing
 * behind in the shared services.
 */
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { runSurge, SurgeResult } from '../../bench/surge';
import { parseSurgeOptions } from '../../bench/surge-options';
import { connectTestPostgres } from '../support/services';

/** Two bots started (a cold model cache trains for minutes on a busy machine), a dozen flows, `ledger verify`: a hang guard only. */
const SURGE_HANG_GUARD_MS = 600_000; // 10 min

describe('npm run surge (two bot processes, Redis + PostgreSQL, Direct Line streams)', function () {
  let result: SurgeResult;
  const lines: string[] = [];

  before(async function () {
    this.timeout(SURGE_HANG_GUARD_MS);
    const options = parseSurgeOptions(['--customers', '12', '--concurrency', '6', '--think-ms', '20-100', '--settle-seconds', '1']);
    result = await runSurge({ ...options, progress: false }, (line) => lines.push(line));
  });

  it('completes every flow of every kind with no error', function () {
    const samples = result.errorSamples.map((e) => `${e.flow} at "${e.step}": ${e.kind}: ${e.detail}`).join('\n');
    assert.equal(result.errors, 0, `errors:\n${samples}`);
    assert.equal(result.completed, 12);
    for (const flow of result.flows) {
      assert.ok(flow.planned > 0, `no ${flow.kind} customer among the twelve`);
      assert.equal(flow.completed, flow.planned, `${flow.kind}: ${flow.completed} of ${flow.planned} completed`);
    }
  });

  it('leaves a ledger that verifies and holds exactly what each customer was told', function () {
    const planned = Object.fromEntries(result.flows.map((flow) => [flow.kind, flow.planned]));
    assert.equal(result.ledgerVerify.exitCode, 0, result.ledgerVerify.complaint);
    assert.equal(result.ledgerVerify.report?.ok, true);
    assert.deepEqual(result.records.mismatches, {});
    assert.equal(result.records.confirmedWithdrawals, planned.withdraw);
    assert.equal(result.records.withdrawalEvents, planned.withdraw);
    assert.equal(result.records.verifiedCustomers, planned.withdraw + planned.status);
    assert.equal(result.records.codeVerifications, planned.withdraw + planned.status);
    assert.equal(result.records.reportedConcerns, planned.concern);
    assert.equal(result.records.concerns, planned.concern);
    assert.equal(result.ledgerConsistent, true);
  });

  it('reads each one-time code from the mail the bots sent by SMTP', function () {
    const planned = Object.fromEntries(result.flows.map((flow) => [flow.kind, flow.planned]));
    assert.equal(result.mail.codesRead, planned.withdraw + planned.status);
  });

  it('measures both instances and the conversations in Redis', function () {
    assert.equal(result.instances.length, 2);
    for (const instance of result.instances) {
      assert.equal(instance.exitedDuringSurge, undefined, `${instance.name} ended during the surge`);
      assert.ok(instance.rssStartMb > 0 && instance.rssEndMb > 0 && instance.rssSettledMb > 0, `${instance.name}: RSS ${instance.rssStartMb} → ${instance.rssEndMb} → ${instance.rssSettledMb} MB`);
      assert.equal(instance.rssQuartersMb.length, 3, `${instance.name}: RSS at ¼, ½ and ¾ of the customers`);
    }
    assert.equal(result.redis.conversations, 12);
    assert.ok(result.redis.keys > 0 && result.redis.bytesPerConversation > 0);
    assert.equal(result.turns.turns, result.flows.reduce((sum, flow) => sum + flow.turns, 0));
  });

  it("removes the run's Redis keys and PostgreSQL schema", async function () {
    const redis = new Redis(result.options.redisUrl);
    try {
      const pattern = `${result.stores.redisPrefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
      const left: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        left.push(...keys);
      } while (cursor !== '0');
      assert.equal(left.length, 0, `${left.length} keys left under the run's prefix`);
    } finally {
      redis.disconnect();
    }
    const pg = await connectTestPostgres(result.options.databaseUrl);
    try {
      const schemas = await pg.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [result.stores.schema]);
      assert.equal(schemas.rowCount, 0);
    } finally {
      await pg.end();
    }
  });
});
