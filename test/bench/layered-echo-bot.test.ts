/**
 * The turn bench's layered echo bots (bench/layered-echo-bot.ts), as processes over HTTP, the state one on the real
 * Redis: the bench subtracts their CPU time from this bot's to say where a turn goes, which is only true if the
 * `state` bot really does a turn's state work (documents read and written under the prefix, redeliveries skipped)
 * and the `adapter` bot none. Nothing here is timed.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import Redis from 'ioredis';
import { Child, freePort, start, waitUntilReady } from '../../bench/bot-process';
import { deleteKeysWithPrefix, requireRedis, uniqueRedisPrefix } from '../support/services';

const REDIS_URL = 'redis://127.0.0.1:6379';
const ENTRY = path.join(__dirname, '../../bench/layered-echo-bot.ts');

/** Posts one expectReplies message; resolves with the status and the texts of the replies. */
async function say(port: number, conversation: string, id: string, text: string): Promise<{ status: number; texts: string[] }> {
  const response = await fetch(`http://127.0.0.1:${port}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'message', id, channelId: 'bench', serviceUrl: 'http://127.0.0.1:1', deliveryMode: 'expectReplies', conversation: { id: conversation }, from: { id: `u-${conversation}` }, recipient: { id: 'bot' }, text }),
  });
  const body = (await response.json().catch(() => ({}))) as { activities?: { text?: string }[] };
  return { status: response.status, texts: (body.activities ?? []).map((activity) => activity.text ?? '') };
}

async function startEcho(layers: string, env: NodeJS.ProcessEnv = {}): Promise<{ child: Child; port: number }> {
  const port = await freePort();
  const child = start(`layered echo bot (${layers})`, ['--import', 'tsx', ENTRY], { PATH: process.env.PATH ?? '', ECHO_LAYERS: layers, PORT: String(port), ...env });
  // It has no /readyz: any HTTP answer (a 404) means it listens.
  await waitUntilReady(child, port, performance.now(), () => true);
  return { child, port };
}

describe('the turn bench\'s layered echo bots (bench/layered-echo-bot.ts)', function () {
  this.timeout(120_000); // two tsx processes starting: a hang guard only

  const prefix = uniqueRedisPrefix('psb-test-layered-echo');
  let redis: Redis;

  before(async () => {
    await requireRedis(REDIS_URL);
    redis = new Redis(REDIS_URL);
  });

  after(async () => {
    if (redis === undefined) return; // Redis was not there: before said so
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  it('on the adapter: echoes over the Bot Framework protocol and keeps no state', async () => {
    const { child, port } = await startEcho('adapter', { REDIS_URL, REDIS_PREFIX: prefix });
    try {
      assert.deepEqual(await say(port, 'c-adapter', 'a-1', 'hello'), { status: 200, texts: ['Echo: hello'] });
      assert.deepEqual(await say(port, 'c-adapter', 'a-1', 'hello'), { status: 200, texts: ['Echo: hello'] }, 'no turn runner: a repeated id is answered again');
      assert.deepEqual(await redis.keys(`${prefix}*`), []);
    } finally {
      await child.stop();
    }
  });

  it('with state: reads and writes the conversation document in Redis, and skips a redelivered activity', async () => {
    const { child, port } = await startEcho('state', { REDIS_URL, REDIS_PREFIX: prefix });
    try {
      assert.deepEqual(await say(port, 'c-state', 's-1', 'one'), { status: 200, texts: ['Echo: one'] });
      assert.deepEqual(await say(port, 'c-state', 's-2', 'two'), { status: 200, texts: ['Echo: two'] });
      const redelivered = await say(port, 'c-state', 's-2', 'two');
      assert.equal(redelivered.status, 200);
      assert.deepEqual(redelivered.texts, [], 'a redelivery is not run twice');
      const keys = await redis.keys(`${prefix}state:*`);
      const documents = await Promise.all(keys.map(async (key) => (await redis.hget(key, 'd')) ?? ''));
      assert.ok(documents.some((json) => json.includes('"echoes":2')), `a conversation document counting two echoes under ${prefix}state: (found ${keys.length} keys)`);
    } finally {
      await child.stop();
    }
  });

  it('refuses to start without knowing which layers to run on', async () => {
    const child = start('layered echo bot (none)', ['--import', 'tsx', ENTRY], { PATH: process.env.PATH ?? '', ECHO_LAYERS: 'all', PORT: '0' });
    assert.notEqual(await child.exited, 0);
    assert.match(child.lastErrors(), /ECHO_LAYERS must be "adapter" or "state", not all/);
  });
});
