import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { Translations } from '../../src/i18n/translator';
import { startPrivateRedis } from '../support/private-redis';
import { conversationUpdateActivity, messageActivity, postActivity, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';

type PrivateRedis = Awaited<ReturnType<typeof startPrivateRedis>>;

/** Calls per command since the last CONFIG RESETSTAT, from INFO commandstats. */
async function commandCounts(admin: Redis): Promise<Map<string, number>> {
  const info = await admin.info('commandstats');
  const counts = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) counts.set(match[1], Number(match[2]));
  return counts;
}

async function readyStatus(baseUrl: string): Promise<number> {
  return (await fetch(`${baseUrl}/readyz`)).status;
}

describe('session state in a private Redis', function () {
  this.timeout(60_000);
  let redis: PrivateRedis;
  let running: RunningApp;
  let admin: Redis;
  let translations: Translations;

  before(async () => {
    translations = await Translations.load();
    redis = await startPrivateRedis();
    running = await startTestApp({ REDIS_URL: redis.url });
    admin = new Redis(redis.url, { retryStrategy: () => 100, maxRetriesPerRequest: 1 });
  });
  after(async () => {
    admin?.disconnect();
    await running?.close();
    await redis?.stop();
  });

  it('a turn costs Redis one read and one write', async () => {
    const conversationId = uniqueConversationId('budget');
    await postActivity(running.baseUrl, conversationUpdateActivity(conversationId));
    await postActivity(running.baseUrl, messageActivity(conversationId, 'warm-up blorp'));

    await admin.config('RESETSTAT');
    const result = await postActivity(running.baseUrl, messageActivity(conversationId, 'what can you do blorp'));
    assert.ok(result.replies.length > 0);
    const counts = await commandCounts(admin);
    counts.delete('info');
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, 2, `commands received for one turn: ${JSON.stringify(Object.fromEntries(counts))}`);
  });

  it('Redis down mid-conversation: a localized "unavailable", /readyz 503, and recovery by itself', async () => {
    const conversationId = uniqueConversationId('outage');
    const before = await postActivity(running.baseUrl, messageActivity(conversationId, 'blorp before', { locale: 'it-IT' }));
    assert.ok(before.replies.length > 0);
    assert.equal(await readyStatus(running.baseUrl), 200);

    await redis.stop();
    const during = await postActivity(running.baseUrl, messageActivity(conversationId, 'blorp during', { locale: 'it-IT' }));
    assert.equal(during.status, 200);
    assert.deepEqual(during.texts, [translations.for('it').t('bot.unavailable')]);
    assert.equal(await readyStatus(running.baseUrl), 503);
    const ready = (await (await fetch(`${running.baseUrl}/readyz`)).json()) as { down: string[] };
    assert.deepEqual(ready.down, ['sessionState']);

    await redis.start();
    let status = 503;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await readyStatus(running.baseUrl);
    }
    assert.equal(status, 200, '/readyz recovers once Redis is back');
    const after = await postActivity(running.baseUrl, messageActivity(conversationId, 'blorp after', { locale: 'it-IT' }));
    assert.ok(after.texts.some((t) => t.includes(translations.for('it').t('bot.fallback'))), `replies after recovery: ${JSON.stringify(after.texts)}`);
  });
});
