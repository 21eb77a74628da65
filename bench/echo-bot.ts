/**
 * The stock echo bot, the baseline of the benches (docs/PERFORMANCE.md), run as a process of its own:
 * written as the Bot Framework samples write it — restify with `bodyParser`, `CloudAdapter` with
 * `ConfigurationBotFrameworkAuthentication({})`, an `ActivityHandler` answering `Echo: <text>`, no state.
 *
 * Listens on 127.0.0.1:`PORT` (0: any free port), then prints `{"port": N}` on stdout; ends when its
 * standard input closes (its parent's pipe: it never outlives the bench) or on SIGTERM.
 * Run: `node --import tsx bench/echo-bot.ts` (bench/run.ts and bench/incident.ts spawn it).
 */
import type { AddressInfo } from 'node:net';
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import restify from 'restify';

const server = restify.createServer();
server.use(restify.plugins.bodyParser());

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));

const bot = new ActivityHandler();
bot.onMessage(async (context, next) => {
  await context.sendActivity(`Echo: ${context.activity.text}`);
  await next();
});

server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (context) => bot.run(context));
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
