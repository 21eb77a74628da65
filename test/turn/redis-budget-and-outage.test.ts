import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { Translations } from '../../src/i18n/translator';
import { startPrivateRedis } from '../support/private-redis';
import { conversationUpdateActivity, messageActivity, postActivity, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';

type PrivateRedis = Awaited<ReturnType<typeof startPrivateRedis>>;

/**
 * Watches what clients send Redis (MONITOR), leaving out what scripts run inside Redis: the
 * round trips of a turn are the commands that arrive from a client connection.
 */
async function watchClientCommands(url: string): Promise<{ commands: string[]; stop(): Promise<void> }> {
  const watcher = new Redis(url);
  const monitor = await watcher.monitor();
  const commands: string[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (!source.includes('lua')) commands.push(args[0].toLowerCase());
  });
  // MONITOR starts asynchronously; a marker command tells when it sees traffic.
  const marker = new Redis(url);
  await marker.ping();
  for (let i = 0; i < 50 && !commands.includes('ping'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  marker.disconnect();
  commands.length = 0;
  return {
    commands,
    stop: async () => {
      monitor.disconnect();
      watcher.disconnect();
    },
  };
}

async function readyStatus(baseUrl: string): Promise<number> {
  return (await fetch(`${baseUrl}/readyz`)).status;
}

describe('session state in a private Redis', function () {
  this.timeout(60_000);
  let redis: PrivateRedis;
  let running: RunningApp;
  let translations: Translations;

  before(async () => {
    translations = await Translations.load();
    redis = await startPrivateRedis();
    running = await startTestApp({ REDIS_URL: redis.url });
  });
  after(async () => {
    await running?.close();
    await redis?.stop();
  });

  it('a turn costs Redis one read and one write', async () => {
    const conversationId = uniqueConversationId('budget');
    await postActivity(running.baseUrl, conversationUpdateActivity(conversationId));
    await postActivity(running.baseUrl, messageActivity(conversationId, 'warm-up blorp'));

    const watch = await watchClientCommands(redis.url);
    const result = await postActivity(running.baseUrl, messageActivity(conversationId, 'what can you do blorp'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await watch.stop();
    assert.ok(result.replies.length > 0);
    assert.deepEqual(watch.commands, ['evalsha', 'evalsha'], `commands received for one turn: ${watch.commands.join(', ')}`);
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
    // The handoff queue lives in the same Redis.
    assert.deepEqual(ready.down, ['sessionState', 'handoffHub']);

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
