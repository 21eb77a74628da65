import type { ShippedLocale } from '../../i18n/shipped-locales';
import { isShippedLocale } from '../../i18n/shipped-locales';
import type { Translations, Translator } from '../../i18n/translator';
import { errorKind } from '../../jobs/error-kind';
import { OutboxSender, OutboxSenderDeps } from '../../jobs/outbox-sender';
import type { ClaimedSubjectNotice, IncidentSubjectNotices } from '../../ledger/concerns/incident-subject-notices';
import type { ConversationTeller } from '../access/request-notice-sender';
import type { ContactMessage, ContactMessenger } from '../identity/contact-messenger';
import type { Incident } from './concern-types';
import type { Concerns } from './concerns';
import { NoticeInLanguage, fallbackNote, noticeFor, noticeSections } from './incident-notice-text';

/** The outbox `incident_subject_notice` (migration 009): leased rows carry the subject's preferred language and latest conversation. */
export type IncidentNoticeOutbox = Pick<IncidentSubjectNotices, 'claimDue' | 'markChatDelivered' | 'markSent' | 'markRetry'>;

export interface IncidentNoticeSenderDeps extends OutboxSenderDeps {
  /** `new IncidentSubjectNotices(ledger.db)` (src/ledger/concerns/incident-subject-notices.ts), the same the concern service enqueues into. */
  readonly notices: IncidentNoticeOutbox;
  /** The incident's notice texts and Art. 33(3) record (the DPO's contact). */
  readonly incidents: Pick<Concerns, 'incident'>;
  readonly messenger: ContactMessenger;
  /** Says a text in a stored conversation (ProactiveCustomerChannel.tell). Absent: email only. */
  readonly conversations?: ConversationTeller;
  readonly translations: Translations;
  readonly defaultLocale: ShippedLocale;
  /** Who signs the notices (the controller's name, config/controller.json). */
  readonly controllerName: string;
  /** @default 3600 */
  readonly maxBackoffSeconds?: number;
}

/** Why a notice is put back without trying the contact on file (the kind recorded as `last_error`). */
class NotReady extends Error {
  constructor(readonly kind: string) {
    super(kind);
  }
}

/**
 * Sends the Art. 34 GDPR notice to each affected person once the privacy team has imported them
 * (`incident_subject_notice`, one row per incident × subject, claimed only while the incident's
 * notice is published): the incident notice in the person's preferred language, else the default
 * (a notice missing it falls back, with a note), with the DPO's contact, by email to the contact on
 * file and, where a conversation of theirs is known (the latest access request or concern that
 * carries one: the outbox finds it), in that chat too. Each way once: the chat is never said twice,
 * the contact on file is retried (backoff) while the mail transport is down, and the row records
 * what reached them.
 */
export class IncidentNoticeSender extends OutboxSender<ClaimedSubjectNotice> {
  constructor(private readonly deps: IncidentNoticeSenderDeps) {
    super(deps, { name: 'incident (Art. 34) notices', maxBackoffSeconds: 3600, claim: (limit, leaseMs) => deps.notices.claimDue(limit, leaseMs), outbox: deps.notices });
  }

  /** One read of each incident per pass, shared by the pass's notices. */
  override runDue(): Promise<number> {
    const incidents = new Map<string, Promise<Incident | undefined>>();
    return this.drain((notice) => this.sendOne(notice, incidents));
  }

  protected send(notice: ClaimedSubjectNotice): Promise<boolean> {
    return this.sendOne(notice, new Map());
  }

  private async sendOne(notice: ClaimedSubjectNotice, incidents: Map<string, Promise<Incident | undefined>>): Promise<boolean> {
    const facts = { noticeId: notice.id, incident: notice.incidentReference, attempt: notice.attempts };
    try {
      const incident = await this.incidentOf(notice.incidentReference, incidents);
      if (!incident?.notice?.publishedAt) throw new NotReady(incident ? 'notice not published' : 'unknown incident');
      const locale = isShippedLocale(notice.locale) ? notice.locale : this.deps.defaultLocale;
      const shown = noticeFor(incident.notice.texts, locale, this.deps.defaultLocale);
      if (!shown) throw new NotReady('notice has no text');
      const t = this.deps.translations.for(locale);
      if (!notice.chatDelivered && notice.conversation && this.deps.conversations) await this.tellInChat(notice, notice.conversation, this.chatText(incident, shown, t));
      const delivery = await this.deps.messenger.sendToContactOnFile(notice.subjectId, 'email', this.contactMessage(incident, shown, t));
      await this.deps.notices.markSent(notice, delivery !== undefined);
      this.deps.logger.info({ ...facts, contact: delivery?.channel ?? 'none on file', locale: shown.language }, 'incident notice (Art. 34) sent');
      return true;
    } catch (err) {
      const kind = err instanceof NotReady ? err.kind : errorKind(err);
      const retryAt = await this.retryLater(notice, kind);
      this.deps.logger.warn({ ...facts, error: kind, retryAt: retryAt.toISOString() }, 'incident notice (Art. 34) not sent; will retry');
      return false;
    }
  }

  /** One read of an incident per pass, however many of its notices the pass sends. */
  private incidentOf(reference: string, incidents: Map<string, Promise<Incident | undefined>>): Promise<Incident | undefined> {
    let read = incidents.get(reference);
    if (!read) {
      read = this.deps.incidents.incident(reference);
      incidents.set(reference, read);
    }
    return read;
  }

  /** Once per notice; a conversation that is gone is logged, and the contact on file is told all the same. */
  private async tellInChat(notice: ClaimedSubjectNotice, conversation: Record<string, unknown>, text: string): Promise<void> {
    try {
      await this.deps.conversations?.tell(conversation, text);
      await this.deps.notices.markChatDelivered(notice);
    } catch (err) {
      this.deps.logger.info({ noticeId: notice.id, incident: notice.incidentReference, code: (err as { code?: unknown }).code }, 'incident notice: the conversation is not reachable; the contact on file is told');
    }
  }

  private chatText(incident: Incident, shown: NoticeInLanguage, t: Translator): string {
    return this.paragraphs(incident, shown, t, 'chat', [t.t('incident.art34.chatLead')], [t.t('incident.art34.chatClosing')]);
  }

  private contactMessage(incident: Incident, shown: NoticeInLanguage, t: Translator): ContactMessage {
    const text = this.paragraphs(incident, shown, t, 'plain', [t.t('incident.art34.greeting'), t.t('incident.art34.intro')], [t.t('incident.art34.closing'), this.deps.controllerName]);
    return { subject: t.t('incident.art34.subject'), text };
  }

  /** Lead, the fallback note when the notice is in another language, the notice, the DPO's contact, closing. */
  private paragraphs(incident: Incident, shown: NoticeInLanguage, t: Translator, style: 'chat' | 'plain', lead: readonly string[], closing: readonly string[]): string {
    const dpo = incident.record.dpoContact.trim();
    return [
      ...lead,
      ...[fallbackNote(shown, t)].filter((note) => note !== undefined),
      noticeSections(shown.text, t, style),
      ...(dpo ? [t.t('incident.art34.dpo', { contact: dpo })] : []),
      ...closing,
    ].join('\n\n');
  }
}
