import { isAppError } from '../../errors/app-error';
import { SHIPPED_LOCALES } from '../../i18n/shipped-locales';
import type { AgentAccount } from '../../ledger/agents/agent-service';
import type { Logger } from '../../log/logger';
import type { Art33Record, Incident, IncidentNoticeText } from '../../privacy/concerns/concern-types';
import type { Concerns } from '../../privacy/concerns/concerns';
import { agentContext } from '../agent-desk';
import { AgentError } from '../agent-errors';
import { RefusalCodes, refusedAs, serviceRefusal } from '../service-refusal';
import { byMostUrgent, incidentDetail, IncidentDetailView, IncidentListView, incidentSummary } from './incident-views';

export interface IncidentDeskDeps {
  readonly concerns: Concerns;
  readonly logger: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** The published notice as every console role working customers sees it (`surge` included). */
export interface PublishedNoticeView {
  readonly notice: { readonly incidentReference: string; readonly texts: Readonly<Partial<Record<string, IncidentNoticeText>>> } | null;
}

/** One row of an import the service refused, as the page lists it. */
export interface ImportProblemView {
  /** The line of the file (1-based); absent for a problem with the whole file. */
  readonly row?: number;
  readonly reasons: readonly string[];
}

/** How the ledger's refusals underneath the concern service reach the page (`service-refusal.ts`). */
const REFUSALS: RefusalCodes = {
  notFound: 'PSB_AGENT_INCIDENT_NOT_FOUND',
  refused: 'PSB_AGENT_INCIDENT_REFUSED',
  inputFields: ['reason', 'fields', 'texts', 'csv', ...['nature', 'dataCategories', 'approxSubjects', 'approxRecords', 'likelyConsequences', 'measures', 'dpoContact', 'delayReasons']],
};

/** What the audit says of an action whose reason the team does not type. */
const PHASE_REASON = 'privacy team added information to the Art. 33(3) record';
const NOTIFIED_REASON = 'privacy team notified the supervisory authority';
const NOTICE_REASON = 'privacy team wrote the incident notice';
const PUBLISH_REASON = 'privacy team published the incident notice';
const WITHDRAW_REASON = 'privacy team withdrew the incident notice';
const IMPORT_REASON = 'privacy team imported the affected subjects';

/**
 * The Incidents view's use cases over the concern service (which holds every rule and writes every
 * audit entry, as `agent:<username>`): the list with each regime's clock, an incident in detail, a
 * phase of the Art. 33(3) record, the notification draft, notified, the customers' notice (written,
 * published, withdrawn) and the affected subjects' import. Who may call it is the routes' business.
 */
export class IncidentDesk {
  private readonly log: Logger;
  private readonly now: () => Date;

  constructor(private readonly deps: IncidentDeskDeps) {
    this.log = deps.logger.child({ module: 'agent-incidents' });
    this.now = deps.now ?? (() => new Date());
  }

  async list(): Promise<IncidentListView> {
    const now = this.now();
    const incidents = (await this.deps.concerns.listIncidents()).map((incident) => incidentSummary(incident, now));
    return { now: now.toISOString(), incidents: incidents.sort(byMostUrgent) };
  }

  async detail(reference: string): Promise<IncidentDetailView> {
    return this.view(await this.existing(reference));
  }

  /** An incident as the page shows it, its clocks at this instant. */
  view(incident: Incident): IncidentDetailView {
    const now = this.now();
    return { now: now.toISOString(), incident: incidentDetail(incident, now, SHIPPED_LOCALES) };
  }

  async addPhase(agent: AgentAccount, reference: string, fields: Partial<Art33Record>, reason?: string): Promise<IncidentDetailView> {
    return this.act(agent, reference, 'phase', () => this.deps.concerns.addPhase(reference, fields, agentContext(agent, reason ?? PHASE_REASON)), { fields: Object.keys(fields) });
  }

  /** The notification draft for the authority's form: its JSON, and a readable page (served sandboxed) in `locale` (a shipped language; the default without). */
  async draft(reference: string, locale?: string): Promise<{ readonly json: Record<string, unknown>; readonly html: string; readonly reference: string }> {
    const incident = await this.existing(reference);
    const draft = await refusedAs(REFUSALS, () => this.deps.concerns.notificationDraft(incident.reference, locale !== undefined ? { locale } : {}));
    return { ...draft, reference: incident.reference };
  }

  async markNotified(agent: AgentAccount, reference: string): Promise<IncidentDetailView> {
    return this.act(agent, reference, 'notified', () => this.deps.concerns.markNotified(reference, agentContext(agent, NOTIFIED_REASON)));
  }

  async setNotice(agent: AgentAccount, reference: string, texts: Readonly<Record<string, IncidentNoticeText>>): Promise<IncidentDetailView> {
    return this.act(agent, reference, 'notice', () => this.deps.concerns.setNotice(reference, texts, agentContext(agent, NOTICE_REASON)), { languages: Object.keys(texts) });
  }

  async publish(agent: AgentAccount, reference: string): Promise<IncidentDetailView> {
    return this.act(agent, reference, 'publish', () => this.deps.concerns.publishNotice(reference, agentContext(agent, PUBLISH_REASON)));
  }

  async withdraw(agent: AgentAccount, reference: string): Promise<IncidentDetailView> {
    return this.act(agent, reference, 'withdraw', () => this.deps.concerns.withdrawNotice(reference, agentContext(agent, WITHDRAW_REASON)));
  }

  /**
   * Imports the affected subjects (all or nothing). A file the service refuses (unknown identifiers,
   * bad rows) is 400 `PSB_AGENT_INVALID_REQUEST` on `csv`, its message and `problems` naming each line.
   */
  async importAffected(agent: AgentAccount, reference: string, csv: string, fileName?: string): Promise<IncidentDetailView & { readonly imported: number; readonly alreadyAffected: number }> {
    await this.existing(reference);
    let result: { imported: number; alreadyAffected: number };
    try {
      result = await this.deps.concerns.importAffected(reference, csv, agentContext(agent, IMPORT_REASON), fileName !== undefined ? { source: fileName } : {});
    } catch (err) {
      if (isAppError(err, 'PSB_LEDGER_IMPORT_INVALID')) {
        const problems = Array.isArray(err.details.problems) ? (err.details.problems as ImportProblemView[]) : [];
        throw new AgentError('PSB_AGENT_INVALID_REQUEST', err.message, { field: 'csv', problems }, { cause: err });
      }
      throw serviceRefusal(err, REFUSALS);
    }
    this.log.info({ agent: agent.username, reference, imported: result.imported, alreadyAffected: result.alreadyAffected }, 'affected subjects imported from the console');
    return { ...(await this.detail(reference)), imported: result.imported, alreadyAffected: result.alreadyAffected };
  }

  async publishedNotice(): Promise<PublishedNoticeView> {
    const notice = await this.deps.concerns.publishedNotice();
    return { notice: notice ? { incidentReference: notice.incidentReference, texts: notice.texts } : null };
  }

  private async act(agent: AgentAccount, reference: string, action: string, change: () => Promise<Incident>, details: Record<string, unknown> = {}): Promise<IncidentDetailView> {
    await this.existing(reference);
    const changed = await refusedAs(REFUSALS, change);
    // Never the team's words: a record or a notice may name people.
    this.log.info({ agent: agent.username, reference: changed.reference, action, state: changed.state, ...details }, 'incident changed from the console');
    return this.view(changed);
  }

  private async existing(reference: string): Promise<Incident> {
    const found = await this.deps.concerns.incident(reference);
    if (!found) throw new AgentError('PSB_AGENT_INCIDENT_NOT_FOUND');
    return found;
  }
}
