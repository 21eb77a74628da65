import type { ShippedLocale } from '../../i18n/shipped-locales';
import { appendAudit, WriteContext } from '../../ledger/audit/audit-log';
import type { IncidentSubjectNotices } from '../../ledger/concerns/incident-subject-notices';
import { IncidentStore, isUniqueViolation } from '../../ledger/concerns/incident-store';
import type { SqlDatabase } from '../../ledger/db/sql-database';
import { readIdentifierRows } from '../../ledger/import/identifier-rows';
import { ImportProblem, importInvalid } from '../../ledger/import/import-rows';
import { LedgerError } from '../../ledger/ledger-errors';
import type { SubjectService } from '../../ledger/subjects/subject-service';
import type { Regime } from '../clocks/regimes';
import { ConcernRuleError } from './concern-rule-error';
import { assertIncidentOpen, mergeRegimes, noticeTexts } from './concern-rules';
import type { Incident, IncidentNoticeText } from './concern-types';
import type { ConcernViews } from './concern-views';

export interface IncidentModeDeps {
  readonly db: SqlDatabase;
  readonly incidents: IncidentStore;
  readonly subjects: Pick<SubjectService, 'find'>;
  readonly subjectNotices: Pick<IncidentSubjectNotices, 'enqueue'>;
  readonly views: Pick<ConcernViews, 'incidentById'>;
  /** The language a published notice must always have. */
  readonly defaultLocale: ShippedLocale;
  /** Art. 34 notices were queued or became sendable: their sender looks now. */
  readonly afterCommit?: () => void;
  readonly now: () => Date;
}

function anotherPublished(reference: string): ConcernRuleError {
  return new ConcernRuleError('PSB_INCIDENT_ANOTHER_PUBLISHED', `the notice of ${reference} is published; withdraw it first (one notice is published at a time)`, { published: reference });
}

/**
 * Incident mode: the notice customers are told (per language, published one at a time), the people a
 * breach affected (imported all or nothing) and their Art. 34 notices (one each, queued here, sent by
 * incident-notice-sender.ts while the notice is published). Every change one transaction with its audit entry.
 */
export class IncidentModeService {
  constructor(private readonly deps: IncidentModeDeps) {}

  async setNotice(reference: string, texts: Readonly<Record<string, IncidentNoticeText>>, context: WriteContext): Promise<Incident> {
    const checked = noticeTexts(texts);
    const id = await this.deps.db.transaction(async (tx) => {
      const incident = await this.deps.incidents.lock(tx, reference);
      assertIncidentOpen(incident);
      const current = (await this.deps.incidents.notices([incident.id], tx)).get(incident.id);
      const published = current?.publishedAt && !current.withdrawnAt;
      if (published && !checked[this.deps.defaultLocale]) {
        throw new ConcernRuleError('PSB_INCIDENT_NOTICE_INCOMPLETE', `the notice is published: it must keep its text in the default language (${this.deps.defaultLocale})`, { field: `texts.${this.deps.defaultLocale}` });
      }
      const at = this.deps.now();
      await this.deps.incidents.setNoticeTexts(tx, incident.id, checked, at, context.actor);
      await appendAudit(tx, context, { action: 'incident.notice.set', entity: 'incident', entityId: incident.id, details: { reference: incident.reference, languages: Object.keys(checked).sort() } }, at);
      return incident.id;
    });
    return this.deps.views.incidentById(id);
  }

  /**
   * Publishes the incident's notice: the bot answers from it first. One notice is published at a time
   * (the bot would otherwise answer two incidents at once): publishing while another incident's is
   * published is refused, naming it; the team withdraws that one first. Publishing again is a no-op.
   */
  async publishNotice(reference: string, context: WriteContext): Promise<Incident> {
    let id: string;
    try {
      id = await this.deps.db.transaction(async (tx) => {
        const incident = await this.deps.incidents.lock(tx, reference);
        assertIncidentOpen(incident);
        const notice = (await this.deps.incidents.notices([incident.id], tx)).get(incident.id);
        if (!notice?.texts[this.deps.defaultLocale]) {
          throw new ConcernRuleError('PSB_INCIDENT_NOTICE_INCOMPLETE', `write the notice in the default language (${this.deps.defaultLocale}) before publishing it`, { field: `texts.${this.deps.defaultLocale}` });
        }
        if (notice.publishedAt && !notice.withdrawnAt) return incident.id;
        const other = await this.deps.incidents.publishedNotice(tx);
        if (other && other.incidentId !== incident.id) throw anotherPublished(other.reference);
        const at = this.deps.now();
        await this.deps.incidents.publishNotice(tx, incident.id, at);
        await appendAudit(tx, context, { action: 'incident.notice.published', entity: 'incident', entityId: incident.id, details: { reference: incident.reference, languages: Object.keys(notice.texts).sort() } }, at);
        return incident.id;
      });
    } catch (err) {
      // Two incidents published at the same instant: the unique index let one through.
      if (isUniqueViolation(err) || isUniqueViolation((err as { cause?: unknown }).cause)) throw anotherPublished((await this.deps.incidents.publishedNotice())?.reference ?? 'another incident');
      throw err;
    }
    this.deps.afterCommit?.();
    return this.deps.views.incidentById(id);
  }

  async withdrawNotice(reference: string, context: WriteContext): Promise<Incident> {
    const id = await this.deps.db.transaction(async (tx) => {
      const incident = await this.deps.incidents.lock(tx, reference);
      const notice = (await this.deps.incidents.notices([incident.id], tx)).get(incident.id);
      if (!notice?.publishedAt || notice.withdrawnAt) throw new ConcernRuleError('PSB_INCIDENT_NOTICE_NOT_PUBLISHED', `the notice of ${incident.reference} is not published`);
      const at = this.deps.now();
      await this.deps.incidents.withdrawNotice(tx, incident.id, at);
      await appendAudit(tx, context, { action: 'incident.notice.withdrawn', entity: 'incident', entityId: incident.id, details: { reference: incident.reference } }, at);
      return incident.id;
    });
    return this.deps.views.incidentById(id);
  }

  async publishedNotice(): Promise<{ readonly incidentReference: string; readonly texts: Readonly<Partial<Record<string, IncidentNoticeText>>> } | undefined> {
    const published = await this.deps.incidents.publishedNotice();
    return published && { incidentReference: published.reference, texts: published.notice.texts };
  }

  /**
   * Imports the affected subjects from a CSV of identifiers (email, phone, customer_number,
   * aad_object_id columns; see ledger/import/identifier-rows.ts), all or nothing: a malformed
   * identifier, one that matches nobody, or a row whose identifiers match two people makes it throw
   * `PSB_LEDGER_IMPORT_INVALID` listing each such row by its line number, and nothing is imported.
   * Each newly affected subject gets one Art. 34 notice (sent while the notice is published); the
   * incident's regimes grow with theirs.
   */
  async importAffected(reference: string, csv: string, context: WriteContext, options: { readonly source?: string } = {}): Promise<{ readonly imported: number; readonly alreadyAffected: number }> {
    if (typeof csv !== 'string') throw new LedgerError('PSB_LEDGER_INVALID_INPUT', 'the affected subjects come as CSV text', { field: 'csv' });
    const source = options.source?.trim() || 'affected subjects CSV';
    const { rows, problems: malformed, total } = readIdentifierRows(csv, source);
    const result = await this.deps.db.transaction(async (tx) => {
      const incident = await this.deps.incidents.lock(tx, reference);
      assertIncidentOpen(incident);
      const problems: ImportProblem[] = [...malformed];
      const found = new Map<string, Regime>();
      for (const row of rows) {
        const matches = new Map<string, Regime>();
        const unknown: string[] = [];
        for (const identifier of row.identifiers) {
          const subject = await this.deps.subjects.find(identifier.kind, identifier.value, tx);
          if (subject) matches.set(subject.id, subject.regime);
          else unknown.push(identifier.kind);
        }
        if (unknown.length > 0) problems.push({ row: row.row, reasons: unknown.map((kind) => `no one in the ledger has this ${kind}`) });
        else if (matches.size > 1) problems.push({ row: row.row, reasons: ['its identifiers belong to different people in the ledger'] });
        else for (const [id, regime] of matches) found.set(id, regime);
      }
      if (problems.length > 0) throw importInvalid(source, problems, total);
      const at = this.deps.now();
      const added = await this.deps.incidents.addAffected(tx, incident.id, [...found.keys()], at, source);
      await this.deps.subjectNotices.enqueue(tx, incident.id, added, at);
      const regimes = mergeRegimes(incident.regimes, added.map((id) => found.get(id)!));
      if (regimes.length !== incident.regimes.length) await this.deps.incidents.update(tx, incident.id, { regimes });
      await appendAudit(
        tx,
        context,
        { action: 'incident.affected.imported', entity: 'incident', entityId: incident.id, details: { reference: incident.reference, source, rows: total, imported: added.length, alreadyAffected: found.size - added.length, regimes } },
        at,
      );
      return { imported: added.length, alreadyAffected: found.size - added.length };
    });
    if (result.imported > 0) this.deps.afterCommit?.();
    return result;
  }

  async isAffected(incidentReference: string, subjectId: string): Promise<boolean> {
    const incident = await this.deps.incidents.find(incidentReference);
    return incident !== undefined && this.deps.incidents.isAffected(incident.id, subjectId);
  }
}
