import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger';
import { customerMessage } from './customer-message';
import type { CompleteHandoff, EnqueueResult, HandoffHub } from './handoff-hub';
import { HandoffError, HandoffErrorCode } from './handoff-errors';
import { RedisHandoffHubOptions, ResolvedRedisHandoffHubOptions, resolveRedisHandoffHubOptions } from './handoff-hub-options';
import { checkAgent, checkCompletion, checkMessageText, checkNewHandoff, checkTicketId } from './handoff-input';
import type { HandoffEvent, HandoffTicket, NewHandoff, TranscriptLine } from './handoff-types';
import { HANDOFF_COMMANDS, HandoffCommands } from './redis-handoff-scripts';
import { newTicketDoc, TicketRecord, toTicket } from './ticket-record';

/*
 * Why a sorted set and not a stream with a consumer group: an agent claims the ticket they
 * picked from the list, not "the next message" a consumer group would hand out; a customer
 * leaves from the middle of the queue; and the customer is told their place, which a stream
 * cannot answer without reading it all (no rank). A sorted set scored by an enqueue sequence
 * gives the place in O(log n) (ZRANK), the oldest-first list (ZRANGE) and removal from anywhere
 * (ZREM); the Lua scripts make every transition atomic, and any instance serves any agent or
 * customer because nothing lives in the process. A second sorted set scored by creation time
 * feeds the timeout sweep. The key layout is described in redis-handoff-scripts.ts.
 *
 * All keys of one hub go into scripts together, so this needs a single Redis (on Cluster, a
 * prefix with a hash tag, e.g. "{psb-handoff}:").
 */

/** A reply code of the scripts that is an error, and the HandoffError code it becomes. */
const REFUSALS: Readonly<Record<string, HandoffErrorCode>> = {
  not_found: 'PSB_HANDOFF_NOT_FOUND',
  already_claimed: 'PSB_HANDOFF_ALREADY_CLAIMED',
  not_claimed: 'PSB_HANDOFF_NOT_CLAIMED',
  not_yours: 'PSB_HANDOFF_NOT_YOURS',
  closed: 'PSB_HANDOFF_CLOSED',
};

/** What the scripts return and publish for a ticket (see WIRE in redis-handoff-scripts.ts). */
type WireTicket = Omit<TicketRecord, 'transcript'> & { readonly transcript: TranscriptLine[] };

type WireEvent = { readonly type: 'queued' | 'claimed' | 'closed'; readonly ticket: WireTicket } | Extract<HandoffEvent, { ticketId: string }>;

function eventFromWire(wire: WireEvent): HandoffEvent {
  switch (wire.type) {
    case 'queued':
    case 'claimed':
    case 'closed':
      return { type: wire.type, ticket: toTicket(wire.ticket) };
    default:
      return wire;
  }
}

function ticketFromWire(json: string): HandoffTicket {
  return toTicket(JSON.parse(json) as WireTicket);
}

/**
 * The built-in agent hub on Redis, shared by every instance of the bot that uses the same
 * prefix. Each state change (enqueue, claim, cancel, complete, time-out, a relayed line) is one
 * Lua script that checks, changes and publishes the event on `${prefix}events` in one step;
 * every instance's subscriber connection hears it, the publisher's own included. Closed tickets
 * and their transcripts expire after `ticketTtlSeconds`.
 *
 * Commands go through `client` as the caller built it: with `createRedisClient` they fail at once
 * while Redis is down, and the hub rejects with HandoffError PSB_HANDOFF_UNAVAILABLE (the Redis
 * error as cause) instead of hanging.
 */
export class RedisHandoffHub implements HandoffHub {
  private readonly options: ResolvedRedisHandoffHubOptions;
  private readonly client: Redis & HandoffCommands;
  private readonly subscriber: Redis;
  private readonly ownsSubscriber: boolean;
  private readonly channel: string;
  private readonly log?: Logger;
  private readonly listeners = new Set<(event: HandoffEvent) => void>();
  private readonly subscribed: Promise<void>;
  private markSubscribed: () => void = () => undefined;
  private closed = false;

  constructor(options: RedisHandoffHubOptions) {
    this.options = resolveRedisHandoffHubOptions(options);
    this.log = this.options.logger?.child({ module: 'handoff' });
    const client = this.options.client as Redis & Partial<HandoffCommands>;
    // Several hubs may share one client; a command is defined once per client.
    for (const [name, lua] of Object.entries(HANDOFF_COMMANDS)) {
      if (typeof client[name as keyof HandoffCommands] !== 'function') client.defineCommand(name, { lua });
    }
    this.client = client as Redis & HandoffCommands;
    this.channel = `${this.options.prefix}events`;
    this.subscribed = new Promise((resolve) => {
      this.markSubscribed = resolve;
    });
    this.ownsSubscriber = this.options.subscriber === undefined;
    this.subscriber = this.options.subscriber ?? this.options.client.duplicate();
    // An owned connection's errors are ours to catch (else ioredis prints them); the command
    // client's listeners already report the outage.
    if (this.ownsSubscriber) this.subscriber.on('error', this.onSubscriberError);
    this.subscriber.on('message', this.onMessage);
    this.subscriber.on('ready', this.subscribeChannel);
    if (this.subscriber.status === 'ready') this.subscribeChannel();
  }

  /**
   * Resolves once this instance listens to the event channel (events published before that are
   * not heard); rejects with PSB_HANDOFF_UNAVAILABLE after `timeoutMs` (default 5000).
   */
  async ready(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.subscribed,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new HandoffError('PSB_HANDOFF_UNAVAILABLE', `handoff events: no subscription to Redis within ${timeoutMs} ms`, { operation: 'subscribe' })), timeoutMs);
        }),
      ]);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async enqueue(input: NewHandoff): Promise<EnqueueResult> {
    const handoff = checkNewHandoff(input, this.options.transcriptMaxLines);
    const createdAt = this.options.now();
    const id = randomUUID();
    const doc = newTicketDoc(id, handoff, createdAt);
    const reply = await this.run('enqueue', () =>
      this.client.psbHandoffEnqueueV1(
        5,
        this.ticketKey(id),
        this.transcriptKey(id),
        this.key('queue'),
        this.key('waiting'),
        this.key('seq'),
        id,
        JSON.stringify(doc),
        createdAt.getTime(),
        this.options.transcriptMaxLines,
        this.channel,
        ...handoff.transcript.map((line) => JSON.stringify(line)),
      ),
    );
    const [ticket, position] = this.accept(reply, id);
    return { ticket, position: Number(position) };
  }

  async position(ticketId: string): Promise<number | undefined> {
    const rank = await this.run('position', () => this.client.zrank(this.key('queue'), checkTicketId(ticketId)));
    return rank === null ? undefined : rank + 1;
  }

  async get(ticketId: string): Promise<HandoffTicket | undefined> {
    const [ticket] = await this.read([checkTicketId(ticketId)]);
    return ticket;
  }

  async queue(): Promise<HandoffTicket[]> {
    const ids = await this.run('queue', () => this.client.zrange(this.key('queue'), 0, -1));
    // A ticket claimed between the two reads is left out.
    return (await this.read(ids)).filter((ticket) => ticket.status === 'queued');
  }

  async queueDepth(): Promise<number> {
    return this.run('queueDepth', () => this.client.zcard(this.key('queue')));
  }

  async claimedBy(agent: string | undefined): Promise<HandoffTicket[]> {
    if (agent !== undefined) checkAgent(agent);
    const ids = await this.run('claimedBy', () => this.client.zrange(this.key('claimed'), 0, -1));
    return (await this.read(ids)).filter((ticket) => ticket.status === 'claimed' && (agent === undefined || ticket.agent === agent));
  }

  async claim(ticketId: string, agent: string): Promise<HandoffTicket> {
    const id = checkTicketId(ticketId);
    checkAgent(agent);
    const at = this.options.now();
    const reply = await this.run('claim', () =>
      this.client.psbHandoffClaimV1(5, ...this.ticketKeys(id), this.key('queue'), this.key('waiting'), this.key('claimed'), id, agent, at.toISOString(), at.getTime(), this.channel),
    );
    return this.accept(reply, id)[0];
  }

  async cancel(ticketId: string): Promise<HandoffTicket> {
    const id = checkTicketId(ticketId);
    const reply = await this.run('cancel', () =>
      this.client.psbHandoffCancelV1(
        5,
        ...this.ticketKeys(id),
        this.key('queue'),
        this.key('waiting'),
        this.key('claimed'),
        id,
        this.options.now().toISOString(),
        this.options.ticketTtlSeconds,
        this.channel,
      ),
    );
    return this.accept(reply, id)[0];
  }

  async postCustomerMessage(ticketId: string, text: string): Promise<TranscriptLine> {
    const id = checkTicketId(ticketId);
    // The line (redacted) is stored; the event, typed text included, is only PUBLISHed (Redis keeps no pub/sub message).
    const { line, event } = customerMessage(id, checkMessageText(text), this.options.now());
    await this.append('postCustomerMessage', id, line, event, '', false);
    return line;
  }

  async postAgentMessage(ticketId: string, agent: string, text: string, supervisor = false): Promise<TranscriptLine> {
    const id = checkTicketId(ticketId);
    checkAgent(agent);
    const line: TranscriptLine = { from: 'agent', text: checkMessageText(text), at: this.options.now().toISOString() };
    const event: HandoffEvent = { type: 'agent.message', ticketId: id, agent, line };
    await this.append('postAgentMessage', id, line, event, agent, supervisor);
    return line;
  }

  async complete(ticketId: string, agent: string, outcome: CompleteHandoff, supervisor = false): Promise<HandoffTicket> {
    const id = checkTicketId(ticketId);
    checkAgent(agent);
    const checked = checkCompletion(outcome);
    const reply = await this.run('complete', () =>
      this.client.psbHandoffCompleteV1(
        3,
        ...this.ticketKeys(id),
        this.key('claimed'),
        id,
        agent,
        supervisor ? '1' : '0',
        JSON.stringify(checked),
        this.options.now().toISOString(),
        this.options.ticketTtlSeconds,
        this.channel,
      ),
    );
    return this.accept(reply, id)[0];
  }

  /**
   * Several instances may sweep at once: each reads the candidates, then times each out with a
   * script that re-checks it is still queued and stale, so a ticket times out once, on one
   * instance, with one 'closed' event; each instance gets back only the tickets it closed.
   */
  async expireStale(now: Date, limit?: number): Promise<HandoffTicket[]> {
    const cutoff = now.getTime() - this.options.timeoutSeconds * 1000;
    const ids = await this.run('expireStale', () =>
      limit === undefined ? this.client.zrangebyscore(this.key('waiting'), '-inf', cutoff) : this.client.zrangebyscore(this.key('waiting'), '-inf', cutoff, 'LIMIT', 0, limit),
    );
    const settled = await Promise.allSettled(
      ids.map((id) =>
        this.run('expireStale', () =>
          this.client.psbHandoffTimeOutV1(4, ...this.ticketKeys(id), this.key('queue'), this.key('waiting'), id, cutoff, now.toISOString(), this.options.ticketTtlSeconds, this.channel),
        ),
      ),
    );
    const timedOut: HandoffTicket[] = [];
    const failures: unknown[] = [];
    settled.forEach((result, i) => {
      if (result.status === 'rejected') failures.push(result.reason);
      else if (!(Array.isArray(result.value) && result.value[0] === 'skip')) timedOut.push(this.accept(result.value, ids[i])[0]);
    });
    // Tickets already closed must reach the caller (it tells their customers); the rest wait for the next sweep.
    if (failures.length > 0 && timedOut.length === 0) throw failures[0];
    if (failures.length > 0) this.log?.warn({ err: failures[0], failed: failures.length }, 'handoff sweep: some tickets could not be timed out; the next sweep retries');
    return timedOut;
  }

  subscribe(listener: (event: HandoffEvent) => void): () => void {
    if (this.closed) return () => undefined;
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Stops listening; closes the subscriber connection if the hub made it. The command client stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.subscriber.off('message', this.onMessage);
    this.subscriber.off('ready', this.subscribeChannel);
    if (this.ownsSubscriber) {
      this.subscriber.disconnect();
      this.subscriber.off('error', this.onSubscriberError);
      return;
    }
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }

  private async append(operation: string, id: string, line: TranscriptLine, event: HandoffEvent, agent: string, supervisor: boolean): Promise<void> {
    const reply = await this.run(operation, () =>
      this.client.psbHandoffAppendV1(
        2,
        ...this.ticketKeys(id),
        line.from,
        agent,
        supervisor ? '1' : '0',
        JSON.stringify(line),
        this.options.transcriptMaxLines,
        this.channel,
        JSON.stringify(event),
      ),
    );
    this.refuseUnlessOk(reply, id);
  }

  /** Tickets by id, in that order, those that are gone left out: one round trip. */
  private async read(ids: readonly string[]): Promise<HandoffTicket[]> {
    if (ids.length === 0) return [];
    const reply = await this.run('read', () => this.client.psbHandoffReadV1(ids.length * 2, ...ids.flatMap((id) => this.ticketKeys(id))));
    if (!Array.isArray(reply)) throw new HandoffError('PSB_HANDOFF_UNAVAILABLE', 'handoff queue (Redis) gave an unexpected answer to read', { operation: 'read' });
    return reply.flatMap((json: unknown) => (typeof json === 'string' ? [ticketFromWire(json)] : []));
  }

  /** A script's { 'ok', ticket JSON, ...rest } as the ticket and the rest; a refusal as its HandoffError. */
  private accept(reply: unknown, id: string): [HandoffTicket, ...unknown[]] {
    const [json, ...rest] = this.refuseUnlessOk(reply, id);
    if (typeof json !== 'string') throw new HandoffError('PSB_HANDOFF_UNAVAILABLE', 'handoff queue (Redis) gave an unexpected answer', { ticketId: id });
    return [ticketFromWire(json), ...rest];
  }

  private refuseUnlessOk(reply: unknown, id: string): unknown[] {
    if (!Array.isArray(reply) || reply.length === 0) throw new HandoffError('PSB_HANDOFF_UNAVAILABLE', 'handoff queue (Redis) gave an unexpected answer', { ticketId: id });
    const [code, ...rest] = reply as unknown[];
    if (code === 'ok') return rest;
    const refusal = typeof code === 'string' ? REFUSALS[code] : undefined;
    if (refusal === undefined) throw new HandoffError('PSB_HANDOFF_UNAVAILABLE', `handoff queue (Redis) answered "${String(code)}"`, { ticketId: id });
    const status = rest[0];
    throw new HandoffError(refusal, undefined, { ticketId: id, ...(typeof status === 'string' ? { status } : {}) });
  }

  /** Runs Redis work; anything but a HandoffError becomes PSB_HANDOFF_UNAVAILABLE with the cause. */
  private async run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof HandoffError) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw new HandoffError('PSB_HANDOFF_UNAVAILABLE', `handoff queue (Redis) unavailable during ${operation}: ${reason}`, { operation }, { cause: err });
    }
  }

  private key(name: string): string {
    return `${this.options.prefix}${name}`;
  }

  private ticketKey(id: string): string {
    return this.key(`ticket:${id}`);
  }

  private transcriptKey(id: string): string {
    return this.key(`transcript:${id}`);
  }

  private ticketKeys(id: string): [string, string] {
    return [this.ticketKey(id), this.transcriptKey(id)];
  }

  private readonly subscribeChannel = (): void => {
    if (this.closed) return;
    // SUBSCRIBE again on every 'ready' (a no-op when ioredis already resubscribed after a reconnect).
    this.subscriber.subscribe(this.channel).then(
      () => this.markSubscribed(),
      (err: unknown) => this.log?.warn({ err }, 'handoff events: subscribe failed; retrying when Redis is back'),
    );
  };

  private readonly onSubscriberError = (err: Error): void => {
    this.log?.debug({ err }, 'handoff events: subscriber connection error');
  };

  private readonly onMessage = (channel: string, message: string): void => {
    if (channel !== this.channel) return;
    let event: HandoffEvent;
    try {
      event = eventFromWire(JSON.parse(message) as WireEvent);
    } catch (err) {
      this.log?.error({ err }, 'handoff events: dropped an event that is not valid JSON');
      return;
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.log?.error({ err, event: event.type }, 'handoff events: a listener threw');
      }
    }
  };
}
