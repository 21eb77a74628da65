import type { Server } from 'restify';
import type { Redis } from 'ioredis';
import { Storage } from 'botbuilder';
import { MainDialog } from '../dialogs/main-dialog';
import { availableMenu } from '../dialogs/menu';
import { createAdapter } from './adapter/create-adapter';
import { createDirectLine, DirectLineChannel } from './channels/directline/create-direct-line';
import { directLineTokenIssuer } from './channels/webchat/direct-line-token-issuer';
import { webChatRoutes } from './channels/webchat/webchat-routes';
import { createTurnErrorHandler } from './bot/on-turn-error';
import { PrivacyBot } from './bot/privacy-bot';
import { createStateProperties } from './bot/state-properties';
import { BotOptions } from './config/options';
import { ShippedLocale, SHIPPED_LOCALES, isShippedLocale } from './i18n/shipped-locales';
import { Translations } from './i18n/translator';
import type { Logger } from './log/logger';
import { Ledger, openLedger } from './ledger/ledger';
import { IntentCorpus, readIntentCorpus } from './nlu/corpus';
import { IntentRecognizer } from './nlu/intents';
import { KeywordInterruptionMatcher } from './nlu/keyword-matcher';
import { NlpJsIntentRecognizer } from './nlu/nlpjs-recognizer';
import { createServer } from './server/create-server';
import { ReadinessCheck } from './server/readiness';
import { MemorySessionStorage } from './state/memory-session-storage';
import { createRedisClient, describeRedisUrl, pingRedis, waitForRedis } from './state/redis-client';
import { RedisStorage } from './state/redis-storage';
import { isUserStateKey } from './turn/session-keys';
import { TurnRunner } from './turn/turn-runner';
import { SessionStore } from './turn/turn-session';

export interface App {
  readonly server: Server;
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number>;
  /** Stops HTTP and closes backends. */
  close(): Promise<void>;
  /** Our Direct Line endpoint (tokens for our pages, proactive turns); undefined when DIRECT_LINE_ENABLED=false. */
  readonly directLine?: DirectLineChannel;
}

export interface AppOverrides {
  /** A recognizer trained elsewhere (tests train once and share it). */
  recognizer?: IntentRecognizer;
}

interface SessionBackend {
  storage: Storage;
  readiness: ReadinessCheck;
  close(): Promise<void>;
}

async function createSessionBackend(options: BotOptions, logger: Logger): Promise<SessionBackend> {
  const ttlSecondsForKey = (key: string): number => (isUserStateKey(key) ? options.userStateTtlSeconds : options.sessionTtlSeconds);
  if (!options.redisUrl) {
    logger.warn({ backend: 'in-process' }, 'session state: in-process memory — single process only, not durable; set REDIS_URL for production');
    return {
      storage: new MemorySessionStorage({ ttlSecondsForKey }),
      readiness: { name: 'sessionState', backend: 'in-process', isReady: async () => true },
      close: async () => undefined,
    };
  }
  const client: Redis = createRedisClient(options.redisUrl, logger.child({ module: 'redis' }));
  const ready = await waitForRedis(client);
  logger.info({ backend: 'redis', redis: describeRedisUrl(options.redisUrl), prefix: options.redisPrefix, ready }, 'session state: Redis');
  return {
    storage: new RedisStorage({ client, prefix: `${options.redisPrefix}state:`, ttlSecondsForKey }),
    readiness: { name: 'sessionState', backend: 'redis', isReady: () => pingRedis(client) },
    close: async () => {
      client.disconnect();
    },
  };
}

async function trainRecognizer(options: BotOptions, corpora: Record<string, IntentCorpus>, logger: Logger): Promise<IntentRecognizer> {
  const started = Date.now();
  const recognizer = await NlpJsIntentRecognizer.train({ threshold: options.nluThreshold, corpora });
  logger.info({ locales: Object.keys(corpora), millis: Date.now() - started, threshold: options.nluThreshold }, 'intent classifier trained');
  return recognizer;
}

/** Opens the privacy ledger (migrations applied, purposes synced) and says which backend it uses. */
async function openAppLedger(options: BotOptions, logger: Logger): Promise<Ledger> {
  for (const warning of options.ledger.warnings) logger.warn({ module: 'ledger' }, warning);
  const ledger = await openLedger(options.ledger);
  logger.info({ backend: ledger.db.backend, where: options.ledger.backendDescription, migrationsApplied: ledger.migration.applied }, `ledger: ${options.ledger.backendDescription}`);
  return ledger;
}

/** Wires the whole bot from validated options. The one place where parts meet. */
export async function createApp(options: BotOptions, rootLogger: Logger, overrides: AppOverrides = {}): Promise<App> {
  const logger = rootLogger.child({ module: 'app' });
  const defaultLocale: ShippedLocale = isShippedLocale(options.defaultLocale) ? options.defaultLocale : 'en';
  const translations = await Translations.load();
  const corpora: Record<string, IntentCorpus> = {};
  for (const locale of SHIPPED_LOCALES) corpora[locale] = readIntentCorpus(locale);
  const recognizer = overrides.recognizer ?? (await trainRecognizer(options, corpora, logger));

  const session = await createSessionBackend(options, logger);
  const ledger = await openAppLedger(options, logger);
  const state = createStateProperties();
  const menu = availableMenu();
  const mainDialog = new MainDialog({
    recognizer,
    interruptions: new KeywordInterruptionMatcher(corpora),
    translations,
    preferences: state.preferences,
    menu,
  });
  const runner = new TurnRunner({ store: new SessionStore(session.storage), maxAttempts: options.turnMaxAttempts, logger: rootLogger.child({ module: 'turn' }) });
  const bot = new PrivacyBot({ runner, mainDialog, state, translations, menu, defaultLocale, maxMessageChars: options.maxMessageChars });

  const adapter = createAdapter(options);
  adapter.onTurnError = createTurnErrorHandler({ translations, defaultLocale, logger: rootLogger });
  logger.info({ authentication: options.microsoftAppId ? 'bot-framework' : 'disabled (no MicrosoftAppId)' }, 'channel authentication');
  const directLine = options.directLine.enabled
    ? await createDirectLine({
        config: options.directLine,
        adapter,
        runTurn: (context) => bot.run(context),
        botAppId: options.microsoftAppId,
        redisUrl: options.redisUrl,
        redisPrefix: options.redisPrefix,
        listenHost: options.host,
        bodyLimitBytes: options.bodyLimitBytes,
        logger: rootLogger,
      })
    : undefined;

  const server = createServer({
    adapter,
    runTurn: (context) => bot.run(context),
    readiness: [session.readiness, { name: 'ledger', backend: ledger.db.backend, isReady: () => ledger.db.isReady() }],
    bodyLimitBytes: options.bodyLimitBytes,
    logger: rootLogger,
    extraRoutes: [
      ...(directLine ? [directLine.routes] : []),
      // The Web Chat page (GET /) talks to our Direct Line endpoint; the sites allowed to embed the chat may frame it.
      ...(directLine
        ? [
            webChatRoutes({
              translations,
              defaultLocale,
              issueToken: directLineTokenIssuer(directLine),
              logger: rootLogger,
              options: { frameAncestors: ["'self'", ...options.directLine.corsOrigins] },
            }),
          ]
        : []),
    ],
  });

  return {
    server,
    directLine,
    listen: () =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => resolve(server.address().port));
      }),
    close: async () => {
      // Open WebSockets would keep the HTTP server from closing.
      await directLine?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await session.close();
      await ledger.close();
    },
  };
}
