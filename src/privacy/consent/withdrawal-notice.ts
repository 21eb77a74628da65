import { matchShippedLocale } from '../../i18n/shipped-locales';
import type { Translations } from '../../i18n/translator';
import { appendAudit } from '../../ledger/audit/audit-log';
import type { ConsentEvent } from '../../ledger/consent/consent-types';
import type { SqlDatabase } from '../../ledger/db/sql-database';
import type { PurposeCatalog } from '../../ledger/purposes/purpose-catalog';
import type { IdentifierKind } from '../../ledger/subjects/identifiers';
import type { Logger } from '../../log/logger';
import { formatInZone } from '../clocks/deadlines';
import type { ContactChannel, ContactMessage, ContactMessenger } from '../identity/contact-messenger';
import type { Controller } from '../receipts/controller';
import { scopeText } from './consent-wording';

/** A withdrawal made at `identified` assurance, committed: who is told, in which language, of what. */
export interface WithdrawalNoticeRequest {
  readonly subjectId: string;
  /** The kind of identifier the customer gave: the notice goes to the contact on file of that kind first. */
  readonly preferKind?: IdentifierKind;
  /** BCP-47 language of the conversation: the notice is written in it (English when not shipped). */
  readonly language: string;
  /** The events the withdrawal recorded (what the notice names). */
  readonly events: readonly ConsentEvent[];
  /** The receipt's reference, quoted so the person can ask about this exact change. */
  readonly receiptId: string;
}

/**
 * What became of the notice. `sent`: the messenger accepted it; `no_contact`: the subject has no
 * contact on file to write to; `failed`: the transport failed (logged without the address). None of
 * them undoes the withdrawal, which was committed before the notice was attempted.
 */
export type WithdrawalNoticeOutcome = { readonly status: 'sent'; readonly channel: ContactChannel } | { readonly status: 'no_contact' } | { readonly status: 'failed' };

/** Tells the person on file about a withdrawal someone made in their name without proving who they are. */
export interface WithdrawalNotices {
  send(request: WithdrawalNoticeRequest): Promise<WithdrawalNoticeOutcome>;
}

export interface WithdrawalNotifierDeps {
  readonly messenger: ContactMessenger;
  readonly translations: Translations;
  readonly catalog: PurposeCatalog;
  /** Whom the person should contact if it wasn't them (the controller's privacy e-mail and phone). */
  readonly controller: Pick<Controller, 'name' | 'email' | 'phone'>;
  /** The ledger: each notice's outcome is an audit entry (channel and outcome only, never the address or text). */
  readonly db: SqlDatabase;
  readonly logger: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** The notice, in the person's language: what was withdrawn, when, where, the receipt reference, and what to do if it wasn't them. */
export function withdrawalNoticeMessage(request: WithdrawalNoticeRequest, deps: Pick<WithdrawalNotifierDeps, 'translations' | 'catalog' | 'controller'>): ContactMessage {
  const translator = deps.translations.for(matchShippedLocale(request.language) ?? 'en');
  const [first] = request.events;
  const scope = scopeText(
    request.events.map((event) => ({ purposeId: event.purposeId, channel: event.channel })),
    deps.catalog,
    translator,
  );
  return {
    subject: translator.t('consent.withdrawalNotice.subject'),
    smsText: translator.t('consent.withdrawalNotice.sms', { scope, phone: deps.controller.phone, controller: deps.controller.name }),
    text: translator.t('consent.withdrawalNotice.text', {
      // The server does not know the reader's time zone: the time is said in UTC, which the text names.
      time: formatInZone(first.occurredAt, 'UTC', translator.locale),
      method: translator.t(`consent.method.${first.collectionMethod}`),
      scope,
      receiptId: request.receiptId,
      email: deps.controller.email,
      phone: deps.controller.phone,
      controller: deps.controller.name,
    }),
  };
}

/**
 * Sends the withdrawal notice through the `ContactMessenger` (to the contact **on file**, never to
 * an address typed in the chat) and records its outcome in the ledger's audit log, so the DPO can
 * show the person was told. Never throws: a transport failure or an audit failure is logged
 * (without address or text) and reported as an outcome; the withdrawal stands either way.
 */
export class WithdrawalNotifier implements WithdrawalNotices {
  private readonly logger: Logger;
  private readonly now: () => Date;

  constructor(private readonly deps: WithdrawalNotifierDeps) {
    this.logger = deps.logger.child({ module: 'withdrawal-notice' });
    this.now = deps.now ?? (() => new Date());
  }

  async send(request: WithdrawalNoticeRequest): Promise<WithdrawalNoticeOutcome> {
    let outcome: WithdrawalNoticeOutcome;
    try {
      const delivery = await this.deps.messenger.sendToContactOnFile(request.subjectId, request.preferKind, withdrawalNoticeMessage(request, this.deps));
      outcome = delivery ? { status: 'sent', channel: delivery.channel } : { status: 'no_contact' };
    } catch (err) {
      // The messenger's errors carry no address; only the error's name and code are logged all the same.
      this.logger.warn({ receiptId: request.receiptId, error: errorName(err) }, 'withdrawal notice to the contact on file failed; the withdrawal stands');
      outcome = { status: 'failed' };
    }
    await this.audit(request, outcome);
    return outcome;
  }

  private async audit(request: WithdrawalNoticeRequest, outcome: WithdrawalNoticeOutcome): Promise<void> {
    try {
      await this.deps.db.transaction((tx) =>
        appendAudit(
          tx,
          { actor: 'system:notices', reason: 'notice of a withdrawal made without verified identity, to the contact on file' },
          {
            action: 'consent.withdrawal_notice',
            entity: 'subject',
            entityId: request.subjectId,
            details: { outcome: outcome.status, ...(outcome.status === 'sent' ? { channel: outcome.channel } : {}), receiptId: request.receiptId, events: request.events.map((event) => event.id) },
          },
          this.now(),
        ),
      );
    } catch (err) {
      this.logger.error({ receiptId: request.receiptId, error: errorName(err) }, 'the outcome of a withdrawal notice could not be written to the audit log');
    }
  }
}

/** An error's name and code, nothing of its message (which a transport might have filled with an address). */
function errorName(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${err.name} ${code}` : err.name;
}
