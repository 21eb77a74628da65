import { DpoAlertConfig, loadDpoAlertConfig } from '../../../src/config/dpo-alert-config';
import { Translations } from '../../../src/i18n/translator';
import { MessageNotSentError } from '../../../src/integrations/messaging/message-not-sent-error';
import { MessageOutbox } from '../../../src/integrations/messaging/message-outbox';
import type { MessageTransport, MessageTransports } from '../../../src/integrations/messaging/message-transport';
import { TransportAddressMessenger } from '../../../src/integrations/messaging/transport-address-messenger';
import type { Ledger } from '../../../src/ledger/ledger';
import type { ConcernService } from '../../../src/privacy/concerns/concern-service';
import type { NewConcern } from '../../../src/privacy/concerns/concern-types';
import { ConcernsRuntime, createConcerns } from '../../../src/privacy/concerns/create-concerns';
import type { BackendContext } from '../../ledger/support/ledger-backends';
import { RecordingContactMessenger } from '../../support/recording-contact-messenger';
import { LogCapture } from '../../support/test-app';

export const CUSTOMER = { actor: 'customer:web', reason: 'reported a concern in chat' };
export const TEAM = { actor: 'agent:privacy-anna', reason: 'privacy team triage' };
export const DPO_EMAIL = 'dpo@example.com';
export const DPO_SECRET = 'dpo-webhook-test-secret-0123456789abcdef';

/** A report as the dialog makes it: an anonymous suspected breach unless told otherwise. */
export function newConcern(overrides: Partial<NewConcern> = {}): NewConcern {
  return {
    subjectId: null,
    topic: 'breach',
    description: 'I received an email with another customer’s order and address.',
    occurred: { at: new Date('2026-11-28T18:00:00.000Z'), phrase: 'yesterday evening' },
    dataCategories: ['marketing_offers'],
    dataPhrase: 'my order history',
    contact: null,
    channel: 'webchat',
    conversation: null,
    locale: 'en',
    timeZone: 'Europe/Rome',
    ...overrides,
  };
}

let translations: Promise<Translations> | undefined;
export function loadTranslations(): Promise<Translations> {
  translations ??= Translations.load();
  return translations;
}

/** An email transport that can be switched off (the SMTP server down), keeping what it took in the development outbox. */
class SwitchableTransport implements MessageTransport {
  down = false;
  constructor(private readonly inner: MessageTransport) {}
  get channel() {
    return this.inner.channel;
  }
  get kind() {
    return this.inner.kind;
  }
  get description() {
    return this.inner.description;
  }
  async send(message: Parameters<MessageTransport['send']>[0]): Promise<void> {
    if (this.down) throw new MessageNotSentError(this.inner.channel, this.inner.kind, { reason: 'ECONNREFUSED' });
    await this.inner.send(message);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface ConcernHarness {
  readonly runtime: ConcernsRuntime;
  readonly service: ConcernService;
  /** Emails and SMS to given addresses (the DPO, a typed contact), as the development outbox keeps them. */
  readonly outbox: MessageOutbox;
  /** Switch the email transport off and on. */
  readonly email: { down: boolean };
  readonly messenger: RecordingContactMessenger;
  /** What was said in conversations. */
  readonly told: { conversation: Record<string, unknown>; text: string }[];
  readonly logs: LogCapture;
  /** Kicks of the Art. 34 sender the service asked for. */
  readonly subjectNoticeKicks: { count: number };
}

/** The concern capability over a test ledger, with real transports to the development outbox and a recording chat. */
export async function concernHarness(ctx: BackendContext, options: { readonly ledger?: Ledger; readonly dpoAlert?: DpoAlertConfig } = {}): Promise<ConcernHarness> {
  const ledger = options.ledger ?? ctx.ledger;
  const logs = new LogCapture('debug');
  const outbox = new MessageOutbox(100, ctx.clock.now);
  const email = new SwitchableTransport(outbox.transport('email'));
  const transports: MessageTransports = { email, sms: outbox.transport('sms') };
  const messenger = new RecordingContactMessenger(ledger.subjects);
  const told: ConcernHarness['told'] = [];
  const kicks = { count: 0 };
  const runtime = createConcerns({
    ledger,
    dpoAlert: options.dpoAlert ?? loadDpoAlertConfig({ DPO_EMAIL }),
    translations: await loadTranslations(),
    defaultLocale: 'en',
    messenger,
    addresses: new TransportAddressMessenger(transports, logs.logger),
    conversations: {
      tell: async (conversation, text) => {
        if (conversation.gone) throw Object.assign(new Error('conversation gone'), { code: 'PSB_CUSTOMER_UNREACHABLE' });
        told.push({ conversation, text });
      },
    },
    onSubjectNotices: () => {
      kicks.count += 1;
    },
    logger: logs.logger,
    now: ctx.clock.now,
    random: () => 1,
  });
  return {
    runtime,
    service: runtime.service,
    outbox,
    get email() {
      return email;
    },
    messenger,
    told,
    logs,
    subjectNoticeKicks: kicks,
  };
}
