import type { AgentAccount } from '../../ledger/agents/agent-service';
import type { Logger } from '../../log/logger';
import type { Concerns } from '../../privacy/concerns/concerns';
import { agentContext } from '../agent-desk';
import type { IncidentDesk } from '../incidents/incident-desk';
import type { IncidentDetailView } from '../incidents/incident-views';
import { RefusalCodes, refusedAs } from '../service-refusal';
import { ConcernCaseAnswer, concernCaseView, ConcernListView, concernOpened, ConcernOpenedView, concernSummary } from './concern-views';

export interface ConcernDeskDeps {
  readonly concerns: Concerns;
  /** Answers the incident a confirmation made or grew, as the Incidents view shows it. */
  readonly incidents: Pick<IncidentDesk, 'view'>;
  readonly logger: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Confirming a breach into a new incident or an existing one; a changed awareness time carries its reason. */
export interface BreachConfirmation {
  readonly awarenessAt?: Date;
  readonly awarenessReason?: string;
  readonly incidentReference?: string;
  readonly title?: string;
}

/** How the ledger's refusals underneath the concern service reach the page (`service-refusal.ts`). */
const REFUSALS: RefusalCodes = {
  notFound: 'PSB_AGENT_CONCERN_NOT_FOUND',
  refused: 'PSB_AGENT_CONCERN_REFUSED',
  inputFields: ['reason', 'awarenessAt', 'awarenessReason', 'title', 'text'],
  notFoundFields: { incidentReference: 'PSB_AGENT_INCIDENT_NOT_FOUND' },
};

/** What the audit says of an action whose reason the team does not type (never the customer's or the team's text). */
const OPEN_REASON = 'privacy team opened a concern';
const CONFIRM_REASON = 'privacy team confirmed a breach';
const MERGE_REASON = 'privacy team merged a concern into an incident';
const REPLY_REASON = 'privacy team replied to the customer';

/**
 * The Concerns view's use cases over the concern service (which holds every rule and writes every
 * audit entry, as `agent:<username>` with the team's reason): the list, a concern opened (each look
 * audited by the service), confirm as a breach, dismiss, merge into an incident, reply. Who may call
 * it is the routes' business (`console-roles.ts`).
 */
export class ConcernDesk {
  private readonly log: Logger;
  private readonly now: () => Date;

  constructor(private readonly deps: ConcernDeskDeps) {
    this.log = deps.logger.child({ module: 'agent-concerns' });
    this.now = deps.now ?? (() => new Date());
  }

  async list(query: { readonly includeClosed?: boolean }): Promise<ConcernListView> {
    const concerns = await this.deps.concerns.list(query.includeClosed ? { includeClosed: true } : {});
    return { now: this.now().toISOString(), concerns: concerns.map(concernSummary) };
  }

  /** The concern with the customer's words: the service audits the look as this agent. */
  async open(agent: AgentAccount, reference: string): Promise<ConcernOpenedView> {
    const opened = await refusedAs(REFUSALS, () => this.deps.concerns.show(reference, agentContext(agent, OPEN_REASON)));
    this.log.info({ agent: agent.username, reference: opened.concern.reference }, 'concern opened in the console');
    return { now: this.now().toISOString(), concern: concernOpened(opened.concern, opened.description, opened.contact) };
  }

  /** Confirms a breach; answers the incident it is now part of, with its clocks. */
  async confirm(agent: AgentAccount, reference: string, input: BreachConfirmation): Promise<IncidentDetailView> {
    const incident = await refusedAs(REFUSALS, () => this.deps.concerns.confirmBreach(reference, input, agentContext(agent, input.awarenessReason ?? CONFIRM_REASON)));
    this.log.info({ agent: agent.username, reference, incident: incident.reference, awarenessGiven: input.awarenessAt !== undefined }, 'concern confirmed as a breach from the console');
    return this.deps.incidents.view(incident);
  }

  async dismiss(agent: AgentAccount, reference: string, reason: string): Promise<ConcernCaseAnswer> {
    return this.act(agent, reference, 'dismiss', () => this.deps.concerns.dismiss(reference, reason, agentContext(agent, reason)));
  }

  async merge(agent: AgentAccount, reference: string, incidentReference: string, reason?: string): Promise<ConcernCaseAnswer> {
    return this.act(agent, reference, 'merge', () => this.deps.concerns.mergeInto(reference, incidentReference, agentContext(agent, reason ?? MERGE_REASON)));
  }

  async reply(agent: AgentAccount, reference: string, text: string): Promise<ConcernCaseAnswer> {
    return this.act(agent, reference, 'reply', () => this.deps.concerns.reply(reference, text, agentContext(agent, REPLY_REASON)));
  }

  private async act(agent: AgentAccount, reference: string, action: string, change: () => ReturnType<Concerns['dismiss']>): Promise<ConcernCaseAnswer> {
    const changed = await refusedAs(REFUSALS, change);
    // Never the reason or the text: the team's words may name the customer.
    this.log.info({ agent: agent.username, reference: changed.reference, action, state: changed.state }, 'concern changed from the console');
    return { now: this.now().toISOString(), concern: concernCaseView(changed) };
  }
}
