import type { ShippedLocale } from '../../i18n/shipped-locales';
import type { Translations, Translator } from '../../i18n/translator';
import { errorKind } from '../../jobs/error-kind';
import { OutboxSender, OutboxSenderDeps } from '../../jobs/outbox-sender';
import type { ClaimedConcernMessage, ConcernMessages } from '../../ledger/concerns/concern-messages';
import type { ConcernStore } from '../../ledger/concerns/concern-store';
import type { SqlExecutor } from '../../ledger/db/sql-database';
import { DpoAlertPayload, dpoAlertPayloadOf } from '../../ledger/webhooks/dpo-alert-payload';
import { formatInZone } from '../clocks/deadlines';
import { isRegime, REGIME_PROFILES } from '../clocks/regimes';
import type { ContactMessage } from '../identity/contact-messenger';
import type { AddressMessenger } from '../identity/address-messenger';

export interface DpoEmailSenderDeps extends OutboxSenderDeps {
  readonly messages: Pick<ConcernMessages, 'claimDue' | 'markSent' | 'markRetry'>;
  readonly concerns: Pick<ConcernStore, 'byId'>;
  /** The ledger's database: the alert's facts are read from its webhook delivery (the same as the webhook carries). */
  readonly db: SqlExecutor;
  readonly addresses: AddressMessenger;
  /** DPO_EMAIL. */
  readonly to: string;
  readonly translations: Translations;
  /** The team's language (DEFAULT_LOCALE). */
  readonly locale: ShippedLocale;
  readonly controllerName: string;
  /** @default 300 */
  readonly maxBackoffSeconds?: number;
}

/** The DPO alert as an email: the facts of the webhook payload in words, in the team's language; never the customer's words. */
export function dpoAlertEmail(payload: DpoAlertPayload, t: Translator, controllerName: string): ContactMessage {
  const when = (iso: string | null): string => (iso ? formatInZone(new Date(iso), 'UTC', t.locale) : t.t('concernMail.notGiven'));
  const regimeName = (regime: string): string => (isRegime(regime) ? REGIME_PROFILES[regime].label : regime);
  const { concern, incident } = payload;
  const vars: Record<string, unknown> = {
    reference: concern.reference,
    topic: ['breach', 'use', 'answer', 'other'].includes(concern.topic) ? t.t(`concernMail.topics.${concern.topic}`) : concern.topic,
    reportedAt: when(concern.reportedAt),
    occurredAt: when(concern.occurredAt),
    channel: concern.channel ?? t.t('concernMail.notGiven'),
    dataCategories: concern.dataCategories.length > 0 ? concern.dataCategories.join(', ') : t.t('concernMail.none'),
    regimes: concern.regimes.map(regimeName).join(', '),
    controller: controllerName,
  };
  if (payload.event === 'breach.confirmed' && incident) {
    Object.assign(vars, {
      incident: incident.reference,
      awarenessAt: when(incident.awarenessAt),
      clocks: incident.clocks
        .map((clock) =>
          clock.dueAt
            ? t.t('concernMail.dpoAlert.clock', { regime: regimeName(clock.regime), due: when(clock.dueAt), rule: clock.rule })
            : t.t('concernMail.dpoAlert.noDeadline', { regime: regimeName(clock.regime), rule: clock.rule }),
        )
        .join('\n'),
    });
    return { subject: t.t('concernMail.dpoAlert.confirmed.subject', vars), text: t.t('concernMail.dpoAlert.confirmed.text', vars) };
  }
  return { subject: t.t('concernMail.dpoAlert.suspected.subject', vars), text: t.t('concernMail.dpoAlert.suspected.text', vars) };
}

/**
 * Sends the DPO alert's email (DPO_EMAIL) through the email transport, after the commit that raised
 * it, from any instance; a transport that is down is retried with backoff until it takes the message.
 * Runs only when DPO_EMAIL is set (until then the rows wait, and the console says "not configured").
 */
export class DpoEmailSender extends OutboxSender<ClaimedConcernMessage> {
  constructor(private readonly deps: DpoEmailSenderDeps) {
    super(deps, { name: 'DPO alert email', maxBackoffSeconds: 300, claim: (limit, leaseMs) => deps.messages.claimDue('dpo_email', limit, leaseMs), outbox: deps.messages });
  }

  protected async send(message: ClaimedConcernMessage): Promise<boolean> {
    const concern = await this.deps.concerns.byId(message.concernId);
    const payload = concern?.dpoAlertDeliveryId ? await dpoAlertPayloadOf(this.deps.db, concern.dpoAlertDeliveryId) : undefined;
    if (!concern || !payload) {
      // Nothing to say (cannot happen through the service): done, so the row does not come back forever.
      await this.deps.messages.markSent(message, false);
      return true;
    }
    try {
      await this.deps.addresses.sendTo({ channel: 'email', address: this.deps.to }, dpoAlertEmail(payload, this.deps.translations.for(this.deps.locale), this.deps.controllerName));
      await this.deps.messages.markSent(message, true);
      this.deps.logger.info({ concern: concern.reference, event: payload.event, attempts: message.attempts }, 'DPO alert email sent');
      return true;
    } catch (err) {
      const kind = errorKind(err);
      const retryAt = await this.retryLater(message, kind);
      this.deps.logger.warn({ concern: concern.reference, error: kind, retryAt: retryAt.toISOString() }, 'DPO alert email not sent; will retry');
      return false;
    }
  }
}
