import type { ClaimedNotice, RequestNotices } from '../../ledger/access/request-notices';
import type { IdentifierKind } from '../../ledger/subjects/identifiers';
import type { DataRequest, RequestService } from '../../ledger/requests/request-service';
import type { ShippedLocale } from '../../i18n/shipped-locales';
import { isShippedLocale } from '../../i18n/shipped-locales';
import type { Translations, Translator } from '../../i18n/translator';
import { errorKind } from '../../jobs/error-kind';
import { OutboxSender, OutboxSenderDeps } from '../../jobs/outbox-sender';
import { formatDateInZone } from '../clocks/deadlines';
import type { Regime } from '../clocks/regimes';
import type { ContactMessage, ContactMessenger } from '../identity/contact-messenger';
import type { AccessCase, AccessCopySummary } from './access-types';

/** Says a text in a conversation stored with the case (the bot edge: ProactiveCustomerChannel.tell). */
export interface ConversationTeller {
  tell(conversation: Record<string, unknown>, text: string): Promise<void>;
}

export interface RequestNoticeSenderDeps extends OutboxSenderDeps {
  readonly notices: Pick<RequestNotices, 'claimDue' | 'markChatDelivered' | 'markSent' | 'markRetry'>;
  readonly requests: Pick<RequestService, 'byId'>;
  readonly toCase: (request: DataRequest) => Promise<AccessCase>;
  readonly copies: { summary(requestId: string): Promise<AccessCopySummary | null> };
  readonly messenger: ContactMessenger;
  readonly conversations?: ConversationTeller;
  readonly translations: Translations;
  readonly defaultLocale: ShippedLocale;
  /** The authority a customer may complain to, named for the case's regime, in the customer's language. */
  readonly authorityFor: (regime: Regime, locale: ShippedLocale) => string;
  /** Who signs the notices (the controller's name, config/controller.json). */
  readonly controllerName: string;
  /** Where the download page lives: `${publicBaseUrl}/copies/<token>`. */
  readonly publicBaseUrl: string;
  /** @default 3600 */
  readonly maxBackoffSeconds?: number;
}

/**
 * Tells customers what happened to their access request — copy ready (with the link), deadline
 * extended (new date, why), refused (why, and where to complain) — in the conversation where they
 * asked when it is still reachable, and always at the contact on file. Runs after the commit that
 * decided it (the notice outbox); a mail transport that is down is retried, and the chat message is
 * never said twice.
 */
export class RequestNoticeSender extends OutboxSender<ClaimedNotice> {
  constructor(private readonly deps: RequestNoticeSenderDeps) {
    super(deps, { name: 'access request notices', maxBackoffSeconds: 3600, claim: (limit, leaseMs) => deps.notices.claimDue(limit, leaseMs), outbox: deps.notices });
  }

  protected async send(notice: ClaimedNotice): Promise<boolean> {
    const request = await this.deps.requests.byId(notice.requestId);
    if (!request || !request.subjectId) {
      await this.deps.notices.markSent(notice, false);
      return true;
    }
    const accessCase = await this.deps.toCase(request);
    const locale = isShippedLocale(accessCase.locale) ? accessCase.locale : this.deps.defaultLocale;
    const message = await this.compose(notice, accessCase, this.deps.translations.for(locale), locale);
    if (!notice.chatDelivered && request.conversation) {
      try {
        await this.deps.conversations?.tell(request.conversation, message.chat);
        await this.deps.notices.markChatDelivered(notice);
      } catch (err) {
        // The conversation is gone (closed tab, expired Direct Line): the contact on file still hears it.
        this.deps.logger.info({ requestId: notice.requestId, kind: notice.kind, code: (err as { code?: unknown }).code }, 'access notice: the conversation is not reachable; the contact on file is told');
      }
    }
    try {
      const delivery = await this.deps.messenger.sendToContactOnFile(request.subjectId, (request.contactKind as IdentifierKind | null) ?? undefined, message.contact);
      await this.deps.notices.markSent(notice, delivery !== undefined);
      this.deps.logger.info({ requestId: notice.requestId, kind: notice.kind, contact: delivery?.channel ?? 'none on file' }, 'access notice sent');
      return true;
    } catch (err) {
      const kind = errorKind(err);
      const retryAt = await this.retryLater(notice, kind);
      this.deps.logger.warn({ requestId: notice.requestId, kind: notice.kind, error: kind, retryAt: retryAt.toISOString() }, 'access notice: the contact on file could not be reached; will retry');
      return false;
    }
  }

  private async compose(notice: ClaimedNotice, accessCase: AccessCase, t: Translator, locale: ShippedLocale): Promise<{ chat: string; contact: ContactMessage }> {
    const date = (instant: Date): string => formatDateInZone(instant, accessCase.timeZone, locale);
    const vars: Record<string, unknown> = { reference: accessCase.reference, controller: this.deps.controllerName };
    if (notice.kind === 'ready') {
      const copy = await this.deps.copies.summary(accessCase.id);
      Object.assign(vars, {
        link: `${this.deps.publicBaseUrl}/copies/${notice.linkToken ?? ''}`,
        expires: copy ? date(copy.expiresAt) : '',
        // How many downloads the link allows: `count`, so the sentence takes its plural form.
        count: copy?.maxDownloads ?? 0,
      });
    } else if (notice.kind === 'extended') {
      Object.assign(vars, { due: date(accessCase.effectiveDueAt), reason: accessCase.extensionReason ?? '' });
    } else {
      Object.assign(vars, { reason: accessCase.blockedReason ?? '', authority: this.deps.authorityFor(accessCase.regime, locale) });
    }
    const key = `access.notice.${notice.kind}`;
    return { chat: t.t(`${key}.chat`, vars), contact: { subject: t.t(`${key}.subject`, vars), text: t.t(`${key}.text`, vars) } };
  }
}
