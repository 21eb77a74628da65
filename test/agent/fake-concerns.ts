import type { WriteContext } from '../../src/ledger/audit/audit-log';
import { LedgerError } from '../../src/ledger/ledger-errors';
import { newReference } from '../../src/ledger/references/reference';
import { importInvalid } from '../../src/ledger/import/import-rows';
import { computeBreachClocks } from '../../src/privacy/clocks/deadlines';
import type { Regime } from '../../src/privacy/clocks/regimes';
import type { Art33Record, ConcernCase, ConcernState, Incident, IncidentNoticeText, NewConcern } from '../../src/privacy/concerns/concern-types';
import { ConcernRuleError } from '../../src/privacy/concerns/concern-rule-error';
import { noticeTexts } from '../../src/privacy/concerns/concern-rules';
import type { ConcernReceipt, Concerns } from '../../src/privacy/concerns/concerns';

/** One call the console made to the service, with the audit context it passed. */
export interface ConcernCall {
  readonly method: keyof Concerns;
  readonly reference: string;
  readonly argument?: unknown;
  readonly context: WriteContext;
  readonly options?: unknown;
}

const EMPTY_RECORD: Art33Record = { nature: '', dataCategories: '', approxSubjects: null, approxRecords: null, likelyConsequences: '', measures: '', dpoContact: '', delayReasons: '' };

/** A concern as the service would list it; fields not given get plausible values. */
export function concernCase(fields: Partial<ConcernCase> & { reference: string; reportedAt: Date }): ConcernCase {
  return {
    id: `id-${fields.reference}`,
    subjectId: null,
    topic: 'breach',
    suspectedBreach: true,
    state: 'reported',
    occurred: { at: new Date(fields.reportedAt.getTime() - 24 * 3600_000), phrase: 'ieri sera' },
    dataCategories: ['contact'],
    dataPhrase: 'my email address',
    channel: 'webchat',
    locale: 'it',
    timeZone: 'Europe/Rome',
    awarenessAt: null,
    incidentReference: null,
    dpoAlert: fields.suspectedBreach === false ? null : { webhook: 'pending', email: 'sent' },
    history: [{ state: 'reported', reason: null, actor: 'customer:anonymous', at: fields.reportedAt }],
    ...fields,
  };
}

interface StoredConcern {
  concern: ConcernCase;
  readonly description: string;
  readonly contact: string | null;
}

/**
 * An in-memory Concerns with the real service's rules for the team's actions (awareness never later
 * than now, a changed awareness needs its reason, triage once, one published notice, imports all or
 * nothing with the unknown identifiers' lines) and its error codes (ConcernRuleError PSB_CONCERN_* and
 * PSB_INCIDENT_*, LedgerError for an unknown reference), recording every call: the console's tests
 * need concerns and incidents in every state without the report dialog.
 */
export class FakeConcerns implements Concerns {
  readonly calls: ConcernCall[] = [];
  /** Identifiers the import knows (anything else is an unknown identifier). */
  readonly knownIdentifiers = new Set<string>();
  /** Thrown by the next action instead of its effect (a refusal or failure underneath). */
  failNext: Error | undefined;
  private readonly concerns = new Map<string, StoredConcern>();
  private readonly incidents = new Map<string, Incident>();
  private readonly affected = new Map<string, Set<string>>();

  constructor(private readonly now: () => Date) {}

  clear(): void {
    this.calls.length = 0;
    this.concerns.clear();
    this.incidents.clear();
    this.affected.clear();
    this.failNext = undefined;
  }

  put(concern: ConcernCase, description = 'I received someone else’s invoice by email', contact: string | null = null): void {
    this.concerns.set(concern.reference, { concern, description, contact });
  }

  get(reference: string): ConcernCase | undefined {
    return this.concerns.get(reference)?.concern;
  }

  /** An open incident made directly (as a confirmation would). */
  putIncident(fields: Partial<Incident> & { reference: string; awarenessAt: Date; regimes: readonly Regime[] }): Incident {
    const incident: Incident = {
      id: `id-${fields.reference}`,
      title: 'Invoices sent to the wrong customers',
      clocks: computeBreachClocks(fields.regimes, fields.awarenessAt),
      state: 'open',
      record: EMPTY_RECORD,
      phases: [],
      concernReferences: [],
      notice: null,
      affectedCount: 0,
      ...fields,
    };
    this.incidents.set(incident.reference, incident);
    return incident;
  }

  getIncident(reference: string): Incident | undefined {
    return this.incidents.get(reference);
  }

  async report(_input: NewConcern, _context: WriteContext): Promise<ConcernReceipt> {
    throw new Error('the console does not report concerns');
  }

  async list(query: { readonly includeClosed?: boolean } = {}): Promise<ConcernCase[]> {
    const open = (c: ConcernCase): boolean => c.state === 'reported' || c.state === 'answered';
    return [...this.concerns.values()]
      .map((s) => s.concern)
      .filter((c) => query.includeClosed || open(c))
      .sort((a, b) => Number(b.state === 'reported') - Number(a.state === 'reported') || Number(b.suspectedBreach) - Number(a.suspectedBreach) || a.reportedAt.getTime() - b.reportedAt.getTime());
  }

  async find(reference: string): Promise<ConcernCase | undefined> {
    return this.concerns.get(reference)?.concern;
  }

  async show(reference: string, context: WriteContext): Promise<{ concern: ConcernCase; description: string; contact: string | null }> {
    const stored = this.stored(reference);
    this.calls.push({ method: 'show', reference, context });
    return { concern: stored.concern, description: stored.description, contact: stored.contact };
  }

  async confirmBreach(reference: string, input: { readonly awarenessAt?: Date; readonly awarenessReason?: string; readonly incidentReference?: string; readonly title?: string }, context: WriteContext): Promise<Incident> {
    this.fail();
    const stored = this.triageable(reference);
    const now = this.now();
    if (input.awarenessAt && input.awarenessAt.getTime() > now.getTime()) throw new ConcernRuleError('PSB_CONCERN_AWARENESS_IN_FUTURE', `awareness cannot be later than now (${now.toISOString()})`, { field: 'awarenessAt' });
    if (input.awarenessAt && input.awarenessAt.getTime() < now.getTime() && !input.awarenessReason?.trim()) {
      throw new ConcernRuleError('PSB_CONCERN_REASON_REQUIRED', 'an awareness earlier than now needs a reason', { field: 'awarenessReason' });
    }
    this.calls.push({ method: 'confirmBreach', reference, argument: input, context });
    const awarenessAt = input.awarenessAt ?? now;
    let incident: Incident;
    if (input.incidentReference) {
      const existing = this.existingIncident(input.incidentReference, 'incidentReference');
      incident = { ...existing, concernReferences: [...existing.concernReferences, reference] };
      this.incidents.set(incident.reference, incident);
    } else {
      incident = this.putIncident({ reference: newReference('INC', now), awarenessAt, regimes: ['gdpr', 'pipeda'], concernReferences: [reference], ...(input.title ? { title: input.title } : {}) });
    }
    this.change(stored, 'confirmed_breach', context, { awarenessAt, incidentReference: incident.reference });
    return incident;
  }

  async dismiss(reference: string, reason: string, context: WriteContext): Promise<ConcernCase> {
    this.fail();
    const stored = this.triageable(reference);
    if (!reason.trim()) throw new ConcernRuleError('PSB_CONCERN_REASON_REQUIRED', 'a reason is required', { field: 'reason' });
    this.calls.push({ method: 'dismiss', reference, argument: reason, context });
    return this.change(stored, 'dismissed', context);
  }

  async mergeInto(reference: string, incidentReference: string, context: WriteContext): Promise<ConcernCase> {
    this.fail();
    const stored = this.triageable(reference);
    const incident = this.existingIncident(incidentReference, 'incidentReference');
    this.calls.push({ method: 'mergeInto', reference, argument: incidentReference, context });
    this.incidents.set(incident.reference, { ...incident, concernReferences: [...incident.concernReferences, reference] });
    return this.change(stored, 'merged', context, { incidentReference: incident.reference });
  }

  async reply(reference: string, text: string, context: WriteContext): Promise<ConcernCase> {
    this.fail();
    const stored = this.stored(reference);
    this.calls.push({ method: 'reply', reference, argument: text, context });
    return stored.concern.state === 'reported' ? this.change(stored, 'answered', context) : stored.concern;
  }

  async listIncidents(): Promise<Incident[]> {
    return [...this.incidents.values()];
  }

  async incident(reference: string): Promise<Incident | undefined> {
    return this.incidents.get(reference);
  }

  async addPhase(reference: string, fields: Partial<Art33Record>, context: WriteContext): Promise<Incident> {
    this.fail();
    const incident = this.existingIncident(reference, 'reference');
    this.calls.push({ method: 'addPhase', reference, argument: fields, context });
    return this.setIncident({
      ...incident,
      record: { ...incident.record, ...fields },
      phases: [...incident.phases, { seq: incident.phases.length + 1, at: this.now(), actor: context.actor, fields: Object.keys(fields) as (keyof Art33Record)[] }],
    });
  }

  async notificationDraft(reference: string, options: { readonly locale?: string } = {}): Promise<{ json: Record<string, unknown>; html: string }> {
    const incident = this.existingIncident(reference, 'reference');
    const locale = options.locale ?? 'en';
    return {
      json: { incident: incident.reference, awarenessAt: incident.awarenessAt.toISOString(), record: incident.record },
      html: `<!doctype html><html lang="${locale}"><head><title>Notification ${incident.reference}</title><style>h1{color:#123}</style></head><body><h1>Notification of a personal data breach</h1><p>${incident.record.nature || 'Nature: not yet known'}</p><script>parent.__draftRan = 1</script></body></html>`,
    };
  }

  async markNotified(reference: string, context: WriteContext): Promise<Incident> {
    this.fail();
    const incident = this.existingIncident(reference, 'reference');
    if (incident.state === 'notified') throw new ConcernRuleError('PSB_INCIDENT_ALREADY_NOTIFIED', `the authority was already recorded as notified of ${reference}`);
    const late = incident.clocks.filter((clock) => clock.dueAt !== null && clock.dueAt.getTime() < this.now().getTime());
    if (late.length > 0 && incident.record.delayReasons.trim() === '') {
      throw new ConcernRuleError('PSB_INCIDENT_DELAY_REASONS_REQUIRED', `the deadline of ${late.map((c) => c.regime).join(', ')} has passed: add the reasons for the delay to the record (delayReasons) first`, { field: 'delayReasons' });
    }
    this.calls.push({ method: 'markNotified', reference, context });
    return this.setIncident({ ...incident, state: 'notified' });
  }

  async setNotice(reference: string, texts: Readonly<Record<string, IncidentNoticeText>>, context: WriteContext): Promise<Incident> {
    this.fail();
    const incident = this.existingIncident(reference, 'reference');
    const checked = noticeTexts(texts);
    this.calls.push({ method: 'setNotice', reference, argument: checked, context });
    return this.setIncident({ ...incident, notice: { texts: checked, publishedAt: incident.notice?.publishedAt ?? null, withdrawnAt: incident.notice?.withdrawnAt ?? null } });
  }

  async publishNotice(reference: string, context: WriteContext): Promise<Incident> {
    this.fail();
    const incident = this.existingIncident(reference, 'reference');
    if (!incident.notice?.texts.en) throw new ConcernRuleError('PSB_INCIDENT_NOTICE_INCOMPLETE', 'write the notice in the default language (en) before publishing it', { field: 'texts.en' });
    const other = [...this.incidents.values()].find((candidate) => candidate.reference !== reference && isPublished(candidate));
    if (other) throw new ConcernRuleError('PSB_INCIDENT_ANOTHER_PUBLISHED', `the notice of ${other.reference} is published; withdraw it first`, { published: other.reference });
    this.calls.push({ method: 'publishNotice', reference, context });
    return this.setIncident({ ...incident, notice: { ...incident.notice, publishedAt: this.now(), withdrawnAt: null } });
  }

  async withdrawNotice(reference: string, context: WriteContext): Promise<Incident> {
    this.fail();
    const incident = this.existingIncident(reference, 'reference');
    if (!incident.notice || !isPublished(incident)) throw new ConcernRuleError('PSB_INCIDENT_NOTICE_NOT_PUBLISHED', `the notice of ${reference} is not published`);
    this.calls.push({ method: 'withdrawNotice', reference, context });
    return this.setIncident({ ...incident, notice: { ...incident.notice, withdrawnAt: this.now() } });
  }

  async publishedNotice(): Promise<{ incidentReference: string; texts: Readonly<Partial<Record<string, IncidentNoticeText>>> } | undefined> {
    const incident = [...this.incidents.values()].find(isPublished);
    return incident?.notice ? { incidentReference: incident.reference, texts: incident.notice.texts } : undefined;
  }

  /** CSV with an `email` header; every identifier must be known, or nothing is imported. */
  async importAffected(reference: string, csv: string, context: WriteContext, options: { readonly source?: string } = {}): Promise<{ imported: number; alreadyAffected: number }> {
    this.fail();
    const incident = this.existingIncident(reference, 'reference');
    const lines = csv.replace(/\r/g, '').split('\n');
    const problems: { row: number; reasons: string[] }[] = [];
    const found: string[] = [];
    lines.slice(1).forEach((line, index) => {
      const value = line.trim();
      if (value === '') return;
      if (this.knownIdentifiers.has(value)) found.push(value);
      else problems.push({ row: index + 2, reasons: ['no subject has this identifier'] });
    });
    if (problems.length > 0) throw importInvalid(options.source ?? 'affected subjects CSV', problems, lines.length - 1);
    this.calls.push({ method: 'importAffected', reference, argument: found.length, context, options });
    const already = this.affected.get(reference) ?? new Set<string>();
    const fresh = found.filter((value) => !already.has(value));
    for (const value of fresh) already.add(value);
    this.affected.set(reference, already);
    this.setIncident({ ...incident, affectedCount: already.size });
    return { imported: fresh.length, alreadyAffected: found.length - fresh.length };
  }

  async isAffected(incidentReference: string, subjectId: string): Promise<boolean> {
    return this.affected.get(incidentReference)?.has(subjectId) ?? false;
  }

  private fail(): void {
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
  }

  private stored(reference: string): StoredConcern {
    const stored = this.concerns.get(reference);
    if (!stored) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'no concern with this reference', { field: 'reference' });
    return stored;
  }

  private triageable(reference: string): StoredConcern {
    const stored = this.stored(reference);
    if (stored.concern.state !== 'reported' && stored.concern.state !== 'answered') {
      throw new ConcernRuleError('PSB_CONCERN_ALREADY_TRIAGED', `concern ${reference} is ${stored.concern.state.replace(/_/g, ' ')} and takes no second triage`, { state: stored.concern.state });
    }
    return stored;
  }

  private existingIncident(reference: string, field: string): Incident {
    const incident = this.incidents.get(reference);
    if (!incident) throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'no incident with this reference', { field });
    return incident;
  }

  private setIncident(incident: Incident): Incident {
    this.incidents.set(incident.reference, incident);
    return incident;
  }

  private change(stored: StoredConcern, state: ConcernState, context: WriteContext, extra: Partial<ConcernCase> = {}): ConcernCase {
    const concern: ConcernCase = { ...stored.concern, ...extra, state, history: [...stored.concern.history, { state, reason: context.reason, actor: context.actor, at: this.now() }] };
    stored.concern = concern;
    return concern;
  }
}

function isPublished(incident: Incident): boolean {
  const notice = incident.notice;
  return notice !== null && notice.publishedAt !== null && notice.withdrawnAt === null;
}
