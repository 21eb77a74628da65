import type { AgentRole } from '../ledger/agents/agent-service';

/**
 * The parts of the agent console: the handoff queue (live customers), the Requests view (access
 * requests), the Concerns view (reports and suspected breaches) and the Incidents view (breaches, their
 * clocks, the Art. 33(3) record, the customers' notice and the affected subjects).
 */
export type ConsoleView = 'handoffs' | 'requests' | 'concerns' | 'incidents';

/**
 * What a route needs: a view, or `identity` — the ledger's data about the customer of a handoff (the
 * verification panel's record, comparing what the customer states with it, recording a verification).
 */
export type ConsoleGrant = ConsoleView | 'identity';

/** Which handoffs a role works: every one (as its role allows), or only those about an incident. */
export type HandoffScope = 'all' | 'incident';

/**
 * Who may open what. Least privilege: an `agent` verifies and helps customers in live handoffs; the
 * `privacy` team works access-request cases, concerns and incidents and, since releasing a copy of
 * someone's data is a separate duty from chatting with them, does not take over conversations; a
 * `supervisor` does all of it. `surge` is outsourced staff during a breach: the handoffs about the
 * incident and the published notice, none of the ledger's data about the customer, nothing else.
 * Someone who needs two duties without supervising is given `supervisor`.
 */
const GRANTS_BY_ROLE: Readonly<Record<AgentRole, readonly ConsoleGrant[]>> = Object.freeze({
  agent: Object.freeze(['handoffs', 'identity'] as const),
  supervisor: Object.freeze(['handoffs', 'identity', 'requests', 'concerns', 'incidents'] as const),
  privacy: Object.freeze(['requests', 'concerns', 'incidents'] as const),
  surge: Object.freeze(['handoffs'] as const),
});

const VIEWS: readonly ConsoleView[] = ['handoffs', 'requests', 'concerns', 'incidents'];

export function mayOpen(role: AgentRole, grant: ConsoleGrant): boolean {
  return GRANTS_BY_ROLE[role].includes(grant);
}

/** The views of a role that this console serves (each optional view only when its service is wired in), in the page's order. */
export function viewsOf(role: AgentRole, served: ReadonlySet<ConsoleView>): ConsoleView[] {
  return VIEWS.filter((view) => served.has(view) && mayOpen(role, view));
}

export function handoffScopeOf(role: AgentRole): HandoffScope {
  return role === 'surge' ? 'incident' : 'all';
}
