/**
 * `npm run bench`: turns per second over HTTP (expectReplies) for the bot on in-process state
 * and on Redis, against a bare restify route measured in the same run as the baseline.
 * Ratios, not absolute numbers, are what to compare between runs: this machine is shared.
 */
import http from 'node:http';
import Redis from 'ioredis';
import restify from 'restify';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config/load-config';
import { createLogger } from '../src/log/logger';
import { LinearIntentRecognizer } from '../src/nlu/linear-intent-recognizer';
import { IntentRecognizer } from '../src/nlu/intents';

const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const CONVERSATIONS = 200;
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let sequence = 0;
function activityBody(): string {
  sequence += 1;
  const conversation = `bench-${process.pid}-${sequence % CONVERSATIONS}`;
  return JSON.stringify({
    type: 'message', id: `b-${process.pid}-${sequence}`, channelId: 'bench', serviceUrl: 'http://127.0.0.1:1', deliveryMode: 'expectReplies', locale: 'en-US',
    conversation: { id: conversation }, from: { id: `u-${conversation}` }, recipient: { id: 'bot' }, text: sequence % 3 === 0 ? 'help' : 'what do you store about me',
  });
}

async function load(port: number, path: string): Promise<{ perSecond: number; errors: number }> {
  const deadline = Date.now() + DURATION_MS;
  let done = 0;
  let errors = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < deadline) {
      const status = await post(port, path, activityBody());
      if (status === 200) done += 1;
      else errors += 1;
    }
  }));
  return { perSecond: done / (DURATION_MS / 1000), errors };
}

async function measureBaseline(): Promise<number> {
  const server = restify.createServer();
  server.post('/echo', async (req, res) => {
    for await (const _chunk of req) { /* read the body like the bot does */ }
    res.send(200, { activities: [] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const result = await load(server.address().port, '/echo');
  server.close();
  return result.perSecond;
}

async function measureBot(label: string, env: Record<string, string>, recognizer: IntentRecognizer): Promise<{ label: string; perSecond: number; errors: number; rssMb: number }> {
  const app = await createApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', LEDGER_DIR: 'memory://', ...env }), createLogger({ level: 'silent' }), { recognizer });
  const port = await app.listen();
  await load(port, '/api/messages'); // warm-up: JIT, connections, conversation state created
  global.gc?.();
  const result = await load(port, '/api/messages');
  const rssMb = Math.round(process.memoryUsage().rss / 1e6);
  await app.close();
  return { label, ...result, rssMb };
}

/** The bench writes only under its own prefix and removes it afterwards. */
async function deleteBenchKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
  client.disconnect();
}

async function main(): Promise<void> {
  const recognizer = await LinearIntentRecognizer.train({ threshold: 0.65 });
  const baseline = await measureBaseline();
  const rows = [await measureBot('bot, in-process state', {}, recognizer)];
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `psb-bench:${process.pid}:`;
  rows.push(await measureBot('bot, Redis state', { REDIS_URL: redisUrl, REDIS_PREFIX: prefix }, recognizer));
  await deleteBenchKeys(redisUrl, prefix);
  const report = {
    durationSeconds: DURATION_MS / 1000,
    concurrency: CONCURRENCY,
    baselineRestifyPerSecond: Math.round(baseline),
    bots: rows.map((row) => ({ ...row, perSecond: Math.round(row.perSecond), ratioToBaseline: Number((row.perSecond / baseline).toFixed(3)) })),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  agent.destroy();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
