import type { CustomerChannel } from '../handoff/customer-channel';
import { HandoffError } from '../handoff/handoff-errors';
import type { HandoffHub } from '../handoff/handoff-hub';
import type { HandoffTicket, TranscriptLine } from '../handoff/handoff-types';
import type { AgentAccount } from '../ledger/agents/agent-service';
import { appendAudit, AuditEntry, WriteContext } from '../ledger/audit/audit-log';
import type { Ledger } from '../ledger/ledger';
import { LedgerError } from '../ledger/ledger-errors';
import { IdentifierKind, maskIdentifier } from '../ledger/subjects/identifiers';
import type { Logger } from '../log/logger';
import { AgentError, forbidden, invalidRequest } from './agent-errors';
import { HeldItem, heldItem, QueueItem, queueItem, TicketDetail, TicketSummary, ticketSummary, VerificationPanel } from './agent-views';
import { handoffScopeOf, mayOpen } from './console-roles';
import { incidentsFirst, isIncidentHandoff } from './incident-handoffs';

/** The parts of the ledger the desk uses. */
export type AgentDeskLedger = Pick<Ledger, 'db' | 'agents' | 'subjects' | 'verifications'>;

export interface AgentDeskDeps {
  readonly hub: HandoffHub;
  readonly customerChannel: CustomerChannel;
  readonly ledger: AgentDeskLedger;
  readonly logger: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** What an agent decided after checking the customer's identity. */
export interface VerificationDecision {
  readonly outcome: 'verified' | 'failed';
  /** How they checked: 'agent_check', 'document' or 'knowledge'. */
  readonly method: 'agent_check' | 'document' | 'knowledge';
  readonly note?: string;
}

export interface QueueView {
  /** The server's clock (ISO), so a page can keep waiting times live without trusting its own. */
  readonly now: string;
  /** Waiting customers: those about an incident first, then the others; oldest first in each. */
  readonly queue: readonly QueueItem[];
  /** Tickets this agent holds (a supervisor: every claimed ticket). */
  readonly held: readonly HeldItem[];
}

/** How many earlier verifications of the subject the panel shows. */
const PANEL_VERIFICATIONS = 5;

/**
 * The agent console's use cases over the handoff hub, the ledger and the customer channel, with
 * no HTTP in sight. Who may do what: an agent acts only on tickets they hold; a supervisor sees
 * and acts on all. Every action is in the ledger's audit log as `agent:<username>`, written in
 * the same database transaction that waits for the hub's change, so a refused change leaves no
 * entry. The customer hears of a change only after the hub (and, for a verification, the ledger)
 * committed it; a failed delivery is logged and reported, never undone. A `surge` agent sees, claims
 * and works only handoffs about an incident, and nothing of the ledger's data about the customer
 * (`console-roles.ts`): the rest is 403 `PSB_AGENT_FORBIDDEN`, here as well as at the routes.
 */
export class AgentDesk {
  private readonly log: Logger;
  private readonly now: () => Date;

  constructor(private readonly deps: AgentDeskDeps) {
    this.log = deps.logger.child({ module: 'agent' });
    this.now = deps.now ?? (() => new Date());
  }

  /** The account when the password matches; undefined otherwise. Both outcomes audited for existing accounts. */
  async signIn(username: string, password: string): Promise<AgentAccount | undefined> {
    const account = await this.deps.ledger.agents.authenticate(username, password);
    if (account) {
      await this.audit(account.username, 'agent signed in to the console', { action: 'agent.signed_in', entity: 'agent_account', entityId: account.username, details: { role: account.role } });
      return account;
    }
    // A refusal is audited only for a real account: strangers' guesses must not fill the chain.
    if (await this.deps.ledger.agents.get(username)) {
      await this.audit(username, 'sign-in refused: wrong password', { action: 'agent.sign_in_refused', entity: 'agent_account', entityId: username });
    }
    return undefined;
  }

  async signedOut(agent: AgentAccount): Promise<void> {
    await this.audit(agent.username, 'agent signed out of the console', { action: 'agent.signed_out', entity: 'agent_account', entityId: agent.username });
  }

  async queue(agent: AgentAccount): Promise<QueueView> {
    const [queued, held] = await Promise.all([this.deps.hub.queue(), this.deps.hub.claimedBy(isSupervisor(agent) ? undefined : agent.username)]);
    const now = this.now();
    const waiting = handoffScopeOf(agent.role) === 'incident' ? queued.filter(isIncidentHandoff) : queued;
    return { now: now.toISOString(), queue: incidentsFirst(waiting).map((t) => queueItem(t, now)), held: incidentsFirst(held).map((t) => heldItem(t, now)) };
  }

  /** Claims a queued ticket; of two agents at once one wins, the other gets PSB_HANDOFF_ALREADY_CLAIMED. */
  async claim(agent: AgentAccount, ticketId: string): Promise<TicketSummary> {
    if (handoffScopeOf(agent.role) === 'incident') this.inScope(agent, await this.existing(ticketId));
    const ticket = await this.auditedChange(agent, 'agent claimed a handoff', () => this.deps.hub.claim(ticketId, agent.username), (claimed) => ({
      action: 'handoff.claimed',
      entity: 'handoff',
      entityId: claimed.id,
      details: { reason: claimed.reason, waitedSeconds: ticketSummary(claimed, this.now()).waitingSeconds },
    }));
    await this.tellCustomer('agentJoined', ticket, () => this.deps.customerChannel.agentJoined(ticket));
    return ticketSummary(ticket, this.now());
  }

  /** The ticket, its transcript and the verification panel (none for a role without the ledger's data): for its holder or a supervisor. */
  async view(agent: AgentAccount, ticketId: string): Promise<TicketDetail> {
    const ticket = await this.visible(agent, ticketId);
    const verification = mayOpen(agent.role, 'identity') ? await this.panel(ticket) : null;
    return { ticket: ticketSummary(ticket, this.now()), transcript: ticket.transcript, verification };
  }

  /** Relays a message to the customer. `delivered` is false when the channel failed (the line stays in the transcript). */
  async message(agent: AgentAccount, ticketId: string, text: string): Promise<{ line: TranscriptLine; delivered: boolean }> {
    const ticket = await this.actionable(agent, ticketId);
    const line = await this.auditedChange(agent, 'agent wrote to the customer', () => this.deps.hub.postAgentMessage(ticket.id, agent.username, text, isSupervisor(agent)), () => ({
      action: 'handoff.agent_message',
      entity: 'handoff',
      entityId: ticket.id,
      details: { characters: Array.from(text).length },
    }));
    const delivered = await this.tellCustomer('deliverAgentMessage', ticket, () => this.deps.customerChannel.deliverAgentMessage(ticket, agent.username, text));
    return { line, delivered };
  }

  /**
   * Compares what the customer states with the identifiers on record, without showing them:
   * the agent learns match or no match. Audited with the kind and the answer, never the value.
   */
  async checkIdentifier(agent: AgentAccount, ticketId: string, kind: IdentifierKind, value: string): Promise<{ match: boolean }> {
    requireIdentity(agent);
    const ticket = await this.actionable(agent, ticketId);
    const subjectId = ticket.claimedIdentity?.subjectId;
    if (subjectId === undefined) throw new AgentError('PSB_AGENT_NO_RECORD', undefined, { ticketId: ticket.id });
    let normalized;
    try {
      normalized = this.deps.ledger.subjects.normalize(kind, value);
    } catch (err) {
      if (err instanceof LedgerError) throw invalidRequest('value', `"value" is not a well-formed ${kind}`);
      throw err;
    }
    const onRecord = await this.deps.ledger.subjects.identifiersOf(subjectId);
    const match = onRecord.some((i) => i.kind === normalized.kind && i.value === normalized.value);
    await this.audit(agent.username, 'agent compared an identifier the customer stated with the record', {
      action: 'handoff.identifier_checked',
      entity: 'handoff',
      entityId: ticket.id,
      details: { subjectId, kind, match },
    });
    return { match };
  }

  /**
   * Records the outcome of an identity check: in the ledger (when the claim matched a subject;
   * once per ticket, even if retried), then closes the ticket with it, then the bot takes the
   * customer back (resuming the waiting dialog when verified).
   */
  async verify(agent: AgentAccount, ticketId: string, decision: VerificationDecision): Promise<TicketSummary & { verificationId?: string }> {
    requireIdentity(agent);
    const ticket = await this.actionable(agent, ticketId);
    const subjectId = ticket.claimedIdentity?.subjectId;
    let verificationId: string | undefined;
    if (subjectId !== undefined) {
      const recorded = await this.deps.ledger.verifications.record(
        { subjectId, method: decision.method, level: 'verified', outcome: decision.outcome, agent: agent.username, ...(decision.note ? { notes: decision.note } : {}) },
        { actor: actorOf(agent.username), reason: 'agent checked the identity of a customer in a handoff', idempotencyKey: `handoff:${ticket.id}:verification` },
      );
      verificationId = recorded.id;
    }
    const closed = await this.close(agent, ticket.id, { verification: decision.outcome, method: decision.method, ...(decision.note ? { note: decision.note } : {}) }, {
      ...(subjectId !== undefined ? { subjectId } : { subjectOnRecord: false }),
      ...(verificationId !== undefined ? { verificationId } : {}),
    });
    return { ...closed, ...(verificationId !== undefined ? { verificationId } : {}) };
  }

  /** Ends the handoff without verification (outcome 'none'): the bot takes the customer back. */
  async complete(agent: AgentAccount, ticketId: string, note?: string): Promise<TicketSummary> {
    const ticket = await this.actionable(agent, ticketId);
    return this.close(agent, ticket.id, { verification: 'none', ...(note ? { note } : {}) }, {});
  }

  private async close(agent: AgentAccount, ticketId: string, outcome: Parameters<HandoffHub['complete']>[2], details: Record<string, unknown>): Promise<TicketSummary> {
    const closed = await this.auditedChange(agent, 'agent ended a handoff', () => this.deps.hub.complete(ticketId, agent.username, outcome, isSupervisor(agent)), (ticket) => ({
      action: 'handoff.completed',
      entity: 'handoff',
      entityId: ticket.id,
      details: { outcome: outcome.verification, ...(outcome.method ? { method: outcome.method } : {}), ...details },
    }));
    await this.tellCustomer('handoffClosed', closed, () => this.deps.customerChannel.handoffClosed(closed));
    return ticketSummary(closed, this.now());
  }

  /** A ticket the agent may see: 404 when unknown, 403 when outside the role's scope or someone else's (supervisors see all). */
  private async visible(agent: AgentAccount, ticketId: string): Promise<HandoffTicket> {
    const ticket = this.inScope(agent, await this.existing(ticketId));
    if (!isSupervisor(agent) && ticket.agent !== agent.username) throw new HandoffError('PSB_HANDOFF_NOT_YOURS', undefined, { ticketId, status: ticket.status });
    return ticket;
  }

  private async existing(ticketId: string): Promise<HandoffTicket> {
    const ticket = await this.deps.hub.get(ticketId);
    if (!ticket) throw new HandoffError('PSB_HANDOFF_NOT_FOUND', undefined, { ticketId });
    return ticket;
  }

  /** 403 `PSB_AGENT_FORBIDDEN` for a surge agent and a ticket that is not about an incident. */
  private inScope(agent: AgentAccount, ticket: HandoffTicket): HandoffTicket {
    if (handoffScopeOf(agent.role) === 'incident' && !isIncidentHandoff(ticket)) throw forbidden(agent.role, 'handoffs');
    return ticket;
  }

  /** A visible ticket that is claimed (still open): else 409 NOT_CLAIMED or CLOSED. */
  private async actionable(agent: AgentAccount, ticketId: string): Promise<HandoffTicket> {
    const ticket = await this.visible(agent, ticketId);
    if (ticket.status === 'queued') throw new HandoffError('PSB_HANDOFF_NOT_CLAIMED', undefined, { ticketId, status: ticket.status });
    if (ticket.status !== 'claimed') throw new HandoffError('PSB_HANDOFF_CLOSED', undefined, { ticketId, status: ticket.status });
    return ticket;
  }

  private async panel(ticket: HandoffTicket): Promise<VerificationPanel> {
    const claimed = ticket.claimedIdentity;
    const claimedIdentity = claimed ? { kind: claimed.kind, masked: claimed.masked } : null;
    const subject = claimed?.subjectId !== undefined ? await this.deps.ledger.subjects.byId(claimed.subjectId) : undefined;
    if (!subject) return { claimedIdentity, record: null };
    const [identifiers, verifications] = await Promise.all([this.deps.ledger.subjects.identifiersOf(subject.id), this.deps.ledger.verifications.forSubject(subject.id)]);
    return {
      claimedIdentity,
      record: {
        subjectId: subject.id,
        regime: subject.regime,
        preferredLocale: subject.preferredLocale,
        dataPoints: identifiers.map((i) => ({ kind: i.kind, masked: maskIdentifier(i) })),
        verifications: verifications
          .slice(-PANEL_VERIFICATIONS)
          .reverse()
          .map((v) => ({ at: v.at.toISOString(), outcome: v.outcome, method: v.method, ...(v.agent ? { agent: v.agent } : {}) })),
      },
    };
  }

  /**
   * Runs a hub change inside a ledger transaction and appends its audit entry there: a refused
   * change rolls the transaction back, so only what happened is audited.
   */
  private async auditedChange<T>(agent: AgentAccount, reason: string, change: () => Promise<T>, entry: (result: T) => AuditEntry): Promise<T> {
    return this.deps.ledger.db.transaction(async (tx) => {
      const result = await change();
      await appendAudit(tx, { actor: actorOf(agent.username), reason }, entry(result), this.now());
      return result;
    });
  }

  private async audit(username: string, reason: string, entry: AuditEntry): Promise<void> {
    await this.deps.ledger.db.transaction((tx) => appendAudit(tx, { actor: actorOf(username), reason }, entry, this.now()));
  }

  /** Calls the customer channel; a failure is logged (no message text) and answered as false. */
  private async tellCustomer(operation: keyof CustomerChannel, ticket: HandoffTicket, call: () => Promise<void>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (err) {
      this.log.warn({ err, operation, ticketId: ticket.id, channelId: ticket.channelId }, 'could not reach the customer of a handoff');
      return false;
    }
  }
}

/** Comparing identifiers and recording verifications use the ledger's data about the customer. */
function requireIdentity(agent: AgentAccount): void {
  if (!mayOpen(agent.role, 'identity')) throw forbidden(agent.role, 'identity');
}

export function isSupervisor(agent: AgentAccount): boolean {
  return agent.role === 'supervisor';
}

export function actorOf(username: string): string {
  return `agent:${username}`;
}

/** An agent's write as the services audit it: as `agent:<username>`, with the reason given. */
export function agentContext(agent: AgentAccount, reason: string): WriteContext {
  return { actor: actorOf(agent.username), reason };
}
