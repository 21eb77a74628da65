import type { DpoAlertConfig } from '../../config/dpo-alert-config';
import type { ShippedLocale } from '../../i18n/shipped-locales';
import { isShippedLocale } from '../../i18n/shipped-locales';
import { Translations } from '../../i18n/translator';
import { ConsentWebhookDispatcher } from '../../integrations/consent-webhook/webhook-dispatcher';
import { ConcernMessages } from '../../ledger/concerns/concern-messages';
import { IncidentSubjectNotices } from '../../ledger/concerns/incident-subject-notices';
import type { Ledger } from '../../ledger/ledger';
import { DPO_ALERT } from '../../ledger/webhooks/dpo-alert-payload';
import { WebhookOutbox, WebhookOutboxStats } from '../../ledger/webhooks/webhook-outbox';
import type { Logger } from '../../log/logger';
import type { ConversationTeller } from '../access/request-notice-sender';
import { loadProcessingRegister, ProcessingRegister } from '../access/copy/processing-register';
import type { AddressMessenger } from '../identity/address-messenger';
import type { ContactMessenger } from '../identity/contact-messenger';
import { Controller, loadController } from '../receipts/controller';
import { ConcernReplySender } from './concern-reply-sender';
import { ConcernService, ConcernWork } from './concern-service';
import { DpoEmailSender } from './dpo-email-sender';

export interface ConcernsDeps {
  readonly ledger: Ledger;
  /** DPO_WEBHOOK_URL, DPO_WEBHOOK_SECRET, DPO_EMAIL (options.dpoAlert). */
  readonly dpoAlert: DpoAlertConfig;
  readonly translations: Translations;
  readonly defaultLocale: ShippedLocale;
  /** The contact on file (replies to a customer who said who they are). */
  readonly messenger: ContactMessenger;
  /** An address given (DPO_EMAIL; a contact a customer typed for the reply): `identityCodes.addresses`. */
  readonly addresses: AddressMessenger;
  /** The conversation a concern was reported in, when it can still be reached (the bot edge). */
  readonly conversations?: ConversationTeller;
  /** Art. 34 notices were queued (an import) or became sendable (a notice published): kick their sender. */
  readonly onSubjectNotices?: () => void;
  readonly logger: Logger;
  /** @default config/controller.json */
  readonly controller?: Controller;
  /** The authorities named in the notification draft. @default config/processing-register.json */
  readonly register?: ProcessingRegister;
  readonly now?: () => Date;
  /** Jitter of the retries' back-off; tests pin it. @default Math.random */
  readonly random?: () => number;
  /** Poll interval of the email and reply senders. @default 5000 */
  readonly pollMs?: number;
}

/** Concerns and incidents, ready to serve: the service and the background work behind it. */
export interface ConcernsRuntime {
  readonly service: ConcernService;
  /** The outbox of the DPO alert's email and of replies. */
  readonly messages: ConcernMessages;
  /** The Art. 34 notices' outbox (its sender is incident-notice-sender.ts). */
  readonly subjectNotices: IncidentSubjectNotices;
  /** Posts `dpo.alert` deliveries to DPO_WEBHOOK_URL; undefined without one (the alerts wait in the outbox). */
  readonly dpoWebhook: ConsentWebhookDispatcher | undefined;
  /** Sends the alert's email to DPO_EMAIL; undefined without one (the emails wait in the outbox). */
  readonly dpoEmail: DpoEmailSender | undefined;
  readonly replies: ConcernReplySender;
  /** The DPO alert webhook's outbox counts (its topic only). */
  dpoWebhookStats(): Promise<WebhookOutboxStats>;
  start(): void;
  /** Stops the background work between two units of work (the rest resumes on another instance or at next start). */
  stop(): Promise<void>;
}

function serviceOver(ledger: Ledger, parts: { messages: ConcernMessages; subjectNotices: IncidentSubjectNotices }, deps: Pick<ConcernsDeps, 'dpoAlert' | 'translations' | 'defaultLocale' | 'controller' | 'register' | 'now'>, afterCommit?: (work: ConcernWork) => void): ConcernService {
  const controller = deps.controller ?? loadController();
  const register = deps.register ?? loadProcessingRegister();
  return new ConcernService({
    db: ledger.db,
    concerns: ledger.concerns,
    incidents: ledger.incidents,
    subjects: ledger.subjects,
    messages: parts.messages,
    subjectNotices: parts.subjectNotices,
    defaultRegime: controller.defaultRegime,
    controller: { name: controller.name, contact: controller.contact, email: controller.email, phone: controller.phone, address: controller.address },
    authorityOf: (regime, locale) => register.authorities[regime].name[locale],
    dpoAlert: { webhook: deps.dpoAlert.webhook !== null, email: deps.dpoAlert.email !== '' },
    translations: deps.translations,
    defaultLocale: deps.defaultLocale,
    afterCommit,
    now: deps.now,
  });
}

/**
 * Wires concerns and incidents over one ledger: the service (what the report dialog, the console and
 * the CLI call), the DPO alert's webhook dispatcher (a second instance of the consent webhook's,
 * claiming only `dpo.alert` deliveries, signed with DPO_WEBHOOK_SECRET) and email sender, and the
 * reply sender. The edge adds the dialogs, the console views and incident mode.
 */
export function createConcerns(deps: ConcernsDeps): ConcernsRuntime {
  const { ledger } = deps;
  const logger = deps.logger.child({ module: 'concerns' });
  const now = deps.now ?? (() => new Date());
  const controller = deps.controller ?? loadController();
  const messages = new ConcernMessages(ledger.db, ledger.blobs, now);
  const subjectNotices = new IncidentSubjectNotices(ledger.db, now);
  const outbox = new WebhookOutbox(ledger.db, now, { topic: DPO_ALERT });
  const webhookConfig = deps.dpoAlert.webhook;
  const dpoWebhook = webhookConfig
    ? new ConsentWebhookDispatcher({
        outbox,
        url: webhookConfig.url,
        secret: webhookConfig.secret,
        timeoutMs: webhookConfig.timeoutMs,
        maxBackoffSeconds: webhookConfig.maxBackoffSeconds,
        pollMs: webhookConfig.pollMs,
        logger: logger.child({ part: 'dpo-webhook' }),
        now,
        random: deps.random,
        name: 'DPO alert webhook',
      })
    : undefined;
  const dpoEmail = deps.dpoAlert.email
    ? new DpoEmailSender({
        messages,
        concerns: ledger.concerns,
        db: ledger.db,
        addresses: deps.addresses,
        to: deps.dpoAlert.email,
        translations: deps.translations,
        locale: deps.defaultLocale,
        controllerName: controller.name,
        logger: logger.child({ part: 'dpo-email' }),
        now,
        random: deps.random,
        pollMs: deps.pollMs,
      })
    : undefined;
  const replies = new ConcernReplySender({
    messages,
    concerns: ledger.concerns,
    messenger: deps.messenger,
    addresses: deps.addresses,
    conversations: deps.conversations,
    translations: deps.translations,
    defaultLocale: deps.defaultLocale,
    controllerName: controller.name,
    logger: logger.child({ part: 'replies' }),
    now,
    random: deps.random,
    pollMs: deps.pollMs,
  });
  const kick = (work: ConcernWork): void => {
    if (work === 'dpo-alert') {
      dpoWebhook?.kick();
      dpoEmail?.kick();
    } else if (work === 'reply') replies.kick();
    else deps.onSubjectNotices?.();
  };
  const service = serviceOver(ledger, { messages, subjectNotices }, { ...deps, controller, now }, kick);
  for (const warning of deps.dpoAlert.warnings) logger.warn(warning);
  return {
    service,
    messages,
    subjectNotices,
    dpoWebhook,
    dpoEmail,
    replies,
    dpoWebhookStats: () => outbox.stats(),
    start: () => {
      logger.info(
        { webhook: webhookConfig ? webhookConfig.description : 'not configured (no DPO_WEBHOOK_URL)', email: deps.dpoAlert.email ? 'configured' : 'not configured (no DPO_EMAIL)' },
        'concerns: DPO alert of suspected breaches',
      );
      dpoWebhook?.start();
      dpoEmail?.start();
      replies.start();
    },
    stop: async () => {
      await Promise.all([dpoWebhook?.stop(), dpoEmail?.stop(), replies.stop()]);
    },
  };
}

/**
 * The service alone, over an open ledger (the CLI: no background work, nothing sent). Alerts and
 * replies it queues wait in the outboxes for the bot's workers.
 */
export async function openConcerns(ledger: Ledger, options: { readonly dpoAlert?: DpoAlertConfig; readonly defaultLocale?: string; readonly now?: () => Date } = {}): Promise<ConcernService> {
  const now = options.now ?? (() => new Date());
  return serviceOver(
    ledger,
    { messages: new ConcernMessages(ledger.db, ledger.blobs, now), subjectNotices: new IncidentSubjectNotices(ledger.db, now) },
    {
      dpoAlert: options.dpoAlert ?? { webhook: null, email: '', warnings: [] },
      translations: await Translations.load(),
      defaultLocale: isShippedLocale(options.defaultLocale) ? options.defaultLocale : 'en',
      now,
    },
  );
}
