import type { AgentAccount } from '../../ledger/agents/agent-service';
import { appendAudit } from '../../ledger/audit/audit-log';
import type { SqlDatabase } from '../../ledger/db/sql-database';
import type { Logger } from '../../log/logger';
import type { AccessCaseQuery, AccessRequests } from '../../privacy/access/access-requests';
import type { AccessCase } from '../../privacy/access/access-types';
import type { ReportPreview } from '../../privacy/access/copy/copy-preview';
import { agentContext } from '../agent-desk';
import { AgentError, invalidRequest } from '../agent-errors';
import { RefusalCodes, refusedAs } from '../service-refusal';
import { hasPreview, requestDetail, RequestDetailView, RequestListView, requestSummary } from './request-views';

export interface RequestDeskDeps {
  readonly requests: AccessRequests;
  /** The ledger's database: a preview (a person's data shown to a team member) is audited there. */
  readonly db: SqlDatabase;
  /** Reads a copy's report.html; without it the preview answers 404 `PSB_AGENT_NO_PREVIEW`. */
  readonly preview?: ReportPreview;
  readonly logger: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** How the ledger's refusals underneath the access-request service reach the page (`service-refusal.ts`). */
const REFUSALS: RefusalCodes = { notFound: 'PSB_AGENT_REQUEST_NOT_FOUND', refused: 'PSB_AGENT_REQUEST_REFUSED' };

/** What the audit says of an action whose reason the team does not type. */
const RELEASE_REASON = 'privacy team released the copy after review';
const RERUN_REASON = 'privacy team ran a failed data source again';
const PREVIEW_REASON = 'privacy team previewed the copy before release';

/**
 * The Requests view's use cases over the access-request service (which holds every rule and writes
 * every audit entry, as `agent:<username>` with the team's reason): list, a case in detail, the copy's
 * preview, and the actions. Who may call it is the routes' business (`console-roles.ts`).
 */
export class RequestDesk {
  private readonly log: Logger;
  private readonly now: () => Date;

  constructor(private readonly deps: RequestDeskDeps) {
    this.log = deps.logger.child({ module: 'agent-requests' });
    this.now = deps.now ?? (() => new Date());
  }

  async list(query: AccessCaseQuery): Promise<RequestListView> {
    const cases = await this.deps.requests.list(query);
    const now = this.now();
    return { now: now.toISOString(), requests: cases.map((c) => requestSummary(c, now)) };
  }

  async detail(typedReference: string): Promise<RequestDetailView> {
    return this.view(await this.existing(typedReference));
  }

  /**
   * The copy's report.html, for the team to read before release; 404 when there is none. Who looked
   * is audited (`request.copy_previewed`) before the report is served: no audit, no preview.
   */
  async preview(agent: AgentAccount, typedReference: string): Promise<string> {
    const found = await this.existing(typedReference);
    const html = hasPreview(found) && this.deps.preview ? await this.deps.preview.previewReport(found.id) : undefined;
    if (html === undefined) throw new AgentError('PSB_AGENT_NO_PREVIEW', undefined, { reference: found.reference });
    await this.deps.db.transaction((tx) =>
      appendAudit(tx, agentContext(agent, PREVIEW_REASON), { action: 'request.copy_previewed', entity: 'data_request', entityId: found.id, details: { reference: found.reference } }, this.now()),
    );
    this.log.info({ agent: agent.username, reference: found.reference }, 'access request copy previewed');
    return html;
  }

  async release(agent: AgentAccount, typedReference: string): Promise<RequestDetailView> {
    return this.act(agent, typedReference, 'release', (reference) => this.deps.requests.release(reference, agentContext(agent, RELEASE_REASON)));
  }

  async extend(agent: AgentAccount, typedReference: string, reason: string): Promise<RequestDetailView> {
    return this.act(agent, typedReference, 'extend', (reference) => this.deps.requests.extend(reference, reason, agentContext(agent, reason)));
  }

  async refuse(agent: AgentAccount, typedReference: string, reason: string): Promise<RequestDetailView> {
    return this.act(agent, typedReference, 'refuse', (reference) => this.deps.requests.refuse(reference, reason, agentContext(agent, reason)));
  }

  async rerunSource(agent: AgentAccount, typedReference: string, sourceId: string): Promise<RequestDetailView> {
    return this.act(agent, typedReference, 'rerun', (reference, found) => {
      if (!found.sources.some((source) => source.sourceId === sourceId)) throw invalidRequest('sourceId', `request ${reference} has no source "${sourceId}"`);
      return this.deps.requests.rerunSource(reference, sourceId, agentContext(agent, RERUN_REASON));
    });
  }

  /** Finds the case (404 when unknown), runs the change, answers the case as it now is. */
  private async act(agent: AgentAccount, typedReference: string, action: string, change: (reference: string, found: AccessCase) => Promise<AccessCase>): Promise<RequestDetailView> {
    const found = await this.existing(typedReference);
    const changed = await refusedAs(REFUSALS, () => change(found.reference, found));
    // Never the reason: the team's words may name the customer.
    this.log.info({ agent: agent.username, reference: changed.reference, action, status: changed.status }, 'access request changed from the console');
    return this.view(changed);
  }

  private async existing(typedReference: string): Promise<AccessCase> {
    const found = await this.deps.requests.find(typedReference);
    if (!found) throw new AgentError('PSB_AGENT_REQUEST_NOT_FOUND');
    return found;
  }

  private view(accessCase: AccessCase): RequestDetailView {
    const now = this.now();
    return { now: now.toISOString(), request: requestDetail(accessCase, now, this.deps.preview !== undefined) };
  }
}
