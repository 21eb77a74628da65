import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger';
import { customerMessage } from './customer-message';
import type { CompleteHandoff, EnqueueResult, HandoffHub } from './handoff-hub';
import { HandoffError } from './handoff-errors';
import { HandoffHubOptions, ResolvedHandoffHubOptions, resolveHandoffHubOptions } from './handoff-hub-options';
import { checkAgent, checkCompletion, checkMessageText, checkNewHandoff, checkTicketId } from './handoff-input';
import type { HandoffEvent, HandoffTicket, NewHandoff, TranscriptLine } from './handoff-types';
import { isOpen, newTicketDoc, TicketRecord, toTicket } from './ticket-record';

type MutableRecord = { -readonly [field in keyof TicketRecord]: TicketRecord[field] } & { transcript: TranscriptLine[] };

/**
 * The hub in one process, for a bot without REDIS_URL (a single instance by definition). Same
 * contract as RedisHandoffHub: the same transitions, errors, transcript cap and events (delivered
 * after the operation, on a microtask). Closed tickets are forgotten `ticketTtlSeconds` after
 * they closed, by the hub's clock.
 */
export class MemoryHandoffHub implements HandoffHub {
  private readonly options: ResolvedHandoffHubOptions;
  private readonly log?: Logger;
  private readonly tickets = new Map<string, MutableRecord>();
  /** Queued ids, oldest first. */
  private readonly queued: string[] = [];
  private readonly listeners = new Set<(event: HandoffEvent) => void>();
  private closed = false;

  constructor(options: HandoffHubOptions) {
    this.options = resolveHandoffHubOptions(options);
    this.log = this.options.logger?.child({ module: 'handoff' });
  }

  /** Always ready: kept beside RedisHandoffHub.ready() so callers treat both alike. */
  async ready(): Promise<void> {}

  async enqueue(input: NewHandoff): Promise<EnqueueResult> {
    const handoff = checkNewHandoff(input, this.options.transcriptMaxLines);
    const id = randomUUID();
    const record: MutableRecord = { doc: newTicketDoc(id, handoff, this.options.now()), status: 'queued', transcript: handoff.transcript.map((line) => ({ ...line })) };
    this.tickets.set(id, record);
    this.queued.push(id);
    const ticket = toTicket(record);
    this.emit({ type: 'queued', ticket });
    return { ticket: toTicket(record), position: this.queued.length };
  }

  async position(ticketId: string): Promise<number | undefined> {
    const at = this.queued.indexOf(checkTicketId(ticketId));
    return at < 0 ? undefined : at + 1;
  }

  async get(ticketId: string): Promise<HandoffTicket | undefined> {
    const record = this.find(checkTicketId(ticketId));
    return record && toTicket(record);
  }

  async queue(): Promise<HandoffTicket[]> {
    return this.queued.map((id) => toTicket(this.record(id)));
  }

  async queueDepth(): Promise<number> {
    return this.queued.length;
  }

  async claimedBy(agent: string | undefined): Promise<HandoffTicket[]> {
    if (agent !== undefined) checkAgent(agent);
    return [...this.tickets.values()]
      .filter((record) => record.status === 'claimed' && (agent === undefined || record.agent === agent))
      .sort((a, b) => (a.claimedAt ?? '').localeCompare(b.claimedAt ?? ''))
      .map(toTicket);
  }

  async claim(ticketId: string, agent: string): Promise<HandoffTicket> {
    const id = checkTicketId(ticketId);
    checkAgent(agent);
    const record = this.record(id);
    if (record.status === 'claimed') {
      if (record.agent === agent) return toTicket(record);
      throw this.refusal('PSB_HANDOFF_ALREADY_CLAIMED', record);
    }
    if (record.status !== 'queued') throw this.refusal('PSB_HANDOFF_CLOSED', record);
    this.leaveQueue(record);
    Object.assign(record, { status: 'claimed', agent, claimedAt: this.options.now().toISOString() });
    return this.emitTicket('claimed', record);
  }

  async cancel(ticketId: string): Promise<HandoffTicket> {
    const record = this.record(checkTicketId(ticketId));
    if (!isOpen(record.status)) throw this.refusal('PSB_HANDOFF_CLOSED', record);
    this.leaveQueue(record);
    Object.assign(record, { status: 'cancelled', closedAt: this.options.now().toISOString() });
    return this.emitTicket('closed', record);
  }

  async postCustomerMessage(ticketId: string, text: string): Promise<TranscriptLine> {
    const id = checkTicketId(ticketId);
    const { line, event } = customerMessage(id, checkMessageText(text), this.options.now());
    const record = this.record(id);
    if (!isOpen(record.status)) throw this.refusal('PSB_HANDOFF_CLOSED', record);
    this.appendLine(record, line);
    this.emit(event);
    return line;
  }

  async postAgentMessage(ticketId: string, agent: string, text: string, supervisor = false): Promise<TranscriptLine> {
    const id = checkTicketId(ticketId);
    checkAgent(agent);
    const line: TranscriptLine = { from: 'agent', text: checkMessageText(text), at: this.options.now().toISOString() };
    const record = this.record(id);
    this.requireHeld(record, agent, supervisor);
    this.appendLine(record, line);
    this.emit({ type: 'agent.message', ticketId: record.doc.id, agent, line: { ...line } });
    return line;
  }

  async complete(ticketId: string, agent: string, outcome: CompleteHandoff, supervisor = false): Promise<HandoffTicket> {
    const id = checkTicketId(ticketId);
    checkAgent(agent);
    const checked = checkCompletion(outcome);
    const record = this.record(id);
    this.requireHeld(record, agent, supervisor);
    Object.assign(record, { status: 'completed', closedAt: this.options.now().toISOString(), outcome: checked });
    return this.emitTicket('closed', record);
  }

  /** Also forgets closed tickets past their TTL (the sweeper calls this every few seconds). */
  async expireStale(now: Date, limit?: number): Promise<HandoffTicket[]> {
    for (const id of [...this.tickets.keys()]) this.find(id);
    const cutoff = now.getTime() - this.options.timeoutSeconds * 1000;
    const stale = this.queued
      .map((id) => this.record(id))
      .filter((record) => Date.parse(record.doc.createdAt) <= cutoff)
      .slice(0, limit);
    return stale.map((record) => {
      this.leaveQueue(record);
      Object.assign(record, { status: 'timed_out', closedAt: now.toISOString() });
      return this.emitTicket('closed', record);
    });
  }

  subscribe(listener: (event: HandoffEvent) => void): () => void {
    if (this.closed) return () => undefined;
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
  }

  /** The record, unless it is unknown or closed longer ago than the TTL (then forgotten). */
  private find(id: string): MutableRecord | undefined {
    const record = this.tickets.get(id);
    if (record?.closedAt !== undefined && Date.parse(record.closedAt) + this.options.ticketTtlSeconds * 1000 <= this.options.now().getTime()) {
      this.tickets.delete(id);
      return undefined;
    }
    return record;
  }

  private record(id: string): MutableRecord {
    const record = this.find(id);
    if (!record) throw new HandoffError('PSB_HANDOFF_NOT_FOUND', undefined, { ticketId: id });
    return record;
  }

  /** Same order of checks as the Redis scripts: closed, still queued, held by someone else. */
  private requireHeld(record: MutableRecord, agent: string, supervisor: boolean): void {
    if (!isOpen(record.status)) throw this.refusal('PSB_HANDOFF_CLOSED', record);
    if (record.status === 'queued') throw this.refusal('PSB_HANDOFF_NOT_CLAIMED', record);
    if (!supervisor && record.agent !== agent) throw this.refusal('PSB_HANDOFF_NOT_YOURS', record);
  }

  private refusal(code: 'PSB_HANDOFF_ALREADY_CLAIMED' | 'PSB_HANDOFF_CLOSED' | 'PSB_HANDOFF_NOT_CLAIMED' | 'PSB_HANDOFF_NOT_YOURS', record: MutableRecord): HandoffError {
    return new HandoffError(code, undefined, { ticketId: record.doc.id, status: record.status });
  }

  private leaveQueue(record: MutableRecord): void {
    const at = this.queued.indexOf(record.doc.id);
    if (at >= 0) this.queued.splice(at, 1);
  }

  private appendLine(record: MutableRecord, line: TranscriptLine): void {
    record.transcript.push({ ...line });
    if (record.transcript.length > this.options.transcriptMaxLines) record.transcript.splice(0, record.transcript.length - this.options.transcriptMaxLines);
  }

  private emitTicket(type: 'claimed' | 'closed', record: MutableRecord): HandoffTicket {
    this.emit({ type, ticket: toTicket(record) });
    return toTicket(record);
  }

  /** After the operation, like events coming back from Redis; a listener that throws is logged. */
  private emit(event: HandoffEvent): void {
    const listeners = [...this.listeners];
    queueMicrotask(() => {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (err) {
          this.log?.error({ err, event: event.type }, 'handoff events: a listener threw');
        }
      }
    });
  }
}
