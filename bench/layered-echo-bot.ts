/**
 * The echo bot of bench/echo-bot.ts on this bot's own layers, for `npm run bench` to show where a turn's time
 * goes between the stock echo bot and this bot (docs/PERFORMANCE.md). Same `ActivityHandler` answering
 * `Echo: <text>`, same restify with `bodyParser`; `ECHO_LAYERS` says what of this bot it runs on:
 *
 * - `adapter`: this bot's `BotAdapter` (src/adapter/create-adapter.ts: connector and token clients reused per
 *   service URL and audience instead of built per turn; every request still authenticated the same way);
 * - `state`: that, plus this bot's turn runner and session store on Redis (src/turn/, src/state/): both state
 *   documents read in one round trip, the activity id remembered, a counter in the conversation document
 *   changed and written back under its eTag — the state work of every real turn, without dialogs, language
 *   understanding, translations or the transcript. Keys under `REDIS_PREFIX`, which the bench removes.
 *
 * Listens on 127.0.0.1:`PORT`, prints `{"port": N}` on stdout; ends when its standard input closes or on SIGTERM.
 * Run: `ECHO_LAYERS=state REDIS_URL=… REDIS_PREFIX=… node --import tsx bench/layered-echo-bot.ts` (bench/run.ts does).
 */
import type { AddressInfo } from 'node:net';
import { ActivityHandler, ConfigurationBotFrameworkAuthentication, TurnContext } from 'botbuilder';
import pino from 'pino';
import restify from 'restify';
import { BotAdapter } from '../src/adapter/create-adapter';
import { createRedisClient } from '../src/state/redis-client';
import { RedisStorage } from '../src/state/redis-storage';
import { TurnRunner } from '../src/turn/turn-runner';
import { SessionStore } from '../src/turn/turn-session';

const layers = process.env.ECHO_LAYERS;
if (layers !== 'adapter' && layers !== 'state') throw new Error(`ECHO_LAYERS must be "adapter" or "state", not ${String(layers)}`);

const bot = new ActivityHandler();
bot.onMessage(async (context, next) => {
  await context.sendActivity(`Echo: ${context.activity.text}`);
  await next();
});

function runnerOnRedis(): (context: TurnContext) => Promise<void> {
  const logger = pino({ level: 'warn' });
  const client = createRedisClient(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', logger);
  const storage = new RedisStorage({ client, prefix: `${process.env.REDIS_PREFIX ?? 'psb-bench-echo:'}state:`, ttlSecondsForKey: () => 3600 });
  const runner = new TurnRunner({ store: new SessionStore(storage), maxAttempts: 3, logger });
  return async (context) => {
    await runner.run(context, async (turn, session) => {
      const doc = session.conversation.doc as { echoes?: number };
      doc.echoes = (doc.echoes ?? 0) + 1;
      await bot.run(turn);
    });
  };
}

const turn = layers === 'state' ? runnerOnRedis() : (context: TurnContext) => bot.run(context);
const adapter = new BotAdapter(new ConfigurationBotFrameworkAuthentication({}));
const server = restify.createServer();
server.use(restify.plugins.bodyParser());

server.post('/api/messages', async (req, res) => {
  const answer = await adapter.processIncoming(req.headers.authorization ?? '', req.body, turn);
  res.send(answer?.status ?? 200, answer?.body);
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
