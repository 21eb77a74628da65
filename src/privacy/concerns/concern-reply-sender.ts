import type { ShippedLocale } from '../../i18n/shipped-locales';
import { isShippedLocale } from '../../i18n/shipped-locales';
import type { Translations } from '../../i18n/translator';
import { errorKind } from '../../jobs/error-kind';
import { OutboxSender, OutboxSenderDeps } from '../../jobs/outbox-sender';
import type { ClaimedConcernMessage, ConcernMessages } from '../../ledger/concerns/concern-messages';
import type { ConcernRecord, ConcernStore } from '../../ledger/concerns/concern-store';
import { normalizeIdentifier } from '../../ledger/subjects/identifiers';
import type { ConversationTeller } from '../access/request-notice-sender';
import type { AddressMessenger, GivenAddress } from '../identity/address-messenger';
import type { ContactMessage, ContactMessenger } from '../identity/contact-messenger';

export interface ConcernReplySenderDeps extends OutboxSenderDeps {
  readonly messages: Pick<ConcernMessages, 'claimDue' | 'markChatDelivered' | 'markSent' | 'markRetry'>;
  readonly concerns: Pick<ConcernStore, 'byId' | 'openContact'>;
  /** The contact on file, for a customer who said who they are. */
  readonly messenger: ContactMessenger;
  /** The contact a customer typed for the reply, when they did not say who they are. */
  readonly addresses: AddressMessenger;
  /** The conversation the concern was reported in, when it can still be reached. */
  readonly conversations?: ConversationTeller;
  readonly translations: Translations;
  readonly defaultLocale: ShippedLocale;
  readonly controllerName: string;
  /** @default 3600 */
  readonly maxBackoffSeconds?: number;
}

/** The address a customer typed for the reply, as a destination: an email, else a phone number; undefined when it is neither. */
export function typedDestination(contact: string): GivenAddress | undefined {
  for (const kind of ['email', 'phone'] as const) {
    try {
      return { channel: kind === 'email' ? 'email' : 'sms', address: normalizeIdentifier(kind, contact).value };
    } catch {
      // not of this kind
    }
  }
  return undefined;
}

/**
 * Sends the privacy team's replies to customers who reported a concern, after the commit, from any
 * instance: in the conversation it was reported in (once) when it can still be reached, and by email
 * or SMS — to the contact on file for a customer who said who they are, else to the contact they
 * typed for it. A transport that is down is retried; a customer reachable no way is recorded as such
 * (sent, neither delivered) rather than retried forever.
 */
export class ConcernReplySender extends OutboxSender<ClaimedConcernMessage> {
  constructor(private readonly deps: ConcernReplySenderDeps) {
    super(deps, { name: 'concern replies', maxBackoffSeconds: 3600, claim: (limit, leaseMs) => deps.messages.claimDue('reply', limit, leaseMs), outbox: deps.messages });
  }

  protected async send(message: ClaimedConcernMessage): Promise<boolean> {
    const concern = await this.deps.concerns.byId(message.concernId);
    if (!concern || message.body === null) {
      await this.deps.messages.markSent(message, false);
      return true;
    }
    const locale = isShippedLocale(concern.locale) ? concern.locale : this.deps.defaultLocale;
    const t = this.deps.translations.for(locale);
    const vars = { reference: concern.reference, text: message.body, controller: this.deps.controllerName };
    const facts = { concern: concern.reference, attempts: message.attempts };
    let chat = message.chatDelivered;
    if (!chat && concern.conversation && this.deps.conversations) {
      try {
        await this.deps.conversations.tell(concern.conversation, t.t('concernMail.reply.chat', vars));
        await this.deps.messages.markChatDelivered(message);
        chat = true;
      } catch (err) {
        this.deps.logger.info({ ...facts, code: (err as { code?: unknown }).code }, 'concern reply: the conversation is not reachable; the contact is told');
      }
    }
    try {
      const delivered = await this.toContact(concern, { subject: t.t('concernMail.reply.subject', vars), text: t.t('concernMail.reply.text', vars) });
      await this.deps.messages.markSent(message, delivered);
      this.deps.logger.info({ ...facts, chat, contact: delivered }, delivered || chat ? 'concern reply sent' : 'concern reply: no way to reach the customer; recorded as not delivered');
      return true;
    } catch (err) {
      const kind = errorKind(err);
      const retryAt = await this.retryLater(message, kind);
      this.deps.logger.warn({ ...facts, error: kind, retryAt: retryAt.toISOString() }, 'concern reply: the contact could not be reached; will retry');
      return false;
    }
  }

  /** True when an email or SMS went out. */
  private async toContact(concern: ConcernRecord, message: ContactMessage): Promise<boolean> {
    if (concern.subjectId) return (await this.deps.messenger.sendToContactOnFile(concern.subjectId, undefined, message)) !== undefined;
    const typed = this.deps.concerns.openContact(concern);
    const destination = typed === null ? undefined : typedDestination(typed);
    if (!destination) return false;
    await this.deps.addresses.sendTo(destination, message);
    return true;
  }
}
