import type { ConcernMessages, ConcernMessageState } from '../../ledger/concerns/concern-messages';
import type { ConcernRecord, ConcernStatusChange, ConcernStore } from '../../ledger/concerns/concern-store';
import type { IncidentRecord, IncidentStore } from '../../ledger/concerns/incident-store';
import type { SqlExecutor } from '../../ledger/db/sql-database';
import { dpoAlertDelivered } from '../../ledger/webhooks/dpo-alert-payload';
import { computeBreachClocks } from '../clocks/deadlines';
import { recordOf } from './concern-rules';
import type { Art33Record, ConcernCase, ConcernEvent, ConcernState, Incident } from './concern-types';

/** Whether each way of alerting the DPO is configured (DPO_WEBHOOK_URL, DPO_EMAIL): the console shows "not configured" otherwise. */
export interface DpoAlertChannels {
  readonly webhook: boolean;
  readonly email: boolean;
}

export interface ConcernViewsDeps {
  readonly db: SqlExecutor;
  readonly concerns: ConcernStore;
  readonly incidents: IncidentStore;
  readonly messages: Pick<ConcernMessages, 'forConcerns'>;
  readonly dpoAlert: DpoAlertChannels;
  /** A concern's language when it has none recorded (rows from before migration 009). */
  readonly defaultLocale: string;
}

/**
 * Concerns and incidents as the console, the CLI and incident mode see them, built from the records
 * in a few batched reads: a case with its history and the DPO alert's state (the customer's phrases
 * opened; the description only through `show`), an incident with its clocks per regime, phases,
 * reports, notice and number of people affected.
 */
export class ConcernViews {
  constructor(private readonly deps: ConcernViewsDeps) {}

  /** The case of a concern the caller knows exists (it just changed it). */
  async caseById(concernId: string): Promise<ConcernCase> {
    const record = await this.deps.concerns.byId(concernId);
    return (await this.toCases([record!]))[0];
  }

  /** The incident the caller knows exists. */
  async incidentById(incidentId: string): Promise<Incident> {
    const record = await this.deps.incidents.byId(incidentId);
    return (await this.toIncidents([record!]))[0];
  }

  async toCases(records: readonly ConcernRecord[]): Promise<ConcernCase[]> {
    const ids = records.map((r) => r.id);
    const [histories, messages, delivered] = await Promise.all([
      this.deps.concerns.histories(ids),
      this.deps.messages.forConcerns(ids),
      dpoAlertDelivered(this.deps.db, records.map((r) => r.dpoAlertDeliveryId).filter((id): id is string => id !== null)),
    ]);
    return records.map((record) => {
      const words = this.deps.concerns.openWords(record);
      return {
        id: record.id,
        reference: record.reference,
        subjectId: record.subjectId,
        topic: record.topic,
        suspectedBreach: record.suspectedBreach,
        state: record.status,
        reportedAt: record.reportedAt,
        occurred: record.occurredAt || words.occurredPhrase ? { at: record.occurredAt, phrase: words.occurredPhrase ?? '' } : null,
        dataCategories: record.dataCategories,
        dataPhrase: words.dataPhrase,
        channel: record.channel,
        locale: record.locale ?? this.deps.defaultLocale,
        timeZone: record.timeZone ?? 'UTC',
        awarenessAt: record.awarenessAt,
        incidentReference: record.incidentReference,
        dpoAlert: this.dpoAlertOf(record, messages.get(record.id) ?? [], delivered),
        history: (histories.get(record.id) ?? []).map(eventOf),
      };
    });
  }

  private dpoAlertOf(record: ConcernRecord, messages: readonly ConcernMessageState[], delivered: ReadonlyMap<string, boolean>): ConcernCase['dpoAlert'] {
    if (!record.dpoAlertDeliveryId) return null;
    const email = messages.find((m) => m.kind === 'dpo_email');
    return {
      webhook: !this.deps.dpoAlert.webhook ? 'not_configured' : delivered.get(record.dpoAlertDeliveryId) ? 'delivered' : 'pending',
      email: !this.deps.dpoAlert.email ? 'not_configured' : email?.status === 'sent' ? 'sent' : 'pending',
    };
  }

  async toIncidents(records: readonly IncidentRecord[]): Promise<Incident[]> {
    const ids = records.map((r) => r.id);
    const [phases, references, notices, counts] = await Promise.all([
      this.deps.incidents.phases(ids),
      this.deps.incidents.concernReferences(ids),
      this.deps.incidents.notices(ids),
      this.deps.incidents.affectedCounts(ids),
    ]);
    return records.map((record) => {
      const notice = notices.get(record.id);
      return {
        id: record.id,
        reference: record.reference,
        title: record.title,
        awarenessAt: record.awarenessAt,
        regimes: record.regimes,
        clocks: computeBreachClocks(record.regimes, record.awarenessAt).map((c) => ({ regime: c.regime, dueAt: c.dueAt, rule: c.rule, basis: c.basis })),
        state: record.state,
        record: recordOf(record.record),
        phases: (phases.get(record.id) ?? []).map((p) => ({ seq: p.seq, at: p.at, actor: p.actor, fields: p.fields as (keyof Art33Record)[] })),
        concernReferences: references.get(record.id) ?? [],
        notice: notice ? { texts: notice.texts, publishedAt: notice.publishedAt, withdrawnAt: notice.withdrawnAt } : null,
        affectedCount: counts.get(record.id) ?? 0,
      };
    });
  }
}

/** A history row as the console shows it; rows from before migration 009 keep their old state names. */
function eventOf(change: ConcernStatusChange): ConcernEvent {
  return { state: change.status as ConcernState, reason: change.reason, actor: change.actor, at: change.at };
}
