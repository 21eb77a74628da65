import type { Server } from 'restify';
import type { Redis } from 'ioredis';
import { Storage, TurnContext } from 'botbuilder';
import type { Dialog } from 'botbuilder-dialogs';
import { AccessDialogDeps } from '../dialogs/access-dialog-deps';
import { AssuranceGateDialog } from '../dialogs/assurance-gate-dialog';
import { CASE_REFERENCE_ROUTE, CaseStatusDialog } from '../dialogs/case-status-dialog';
import { ConcernDialogDeps } from '../dialogs/concern-dialog-deps';
import { ConcernReportDialog } from '../dialogs/concern-report-dialog';
import { IncidentDialog } from '../dialogs/incident-dialog';
import { DataCopyDialog } from '../dialogs/data-copy-dialog';
import { ConsentChangeDialog } from '../dialogs/consent-change-dialog';
import { ConsentCheckDialog } from '../dialogs/consent-check-dialog';
import { ConsentDialogDeps } from '../dialogs/consent-dialog-deps';
import { HandoffDialog } from '../dialogs/handoff-dialog';
import { IdentityCodeDialog } from '../dialogs/identity-code-dialog';
import { IdentityDialog } from '../dialogs/identity-dialog';
import { MainDialog } from '../dialogs/main-dialog';
import { SaleOptOutDialog } from '../dialogs/sale-opt-out-dialog';
import { MenuEntry, availableMenu } from '../dialogs/menu';
import { createAdapter } from './adapter/create-adapter';
import { AgentConsole, createAgentConsole } from './agent/create-agent-console';
import { createDirectLine, DirectLineChannel } from './channels/directline/create-direct-line';
import { CONNECTOR_ROUTES_PREFIX } from './channels/directline/connector-routes';
import { directLineTokenIssuer } from './channels/webchat/direct-line-token-issuer';
import { createSiteAssertionVerifier, SiteAssertionVerifier } from './channels/webchat/site-assertion-verifier';
import { webChatTokenLimits } from './channels/webchat/token-limits';
import { webChatRoutes } from './channels/webchat/webchat-routes';
import { ConversationTranscript } from './bot/conversation-transcript';
import { CustomerAssurance } from './bot/customer-assurance';
import { TeamsSignInInvoke } from './bot/teams-sign-in-invoke';
import { TeamsSso, TeamsUserTokens } from './channels/teams/teams-sso';
import { TeamsSignInDialog } from '../dialogs/teams-sign-in-dialog';
import { HandoffLeaveMatcher } from './bot/handoff-leave-matcher';
import { createTurnErrorHandler } from './bot/on-turn-error';
import { ProactiveCustomerChannel, storedConversationOf } from './bot/proactive-customer-channel';
import { GpcOptOut } from './bot/gpc-opt-out';
import { PrivacyBot } from './bot/privacy-bot';
import { createStateProperties } from './bot/state-properties';
import { BotOptions } from './config/options';
import { createHandoffBackend } from './handoff/create-handoff';
import type { CustomerChannel } from './handoff/customer-channel';
import type { HandoffHub } from './handoff/handoff-hub';
import { HandoffSweeper } from './handoff/handoff-sweeper';
import { ShippedLocale, SHIPPED_LOCALES, isShippedLocale, matchShippedLocale } from './i18n/shipped-locales';
import { Translations } from './i18n/translator';
import type { Logger } from './log/logger';
import { ReceiptService } from './ledger/receipts/receipt-service';
import { createConsentWebhook } from './integrations/consent-webhook/create-consent-webhook';
import { createIdentityCodes, IdentityCodes } from './integrations/messaging/create-identity-codes';
import { CodeReplyRecognizer } from './nlu/code-reply-recognizer';
import { ConsentScopeRecognizer } from './nlu/consent-scope-recognizer';
import { YesNoRecognizer } from './nlu/yes-no';
import { MessageLanguageAdvisor } from './nlu/message-language';
import { createMetrics } from './metrics/create-metrics';
import { AccessRequestRuntime, createAccessRequests } from './privacy/access/create-access-requests';
import { ConcernsRuntime, createConcerns } from './privacy/concerns/create-concerns';
import { IncidentNoticeSender } from './privacy/concerns/incident-notice-sender';
import { PublishedNoticeCache } from './privacy/concerns/published-notice-cache';
import { IncidentConversation } from './bot/incident-topic';
import { ConcernTopicRecognizer } from './nlu/concern-topic-recognizer';
import { IncidentQuestionMatcher } from './nlu/incident-question-matcher';
import { OccurredAtRecognizer } from './nlu/occurred-at-recognizer';
import { zipReportPreview } from './privacy/access/copy/copy-preview';
import { ConsentSelfService } from './privacy/consent/consent-self-service';
import { WithdrawalNotifier } from './privacy/consent/withdrawal-notice';
import { loadController } from './privacy/receipts/controller';
import { ReceiptSigner } from './privacy/receipts/receipt-signer';
import { receiptRoutes } from './server/routes/receipt-routes';
import { copyDownloadRoutes } from './server/routes/copy-download-routes';
import { sourceResultsRoutes } from './server/routes/source-results-routes';
import { demoCrmRoutes } from './integrations/demo-crm/demo-crm-routes';
import { IntentCorpus, readIntentCorpus } from './nlu/corpus';
import { IntentRecognizer } from './nlu/intents';
import { KeywordInterruptionMatcher } from './nlu/keyword-matcher';
import { LinearIntentRecognizer } from './nlu/linear-intent-recognizer';
import { loadAssurancePolicy } from './privacy/assurance/assurance-policy';
import { IdentityService } from './privacy/identity/identity-service';
import { clientAddressResolver } from './server/client-address';
import { createServer } from './server/create-server';
import { HttpDrain } from './server/http-drain';
import { ShutdownProgress } from './shutdown/shutdown-progress';
import { openAppLedger } from './startup/open-app-ledger';
import { StartupTimeline } from './startup/startup-timeline';
import { ReadinessCheck } from './server/readiness';
import { ServiceUrlPolicy } from './server/service-url-policy';
import { MemorySessionStorage } from './state/memory-session-storage';
import { createRedisClient, describeRedisUrl, pingRedis, waitForRedis } from './state/redis-client';
import type { DocumentStorage } from './state/document-storage';
import { RedisStorage } from './state/redis-storage';
import { isUserStateKey } from './turn/session-keys';
import { TurnRunner } from './turn/turn-runner';
import { SessionStore } from './turn/turn-session';

export interface App {
  readonly server: Server;
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number>;
  /**
   * Graceful shutdown: /readyz 503 and new requests refused at once, turns in flight finished,
   * sweeper and webhook stopped, streams, listener and backends closed (README "Stopping").
   */
  close(): Promise<void>;
  /** What `close()` is still waiting for — requests being answered, steps — for the deadline's log line. */
  stillRunning(): string[];
  /** Our Direct Line endpoint (tokens for our pages, proactive turns); undefined when DIRECT_LINE_ENABLED=false. */
  readonly directLine?: DirectLineChannel;
  /** Handoff to a person: the agent hub, the way back to the customer, the timeout sweeper. */
  readonly handoff: {
    readonly hub: HandoffHub;
    readonly customerChannel: CustomerChannel;
    readonly sweeper: HandoffSweeper;
  };
  /** One-time codes and messages to the contact on file (and the development outbox, when used). */
  readonly identityCodes: IdentityCodes;
  /** The port of `/metrics` once listening, when METRICS_PORT gives it one of its own; undefined otherwise. */
  metricsPort(): number | undefined;
}

export interface AppOverrides {
  /** A recognizer trained elsewhere (tests train once and share it). */
  recognizer?: IntentRecognizer;
  /** Dialogs added to the main dialog, given the assurance gate, and the menu that routes to them (tests of dialogs behind the gate). */
  dialogs?: (assuranceGate: Dialog) => readonly Dialog[];
  menu?: readonly MenuEntry[];
  /** The clock of the handoff queue and its timeout sweeper (tests move it instead of waiting). @default the wall clock */
  handoffClock?: () => Date;
  /** Teams SSO's token service client (tests give a fake one). @default the adapter's UserTokenClient of each turn */
  teamsUserTokens?: (context: TurnContext) => TeamsUserTokens | undefined;
}

/** How long after listening the date parser's models are loaded (OccurredAtRecognizer.warmUp). */
const DATE_MODELS_WARM_UP_DELAY_MS = 1_000;

/** How main.ts starts the app: where step times go. */
export interface AppStart {
  /** Records each start-up step for the `start-up: ready` line. @default a timeline nobody reads */
  timeline?: StartupTimeline;
}

interface SessionBackend {
  storage: Storage & DocumentStorage;
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
  const recognizer = await LinearIntentRecognizer.train({ threshold: options.nluThreshold, corpora, cacheDir: options.nluCacheDir });
  logger.info({ locales: Object.keys(corpora), millis: Date.now() - started, threshold: options.nluThreshold }, 'intent classifier trained');
  return recognizer;
}

/** Signed-in Web Chat's assertion verifier when WEBCHAT_IDENTITY_* configures one; says at start which key source it uses. */
function siteIdentityVerifier(options: BotOptions, logger: Logger): SiteAssertionVerifier | undefined {
  const config = options.webChatIdentity;
  if (!config.enabled || !config.keySource) return undefined;
  const keys = config.keySource.kind === 'jwks' ? `JWK Set at ${new URL(config.keySource.jwksUrl).origin}` : 'shared secret (HS256)';
  logger.info({ keys, issuer: config.issuer, claim: config.claim, claimKind: config.claimKind, algorithms: config.algorithms }, `signed-in Web Chat: assertions checked against a ${keys}`);
  return createSiteAssertionVerifier(config);
}

/** Wires the whole bot from validated options. The one place where parts meet. */
export async function createApp(options: BotOptions, rootLogger: Logger, overrides: AppOverrides = {}, start: AppStart = {}): Promise<App> {
  const logger = rootLogger.child({ module: 'app' });
  const timeline = start.timeline ?? new StartupTimeline();
  const defaultLocale: ShippedLocale = isShippedLocale(options.defaultLocale) ? options.defaultLocale : 'en';
  const corpora: Record<string, IntentCorpus> = {};
  for (const locale of SHIPPED_LOCALES) corpora[locale] = readIntentCorpus(locale);
  // Independent of each other: the ledger's database work interleaves with reading the models and catalogs.
  const [ledger, translations, recognizer, session, handoff] = await Promise.all([
    timeline.phase('ledger', () => openAppLedger(options, logger)),
    timeline.phase('translations', () => Translations.load()),
    overrides.recognizer ?? timeline.phase('intentModels', () => trainRecognizer(options, corpora, logger)),
    timeline.phase('sessionState', () => createSessionBackend(options, logger)),
    timeline.phase('handoffQueue', () => createHandoffBackend({ redisUrl: options.redisUrl, redisPrefix: options.redisPrefix, timeoutSeconds: options.handoffTimeoutSeconds, logger: rootLogger, now: overrides.handoffClock })),
  ]);
  const wiringStarted = performance.now();
  const state = createStateProperties();
  const menu = overrides.menu ?? availableMenu();
  const interruptions = new KeywordInterruptionMatcher(corpora);
  // One-time codes to the contact on file, and the messenger the withdrawal notice uses: the dialogs take them from here.
  const identityCodes = await createIdentityCodes({ options, ledger, translations, logger: rootLogger });
  const identity = new IdentityService({ subjects: ledger.subjects, verifications: ledger.verifications, claimKeyOf: identityCodes.claimKeyOf });
  // Teams SSO (TEAMS_SSO_CONNECTION): a linked Teams account is verified by signing in, offered by the assurance gate.
  const teamsSso = options.teamsSsoConnection ? new TeamsSso(options.teamsSsoConnection, overrides.teamsUserTokens) : undefined;
  const assurance = new CustomerAssurance({ state: state.assurance, identity, policy: loadAssurancePolicy(), teamsSignIn: teamsSso !== undefined });
  const transcript = new ConversationTranscript(state.recentLines);
  // The conversation a customer reported in or asked in is reached through the proactive channel, built with the adapter below.
  let customerChannelForNotices: ProactiveCustomerChannel | undefined;
  const conversations = { tell: (conversation: Record<string, unknown>, text: string) => (customerChannelForNotices ? customerChannelForNotices.tell(conversation, text) : Promise.reject(new Error('not listening yet'))) };
  // Concerns and breaches: the report, the DPO alert (webhook + email), triage and incidents; incident mode answers from the published notice.
  let incidentSender: IncidentNoticeSender | undefined;
  const concerns: ConcernsRuntime = createConcerns({
    ledger,
    dpoAlert: options.dpoAlert,
    translations,
    defaultLocale,
    messenger: identityCodes.messenger,
    addresses: identityCodes.addresses,
    conversations,
    onSubjectNotices: () => incidentSender?.kick(),
    logger: rootLogger,
  });
  const incidentNotices = new PublishedNoticeCache({ source: concerns.service, logger: rootLogger.child({ module: 'incident-notice' }) });
  const incidentQuestions = IncidentQuestionMatcher.load();
  const incidentConversation = new IncidentConversation({ topic: state.incidentTopic, notices: incidentNotices, questions: incidentQuestions });
  incidentSender = new IncidentNoticeSender({
    notices: concerns.subjectNotices,
    incidents: concerns.service,
    messenger: identityCodes.messenger,
    conversations,
    translations,
    defaultLocale,
    controllerName: loadController().name,
    logger: rootLogger.child({ module: 'incident-notices' }),
  });
  logger.info({ mode: options.handoffMode, timeoutSeconds: options.handoffTimeoutSeconds }, `handoff to a person: ${options.handoffMode === 'external' ? 'external agent hub (handoff.initiate)' : 'built-in queue and agent console'}`);
  const handoffDialog = new HandoffDialog({
    mode: options.handoffMode,
    hub: handoff.hub,
    assurance,
    handoffState: state.handoff,
    recentLines: (context) => transcript.recent(context),
    conversationOf: storedConversationOf,
    reasonOf: (context) => incidentConversation.reasonOf(context),
    menu,
  });
  // Dialogs that need an assurance level add this one gate as a child.
  // A one-time code to the contact on file comes first; a person verifies when the customer asks for one.
  const codeDialog = new IdentityCodeDialog({ codes: identityCodes.codes, replies: CodeReplyRecognizer.load(recognizer), assurance });
  const ssoLogger = rootLogger.child({ module: 'teams-sso' });
  const teamsSignIn = teamsSso
    ? new TeamsSignInDialog({ sso: teamsSso, assurance, onCardFailure: (err) => ssoLogger.warn({ reason: err instanceof Error ? err.name : typeof err }, 'teams sso: no sign-in card (token service), the code flow follows') })
    : undefined;
  const assuranceGate = new AssuranceGateDialog({ assurance, menu, identityDialog: new IdentityDialog({ identity, assurance }), handoffDialog, codeDialog, teamsSignIn });
  // Consent self-service: every change is recorded with its signed receipt in one ledger transaction; the webhook tells the company's systems.
  for (const warning of options.receipts.warnings) rootLogger.child({ module: 'receipts' }).warn(warning);
  const receiptSigner = new ReceiptSigner(options.receipts.signingKey);
  const controller = loadController();
  const receipts = new ReceiptService({ db: ledger.db, catalog: ledger.catalog, signer: receiptSigner, controller, publicBaseUrl: options.receipts.publicBaseUrl });
  logger.info({ kid: options.receipts.kid, ephemeralKey: options.receipts.usesEphemeralKey, publicBaseUrl: options.receipts.publicBaseUrl }, 'consent receipts: signed with Ed25519');
  const consentWebhook = createConsentWebhook({ config: options.consentWebhook, db: ledger.db, logger: rootLogger });
  // A withdrawal by a customer who is only identified is told to the contact on file, after the commit.
  const notices = new WithdrawalNotifier({ messenger: identityCodes.messenger, translations, catalog: ledger.catalog, controller, db: ledger.db, logger: rootLogger });
  const consents = new ConsentSelfService({ db: ledger.db, catalog: ledger.catalog, consent: ledger.consent, subjects: ledger.subjects, receipts, notices, afterCommit: () => consentWebhook.kick() });
  const consentDeps: ConsentDialogDeps = { consents, assurance, saleOptOuts: state.saleOptOuts, scope: ConsentScopeRecognizer.load(ledger.catalog), yesNo: YesNoRecognizer.load(), gate: assuranceGate, menu };
  const consentDialogs = [new ConsentCheckDialog(consentDeps), new ConsentChangeDialog('withdraw', consentDeps), new ConsentChangeDialog('give', consentDeps), new SaleOptOutDialog(consentDeps)];
  // Access requests ("a copy of my data"): cases across the company's data sources, the copy, the notices.
  let boundPort = 0;
  const access: AccessRequestRuntime = createAccessRequests({
    ledger,
    options: { ...options.dataCopies, publicBaseUrl: options.receipts.publicBaseUrl, sourceJobs: options.sourceJobs },
    translations,
    defaultLocale,
    messenger: identityCodes.messenger,
    conversations,
    selfBaseUrl: () => `http://127.0.0.1:${boundPort}`,
    logger: rootLogger.child({ module: 'access' }),
  });
  logger.info({ sources: access.catalog.sources.map((source) => source.id), file: access.catalog.file, review: options.dataCopies.review }, 'access requests: data sources');
  const accessDeps: AccessDialogDeps = { access: access.service, assurance, yesNo: consentDeps.yesNo, gate: assuranceGate, menu, logger: rootLogger.child({ module: 'access-dialogs' }) };
  const accessDialogs = [new DataCopyDialog(accessDeps), new CaseStatusDialog(accessDeps)];
  const dates = new OccurredAtRecognizer();
  const concernDeps: ConcernDialogDeps = {
    concerns: concerns.service,
    assurance,
    topics: ConcernTopicRecognizer.load(),
    dates,
    categories: access.service.categories,
    yesNo: consentDeps.yesNo,
    gate: assuranceGate,
    handoff: handoffDialog,
    menu,
    logger: rootLogger.child({ module: 'concern-dialogs' }),
  };
  const incidentDialog = new IncidentDialog({
    notices: incidentNotices,
    questions: incidentQuestions,
    concerns: concerns.service,
    assurance,
    conversation: incidentConversation,
    gate: assuranceGate,
    menu,
    defaultLocale,
    logger: rootLogger.child({ module: 'incident-dialog' }),
  });
  const concernDialogs = [new ConcernReportDialog(concernDeps), incidentDialog];
  const mainDialog = new MainDialog({
    recognizer,
    interruptions,
    translations,
    preferences: state.preferences,
    menu,
    dialogs: [assuranceGate, handoffDialog, ...consentDialogs, ...accessDialogs, ...concernDialogs, ...(overrides.dialogs?.(assuranceGate) ?? [])],
    // An incident question while a notice is published comes before anything else; then a typed reference.
    textRoutes: [incidentDialog.route, CASE_REFERENCE_ROUTE],
    languageAdvisor: new MessageLanguageAdvisor(recognizer),
    yesNo: consentDeps.yesNo,
  });
  // GET /metrics (METRICS_PORT or METRICS_TOKEN): turns as they end, the handoff queue and the ledger's backlogs at each scrape.
  const metrics = createMetrics({ options: options.metrics, ledger: ledger.db, handoffQueueDepth: options.handoffMode === 'builtin' ? () => handoff.hub.queueDepth() : undefined, logger: rootLogger });
  const runner = new TurnRunner({ store: new SessionStore(session.storage), maxAttempts: options.turnMaxAttempts, concurrency: options.turnConcurrency, logger: rootLogger.child({ module: 'turn' }), observer: metrics.turnObserver });
  // A Web Chat conversation with Global Privacy Control: the CCPA opt-out, once the customer is identified.
  const gpc = new GpcOptOut({ consents, assurance, recorded: state.saleOptOuts });
  const bot = new PrivacyBot({
    runner,
    mainDialog,
    state,
    translations,
    menu,
    defaultLocale,
    maxMessageChars: options.maxMessageChars,
    handoff: { hub: handoff.hub, leave: new HandoffLeaveMatcher(interruptions) },
    transcript,
    gpc,
    teamsSignIn: teamsSso ? new TeamsSignInInvoke({ sso: teamsSso, assurance, logger: ssoLogger }) : undefined,
  });
  if (teamsSso) logger.info({ connection: teamsSso.connectionName }, 'teams sso: on (OAuth connection of the Azure Bot resource)');

  const adapter = createAdapter(options);
  adapter.onTurnError = createTurnErrorHandler({ translations, defaultLocale, logger: rootLogger });
  logger.info({ authentication: options.microsoftAppId ? 'bot-framework' : 'disabled (no MicrosoftAppId)' }, 'channel authentication');
  const serviceUrls = new ServiceUrlPolicy(options);
  if (serviceUrls.restricted) logger.info({ allowedServiceUrls: options.allowedServiceUrls }, 'replies only to ALLOWED_SERVICE_URLS (production without channel authentication)');
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
        unavailableText: (locale) => translations.for(matchShippedLocale(locale) ?? defaultLocale).t('bot.unavailable'),
      })
    : undefined;
  const customerChannel = new ProactiveCustomerChannel({
    adapter,
    botAppId: options.microsoftAppId,
    directLine,
    serviceUrls,
    runTurn: (context) => bot.run(context),
    translations,
    defaultLocale,
    logger: rootLogger,
  });
  customerChannelForNotices = customerChannel;
  // The one reading of X-Forwarded-For (TRUST_PROXY): sign-in and token limits count by this address.
  const clientAddress = clientAddressResolver(options.trustProxy);
  const sweeper = new HandoffSweeper({ hub: handoff.hub, onTimedOut: (ticket) => customerChannel.handoffClosed(ticket), logger: rootLogger, now: overrides.handoffClock });
  sweeper.start();
  consentWebhook.start();
  access.start();
  concerns.start();
  incidentSender.start();
  // The console serves the built-in hub; with an external agent hub there is no queue of ours to show.
  const agentConsole: AgentConsole | undefined =
    options.handoffMode === 'builtin' && options.agentConsole.enabled
      ? await createAgentConsole({
          config: options.agentConsole,
          hub: handoff.hub,
          customerChannel,
          ledger,
          // The privacy team's Requests view: the same case service the dialogs use, and the copy's report to check before release.
          accessRequests: access.service,
          reportPreview: zipReportPreview(access.copies),
          // Concerns, incidents and the surge: the same concern service the report dialog uses.
          concerns: concerns.service,
          redisUrl: options.redisUrl,
          redisPrefix: options.redisPrefix,
          bodyLimitBytes: options.bodyLimitBytes,
          clientAddress,
          // The console speaks the agent's browser language, else the bot's default.
          defaultLocale,
          logger: rootLogger,
        })
      : undefined;

  // During a shutdown the bot's own Direct Line replies (loopback HTTP to the connector routes) are still served.
  const drain = new HttpDrain((path) => directLine !== undefined && path.startsWith(CONNECTOR_ROUTES_PREFIX), rootLogger.child({ module: 'http' }));
  const shutdown = new ShutdownProgress();
  const server = createServer({
    drain,
    adapter,
    runTurn: (context) => bot.run(context),
    readiness: [session.readiness, { name: 'ledger', backend: ledger.db.backend, isReady: () => ledger.db.isReady() }, handoff.readiness],
    bodyLimitBytes: options.bodyLimitBytes,
    logger: rootLogger,
    serviceUrls,
    extraRoutes: [
      ...(directLine ? [directLine.routes] : []),
      // The Web Chat page (GET /) talks to our Direct Line endpoint; the sites allowed to embed the chat may frame it.
      ...(directLine
        ? [
            webChatRoutes({
              translations,
              defaultLocale,
              issueToken: directLineTokenIssuer(directLine),
              siteIdentity: siteIdentityVerifier(options, logger),
              tokenLimits: webChatTokenLimits(directLine, options.directLine, clientAddress),
              logger: rootLogger,
              options: { frameAncestors: ["'self'", ...options.directLine.corsOrigins] },
            }),
          ]
        : []),
      ...(agentConsole ? [agentConsole.routes] : []),
      receiptRoutes({ receipts, signer: receiptSigner, publicBaseUrl: options.receipts.publicBaseUrl, translations, catalog: ledger.catalog, defaultLocale, logger: rootLogger }),
      // Access requests: the copy's download page, and the results an http data source posts later.
      copyDownloadRoutes({ copies: access.copies, translations, defaultLocale, logger: rootLogger, chatPath: directLine ? '/' : '' }),
      sourceResultsRoutes({ catalog: access.catalog, intake: access.intake, logger: rootLogger }),
      // The fictitious CRM of the demo (/dev/demo-crm): outside production only, when a source points at it.
      ...(options.nodeEnv !== 'production' ? [demoCrmRoutes({ catalog: access.catalog, logger: rootLogger })].filter((routes) => routes !== undefined) : []),
      // GET /dev/outbox: only outside production, and only when a channel has no real transport.
      ...(identityCodes.routes ? [identityCodes.routes] : []),
      ...(metrics.mainPortRoutes ? [metrics.mainPortRoutes] : []),
    ],
  });

  timeline.record('wiring', performance.now() - wiringStarted);

  return {
    server,
    directLine,
    handoff: { hub: handoff.hub, customerChannel, sweeper },
    identityCodes,
    metricsPort: () => metrics.ownPort?.port,
    listen: async () => {
      const port = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          boundPort = server.address().port;
          resolve(boundPort);
        });
      });
      await metrics.ownPort?.listen();
      // After start-up, not in it: the date parser's models load a moment after the first /readyz could be answered
      // (they hold the event loop about 0.3 s); a turn that needs them before that loads them itself.
      setTimeout(() => dates.warmUp(), DATE_MODELS_WARM_UP_DELAY_MS).unref();
      return port;
    },
    // The graceful shutdown (README "Stopping"); main.ts puts the deadline around it.
    close: async () => {
      drain.begin();
      // Turns in flight finish (their Direct Line replies still reach our connector routes);
      // background jobs stop between two units of work, the rest resuming elsewhere or at next start.
      await Promise.all([
        drain.idle(),
        shutdown.step('handoff sweeper: a timeout notice', () => sweeper.stop()),
        shutdown.step('consent webhook: posts in flight', () => consentWebhook.stop()),
        shutdown.step('access requests: source runs, copy assembly and notices in flight', () => access.stop()),
        shutdown.step('concerns: DPO alerts and replies in flight', () => concerns.stop()),
        shutdown.step('incident notices in flight', () => incidentSender?.stop()),
      ]);
      // Open WebSockets and the agents' event streams would keep the HTTP server from closing.
      await shutdown.step('Direct Line WebSockets', () => directLine?.close());
      await shutdown.step('agent console event streams', () => agentConsole?.close());
      await shutdown.step('HTTP listener', () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Nothing is being answered any more: what is left is idle keep-alive or a request never finished sending its headers.
        server.server.closeAllConnections();
        return closed;
      });
      await shutdown.step('metrics listener', () => metrics.ownPort?.close());
      await shutdown.step('handoff queue', () => handoff.close());
      await shutdown.step('session state', () => session.close());
      await shutdown.step('one-time codes', () => identityCodes.close());
      await shutdown.step('ledger', () => ledger.close());
    },
    stillRunning: () => [...drain.describeInFlight(), ...shutdown.list()],
  };
}
