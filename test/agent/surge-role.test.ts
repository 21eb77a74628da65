import assert from 'node:assert/strict';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import type { Ledger } from '../../src/ledger/ledger';
import { newReference } from '../../src/ledger/references/reference';
import { AgentClient, addTestAgents, ConsoleServer, ErrorAnswer, newHandoff, openTestLedger, RecordingCustomerChannel, SseReader, startConsoleServer } from './agent-harness';
import { accessCase, FakeAccessRequests } from './fake-access-requests';
import { concernCase, FakeConcerns } from './fake-concerns';

const NOTICE = {
  whatHappened: 'Invoices were emailed to the wrong customers on 8 March.',
  whatData: 'Names, postal addresses and invoice amounts.',
  whatWeDo: 'We stopped the mailing and asked the recipients to delete them.',
  whatYouShouldDo: 'Nothing is needed; be wary of emails asking for payment.',
};

interface QueueBody {
  queue: { id: string; reason: string; priority?: string }[];
  held: { id: string }[];
}

/** The ids a route is walked with. */
interface WalkIds {
  /** A handoff about the incident that the surge agent holds. */
  readonly ticket: string;
  readonly request: string;
  readonly concern: string;
  readonly incident: string;
}

/** Every console API route: what a surge agent gets there. `forbidden`: 403 PSB_AGENT_FORBIDDEN whatever the payload. */
const ROUTES: Readonly<Record<string, { readonly surge: 'forbidden' | 'allowed'; readonly path: (ids: WalkIds) => string; readonly body?: unknown }>> = {
  'POST /agent/api/login': { surge: 'allowed', path: () => '/agent/api/login' },
  'POST /agent/api/logout': { surge: 'allowed', path: () => '/agent/api/logout' },
  'GET /agent/api/session': { surge: 'allowed', path: () => '/agent/api/session' },
  'GET /agent/api/queue': { surge: 'allowed', path: () => '/agent/api/queue' },
  'GET /agent/api/events': { surge: 'allowed', path: () => '/agent/api/events' },
  'POST /agent/api/handoffs/:id/claim': { surge: 'allowed', path: (ids) => `/agent/api/handoffs/${ids.ticket}/claim` },
  'GET /agent/api/handoffs/:id': { surge: 'allowed', path: (ids) => `/agent/api/handoffs/${ids.ticket}` },
  'POST /agent/api/handoffs/:id/messages': { surge: 'allowed', path: (ids) => `/agent/api/handoffs/${ids.ticket}/messages` },
  'POST /agent/api/handoffs/:id/complete': { surge: 'allowed', path: (ids) => `/agent/api/handoffs/${ids.ticket}/complete` },
  'GET /agent/api/notice': { surge: 'allowed', path: () => '/agent/api/notice' },
  // The ledger's data about the customer, even on a handoff the surge agent holds.
  'POST /agent/api/handoffs/:id/identifier-check': { surge: 'forbidden', path: (ids) => `/agent/api/handoffs/${ids.ticket}/identifier-check`, body: { kind: 'email', value: 'mario.rossi@example.com' } },
  'POST /agent/api/handoffs/:id/verification': { surge: 'forbidden', path: (ids) => `/agent/api/handoffs/${ids.ticket}/verification`, body: { outcome: 'verified' } },
  'GET /agent/api/requests': { surge: 'forbidden', path: () => '/agent/api/requests' },
  'GET /agent/api/requests/:reference': { surge: 'forbidden', path: (ids) => `/agent/api/requests/${ids.request}` },
  'GET /agent/api/requests/:reference/preview': { surge: 'forbidden', path: (ids) => `/agent/api/requests/${ids.request}/preview` },
  'POST /agent/api/requests/:reference/release': { surge: 'forbidden', path: (ids) => `/agent/api/requests/${ids.request}/release` },
  'POST /agent/api/requests/:reference/extend': { surge: 'forbidden', path: (ids) => `/agent/api/requests/${ids.request}/extend`, body: { reason: 'more time' } },
  'POST /agent/api/requests/:reference/refuse': { surge: 'forbidden', path: (ids) => `/agent/api/requests/${ids.request}/refuse`, body: { reason: 'excessive' } },
  'POST /agent/api/requests/:reference/sources/:sourceId/rerun': { surge: 'forbidden', path: (ids) => `/agent/api/requests/${ids.request}/sources/ledger/rerun` },
  'GET /agent/api/concerns': { surge: 'forbidden', path: () => '/agent/api/concerns' },
  'GET /agent/api/concerns/:reference': { surge: 'forbidden', path: (ids) => `/agent/api/concerns/${ids.concern}` },
  'POST /agent/api/concerns/:reference/confirm': { surge: 'forbidden', path: (ids) => `/agent/api/concerns/${ids.concern}/confirm`, body: {} },
  'POST /agent/api/concerns/:reference/dismiss': { surge: 'forbidden', path: (ids) => `/agent/api/concerns/${ids.concern}/dismiss`, body: { reason: 'spam' } },
  'POST /agent/api/concerns/:reference/merge': { surge: 'forbidden', path: (ids) => `/agent/api/concerns/${ids.concern}/merge`, body: { incidentReference: 'INC-2026-000000-0' } },
  'POST /agent/api/concerns/:reference/reply': { surge: 'forbidden', path: (ids) => `/agent/api/concerns/${ids.concern}/reply`, body: { text: 'Hello' } },
  'GET /agent/api/incidents': { surge: 'forbidden', path: () => '/agent/api/incidents' },
  'GET /agent/api/incidents/:reference': { surge: 'forbidden', path: (ids) => `/agent/api/incidents/${ids.incident}` },
  'POST /agent/api/incidents/:reference/phases': { surge: 'forbidden', path: (ids) => `/agent/api/incidents/${ids.incident}/phases`, body: { fields: { nature: 'x' } } },
  'GET /agent/api/incidents/:reference/draft.json': { surge: 'forbidden', path: (ids) => `/agent/api/incidents/${ids.incident}/draft.json` },
  'GET /agent/api/incidents/:reference/draft': { surge: 'forbidden', path: (ids) => `/agent/api/incidents/${ids.incident}/draft` },
  'POST /agent/api/incidents/:reference/notified': { surge: 'forbidden', path: (ids) => `/agent/api/incidents/${ids.incident}/notified` },
  'POST /agent/api/incidents/:reference/notice': { surge: 'forbidden', path: (ids) => `/agent/api/incidents/${ids.incident}/notice`, body: { texts: { en: NOTICE } } },
  'POST /agent/api/incidents/:reference/notice/publish': { surge: 'forbidden', path: (ids) => `/agent/api/incidents/${ids.incident}/notice/publish` },
  'POST /agent/api/incidents/:reference/notice/withdraw': { surge: 'forbidden', path: (ids) => `/agent/api/incidents/${ids.incident}/notice/withdraw` },
  'POST /agent/api/incidents/:reference/affected': { surge: 'forbidden', path: (ids) => `/agent/api/incidents/${ids.incident}/affected`, body: { csv: 'email\nanna@example.com\n' } },
};

function code(answer: { body: unknown }): string {
  return (answer.body as ErrorAnswer).error.code;
}

describe('the surge role: handoffs about the incident, the notice, nothing else', function () {
  this.timeout(60_000);
  let ledger: Ledger;
  let hub: MemoryHandoffHub;
  let channel: RecordingCustomerChannel;
  let requests: FakeAccessRequests;
  let concerns: FakeConcerns;
  let app: ConsoleServer;
  let subjectId: string;

  before(async () => {
    ledger = await openTestLedger();
    await addTestAgents(ledger, { privacyTeam: true, surge: true });
    const subject = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: 'mario.rossi@example.com' }], regime: 'gdpr', preferredLocale: 'it' }, { actor: 'system:test', reason: 'test subject' });
    subjectId = subject.id;
    hub = new MemoryHandoffHub({ timeoutSeconds: 600 });
    channel = new RecordingCustomerChannel();
    requests = new FakeAccessRequests(() => new Date());
    concerns = new FakeConcerns(() => new Date());
    app = await startConsoleServer({ ledger, hub, channel, accessRequests: requests, concerns, reportPreview: { previewReport: async () => '<p>report</p>' }, config: { loginAddressMaxAttempts: 1000 } });
  });

  after(async () => {
    await app?.close();
    await hub?.close();
    await ledger?.close();
  });

  const signedIn = async (username: string): Promise<AgentClient> => {
    const client = new AgentClient(app.baseUrl);
    const answer = await client.login(username);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return client;
  };

  const withIdentity = (reason: 'incident' | 'breach' | 'verification') =>
    newHandoff({ reason, claimedIdentity: { kind: 'email', masked: 'm***@example.com', subjectId }, transcript: [{ from: 'customer', text: 'Was my data in the leak?', at: new Date().toISOString() }] });

  it('walks every console API route as a surge agent: 403 PSB_AGENT_FORBIDDEN everywhere but the few it may use, nothing reaching a service, its own actions audited', async () => {
    const registered = (app.server.getDebugInfo() as { routes: { method: string; path: string }[] }).routes
      .filter((route) => route.path.startsWith('/agent/api/'))
      .map((route) => `${route.method.toUpperCase()} ${route.path}`)
      .sort();
    assert.deepEqual(registered, Object.keys(ROUTES).sort(), 'every route the console serves has its expectation here (a new route must be added)');

    const now = new Date();
    const ids: WalkIds = {
      ticket: (await hub.enqueue(withIdentity('incident'))).ticket.id,
      request: newReference('PRV', now),
      concern: newReference('CNC', now),
      incident: newReference('INC', now),
    };
    requests.put(accessCase(now, { reference: ids.request, dueInDays: 10, status: 'awaiting_review' }));
    concerns.put(concernCase({ reference: ids.concern, reportedAt: now }));
    concerns.putIncident({ reference: ids.incident, awarenessAt: now, regimes: ['gdpr'], notice: { texts: { en: NOTICE }, publishedAt: now, withdrawnAt: null } });
    const other = (await hub.enqueue(withIdentity('verification'))).ticket.id;

    const sam = await signedIn('sam');
    assert.equal((await sam.post(`/agent/api/handoffs/${ids.ticket}/claim`)).status, 200, 'a surge agent claims a handoff about the incident');

    for (const [route, expected] of Object.entries(ROUTES)) {
      if (expected.surge !== 'forbidden') continue;
      const [method] = route.split(' ');
      const answer = await sam.request(method, expected.path(ids), expected.body);
      assert.equal(answer.status, 403, `${route}: ${JSON.stringify(answer.body)}`);
      assert.equal(code(answer), 'PSB_AGENT_FORBIDDEN', route);
    }
    // A handoff that is not about the incident: not listed, not claimable, not readable, not writable.
    for (const [method, path, body] of [
      ['POST', `/agent/api/handoffs/${other}/claim`, undefined],
      ['GET', `/agent/api/handoffs/${other}`, undefined],
      ['POST', `/agent/api/handoffs/${other}/messages`, { text: 'Hello' }],
      ['POST', `/agent/api/handoffs/${other}/complete`, undefined],
    ] as const) {
      const answer = await sam.request(method, path, body);
      assert.equal(answer.status, 403, `${method} ${path}`);
      assert.equal(code(answer), 'PSB_AGENT_FORBIDDEN');
    }
    assert.equal((await hub.get(other))?.status, 'queued', 'the other customer is still waiting for an agent');
    assert.deepEqual(requests.calls, [], 'nothing reached the access-request service');
    assert.deepEqual(concerns.calls, [], 'nothing reached the concern service');
    assert.deepEqual(await ledger.verifications.forSubject(subjectId), [], 'no verification recorded');

    // What it may use.
    const session = await sam.get<{ role: string; views: string[] }>('/agent/api/session');
    assert.deepEqual([session.status, session.body.role, session.body.views], [200, 'surge', ['handoffs']]);
    const queue = await sam.get<QueueBody>('/agent/api/queue');
    assert.equal(queue.status, 200);
    assert.deepEqual(queue.body.queue, [], 'the other customer is not listed');
    assert.deepEqual(queue.body.held.map((t) => t.id), [ids.ticket]);
    const notice = await sam.get<{ notice: { incidentReference: string; texts: unknown } }>('/agent/api/notice');
    assert.deepEqual(notice.body, { notice: { incidentReference: ids.incident, texts: { en: NOTICE } } });
    const detail = await sam.get<{ transcript: { text: string }[]; verification: unknown }>(`/agent/api/handoffs/${ids.ticket}`);
    assert.equal(detail.status, 200);
    assert.deepEqual(detail.body.transcript.map((line) => line.text), ['Was my data in the leak?'], "the customer's messages");
    assert.equal(detail.body.verification, null, 'no claimed identity, no record');
    assert.ok(!JSON.stringify(detail.body).includes(subjectId) && !JSON.stringify(detail.body).includes('m***@example.com'), 'nothing of the ledger about the customer');
    assert.equal((await sam.post(`/agent/api/handoffs/${ids.ticket}/messages`, { text: 'Here is what we know.' })).status, 201);
    assert.equal((await sam.post(`/agent/api/handoffs/${ids.ticket}/complete`, { note: 'answered from the notice' })).status, 200);
    assert.deepEqual(channel.calls.map((c) => c.kind), ['agentJoined', 'deliverAgentMessage', 'handoffClosed']);
    assert.equal((await sam.post('/agent/api/logout')).status, 200);

    const audit = (await ledger.db.query<{ action: string; entity_id: string }>("SELECT action, entity_id FROM audit_log WHERE actor = 'agent:sam' ORDER BY seq")).rows;
    assert.deepEqual(
      audit.map((row) => row.action),
      ['agent.signed_in', 'handoff.claimed', 'handoff.agent_message', 'handoff.completed', 'agent.signed_out'],
    );
    assert.ok(audit.filter((row) => row.action.startsWith('handoff.')).every((row) => row.entity_id === ids.ticket));
  });

  it('lists handoffs about an incident first for everyone, marked with their priority; a surge agent sees only those', async () => {
    const routine = (await hub.enqueue(newHandoff({ reason: 'customer_request' }))).ticket.id;
    const breach = (await hub.enqueue(newHandoff({ reason: 'breach' }))).ticket.id;
    const incident = (await hub.enqueue(newHandoff({ reason: 'incident' }))).ticket.id;
    const mine = [routine, breach, incident];
    const ours = (body: QueueBody) => body.queue.filter((t) => mine.includes(t.id)).map((t) => [t.id, t.priority ?? 'normal']);

    const alice = await signedIn('alice');
    assert.deepEqual(ours((await alice.get<QueueBody>('/agent/api/queue')).body), [
      [breach, 'incident'],
      [incident, 'incident'],
      [routine, 'normal'],
    ]);
    const sam = await signedIn('sam');
    assert.deepEqual(ours((await sam.get<QueueBody>('/agent/api/queue')).body), [
      [breach, 'incident'],
      [incident, 'incident'],
    ]);
  });

  it('streams to a surge agent the queue changes of incident handoffs only, and its customers’ lines as kept (never the typed text)', async () => {
    const sam = await signedIn('sam');
    const alice = await signedIn('alice');
    const samEvents = await SseReader.open(sam);
    const aliceEvents = await SseReader.open(alice);
    try {
      assert.equal(samEvents.status, 200);
      await samEvents.next((e) => e.event === 'ready');
      await aliceEvents.next((e) => e.event === 'ready');
      const routine = (await hub.enqueue(newHandoff({ reason: 'customer_request' }))).ticket.id;
      const incident = (await hub.enqueue(newHandoff({ reason: 'incident' }))).ticket.id;
      await samEvents.next((e) => e.event === 'queue' && (e.data as { ticketId: string }).ticketId === incident);
      await aliceEvents.next((e) => e.event === 'queue' && (e.data as { ticketId: string }).ticketId === incident);
      assert.ok(aliceEvents.events.some((e) => e.event === 'queue' && (e.data as { ticketId: string }).ticketId === routine), 'an agent hears of every handoff');
      assert.ok(!samEvents.events.some((e) => JSON.stringify(e.data).includes(routine)), 'the surge agent hears nothing of the other handoff');

      assert.equal((await sam.post(`/agent/api/handoffs/${incident}/claim`)).status, 200);
      await hub.postCustomerMessage(incident, 'my email is mario.rossi@example.com');
      const line = await samEvents.next((e) => e.event === 'message' && (e.data as { ticketId: string }).ticketId === incident);
      assert.deepEqual(line.data, { ticketId: incident, line: (line.data as { line: unknown }).line });
      assert.equal((line.data as { line: { text: string } }).line.text, 'my email is [email]');
    } finally {
      samEvents.close();
      aliceEvents.close();
    }
  });
});
