import type { ShippedLocale } from '../../i18n/shipped-locales';
import { isShippedLocale } from '../../i18n/shipped-locales';
import type { Translations } from '../../i18n/translator';
import { appendAudit, WriteContext } from '../../ledger/audit/audit-log';
import type { ConcernMessages } from '../../ledger/concerns/concern-messages';
import { CONCERN_TOPICS, ConcernRecord, ConcernStore } from '../../ledger/concerns/concern-store';
import type { IncidentSubjectNotices } from '../../ledger/concerns/incident-subject-notices';
import type { IncidentRecord, IncidentStore } from '../../ledger/concerns/incident-store';
import type { SqlDatabase, SqlExecutor } from '../../ledger/db/sql-database';
import { LedgerError } from '../../ledger/ledger-errors';
import type { SubjectService } from '../../ledger/subjects/subject-service';
import { DpoAlertFacts, enqueueDpoAlert } from '../../ledger/webhooks/dpo-alert-payload';
import { isTimeZone } from '../clocks/calendar';
import { computeBreachClocks } from '../clocks/deadlines';
import type { Regime } from '../clocks/regimes';
import { ConcernRuleError } from './concern-rule-error';
import {
  applyPhase,
  ART33_FIELDS,
  assertIncidentOpen,
  assertUntriaged,
  awarenessOf,
  cutText,
  emptyRecord,
  isBreachSuspect,
  mergeRegimes,
  recordOf,
  requiredReason,
  TEAM_TEXT_LIMIT,
  UNTRIAGED_STATES,
} from './concern-rules';
import { Art33Record, CONCERN_TEXT_LIMIT, ConcernCase, ConcernTopic, Incident, IncidentNoticeText, NewConcern } from './concern-types';
import type { ConcernReceipt, Concerns } from './concerns';
import { ConcernViews, DpoAlertChannels } from './concern-views';
import { IncidentModeService } from './incident-mode-service';
import { DraftController, draftHtml, draftJson } from './notification-draft';

/** What the background workers wait for; the service says which after a commit that queued some. */
export type ConcernWork = 'dpo-alert' | 'reply' | 'subject-notices';

export interface ConcernServiceDeps {
  readonly db: SqlDatabase;
  readonly concerns: ConcernStore;
  readonly incidents: IncidentStore;
  readonly subjects: Pick<SubjectService, 'byId' | 'find'>;
  readonly messages: Pick<ConcernMessages, 'enqueue' | 'forConcerns'>;
  readonly subjectNotices: Pick<IncidentSubjectNotices, 'enqueue'>;
  /** The regime of the controller's main establishment (config/controller.json `defaultRegime`). */
  readonly defaultRegime: Regime;
  /** Who the draft names, and the DPO contact an incident's record starts with. */
  readonly controller: DraftController;
  /** The supervisory authority of a regime, named in a language (config/processing-register.json). */
  readonly authorityOf: (regime: Regime, locale: ShippedLocale) => string;
  readonly dpoAlert: DpoAlertChannels;
  readonly translations: Translations;
  readonly defaultLocale: ShippedLocale;
  /** Something was queued: the worker for it looks now instead of at its next poll. */
  readonly afterCommit?: (work: ConcernWork) => void;
  readonly now?: () => Date;
}

/** Triaged concerns stay in the privacy team's list (with `includeClosed`) this long after their last change. */
const RECENT_CLOSED_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Longest phrase of when, or of which data, kept from the customer. */
const PHRASE_LIMIT = 500;
/** Longest contact a customer may type (an email address is at most 254 characters). */
const CONTACT_LIMIT = 320;
/** Longest incident title. */
const TITLE_LIMIT = 200;

const isTopic = (value: unknown): value is ConcernTopic => typeof value === 'string' && (CONCERN_TOPICS as readonly string[]).includes(value);
const invalid = (field: string, message: string): LedgerError => new LedgerError('PSB_LEDGER_INVALID_INPUT', message, { field });

/**
 * Concerns and breaches: the report dialog records here, the console triages here, the CLI lists
 * here. Every change is one ledger transaction with its audit entry; what must go out afterwards (the
 * DPO alert's webhook and email, a reply, Art. 34 notices) is queued in that transaction and sent by
 * the workers `create-concerns.ts` starts. The customer's words are sealed in the ledger and opened
 * only by `show` (audited).
 */
export class ConcernService implements Concerns {
  private readonly now: () => Date;
  private readonly views: ConcernViews;
  private readonly mode: IncidentModeService;

  constructor(private readonly deps: ConcernServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.views = new ConcernViews(deps);
    this.mode = new IncidentModeService({ ...deps, views: this.views, afterCommit: () => deps.afterCommit?.('subject-notices'), now: this.now });
  }

  // ───────────────────────────── concerns ─────────────────────────────

  async report(input: NewConcern, context: WriteContext): Promise<ConcernReceipt> {
    if (!isTopic(input.topic)) throw invalid('topic', `topic must be one of ${CONCERN_TOPICS.join(', ')}`);
    if (typeof input.description !== 'string' || input.description.trim() === '') throw invalid('description', 'a concern needs a description of what happened');
    if (typeof input.channel !== 'string' || input.channel.trim() === '') throw invalid('channel', 'a concern names the channel it was reported in');
    if (typeof input.locale !== 'string' || input.locale.trim() === '') throw invalid('locale', 'a concern names the language it was reported in');
    if (!isTimeZone(input.timeZone)) throw invalid('timeZone', 'timeZone must be an IANA time zone such as "Europe/Rome"');
    const reportedAt = this.now();
    if (input.occurred?.at && input.occurred.at.getTime() > reportedAt.getTime()) throw invalid('occurred', 'when it happened cannot be later than now');
    const { text: description, truncated } = cutText(input.description.trim(), CONCERN_TEXT_LIMIT);
    const contact = input.contact?.trim() ? input.contact.trim() : null;
    if (contact && contact.length > CONTACT_LIMIT) throw invalid('contact', `a contact is at most ${CONTACT_LIMIT} characters`);
    const suspectedBreach = isBreachSuspect(input.topic);

    const outcome = await this.deps.db.transaction(async (tx) => {
      if (context.idempotencyKey) {
        const earlier = await this.deps.concerns.byIdempotencyKey(tx, context.idempotencyKey);
        if (earlier) return { record: earlier, queued: false };
      }
      const subject = input.subjectId ? await this.deps.subjects.byId(input.subjectId, tx) : undefined;
      if (input.subjectId && !subject) throw new LedgerError('PSB_LEDGER_UNKNOWN_SUBJECT', 'no subject with this id', { field: 'subjectId' });
      const record = await this.deps.concerns.insert(tx, {
        subjectId: subject?.id ?? null,
        topic: input.topic,
        suspectedBreach,
        words: {
          description,
          occurredPhrase: input.occurred?.phrase?.trim() ? cutText(input.occurred.phrase.trim(), PHRASE_LIMIT).text : null,
          dataPhrase: input.dataPhrase?.trim() ? cutText(input.dataPhrase.trim(), PHRASE_LIMIT).text : null,
        },
        occurredAt: input.occurred?.at ?? null,
        dataCategories: [...new Set((input.dataCategories ?? []).filter((c) => typeof c === 'string' && c.trim() !== '').map((c) => c.trim()))],
        contact,
        channel: input.channel.trim(),
        conversation: input.conversation,
        locale: input.locale.trim(),
        timeZone: input.timeZone,
        reportedAt,
        actor: context.actor,
        idempotencyKey: context.idempotencyKey ?? null,
      });
      await appendAudit(
        tx,
        context,
        { action: 'concern.reported', entity: 'concern', entityId: record.id, details: { reference: record.reference, topic: record.topic, suspectedBreach, channel: record.channel, truncated } },
        reportedAt,
      );
      if (suspectedBreach) await this.raiseDpoAlert(tx, record, { event: 'breach.suspected', regimes: [subject?.regime ?? this.deps.defaultRegime], incident: null }, context, reportedAt);
      return { record, queued: suspectedBreach };
    });
    if (outcome.queued) this.deps.afterCommit?.('dpo-alert');
    return { reference: outcome.record.reference, suspectedBreach: outcome.record.suspectedBreach, truncated };
  }

  async list(query: { readonly includeClosed?: boolean } = {}): Promise<ConcernCase[]> {
    const closedSince = query.includeClosed ? new Date(this.now().getTime() - RECENT_CLOSED_DAYS * DAY_MS) : undefined;
    const records = await this.deps.concerns.list({ openStates: UNTRIAGED_STATES, closedSince });
    const cases = await this.views.toCases(records);
    const rank = (c: ConcernCase): number => (c.state === 'reported' ? 0 : UNTRIAGED_STATES.includes(c.state) ? 1 : 2);
    return cases.sort((a, b) => rank(a) - rank(b) || Number(b.suspectedBreach) - Number(a.suspectedBreach) || b.reportedAt.getTime() - a.reportedAt.getTime());
  }

  /** A concern's case by reference, without opening its words (the console's detail, the CLI). */
  async find(reference: string): Promise<ConcernCase | undefined> {
    const record = await this.deps.concerns.find(reference);
    return record ? (await this.views.toCases([record]))[0] : undefined;
  }

  /** Opens the customer's words for the privacy team, and records that they were read (audit `concern.opened`). */
  async show(reference: string, context: WriteContext): Promise<{ readonly concern: ConcernCase; readonly description: string; readonly contact: string | null }> {
    const record = await this.deps.db.transaction(async (tx) => {
      const found = await this.deps.concerns.find(reference, tx);
      if (!found) throw invalid('reference', 'no concern with this reference');
      await appendAudit(tx, context, { action: 'concern.opened', entity: 'concern', entityId: found.id, details: { reference: found.reference } }, this.now());
      return found;
    });
    const [concern] = await this.views.toCases([record]);
    return { concern, description: this.deps.concerns.openWords(record).description, contact: this.deps.concerns.openContact(record) };
  }

  async confirmBreach(
    reference: string,
    input: { readonly awarenessAt?: Date; readonly awarenessReason?: string; readonly incidentReference?: string; readonly title?: string },
    context: WriteContext,
  ): Promise<Incident> {
    const now = this.now();
    const awareness = awarenessOf(input.awarenessAt, input.awarenessReason, now);
    const title = input.title?.trim() ?? '';
    if (title.length > TITLE_LIMIT) throw invalid('title', `a title is at most ${TITLE_LIMIT} characters`);
    const outcome = await this.deps.db.transaction(async (tx) => {
      const concern = await this.deps.concerns.lock(tx, reference);
      assertUntriaged(concern.reference, concern.status);
      const regimes = [await this.regimeOf(concern, tx)];
      let incident: IncidentRecord;
      if (input.incidentReference) {
        incident = await this.deps.incidents.lock(tx, input.incidentReference, 'incidentReference');
        assertIncidentOpen(incident);
        const earlier = awareness.awarenessAt.getTime() < incident.awarenessAt.getTime();
        const nextRegimes = mergeRegimes(incident.regimes, regimes);
        await this.deps.incidents.update(tx, incident.id, {
          ...(earlier ? { awarenessAt: awareness.awarenessAt, awarenessReason: awareness.reason } : {}),
          ...(nextRegimes.length !== incident.regimes.length ? { regimes: nextRegimes } : {}),
        });
        if (earlier || nextRegimes.length !== incident.regimes.length) {
          await appendAudit(
            tx,
            context,
            { action: 'incident.updated', entity: 'incident', entityId: incident.id, details: { reference: incident.reference, concern: concern.reference, awarenessAt: (earlier ? awareness.awarenessAt : incident.awarenessAt).toISOString(), regimes: nextRegimes } },
            now,
          );
        }
      } else {
        incident = await this.openIncident(tx, concern, title || concern.reference, awareness, regimes, context, now);
      }
      await this.deps.concerns.recordChange(
        tx,
        concern.id,
        { status: 'confirmed_breach', reason: awareness.reason, actor: context.actor, at: now },
        { incidentId: incident.id, awarenessAt: awareness.awarenessAt, awarenessReason: awareness.reason },
      );
      await appendAudit(
        tx,
        context,
        {
          action: 'concern.confirmed',
          entity: 'concern',
          entityId: concern.id,
          details: { reference: concern.reference, incident: incident.reference, awarenessAt: awareness.awarenessAt.toISOString(), awarenessEarlier: awareness.awarenessAt.getTime() < now.getTime() },
        },
        now,
      );
      // The DPO heard of a breach suspect when it was reported; any other concern found to be a breach is told now.
      let queued = false;
      if (!concern.dpoAlertDeliveryId) {
        const current = (await this.deps.incidents.byId(incident.id, tx))!;
        const clocks = computeBreachClocks(current.regimes, current.awarenessAt).map((c) => ({ regime: c.regime, dueAt: c.dueAt, rule: c.rule }));
        await this.raiseDpoAlert(tx, concern, { event: 'breach.confirmed', regimes: current.regimes, incident: { reference: current.reference, awarenessAt: current.awarenessAt, clocks } }, context, now);
        queued = true;
      }
      return { incidentId: incident.id, queued };
    });
    if (outcome.queued) this.deps.afterCommit?.('dpo-alert');
    return this.views.incidentById(outcome.incidentId);
  }

  async dismiss(reference: string, reason: string, context: WriteContext): Promise<ConcernCase> {
    const why = requiredReason(reason, 'dismissing a concern');
    const id = await this.deps.db.transaction(async (tx) => {
      const concern = await this.deps.concerns.lock(tx, reference);
      assertUntriaged(concern.reference, concern.status);
      const at = this.now();
      await this.deps.concerns.recordChange(tx, concern.id, { status: 'dismissed', reason: why, actor: context.actor, at });
      await appendAudit(tx, context, { action: 'concern.dismissed', entity: 'concern', entityId: concern.id, details: { reference: concern.reference } }, at);
      return concern.id;
    });
    return this.views.caseById(id);
  }

  async mergeInto(reference: string, incidentReference: string, context: WriteContext): Promise<ConcernCase> {
    const id = await this.deps.db.transaction(async (tx) => {
      const concern = await this.deps.concerns.lock(tx, reference);
      assertUntriaged(concern.reference, concern.status);
      const incident = await this.deps.incidents.lock(tx, incidentReference, 'incidentReference');
      assertIncidentOpen(incident);
      const at = this.now();
      if (concern.subjectId) {
        const regimes = mergeRegimes(incident.regimes, [await this.regimeOf(concern, tx)]);
        if (regimes.length !== incident.regimes.length) await this.deps.incidents.update(tx, incident.id, { regimes });
      }
      await this.deps.concerns.recordChange(tx, concern.id, { status: 'merged', reason: null, actor: context.actor, at }, { incidentId: incident.id });
      await appendAudit(tx, context, { action: 'concern.merged', entity: 'concern', entityId: concern.id, details: { reference: concern.reference, incident: incident.reference } }, at);
      return concern.id;
    });
    return this.views.caseById(id);
  }

  async reply(reference: string, text: string, context: WriteContext): Promise<ConcernCase> {
    if (typeof text !== 'string' || text.trim() === '') throw invalid('text', 'a reply needs a text');
    if (text.trim().length > TEAM_TEXT_LIMIT) throw invalid('text', `a reply is at most ${TEAM_TEXT_LIMIT} characters`);
    const id = await this.deps.db.transaction(async (tx) => {
      const concern = await this.deps.concerns.lock(tx, reference);
      if (!concern.conversation && !concern.subjectId && !concern.hasContact) {
        throw new ConcernRuleError('PSB_CONCERN_NO_REPLY_ROUTE', `concern ${concern.reference} was reported without a contact, an identity or a conversation we keep: there is no way to reply`);
      }
      const at = this.now();
      // A reply answers a report still waiting; a triaged one keeps its state (the reply is in the audit and the outbox).
      if (concern.status === 'reported') await this.deps.concerns.recordChange(tx, concern.id, { status: 'answered', reason: null, actor: context.actor, at });
      await this.deps.messages.enqueue(tx, concern.id, 'reply', text.trim(), at, context.actor);
      await appendAudit(tx, context, { action: 'concern.replied', entity: 'concern', entityId: concern.id, details: { reference: concern.reference } }, at);
      return concern.id;
    });
    this.deps.afterCommit?.('reply');
    return this.views.caseById(id);
  }

  // ───────────────────────────── incidents ─────────────────────────────

  async listIncidents(): Promise<Incident[]> {
    return this.views.toIncidents(await this.deps.incidents.list());
  }

  async incident(reference: string): Promise<Incident | undefined> {
    const record = await this.deps.incidents.find(reference);
    return record ? (await this.views.toIncidents([record]))[0] : undefined;
  }

  async addPhase(reference: string, fields: Partial<Art33Record>, context: WriteContext): Promise<Incident> {
    const id = await this.deps.db.transaction(async (tx) => {
      const incident = await this.deps.incidents.lock(tx, reference);
      assertIncidentOpen(incident);
      const { changed, next } = applyPhase(recordOf(incident.record), fields as Readonly<Record<string, unknown>>);
      const at = this.now();
      const changes = Object.fromEntries(changed.map((field) => [field, next[field]]));
      await this.deps.incidents.update(tx, incident.id, { record: { ...next } });
      const seq = await this.deps.incidents.addPhase(tx, incident.id, { at, actor: context.actor, fields: changed, changes });
      await appendAudit(tx, context, { action: 'incident.phase', entity: 'incident', entityId: incident.id, details: { reference: incident.reference, seq, fields: changed } }, at);
      return incident.id;
    });
    return this.views.incidentById(id);
  }

  async notificationDraft(reference: string, options: { readonly locale?: string } = {}): Promise<{ readonly json: Record<string, unknown>; readonly html: string }> {
    const record = await this.deps.incidents.find(reference);
    if (!record) throw invalid('reference', 'no incident with this reference');
    const [incident] = await this.views.toIncidents([record]);
    const locale: ShippedLocale = isShippedLocale(options.locale) ? options.locale : this.deps.defaultLocale;
    const input = {
      incident,
      awarenessReason: record.awarenessReason,
      notifiedAt: record.notifiedAt,
      controller: this.deps.controller,
      authorityOf: (regime: Regime) => this.deps.authorityOf(regime, locale),
      generatedAt: this.now(),
      translator: this.deps.translations.for(locale),
    };
    return { json: draftJson(input), html: draftHtml(input) };
  }

  async markNotified(reference: string, context: WriteContext): Promise<Incident> {
    const id = await this.deps.db.transaction(async (tx) => {
      const incident = await this.deps.incidents.lock(tx, reference);
      if (incident.state === 'notified') throw new ConcernRuleError('PSB_INCIDENT_ALREADY_NOTIFIED', `the authority was already recorded as notified of ${incident.reference} (${incident.notifiedAt?.toISOString() ?? ''})`);
      assertIncidentOpen(incident);
      const at = this.now();
      // Art. 33(1): a notification after the deadline is accompanied by the reasons for the delay.
      const late = computeBreachClocks(incident.regimes, incident.awarenessAt).filter((c) => c.dueAt !== null && c.dueAt.getTime() < at.getTime());
      if (late.length > 0 && recordOf(incident.record).delayReasons.trim() === '') {
        throw new ConcernRuleError('PSB_INCIDENT_DELAY_REASONS_REQUIRED', `the deadline of ${late.map((c) => c.regime).join(', ')} has passed: add the reasons for the delay to the record (delayReasons) first`, { field: 'delayReasons' });
      }
      await this.deps.incidents.update(tx, incident.id, { state: 'notified', notified: { at, by: context.actor } });
      await appendAudit(tx, context, { action: 'incident.notified', entity: 'incident', entityId: incident.id, details: { reference: incident.reference, late: late.map((c) => c.regime) } }, at);
      return incident.id;
    });
    return this.views.incidentById(id);
  }

  // ───────────────────── incident mode (incident-mode-service.ts) ─────────────────────

  setNotice(reference: string, texts: Readonly<Record<string, IncidentNoticeText>>, context: WriteContext): Promise<Incident> {
    return this.mode.setNotice(reference, texts, context);
  }

  publishNotice(reference: string, context: WriteContext): Promise<Incident> {
    return this.mode.publishNotice(reference, context);
  }

  withdrawNotice(reference: string, context: WriteContext): Promise<Incident> {
    return this.mode.withdrawNotice(reference, context);
  }

  publishedNotice(): ReturnType<Concerns['publishedNotice']> {
    return this.mode.publishedNotice();
  }

  importAffected(reference: string, csv: string, context: WriteContext, options: { readonly source?: string } = {}): Promise<{ readonly imported: number; readonly alreadyAffected: number }> {
    return this.mode.importAffected(reference, csv, context, options);
  }

  isAffected(incidentReference: string, subjectId: string): Promise<boolean> {
    return this.mode.isAffected(incidentReference, subjectId);
  }

  // ───────────────────────────── helpers ─────────────────────────────

  /** The regime whose clock a concern's breach runs under: its subject's, else the controller's. */
  private async regimeOf(concern: ConcernRecord, tx: SqlExecutor): Promise<Regime> {
    const subject = concern.subjectId ? await this.deps.subjects.byId(concern.subjectId, tx) : undefined;
    return subject?.regime ?? this.deps.defaultRegime;
  }

  /** A new incident for a confirmed concern: its record starts with the DPO's contact and the categories recognised; that start is phase 1. */
  private async openIncident(
    tx: SqlExecutor,
    concern: ConcernRecord,
    title: string,
    awareness: { readonly awarenessAt: Date; readonly reason: string | null },
    regimes: readonly Regime[],
    context: WriteContext,
    at: Date,
  ): Promise<IncidentRecord> {
    const { contact, email, phone } = this.deps.controller;
    const known: Partial<Art33Record> = { dpoContact: [contact, email, phone].filter(Boolean).join(', '), ...(concern.dataCategories.length > 0 ? { dataCategories: concern.dataCategories.join(', ') } : {}) };
    const record = emptyRecord(known);
    const incident = await this.deps.incidents.insert(tx, { title, awarenessAt: awareness.awarenessAt, awarenessReason: awareness.reason, regimes, record: { ...record }, at, actor: context.actor });
    const fields = ART33_FIELDS.filter((field) => field in known);
    await this.deps.incidents.addPhase(tx, incident.id, { at, actor: context.actor, fields, changes: { ...known } as Record<string, string> });
    await appendAudit(
      tx,
      context,
      { action: 'incident.opened', entity: 'incident', entityId: incident.id, details: { reference: incident.reference, concern: concern.reference, awarenessAt: awareness.awarenessAt.toISOString(), regimes } },
      at,
    );
    return incident;
  }

  /** Queues the DPO alert (webhook delivery + email) for a concern; no customer words go into either. */
  private async raiseDpoAlert(
    tx: SqlExecutor,
    concern: ConcernRecord,
    facts: Pick<DpoAlertFacts, 'event' | 'regimes' | 'incident'>,
    context: WriteContext,
    at: Date,
  ): Promise<void> {
    const deliveryId = await enqueueDpoAlert(
      tx,
      { ...facts, concernReference: concern.reference, topic: concern.topic, reportedAt: concern.reportedAt, occurredAt: concern.occurredAt, channel: concern.channel, dataCategories: concern.dataCategories },
      at,
    );
    await this.deps.concerns.setAlertDelivery(tx, concern.id, deliveryId);
    await this.deps.messages.enqueue(tx, concern.id, 'dpo_email', null, at, context.actor);
  }

}
