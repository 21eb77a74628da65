import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { Translations } from '../../src/i18n/translator';
import { RedisStorage } from '../../src/state/redis-storage';
import { deleteKeysWithPrefix, requireRedis, uniqueRedisPrefix } from '../support/services';
import { messageActivity, postActivity, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';

const REDIS_URL = 'redis://127.0.0.1:6379';

describe('concurrent turns of one conversation on two instances sharing Redis', function () {
  this.timeout(60_000);
  let prefix: string;
  let first: RunningApp;
  let second: RunningApp;
  let redis: Redis;
  let translations: Translations;

  before(async () => {
    await requireRedis(REDIS_URL);
    prefix = uniqueRedisPrefix();
    translations = await Translations.load();
    first = await startTestApp({ REDIS_URL, REDIS_PREFIX: prefix });
    second = await startTestApp({ REDIS_URL, REDIS_PREFIX: prefix });
    redis = new Redis(REDIS_URL);
  });
  after(async () => {
    await first?.close();
    await second?.close();
    if (redis) {
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    }
  });

  it('20 messages sent at once, alternating instances: none lost, each answered once', async () => {
    const conversationId = uniqueConversationId('race');
    const activities = Array.from({ length: 20 }, (_, i) => messageActivity(conversationId, `blorp ${i} zzkx`));
    const results = await Promise.all(activities.map((activity, i) => postActivity((i % 2 === 0 ? first : second).baseUrl, activity)));

    const fallback = translations.for('en').t('bot.fallback');
    results.forEach((result, i) => {
      assert.equal(result.status, 200, `message ${i} status`);
      assert.equal(result.texts.filter((t) => t.includes(fallback)).length, 1, `message ${i} got exactly one answer: ${JSON.stringify(result.texts)}`);
    });
    const welcomes = results.flatMap((r) => r.texts).filter((t) => t === translations.for('en').t('bot.welcome'));
    assert.equal(welcomes.length, 1, 'the conversation is greeted exactly once');

    const storage = new RedisStorage({ client: redis, prefix: `${prefix}state:`, ttlSecondsForKey: () => 60 });
    const key = `test/conversations/${conversationId}`;
    const stored = (await storage.read([key]))[key] as { bookkeeping: { turnCount: number; processedActivityIds: string[] } };
    assert.equal(stored.bookkeeping.turnCount, 20);
    assert.deepEqual([...stored.bookkeeping.processedActivityIds].sort(), activities.map((a) => a.id as string).sort());
  });

  it('the same activity delivered to both instances at once is processed once', async () => {
    const activity = messageActivity(uniqueConversationId('dup'), 'blorp once');
    const [a, b] = await Promise.all([postActivity(first.baseUrl, activity), postActivity(second.baseUrl, activity)]);
    const answered = [a, b].filter((r) => r.replies.length > 0);
    assert.equal(answered.length, 1, `exactly one delivery answered: ${JSON.stringify([a.texts, b.texts])}`);
  });
});
