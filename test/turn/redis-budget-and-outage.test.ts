import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Translations } from '../../src/i18n/translator';
import { eventually, hangGuard } from '../support/hang-guard';
import { startPrivateRedis } from '../support/private-redis';
import { conversationUpdateActivity, messageActivity, postActivity, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';

type PrivateRedis = Awaited<ReturnType<typeof startPrivateRedis>>;

/** Hang guard for a MONITOR line (normally milliseconds), in ms. */
const MONITOR_HANG_GUARD_MS = 10_000;

/**
 * Watches what clients send Redis (MONITOR), leaving out what scripts run inside Redis: the
 * round trips of a turn are the commands that arrive from a client connection. MONITOR reports
 * commands in the order Redis runs them, so an ECHO marker from another connection frames a
 * stretch of time exactly: `commandsUntilMarker()` is everything that ran before its marker.
 */
async function watchClientCommands(url: string): Promise<{ commandsUntilMarker(): Promise<string[]>; stop(): Promise<void> }> {
  const watcher = new Redis(url);
  const monitor = await watcher.monitor();
  const seen: string[][] = [];
  const waiters = new Set<() => void>();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source.includes('lua')) return;
    // The handoff sweeper's timer (every 5 s) is not part of a turn.
    if (args[0].toLowerCase() === 'zrangebyscore' && args[1]?.endsWith('handoff:waiting')) return;
    seen.push(args);
    for (const wake of [...waiters]) wake();
  });
  const marker = new Redis(url);
  /** Sends ECHO <text> and resolves with its position once MONITOR reported it. */
  const mark = async (text: string): Promise<number> => {
    let wake = (): void => undefined;
    const shown = new Promise<number>((resolve) => {
      wake = () => {
        const at = seen.findIndex((args) => args[0].toLowerCase() === 'echo' && args[1] === text);
        if (at < 0) return;
        waiters.delete(wake);
        resolve(at);
      };
      waiters.add(wake);
    });
    await marker.echo(text);
    wake();
    return hangGuard(shown, `MONITOR showing the marker "${text}"`, MONITOR_HANG_GUARD_MS).finally(() => waiters.delete(wake));
  };
  // MONITOR starts asynchronously: only what runs after the first marker is watched.
  const start = await mark(`begin-${randomBytes(6).toString('hex')}`);
  return {
    async commandsUntilMarker() {
      const end = await mark(`end-${randomBytes(6).toString('hex')}`);
      return seen.slice(start + 1, end).map((args) => args[0].toLowerCase());
    },
    stop: async () => {
      marker.disconnect();
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
    let commands: string[];
    try {
      const result = await postActivity(running.baseUrl, messageActivity(conversationId, 'what can you do blorp'));
      assert.ok(result.replies.length > 0);
      commands = await watch.commandsUntilMarker();
    } finally {
      await watch.stop();
    }
    assert.deepEqual(commands, ['evalsha', 'evalsha'], `commands received for one turn: ${commands.join(', ')}`);
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
    // The clients reconnect by themselves (backoff capped at 2 s): /readyz says so. The limit only guards against a hang.
    await eventually(async () => (await readyStatus(running.baseUrl)) === 200, '/readyz answering 200 once Redis is back', 20_000);
    const after = await postActivity(running.baseUrl, messageActivity(conversationId, 'blorp after', { locale: 'it-IT' }));
    assert.ok(after.texts.some((t) => t.includes(translations.for('it').t('bot.fallback'))), `replies after recovery: ${JSON.stringify(after.texts)}`);
  });
});
