import assert from 'node:assert/strict';
import { isAppError } from '../../src/errors/app-error';
import type { HandoffHub } from '../../src/handoff/handoff-hub';
import { HandoffError } from '../../src/handoff/handoff-errors';
import { MAX_MESSAGE_CHARS } from '../../src/handoff/handoff-input';
import type { HandoffEvent, HandoffTicket } from '../../src/handoff/handoff-types';
import { assertHandoffError, EventRecorder, FakeClock, newHandoff, recordEvents } from './hub-support';

/** What the contract asks of a factory: a hub of its own (an empty queue), on this clock. */
export interface ContractHubOptions {
  readonly timeoutSeconds: number;
  readonly now: () => Date;
  readonly transcriptMaxLines?: number;
}

export type HubFactory = (options: ContractHubOptions) => Promise<HandoffHub>;

const TIMEOUT_SECONDS = 120;

interface Context {
  readonly hub: HandoffHub;
  readonly clock: FakeClock;
  readonly events: EventRecorder;
}

async function enqueueN(hub: HandoffHub, n: number): Promise<HandoffTicket[]> {
  const tickets: HandoffTicket[] = [];
  for (let i = 1; i <= n; i++) tickets.push((await hub.enqueue(newHandoff(i))).ticket);
  return tickets;
}

async function positions(hub: HandoffHub, tickets: readonly HandoffTicket[]): Promise<(number | undefined)[]> {
  return Promise.all(tickets.map((ticket) => hub.position(ticket.id)));
}

const isEvent =
  (type: HandoffEvent['type'], ticketId: string) =>
  (event: HandoffEvent): boolean =>
    event.type === type && ('ticket' in event ? event.ticket.id : event.ticketId) === ticketId;

/**
 * The behaviour every HandoffHub keeps, whatever holds the queue: run by test/handoff/hubs.test.ts
 * against the in-process hub and the Redis hub. Each case gets a hub with an empty queue of its
 * own and a fake clock.
 */
export function describeHubContract(name: string, makeHub: HubFactory): void {
  describe(`${name}: handoff hub contract`, () => {
    let ctx: Context;
    const open: HandoffHub[] = [];

    const fresh = async (options: Partial<ContractHubOptions> = {}): Promise<Context> => {
      const clock = new FakeClock();
      const hub = await makeHub({ timeoutSeconds: TIMEOUT_SECONDS, now: clock.now, ...options });
      open.push(hub);
      return { hub, clock, events: recordEvents(hub) };
    };

    beforeEach(async () => {
      ctx = await fresh();
    });
    afterEach(async () => {
      for (const hub of open.splice(0)) await hub.close();
    });

    it('queues tickets at places 1, 2, 3 and keeps what the bot gave, with the time it was queued', async () => {
      const { hub, clock } = ctx;
      const results = [];
      for (let i = 1; i <= 3; i++) {
        results.push(await hub.enqueue(newHandoff(i)));
        clock.advance(1);
      }
      assert.deepEqual(
        results.map((r) => r.position),
        [1, 2, 3],
      );
      const [first] = results;
      const input = newHandoff(1);
      assert.equal(first.ticket.status, 'queued');
      assert.equal(typeof first.ticket.id, 'string');
      assert.equal(first.ticket.createdAt, '2026-03-02T09:00:00.000Z');
      assert.deepEqual(
        { reason: first.ticket.reason, locale: first.ticket.locale, pendingAction: first.ticket.pendingAction, claimedIdentity: first.ticket.claimedIdentity, channelId: first.ticket.channelId, conversation: first.ticket.conversation, transcript: first.ticket.transcript },
        { reason: input.reason, locale: input.locale, pendingAction: input.pendingAction, claimedIdentity: input.claimedIdentity, channelId: input.channelId, conversation: input.conversation, transcript: input.transcript },
      );
      assert.equal(first.ticket.agent, undefined);
      assert.equal(new Set(results.map((r) => r.ticket.id)).size, 3, 'ids are unique');
    });

    it('lists the queue oldest first, answers each place, and get() gives the same ticket', async () => {
      const { hub } = ctx;
      const tickets = await enqueueN(hub, 3);
      assert.deepEqual(
        (await hub.queue()).map((t) => t.id),
        tickets.map((t) => t.id),
      );
      assert.deepEqual(await positions(hub, tickets), [1, 2, 3]);
      assert.deepEqual(await hub.get(tickets[1].id), tickets[1]);
      assert.equal(await hub.get('no-such-ticket'), undefined);
      assert.equal(await hub.position('no-such-ticket'), undefined);
    });

    it('keeps the order of tickets queued in the same millisecond', async () => {
      const { hub } = ctx;
      const results = await Promise.all([1, 2, 3, 4, 5].map((i) => hub.enqueue(newHandoff(i))));
      assert.deepEqual(results.map((r) => r.position).sort(), [1, 2, 3, 4, 5]);
      const queue = await hub.queue();
      for (const result of results) assert.equal(queue[result.position - 1].id, result.ticket.id);
    });

    it('publishes a queued event with the ticket', async () => {
      const { hub, events } = ctx;
      const { ticket } = await hub.enqueue(newHandoff(1));
      const event = await events.waitFor(isEvent('queued', ticket.id), 'queued');
      assert.deepEqual(event, { type: 'queued', ticket });
    });

    it('claims a ticket: it leaves the queue, later tickets move up, a claimed event goes out', async () => {
      const { hub, clock, events } = ctx;
      const tickets = await enqueueN(hub, 3);
      clock.advance(30);
      const claimed = await hub.claim(tickets[0].id, 'agent.luca');
      assert.equal(claimed.status, 'claimed');
      assert.equal(claimed.agent, 'agent.luca');
      assert.equal(claimed.claimedAt, clock.iso());
      assert.deepEqual(claimed.transcript, tickets[0].transcript);
      assert.deepEqual(await positions(hub, tickets), [undefined, 1, 2]);
      assert.deepEqual(
        (await hub.queue()).map((t) => t.id),
        [tickets[1].id, tickets[2].id],
      );
      assert.deepEqual(await hub.get(tickets[0].id), claimed);
      const event = await events.waitFor(isEvent('claimed', claimed.id), 'claimed');
      assert.deepEqual(event, { type: 'claimed', ticket: claimed });
    });

    it('lets the agent holding a ticket claim it again (a retry), without a second event', async () => {
      const { hub, events } = ctx;
      const [ticket] = await enqueueN(hub, 1);
      const first = await hub.claim(ticket.id, 'agent.luca');
      assert.deepEqual(await hub.claim(ticket.id, 'agent.luca'), first);
      await events.waitFor(isEvent('claimed', ticket.id), 'claimed');
      // A marker queued after the retry: events arrive in order, so a second 'claimed' would be here before it.
      const [marker] = await enqueueN(hub, 1);
      await events.waitFor(isEvent('queued', marker.id), 'the marker queued after the retry');
      assert.equal(events.events.filter(isEvent('claimed', ticket.id)).length, 1);
    });

    it('of two agents claiming at once, exactly one wins; the other gets PSB_HANDOFF_ALREADY_CLAIMED', async () => {
      const { hub } = ctx;
      for (const ticket of await enqueueN(hub, 5)) {
        const results = await Promise.allSettled([hub.claim(ticket.id, 'agent.anna'), hub.claim(ticket.id, 'agent.bruno')]);
        const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
        assert.equal(won.length, 1, 'exactly one claim succeeds');
        assert.equal(lost.length, 1);
        await assertHandoffError(Promise.reject(lost[0]), 'PSB_HANDOFF_ALREADY_CLAIMED');
        assert.equal((await hub.get(ticket.id))?.agent, won[0].agent);
      }
    });

    it('refuses to claim an unknown ticket (NOT_FOUND) and a claimed one (ALREADY_CLAIMED, with the ticket id)', async () => {
      const { hub } = ctx;
      const [ticket] = await enqueueN(hub, 1);
      await assertHandoffError(hub.claim('no-such-ticket', 'agent.luca'), 'PSB_HANDOFF_NOT_FOUND');
      await hub.claim(ticket.id, 'agent.luca');
      await assert.rejects(hub.claim(ticket.id, 'agent.anna'), (err: unknown) => {
        assert.ok(err instanceof HandoffError && isAppError(err, 'PSB_HANDOFF_ALREADY_CLAIMED'));
        assert.deepEqual(err.details, { ticketId: ticket.id, status: 'claimed' });
        return true;
      });
    });

    it("lists the tickets an agent holds, and a supervisor's view of all claimed ones", async () => {
      const { hub } = ctx;
      const tickets = await enqueueN(hub, 4);
      await hub.claim(tickets[0].id, 'agent.anna');
      await hub.claim(tickets[1].id, 'agent.bruno');
      await hub.claim(tickets[2].id, 'agent.anna');
      const ids = (list: HandoffTicket[]): string[] => list.map((t) => t.id).sort();
      assert.deepEqual(ids(await hub.claimedBy('agent.anna')), ids([tickets[0], tickets[2]]));
      assert.deepEqual(ids(await hub.claimedBy('agent.bruno')), [tickets[1].id]);
      assert.deepEqual(await hub.claimedBy('agent.carla'), []);
      assert.deepEqual(ids(await hub.claimedBy(undefined)), ids(tickets.slice(0, 3)));
      await hub.complete(tickets[0].id, 'agent.anna', { verification: 'none' });
      assert.deepEqual(ids(await hub.claimedBy('agent.anna')), [tickets[2].id]);
      assert.ok((await hub.claimedBy(undefined)).every((t) => t.status === 'claimed'));
    });

    it('relays both ways: each message joins the transcript and goes out as an event', async () => {
      const { hub, clock, events } = ctx;
      const [ticket] = await enqueueN(hub, 1);
      await hub.claim(ticket.id, 'agent.luca');
      clock.advance(5);
      const hello = await hub.postAgentMessage(ticket.id, 'agent.luca', 'Ciao, sono Luca. Come posso aiutarti?');
      assert.deepEqual(hello, { from: 'agent', text: 'Ciao, sono Luca. Come posso aiutarti?', at: clock.iso() });
      clock.advance(5);
      const answer = await hub.postCustomerMessage(ticket.id, 'Il mio numero cliente è 4711 🙂');
      assert.deepEqual(answer, { from: 'customer', text: 'Il mio numero cliente è 4711 🙂', at: clock.iso() });
      assert.deepEqual((await hub.get(ticket.id))?.transcript, [...ticket.transcript, hello, answer]);
      assert.deepEqual(await events.waitFor(isEvent('agent.message', ticket.id), 'agent.message'), { type: 'agent.message', ticketId: ticket.id, agent: 'agent.luca', line: hello });
      assert.deepEqual(await events.waitFor(isEvent('customer.message', ticket.id), 'customer.message'), { type: 'customer.message', ticketId: ticket.id, line: answer });
    });

    it('takes customer messages while queued, so the agent reads them on claiming', async () => {
      const { hub } = ctx;
      const [ticket] = await enqueueN(hub, 1);
      const line = await hub.postCustomerMessage(ticket.id, 'sono ancora qui');
      const claimed = await hub.claim(ticket.id, 'agent.luca');
      assert.deepEqual(claimed.transcript.at(-1), line);
    });

    it('keeps only the last lines of a long transcript', async () => {
      const { hub } = await fresh({ transcriptMaxLines: 5 });
      const { ticket } = await hub.enqueue(newHandoff(1, { transcript: Array.from({ length: 8 }, (_, i) => ({ from: 'bot' as const, text: `old ${i}`, at: '2026-03-02T08:00:00.000Z' })) }));
      assert.deepEqual(
        ticket.transcript.map((l) => l.text),
        ['old 3', 'old 4', 'old 5', 'old 6', 'old 7'],
      );
      await hub.claim(ticket.id, 'agent.luca');
      for (let i = 0; i < 3; i++) await hub.postCustomerMessage(ticket.id, `new ${i}`);
      assert.deepEqual(
        (await hub.get(ticket.id))?.transcript.map((l) => l.text),
        ['old 6', 'old 7', 'new 0', 'new 1', 'new 2'],
      );
    });

    it('lets only the holder write (PSB_HANDOFF_NOT_YOURS for another agent), a supervisor too', async () => {
      const { hub } = ctx;
      const [ticket] = await enqueueN(hub, 1);
      await assertHandoffError(hub.postAgentMessage(ticket.id, 'agent.luca', 'hello'), 'PSB_HANDOFF_NOT_CLAIMED');
      await hub.claim(ticket.id, 'agent.luca');
      await assertHandoffError(hub.postAgentMessage(ticket.id, 'agent.anna', 'let me help'), 'PSB_HANDOFF_NOT_YOURS');
      await assertHandoffError(hub.complete(ticket.id, 'agent.anna', { verification: 'verified', method: 'agent_check' }), 'PSB_HANDOFF_NOT_YOURS');
      const line = await hub.postAgentMessage(ticket.id, 'supervisor.sara', 'Sono la supervisora.', true);
      assert.deepEqual((await hub.get(ticket.id))?.transcript.at(-1), line);
      assert.equal((await hub.get(ticket.id))?.status, 'claimed', 'nothing changed by the refused calls');
      const done = await hub.complete(ticket.id, 'supervisor.sara', { verification: 'failed', method: 'knowledge' }, true);
      assert.equal(done.status, 'completed');
      assert.equal(done.agent, 'agent.luca', 'the holder stays on record');
    });

    it('lets the customer leave the queue: later tickets move up, a closed event goes out', async () => {
      const { hub, clock, events } = ctx;
      const tickets = await enqueueN(hub, 3);
      clock.advance(10);
      const cancelled = await hub.cancel(tickets[1].id);
      assert.equal(cancelled.status, 'cancelled');
      assert.equal(cancelled.closedAt, clock.iso());
      assert.deepEqual(await positions(hub, tickets), [1, undefined, 2]);
      assert.deepEqual(
        (await hub.queue()).map((t) => t.id),
        [tickets[0].id, tickets[2].id],
      );
      assert.deepEqual(await events.waitFor(isEvent('closed', cancelled.id), 'closed'), { type: 'closed', ticket: cancelled });
      assert.deepEqual(await hub.get(cancelled.id), cancelled, 'a closed ticket stays readable');
    });

    it('lets the customer end a claimed handoff ("back to the bot")', async () => {
      const { hub, events } = ctx;
      const [ticket] = await enqueueN(hub, 1);
      await hub.claim(ticket.id, 'agent.luca');
      const cancelled = await hub.cancel(ticket.id);
      assert.equal(cancelled.status, 'cancelled');
      assert.equal(cancelled.agent, 'agent.luca');
      assert.deepEqual(await hub.claimedBy('agent.luca'), []);
      await events.waitFor(isEvent('closed', ticket.id), 'closed');
    });

    it('completes a claimed ticket with the outcome; a closed event carries it', async () => {
      const { hub, clock, events } = ctx;
      const [ticket] = await enqueueN(hub, 1);
      await hub.claim(ticket.id, 'agent.luca');
      clock.advance(60);
      const done = await hub.complete(ticket.id, 'agent.luca', { verification: 'verified', method: 'agent_check', note: 'numero ordine confermato' });
      assert.equal(done.status, 'completed');
      assert.equal(done.closedAt, clock.iso());
      assert.deepEqual(done.outcome, { verification: 'verified', method: 'agent_check', note: 'numero ordine confermato' });
      assert.deepEqual(await events.waitFor(isEvent('closed', ticket.id), 'closed'), { type: 'closed', ticket: done });
      const plain = (await enqueueN(hub, 1))[0];
      await hub.claim(plain.id, 'agent.luca');
      assert.deepEqual((await hub.complete(plain.id, 'agent.luca', { verification: 'none' })).outcome, { verification: 'none' });
    });

    it('refuses completing a ticket nobody claimed (PSB_HANDOFF_NOT_CLAIMED)', async () => {
      const { hub } = ctx;
      const [ticket] = await enqueueN(hub, 1);
      await assertHandoffError(hub.complete(ticket.id, 'agent.luca', { verification: 'none' }), 'PSB_HANDOFF_NOT_CLAIMED');
      await assertHandoffError(hub.complete(ticket.id, 'supervisor.sara', { verification: 'none' }, true), 'PSB_HANDOFF_NOT_CLAIMED');
      assert.equal(await hub.position(ticket.id), 1);
    });

    it('a closed ticket refuses messages, claims, cancels and completion (PSB_HANDOFF_CLOSED)', async () => {
      const { hub } = ctx;
      const [completed, cancelled] = await enqueueN(hub, 2);
      await hub.claim(completed.id, 'agent.luca');
      await hub.complete(completed.id, 'agent.luca', { verification: 'failed', method: 'document' });
      await hub.cancel(cancelled.id);
      for (const ticket of [completed, cancelled]) {
        const before = await hub.get(ticket.id);
        await assertHandoffError(hub.postCustomerMessage(ticket.id, 'ci sei?'), 'PSB_HANDOFF_CLOSED');
        await assertHandoffError(hub.postAgentMessage(ticket.id, 'agent.luca', 'ciao'), 'PSB_HANDOFF_CLOSED');
        await assertHandoffError(hub.postAgentMessage(ticket.id, 'supervisor.sara', 'ciao', true), 'PSB_HANDOFF_CLOSED');
        await assertHandoffError(hub.claim(ticket.id, 'agent.anna'), 'PSB_HANDOFF_CLOSED');
        await assertHandoffError(hub.cancel(ticket.id), 'PSB_HANDOFF_CLOSED');
        await assertHandoffError(hub.complete(ticket.id, 'agent.luca', { verification: 'verified', method: 'agent_check' }), 'PSB_HANDOFF_CLOSED');
        assert.deepEqual(await hub.get(ticket.id), before, 'a refused call changes nothing');
      }
    });

    it('times out queued tickets nobody claimed within the timeout, once, with a closed event', async () => {
      const { hub, clock, events } = ctx;
      const [old] = await enqueueN(hub, 1);
      const [claimed] = await enqueueN(hub, 1);
      await hub.claim(claimed.id, 'agent.luca');
      clock.advance(TIMEOUT_SECONDS - 1);
      assert.deepEqual(await hub.expireStale(clock.now()), [], 'not yet');
      const [young] = await enqueueN(hub, 1);
      clock.advance(1);
      const timedOut = await hub.expireStale(clock.now());
      assert.deepEqual(
        timedOut.map((t) => t.id),
        [old.id],
      );
      assert.equal(timedOut[0].status, 'timed_out');
      assert.equal(timedOut[0].closedAt, clock.iso());
      assert.deepEqual(await hub.get(old.id), timedOut[0]);
      assert.equal(await hub.position(young.id), 1, 'the younger ticket moved up');
      assert.deepEqual(await hub.expireStale(clock.now()), [], 'a ticket times out once');
      assert.equal((await hub.get(claimed.id))?.status, 'claimed', 'a claimed ticket never times out');
      await assertHandoffError(hub.claim(old.id, 'agent.luca'), 'PSB_HANDOFF_CLOSED');
      assert.deepEqual(await events.waitFor(isEvent('closed', old.id), 'closed'), { type: 'closed', ticket: timedOut[0] });
      clock.advance(TIMEOUT_SECONDS);
      assert.deepEqual(
        (await hub.expireStale(clock.now())).map((t) => t.id),
        [young.id],
      );
      assert.equal(events.events.filter(isEvent('closed', old.id)).length, 1);
    });

    it('times out at most `limit` stale tickets, oldest first, leaving the rest queued', async () => {
      const { hub, clock } = ctx;
      const tickets: HandoffTicket[] = [];
      for (let i = 1; i <= 3; i++) {
        tickets.push((await hub.enqueue(newHandoff(i))).ticket);
        clock.advance(1); // "oldest" is by enqueue time
      }
      clock.advance(TIMEOUT_SECONDS);
      assert.deepEqual(
        (await hub.expireStale(clock.now(), 1)).map((t) => t.id),
        [tickets[0].id],
      );
      assert.deepEqual(
        (await hub.queue()).map((t) => t.id),
        [tickets[1].id, tickets[2].id],
      );
      assert.deepEqual(
        (await hub.expireStale(clock.now(), 5)).map((t) => t.id),
        [tickets[1].id, tickets[2].id],
      );
    });

    it('refuses invalid input with PSB_HANDOFF_INVALID naming the field, and changes nothing', async () => {
      const { hub } = ctx;
      const [ticket] = await enqueueN(hub, 1);
      await hub.claim(ticket.id, 'agent.luca');
      await assertHandoffError(hub.postCustomerMessage(ticket.id, ''), 'PSB_HANDOFF_INVALID', 'text');
      await assertHandoffError(hub.postCustomerMessage(ticket.id, ' \n\t '), 'PSB_HANDOFF_INVALID', 'text');
      await assertHandoffError(hub.postAgentMessage(ticket.id, 'agent.luca', 'x'.repeat(MAX_MESSAGE_CHARS + 1)), 'PSB_HANDOFF_INVALID', 'text');
      await assertHandoffError(hub.postAgentMessage(ticket.id, '', 'hello'), 'PSB_HANDOFF_INVALID', 'agent');
      await assertHandoffError(hub.complete(ticket.id, 'agent.luca', { verification: 'maybe' as unknown as 'verified', method: 'agent_check' }), 'PSB_HANDOFF_INVALID', 'verification');
      await assertHandoffError(hub.complete(ticket.id, 'agent.luca', { verification: 'verified', method: 'gut_feeling' }), 'PSB_HANDOFF_INVALID', 'method');
      await assertHandoffError(hub.complete(ticket.id, 'agent.luca', { verification: 'verified' }), 'PSB_HANDOFF_INVALID', 'method');
      await assertHandoffError(hub.complete(ticket.id, 'agent.luca', { verification: 'none', note: 'n'.repeat(MAX_MESSAGE_CHARS + 1) }), 'PSB_HANDOFF_INVALID', 'note');
      await assertHandoffError(hub.claim('', 'agent.luca'), 'PSB_HANDOFF_INVALID', 'ticketId');
      await assertHandoffError(hub.enqueue(newHandoff(2, { reason: 'boredom' as unknown as 'verification' })), 'PSB_HANDOFF_INVALID', 'reason');
      await assertHandoffError(hub.enqueue(newHandoff(2, { locale: '' })), 'PSB_HANDOFF_INVALID', 'locale');
      await assertHandoffError(hub.enqueue(newHandoff(2, { pendingAction: 'data.delete' as unknown as 'data.copy' })), 'PSB_HANDOFF_INVALID', 'pendingAction');
      assert.equal((await hub.get(ticket.id))?.status, 'claimed');
      assert.deepEqual((await hub.get(ticket.id))?.transcript, ticket.transcript);
      assert.equal((await hub.queue()).length, 0, 'no invalid handoff was queued');
    });

    it('counts characters, not UTF-16 units: 2000 emoji are a valid message', async () => {
      const { hub } = ctx;
      const [ticket] = await enqueueN(hub, 1);
      const text = '🙂'.repeat(MAX_MESSAGE_CHARS);
      assert.equal((await hub.postCustomerMessage(ticket.id, text)).text, text);
    });

    it('answers PSB_HANDOFF_NOT_FOUND for every action on an unknown ticket', async () => {
      const { hub } = ctx;
      await assertHandoffError(hub.cancel('no-such-ticket'), 'PSB_HANDOFF_NOT_FOUND');
      await assertHandoffError(hub.postCustomerMessage('no-such-ticket', 'ciao'), 'PSB_HANDOFF_NOT_FOUND');
      await assertHandoffError(hub.postAgentMessage('no-such-ticket', 'agent.luca', 'ciao'), 'PSB_HANDOFF_NOT_FOUND');
      await assertHandoffError(hub.complete('no-such-ticket', 'agent.luca', { verification: 'none' }), 'PSB_HANDOFF_NOT_FOUND');
    });

    it('stops telling a listener once it unsubscribed; other listeners still hear', async () => {
      const { hub, events } = ctx;
      const heard: HandoffEvent[] = [];
      const unsubscribe = hub.subscribe((event) => heard.push(event));
      const first = (await hub.enqueue(newHandoff(1))).ticket;
      await events.waitFor(isEvent('queued', first.id), 'queued');
      assert.equal(heard.length, 1);
      unsubscribe();
      const second = (await hub.enqueue(newHandoff(2))).ticket;
      await events.waitFor(isEvent('queued', second.id), 'queued');
      assert.equal(heard.length, 1);
    });

    it('keeps delivering to other listeners when one throws', async () => {
      // A hub of its own, so the broken listener is subscribed first: delivery that stopped at the
      // first listener (or at the first throw) would starve the recorder behind it.
      const clock = new FakeClock();
      const hub = await makeHub({ timeoutSeconds: TIMEOUT_SECONDS, now: clock.now });
      open.push(hub);
      let thrown = 0;
      hub.subscribe(() => {
        thrown += 1;
        throw new Error('a broken listener');
      });
      const events = recordEvents(hub);
      const { ticket } = await hub.enqueue(newHandoff(1));
      await events.waitFor(isEvent('queued', ticket.id), 'queued');
      await hub.claim(ticket.id, 'agent.luca');
      await events.waitFor(isEvent('claimed', ticket.id), 'claimed');
      assert.equal(thrown, 2, 'the broken listener heard both events too');
    });

    it('returns copies: changing a ticket it gave changes nothing stored', async () => {
      const { hub } = ctx;
      const { ticket } = await hub.enqueue(newHandoff(1));
      (ticket.conversation as { conversation: { id: string } }).conversation.id = 'tampered';
      (ticket.transcript as unknown as unknown[]).push({ from: 'bot', text: 'injected', at: ticket.createdAt });
      const stored = await hub.get(ticket.id);
      assert.deepEqual(stored?.conversation, newHandoff(1).conversation);
      assert.equal(stored?.transcript.length, 2);
    });
  });
}
