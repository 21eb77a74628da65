import type { AgentRole } from '../ledger/agents/agent-service';

/** The parts of the agent console: the handoff queue (live customers) and the Requests view (access requests). */
export type ConsoleView = 'handoffs' | 'requests';

/**
 * Who may open what. Least privilege: an `agent` verifies and helps customers in live handoffs; the
 * `privacy` team works access-request cases (release, extend, refuse, re-run) and, since releasing a
 * copy of someone's data is a separate duty from chatting with them, does not take over conversations;
 * a `supervisor` does both. Someone who needs both without supervising is given `supervisor`.
 */
const VIEWS_BY_ROLE: Readonly<Record<AgentRole, readonly ConsoleView[]>> = Object.freeze({
  agent: Object.freeze(['handoffs'] as const),
  supervisor: Object.freeze(['handoffs', 'requests'] as const),
  privacy: Object.freeze(['requests'] as const),
});

export function mayOpen(role: AgentRole, view: ConsoleView): boolean {
  return VIEWS_BY_ROLE[role].includes(view);
}

/** The views of a role that this console serves (the Requests view only when access requests are wired in). */
export function viewsOf(role: AgentRole, served: ReadonlySet<ConsoleView>): ConsoleView[] {
  return VIEWS_BY_ROLE[role].filter((view) => served.has(view));
}
