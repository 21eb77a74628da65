import { isShippedLocale, ShippedLocale } from '../../i18n/shipped-locales';
import type { Translations } from '../../i18n/translator';
import { DataCopies } from '../../ledger/access/data-copies';
import { RequestNotices } from '../../ledger/access/request-notices';
import { SourceJobStore } from '../../ledger/access/source-jobs';
import type { Ledger } from '../../ledger/ledger';
import type { Logger } from '../../log/logger';
import type { ContactMessenger } from '../identity/contact-messenger';
import { loadController } from '../receipts/controller';
import { AccessRequestService } from './access-request-service';
import { assembleCopy } from './copy/assemble-copy';
import { CopyExpiryJob } from './copy/copy-expiry-job';
import { loadProcessingRegister } from './copy/processing-register';
import { CopyWorkflow } from './copy-workflow';
import { DataSourceCatalog, loadDataSources } from './data-sources';
import { ConversationTeller, RequestNoticeSender } from './request-notice-sender';
import { SourceJobConfig } from './source-job-config';
import { SourceJobWorker } from './source-job-worker';
import { SourceResultsIntake } from './source-results';
import { subjectOfRequest } from './source-subject';
import { createSourceRunners } from './sources/create-source-runners';

/** The access-request settings of the bot's options (DATA_COPY_*, DATA_SOURCES_FILE, SOURCE_JOBS_*). */
export interface AccessRequestOptions {
  /** DATA_COPY_REVIEW=required: the privacy team releases each copy; none: it goes out once assembled. */
  readonly reviewRequired: boolean;
  readonly retentionDays: number;
  readonly maxDownloads: number;
  /** Where links point: `${publicBaseUrl}/copies/<token>`. */
  readonly publicBaseUrl: string;
  readonly sourceJobs?: SourceJobConfig;
  /** @default DATA_SOURCES_FILE or config/data-sources.json */
  readonly dataSourcesFile?: string;
}

export interface AccessRequestDeps {
  readonly ledger: Ledger;
  readonly options: AccessRequestOptions;
  readonly translations: Translations;
  readonly defaultLocale: ShippedLocale;
  /** The contact on file (email/SMS transports, or the development outbox). */
  readonly messenger: ContactMessenger;
  /** The conversation where the customer asked, when it can still be reached (the bot edge). */
  readonly conversations?: ConversationTeller;
  /** This bot's own base URL once listening: the /dev/ demo source is resolved against it. */
  readonly selfBaseUrl: () => string;
  readonly logger: Logger;
  /** The data sources, when not read from the file (tests and the bench name their own). */
  readonly catalog?: DataSourceCatalog;
  readonly now?: () => Date;
  /** Jitter of the retries' back-off; tests pin it. @default Math.random */
  readonly random?: () => number;
  /** Poll interval of the workflow and the notice sender. @default 5000 */
  readonly pollMs?: number;
}

/** Access requests, ready to serve: the service and the background work behind it. */
export interface AccessRequestRuntime {
  readonly service: AccessRequestService;
  readonly catalog: DataSourceCatalog;
  readonly copies: DataCopies;
  readonly notices: RequestNotices;
  readonly jobs: SourceJobStore;
  readonly worker: SourceJobWorker;
  readonly workflow: CopyWorkflow;
  readonly noticeSender: RequestNoticeSender;
  readonly intake: SourceResultsIntake;
  /** Erases copies past their retention (the row stays as evidence). */
  readonly expiry: CopyExpiryJob;
  start(): void;
  /** Stops the background work between two units of work (the rest resumes on another instance or at next start). */
  stop(): Promise<void>;
}

/**
 * Wires the access-request capability over one ledger: the catalog of data sources and the processing
 * register (read and checked at start), the case service, the source job worker, the copy workflow,
 * and the notice sender. The edge adds the HTTP routes and the dialogs.
 */
export function createAccessRequests(deps: AccessRequestDeps): AccessRequestRuntime {
  const { ledger, options, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const catalog = deps.catalog ?? loadDataSources(options.dataSourcesFile);
  const register = loadProcessingRegister();
  const controller = loadController();
  const jobs = new SourceJobStore(ledger.db, ledger.blobs, now);
  const copies = new DataCopies(ledger.db, ledger.blobs, now);
  const notices = new RequestNotices(ledger.db, ledger.blobs, now);
  // Set once every part exists: each part kicks the next when it has queued work for it.
  let kickAll = (): void => undefined;
  const service = new AccessRequestService({
    db: ledger.db,
    requests: ledger.requests,
    subjects: ledger.subjects,
    jobs,
    copies,
    notices,
    categories: catalog.categories,
    sources: catalog.sources,
    afterCommit: () => kickAll(),
    now,
  });
  const subjectOf = subjectOfRequest(ledger.db, ledger.subjects);
  const workflow = new CopyWorkflow({
    db: ledger.db,
    requests: ledger.requests,
    service,
    jobs,
    copies,
    assemble: async (input, sink) =>
      assembleCopy(
        {
          case: input.case,
          subject: await subjectOf(input.case.id),
          controller,
          register,
          sources: input.sources,
          generatedAt: input.generatedAt,
          expiresAt: input.expiresAt,
          translator: deps.translations.for(isShippedLocale(input.case.locale) ? input.case.locale : deps.defaultLocale),
        },
        sink,
      ),
    sources: catalog.sources,
    categories: catalog.categories,
    reviewRequired: options.reviewRequired,
    retentionDays: options.retentionDays,
    maxDownloads: options.maxDownloads,
    logger: logger.child({ module: 'access-workflow' }),
    now,
    pollMs: deps.pollMs,
  });
  const onSettled = (requestId: string, outcome: 'done' | 'failed', sourceId: string, error?: string): Promise<void> => workflow.onSettled(requestId, outcome, sourceId, error);
  const worker = new SourceJobWorker({
    store: jobs,
    catalog,
    runners: createSourceRunners(catalog, { ledger, selfBaseUrl: deps.selfBaseUrl, resultsBaseUrl: () => options.publicBaseUrl, now }),
    subjectOf,
    onSettled,
    logger,
    config: options.sourceJobs,
    now,
    random: deps.random,
  });
  const intake = new SourceResultsIntake({ store: jobs, catalog, onSettled, logger });
  const noticeSender = new RequestNoticeSender({
    notices,
    requests: ledger.requests,
    toCase: (request) => service.toCase(request),
    copies,
    messenger: deps.messenger,
    conversations: deps.conversations,
    translations: deps.translations,
    defaultLocale: deps.defaultLocale,
    authorityFor: (regime, locale) => register.authorities[regime].name[locale],
    controllerName: controller.name,
    publicBaseUrl: options.publicBaseUrl,
    logger: logger.child({ module: 'access-notices' }),
    now,
    random: deps.random,
    pollMs: deps.pollMs,
  });
  kickAll = () => {
    worker.kick();
    workflow.kick();
    noticeSender.kick();
  };
  const expiry = new CopyExpiryJob({ copies, logger });
  for (const warning of catalog.warnings) logger.warn({ module: 'access' }, warning);
  return {
    service,
    catalog,
    copies,
    notices,
    jobs,
    worker,
    workflow,
    noticeSender,
    intake,
    expiry,
    start: () => {
      worker.start();
      workflow.start();
      noticeSender.start();
      expiry.start();
    },
    stop: async () => {
      await Promise.all([worker.stop(), workflow.stop(), noticeSender.stop(), expiry.stop()]);
    },
  };
}

/** The case service alone, over an open ledger (the CLI: no background work, no messages sent). */
export function openAccessRequests(ledger: Ledger, now?: () => Date): AccessRequestService {
  const catalog = loadDataSources();
  const clock = now ?? (() => new Date());
  return new AccessRequestService({
    db: ledger.db,
    requests: ledger.requests,
    subjects: ledger.subjects,
    jobs: new SourceJobStore(ledger.db, ledger.blobs, clock),
    copies: new DataCopies(ledger.db, ledger.blobs, clock),
    notices: new RequestNotices(ledger.db, ledger.blobs, clock),
    categories: catalog.categories,
    sources: catalog.sources,
    now: clock,
  });
}

