import assert from 'node:assert/strict';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import type { Ledger } from '../../src/ledger/ledger';
import { LedgerError } from '../../src/ledger/ledger-errors';
import { newReference } from '../../src/ledger/references/reference';
import type { AccessCopySummary } from '../../src/privacy/access/access-types';
import { openAccessRequests } from '../../src/privacy/access/create-access-requests';
import type { RequestDetailView, RequestListView } from '../../src/agent/requests/request-views';
import { assertContentSecurityPolicy } from '../support/content-security-policy';
import { AgentClient, addTestAgents, assertNoCalls, closeConsoleServer, ConsoleServer, ErrorAnswer, errorCode, openTestLedger, RecordingCustomerChannel, SANDBOXED_PAGE_POLICY, signedInAgent, startConsoleServer, withConsoleServer } from './agent-harness';
import { accessCase, failedSource, FakeAccessRequests } from './fake-access-requests';

const NOW = new Date('2026-03-10T09:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;
const REPORT = '<!doctype html><html><head><style>h1{color:#123}</style></head><body><h1>Your data</h1><script>parent.__leak = 1</script></body></html>';

function copy(fields: Partial<AccessCopySummary> = {}): AccessCopySummary {
  return { createdAt: NOW, expiresAt: new Date(NOW.getTime() + 30 * DAY_MS), sizeBytes: 48_213, releasedAt: null, downloads: 0, maxDownloads: 5, deletedAt: null, ...fields };
}

describe('agent API: access requests (the Requests view)', function () {
  this.timeout(30_000);
  let ledger: Ledger;
  let hub: MemoryHandoffHub;
  let service: FakeAccessRequests;
  let app: ConsoleServer;
  const previews: string[] = [];

  const ref = (): string => newReference('PRV', NOW);

  before(async () => {
    ledger = await openTestLedger();
    await addTestAgents(ledger, { privacyTeam: true });
    hub = new MemoryHandoffHub({ timeoutSeconds: 600 });
    service = new FakeAccessRequests(() => NOW);
    app = await startConsoleServer({
      ledger,
      hub,
      channel: new RecordingCustomerChannel(),
      now: () => NOW,
      config: { loginAddressMaxAttempts: 1000 },
      accessRequests: service,
      reportPreview: {
        previewReport: async (requestId) => {
          previews.push(requestId);
          return REPORT;
        },
      },
    });
  });

  after(() => closeConsoleServer(app, hub, ledger));

  beforeEach(() => {
    service.clear();
    previews.length = 0;
  });

  const signedIn = (username: string): Promise<AgentClient> => signedInAgent(app, username);

  describe('who may use it', () => {
    it('tells each role which views it has: agent the customers, privacy the requests, supervisor both', async () => {
      for (const [username, views] of [['alice', ['handoffs']], ['pia', ['requests']], ['sara', ['handoffs', 'requests']]] as const) {
        const client = await signedIn(username);
        assert.deepEqual((await client.get<{ views: string[] }>('/agent/api/session')).body.views, views, username);
      }
    });

    it('refuses an agent (403) and serves a supervisor and the privacy team (200)', async () => {
      const reference = ref();
      service.put(accessCase(NOW, { reference, dueInDays: 10, status: 'awaiting_review', copy: copy() }));
      const alice = await signedIn('alice');
      for (const answer of [
        await alice.get('/agent/api/requests'),
        await alice.get(`/agent/api/requests/${reference}`),
        await alice.get(`/agent/api/requests/${reference}/preview`),
        await alice.post(`/agent/api/requests/${reference}/release`),
        await alice.post(`/agent/api/requests/${reference}/refuse`, { reason: 'excessive' }),
      ]) {
        assert.equal(answer.status, 403);
        assert.equal(errorCode(answer), 'PSB_AGENT_FORBIDDEN');
      }
      assertNoCalls(service);
      for (const username of ['sara', 'pia']) {
        const client = await signedIn(username);
        const list = await client.get<RequestListView>('/agent/api/requests');
        assert.equal(list.status, 200, username);
        assert.deepEqual(list.body.requests.map((r) => r.reference), [reference]);
        assert.equal((await client.get(`/agent/api/requests/${reference}`)).status, 200);
      }
    });

    it('keeps the privacy team out of the handoff queue and its live events', async () => {
      const pia = await signedIn('pia');
      for (const path of ['/agent/api/queue', '/agent/api/events', '/agent/api/handoffs/some-id']) {
        const answer = await pia.get(path);
        assert.equal(answer.status, 403, path);
        assert.equal(errorCode(answer), 'PSB_AGENT_FORBIDDEN');
      }
      assert.equal((await pia.post('/agent/api/handoffs/some-id/claim')).status, 403);
    });

    it('needs a session (401) and, for every action, the CSRF token (403, the service untouched)', async () => {
      const reference = ref();
      service.put(accessCase(NOW, { reference, dueInDays: 10, status: 'awaiting_review', copy: copy() }));
      const stranger = new AgentClient(app.baseUrl);
      assert.equal((await stranger.get('/agent/api/requests')).status, 401);
      assert.equal(errorCode(await stranger.post(`/agent/api/requests/${reference}/release`)), 'PSB_AGENT_UNAUTHENTICATED');

      const sara = await signedIn('sara');
      const pia = await signedIn('pia');
      const posts: [string, unknown][] = [
        ['release', undefined],
        ['extend', { reason: 'many systems to search' }],
        ['refuse', { reason: 'manifestly excessive' }],
        ['sources/ledger/rerun', undefined],
      ];
      for (const [action, body] of posts) {
        for (const csrf of [false, pia.csrfToken]) {
          const answer = await sara.post(`/agent/api/requests/${reference}/${action}`, body, { csrf });
          assert.equal(answer.status, 403, `${action} with ${csrf === false ? 'no' : "another session's"} token`);
          assert.equal(errorCode(answer), 'PSB_AGENT_CSRF');
        }
      }
      assertNoCalls(service);
      assert.equal(service.get(reference)?.status, 'awaiting_review');
    });
  });

  describe('the list', () => {
    it('answers open cases most urgent first, each with its time left and urgency: overdue, due within 3 days, later', async () => {
      const later = ref();
      const soon = ref();
      const overdue = ref();
      const extended = ref();
      service.put(
        accessCase(NOW, { reference: later, dueInDays: 20 }),
        accessCase(NOW, { reference: soon, dueInDays: 2, status: 'blocked', sources: [failedSource('crm', 5, 'HTTP 503')], blockedReason: 'crm keeps failing' }),
        accessCase(NOW, { reference: overdue, dueInDays: -1.5 }),
        {
          ...accessCase(NOW, { reference: extended, dueInDays: -5, status: 'awaiting_review', copy: copy() }),
          extensionReason: 'many systems',
          extendedDueAt: new Date(NOW.getTime() + 40 * DAY_MS),
          effectiveDueAt: new Date(NOW.getTime() + 40 * DAY_MS),
        },
      );
      const pia = await signedIn('pia');
      const answer = await pia.get<RequestListView>('/agent/api/requests');
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      assert.equal(answer.body.now, NOW.toISOString());
      const rows = answer.body.requests.map((r) => [r.reference, r.urgency, r.timeLeftSeconds, r.extended]);
      assert.deepEqual(rows, [
        [overdue, 'overdue', -1.5 * 86_400, false],
        [soon, 'soon', 2 * 86_400, false],
        [later, 'later', 20 * 86_400, false],
        [extended, 'later', 40 * 86_400, true],
      ]);
      const blocked = answer.body.requests[1];
      assert.equal(blocked.status, 'blocked');
      assert.deepEqual(blocked.sources.map((s) => [s.sourceId, s.status, s.attempts, s.lastError]), [['crm', 'failed', 5, 'HTTP 503']]);
      const withCopy = answer.body.requests[3];
      assert.equal(withCopy.effectiveDueAt, new Date(NOW.getTime() + 40 * DAY_MS).toISOString());
      assert.deepEqual(withCopy.copy && [withCopy.copy.sizeBytes, withCopy.copy.released, withCopy.copy.downloads, withCopy.copy.maxDownloads], [48_213, false, 0, 5]);
    });

    it('passes the filters on (due within N days, closed cases too) and refuses malformed ones with 400', async () => {
      const sara = await signedIn('sara');
      assert.equal((await sara.get('/agent/api/requests?dueWithinDays=7')).status, 200);
      assert.equal((await sara.get('/agent/api/requests?includeClosed=1')).status, 200);
      assert.deepEqual(service.queries, [{ dueWithinDays: 7 }, { includeClosed: true }]);
      for (const [query, field] of [['dueWithinDays=-1', 'dueWithinDays'], ['dueWithinDays=soon', 'dueWithinDays'], ['dueWithinDays=99999', 'dueWithinDays'], ['includeClosed=maybe', 'includeClosed']]) {
        const answer = await sara.get<ErrorAnswer>(`/agent/api/requests?${query}`);
        assert.equal(answer.status, 400, query);
        assert.equal(answer.body.error.field, field);
      }
    });
  });

  describe('a case', () => {
    it('shows one case with its history, sources, copy and the actions it allows; 404 for an unknown reference', async () => {
      const reference = ref();
      service.put(accessCase(NOW, { reference, dueInDays: 4, status: 'awaiting_review', copy: copy() }));
      const pia = await signedIn('pia');
      // Typed as a customer would read it out: lower case, spaces.
      const answer = await pia.get<RequestDetailView>(`/agent/api/requests/${encodeURIComponent(reference.toLowerCase().replace(/-/g, ' '))}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const request = answer.body.request;
      assert.equal(request.reference, reference);
      assert.deepEqual(request.history.map((h) => [h.status, h.actor]), [['received', 'customer:subject-1']]);
      assert.deepEqual(request.actions, { release: true, extend: { allowed: true, bar: null }, refuse: true, rerun: [], preview: true });

      const unknown = await pia.get<ErrorAnswer>(`/agent/api/requests/${ref()}`);
      assert.equal(unknown.status, 404);
      assert.equal(errorCode(unknown), 'PSB_AGENT_REQUEST_NOT_FOUND');
      assert.equal((await pia.post(`/agent/api/requests/${ref()}/refuse`, { reason: 'excessive' })).status, 404);
      assertNoCalls(service);
    });

    it('says why an extension is not possible: none in the regime, already extended, first deadline passed', async () => {
      const lgpd = ref();
      const once = ref();
      const late = ref();
      service.put(
        accessCase(NOW, { reference: lgpd, dueInDays: 5, regime: 'lgpd', maxExtendedDueAt: null }),
        { ...accessCase(NOW, { reference: once, dueInDays: 5 }), extensionReason: 'complex', extendedDueAt: new Date(NOW.getTime() + 66 * DAY_MS), effectiveDueAt: new Date(NOW.getTime() + 66 * DAY_MS) },
        accessCase(NOW, { reference: late, dueInDays: -1 }),
      );
      const sara = await signedIn('sara');
      for (const [reference, bar] of [[lgpd, 'none_in_regime'], [once, 'already_extended'], [late, 'past_first_deadline']]) {
        const detail = await sara.get<RequestDetailView>(`/agent/api/requests/${reference}`);
        assert.deepEqual(detail.body.request.actions.extend, { allowed: false, bar }, reference);
      }
    });
  });

  describe('actions', () => {
    it('release: the service releases as agent:<username>; the answer shows the case fulfilled and the copy released; a second release is refused (409)', async () => {
      const reference = ref();
      service.put(accessCase(NOW, { reference, dueInDays: 10, status: 'awaiting_review', copy: copy() }));
      const pia = await signedIn('pia');
      const answer = await pia.post<RequestDetailView>(`/agent/api/requests/${reference}/release`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.request.status, 'fulfilled');
      assert.equal(answer.body.request.urgency, 'closed');
      assert.equal(answer.body.request.copy?.released, true);
      assert.deepEqual(answer.body.request.actions, { release: false, extend: { allowed: false, bar: 'closed' }, refuse: false, rerun: [], preview: true });
      assert.deepEqual(service.calls, [{ method: 'release', reference, context: { actor: 'agent:pia', reason: 'privacy team released the copy after review' } }]);

      const again = await pia.post<ErrorAnswer>(`/agent/api/requests/${reference}/release`);
      assert.equal(again.status, 409);
      assert.equal(errorCode(again), 'PSB_ACCESS_NOT_RELEASABLE');
      assert.match(again.body.error.message, /awaiting review/);
    });

    it('extend: a reason is required (400, the service untouched); with one, the new deadline is in force; a second extension is refused (409)', async () => {
      const reference = ref();
      service.put(accessCase(NOW, { reference, dueInDays: 10 }));
      const sara = await signedIn('sara');
      for (const body of [undefined, {}, { reason: '   ' }, { reason: 42 }]) {
        const answer = await sara.post<ErrorAnswer>(`/agent/api/requests/${reference}/extend`, body);
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(answer.body.error.field, 'reason');
      }
      const tooLong = await sara.post<ErrorAnswer>(`/agent/api/requests/${reference}/extend`, { reason: 'x'.repeat(2001) });
      assert.equal(tooLong.status, 400);
      assertNoCalls(service);

      const answer = await sara.post<RequestDetailView>(`/agent/api/requests/${reference}/extend`, { reason: ' Five systems hold the data. ' });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const extended = answer.body.request;
      assert.equal(extended.extended, true);
      assert.equal(extended.extensionReason, 'Five systems hold the data.');
      assert.equal(extended.effectiveDueAt, extended.maxExtendedDueAt);
      assert.equal(extended.timeLeftSeconds, 71 * 86_400);
      assert.deepEqual(extended.history.at(-1), { status: 'extended', reason: 'Five systems hold the data.', actor: 'agent:sara', at: NOW.toISOString() });
      assert.deepEqual(service.calls, [{ method: 'extend', reference, argument: 'Five systems hold the data.', context: { actor: 'agent:sara', reason: 'Five systems hold the data.' } }]);

      const again = await sara.post<ErrorAnswer>(`/agent/api/requests/${reference}/extend`, { reason: 'more time' });
      assert.equal(again.status, 409);
      assert.equal(errorCode(again), 'PSB_ACCESS_ALREADY_EXTENDED');
    });

    it('extend past the first deadline, or where the regime has none: the service refuses with 409 and says why', async () => {
      const late = ref();
      const lgpd = ref();
      service.put(accessCase(NOW, { reference: late, dueInDays: -1 }), accessCase(NOW, { reference: lgpd, dueInDays: 5, regime: 'lgpd', maxExtendedDueAt: null }));
      const pia = await signedIn('pia');
      const tooLate = await pia.post<ErrorAnswer>(`/agent/api/requests/${late}/extend`, { reason: 'more time' });
      assert.equal(tooLate.status, 409);
      assert.equal(errorCode(tooLate), 'PSB_ACCESS_EXTENSION_TOO_LATE');
      const none = await pia.post<ErrorAnswer>(`/agent/api/requests/${lgpd}/extend`, { reason: 'more time' });
      assert.equal(none.status, 409);
      assert.equal(errorCode(none), 'PSB_ACCESS_NO_EXTENSION');
    });

    it('refuse: a reason is required; with one the case is refused with it, audited as the agent; a closed case takes no more changes (409)', async () => {
      const reference = ref();
      service.put(accessCase(NOW, { reference, dueInDays: 10 }));
      const pia = await signedIn('pia');
      const missing = await pia.post<ErrorAnswer>(`/agent/api/requests/${reference}/refuse`, {});
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error.field, 'reason');
      assertNoCalls(service);

      const answer = await pia.post<RequestDetailView>(`/agent/api/requests/${reference}/refuse`, { reason: 'The fifth identical request this month.' });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.request.status, 'rejected');
      assert.equal(answer.body.request.blockedReason, 'The fifth identical request this month.');
      assert.deepEqual(service.calls.map((c) => c.context), [{ actor: 'agent:pia', reason: 'The fifth identical request this month.' }]);

      const closed = await pia.post<ErrorAnswer>(`/agent/api/requests/${reference}/refuse`, { reason: 'again' });
      assert.equal(closed.status, 409);
      assert.equal(errorCode(closed), 'PSB_ACCESS_CLOSED');
    });

    it('re-run: a failed source of a blocked case runs again and the case is back in progress; an unknown source is 400', async () => {
      const reference = ref();
      service.put(accessCase(NOW, { reference, dueInDays: 3, status: 'blocked', blockedReason: 'crm keeps failing', sources: [failedSource('crm', 5, 'timeout')] }));
      const sara = await signedIn('sara');
      const detail = await sara.get<RequestDetailView>(`/agent/api/requests/${reference}`);
      assert.deepEqual(detail.body.request.actions.rerun, ['crm']);

      const unknown = await sara.post<ErrorAnswer>(`/agent/api/requests/${reference}/sources/orders/rerun`);
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.field, 'sourceId');
      assertNoCalls(service);

      const answer = await sara.post<RequestDetailView>(`/agent/api/requests/${reference}/sources/crm/rerun`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.request.status, 'in_progress');
      assert.deepEqual(answer.body.request.sources.map((s) => [s.sourceId, s.status]), [['crm', 'pending']]);
      assert.deepEqual(service.calls, [{ method: 'rerunSource', reference, argument: 'crm', context: { actor: 'agent:sara', reason: 'privacy team ran a failed data source again' } }]);
    });

    it('maps what the ledger refuses underneath: a transition it does not allow is 409, a vanished reference 404; a failure stays 500', async () => {
      const reference = ref();
      service.put(accessCase(NOW, { reference, dueInDays: 10, status: 'awaiting_review', copy: copy() }));
      const pia = await signedIn('pia');
      service.failNext = new LedgerError('PSB_LEDGER_INVALID_INPUT', 'a awaiting_review request cannot become fulfilled (allowed: none)', { field: 'status' });
      const transition = await pia.post<ErrorAnswer>(`/agent/api/requests/${reference}/release`);
      assert.equal(transition.status, 409);
      assert.equal(errorCode(transition), 'PSB_AGENT_REQUEST_REFUSED');
      assert.match(transition.body.error.message, /cannot become fulfilled/);

      service.failNext = new LedgerError('PSB_LEDGER_INVALID_INPUT', 'no request with this reference', { field: 'reference' });
      assert.equal((await pia.post(`/agent/api/requests/${reference}/release`)).status, 404);

      service.failNext = new Error('connection reset');
      const failure = await pia.post<ErrorAnswer>(`/agent/api/requests/${reference}/release`);
      assert.equal(failure.status, 500);
      assert.equal(errorCode(failure), 'PSB_INTERNAL');
      assert.equal(service.get(reference)?.status, 'awaiting_review');
    });
  });

  describe('the preview', () => {
    it("serves the copy's report.html sandboxed, with a policy that runs no script and loads nothing", async () => {
      const reference = ref();
      service.put(accessCase(NOW, { reference, dueInDays: 4, status: 'awaiting_review', copy: copy() }));
      const pia = await signedIn('pia');
      const answer = await pia.get<string>(`/agent/api/requests/${reference}/preview`);
      assert.equal(answer.status, 200);
      assert.equal(answer.body, REPORT);
      assert.equal(answer.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
      assertContentSecurityPolicy(answer.headers.get('content-security-policy'), SANDBOXED_PAGE_POLICY);
      assert.deepEqual(previews, [`id-${reference}`]);
      const audit = (await ledger.db.query<{ actor: string; action: string; entity_id: string; reason: string }>("SELECT actor, action, entity_id, reason FROM audit_log WHERE details->>'reference' = $1", [reference])).rows;
      assert.deepEqual(audit, [{ actor: 'agent:pia', action: 'request.copy_previewed', entity_id: `id-${reference}`, reason: 'privacy team previewed the copy before release' }], 'who looked is audited');
    });

    it('answers 404 when the case has no copy yet, or it was deleted after expiry', async () => {
      const none = ref();
      const deleted = ref();
      service.put(accessCase(NOW, { reference: none, dueInDays: 4 }), accessCase(NOW, { reference: deleted, dueInDays: 4, status: 'fulfilled', copy: copy({ deletedAt: NOW }) }));
      const sara = await signedIn('sara');
      for (const reference of [none, deleted]) {
        const answer = await sara.get(`/agent/api/requests/${reference}/preview`);
        assert.equal(answer.status, 404);
        assert.equal(errorCode(answer), 'PSB_AGENT_NO_PREVIEW');
      }
      assert.deepEqual(previews, []);
      const audit = (await ledger.db.query("SELECT 1 FROM audit_log WHERE action = 'request.copy_previewed' AND details->>'reference' = ANY($1)", [[none, deleted]])).rows;
      assert.deepEqual(audit, [], 'nothing shown, nothing audited');
    });
  });
});

describe('agent API without access requests wired in', function () {
  this.timeout(30_000);

  it('serves no Requests view: the session lists the customers only and the routes do not exist', async () => {
    await withConsoleServer({}, async (app) => {
      const sara = new AgentClient(app.baseUrl);
      assert.deepEqual((await sara.login('sara')).body, { username: 'sara', role: 'supervisor', csrfToken: sara.csrfToken, views: ['handoffs'] });
      assert.equal((await sara.get('/agent/api/requests')).status, 404);
    });
  });
});

describe('agent API: access requests over the real service (PGlite ledger)', function () {
  this.timeout(60_000);
  let ledger: Ledger;
  let hub: MemoryHandoffHub;
  let app: ConsoleServer;

  before(async () => {
    ledger = await openTestLedger();
    await addTestAgents(ledger, { privacyTeam: true });
    hub = new MemoryHandoffHub({ timeoutSeconds: 600 });
    app = await startConsoleServer({ ledger, hub, channel: new RecordingCustomerChannel(), accessRequests: openAccessRequests(ledger) });
  });

  after(() => closeConsoleServer(app, hub, ledger));

  /** A verified customer's request as the dialog makes it: in progress, one job per configured source. */
  async function opened(email: string): Promise<string> {
    const subject = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: email }], regime: 'gdpr', preferredLocale: 'it' }, { actor: 'system:test', reason: 'test subject' });
    const outcome = await openAccessRequests(ledger).request(
      { subjectId: subject.id, categories: null, channel: 'webchat', conversation: null, locale: 'it', timeZone: 'Europe/Rome', contactKind: 'email' },
      { actor: `customer:${subject.id}`, reason: 'customer asked for a copy of their data in chat' },
    );
    return outcome.case.reference;
  }

  async function audited(reference: string): Promise<[string, string, string][]> {
    const rows = (await ledger.db.query<{ actor: string; action: string; reason: string }>("SELECT actor, action, reason FROM audit_log WHERE details->>'reference' = $1 ORDER BY seq", [reference])).rows;
    return rows.map((r) => [r.actor, r.action, r.reason]);
  }

  it('extends, refuses and refuses what the rules forbid (409 with the rule), every change audited as the agent with the reason', async () => {
    const reference = await opened('real-service@example.com');
    const pia = new AgentClient(app.baseUrl);
    assert.equal((await pia.login('pia')).status, 200);

    const list = await pia.get<RequestListView>('/agent/api/requests');
    assert.deepEqual(list.body.requests.map((r) => [r.reference, r.status, r.urgency]), [[reference, 'in_progress', 'later']]);
    assert.ok(list.body.requests[0].sources.every((s) => s.status === 'pending'));

    const release = await pia.post<ErrorAnswer>(`/agent/api/requests/${reference}/release`);
    assert.equal(release.status, 409);
    assert.equal(errorCode(release), 'PSB_ACCESS_NOT_RELEASABLE');

    const extended = await pia.post<RequestDetailView>(`/agent/api/requests/${reference}/extend`, { reason: 'Five systems hold the data.' });
    assert.equal(extended.status, 200, JSON.stringify(extended.body));
    assert.equal(extended.body.request.extended, true);
    assert.equal(extended.body.request.effectiveDueAt, extended.body.request.extendedDueAt);
    assert.deepEqual(extended.body.request.actions.extend, { allowed: false, bar: 'already_extended' });
    const again = await pia.post<ErrorAnswer>(`/agent/api/requests/${reference}/extend`, { reason: 'more' });
    assert.equal(again.status, 409);
    assert.equal(errorCode(again), 'PSB_ACCESS_ALREADY_EXTENDED');

    const refused = await pia.post<RequestDetailView>(`/agent/api/requests/${reference}/refuse`, { reason: 'The fifth identical request this month.' });
    assert.equal(refused.status, 200, JSON.stringify(refused.body));
    assert.equal(refused.body.request.status, 'rejected');
    const rerun = await pia.post<ErrorAnswer>(`/agent/api/requests/${reference}/sources/ledger/rerun`);
    assert.equal(rerun.status, 409);
    assert.equal(errorCode(rerun), 'PSB_ACCESS_NOT_RERUNNABLE');

    const trail = await audited(reference);
    assert.deepEqual(
      trail.filter(([actor]) => actor === 'agent:pia'),
      [
        ['agent:pia', 'request.extended', 'Five systems hold the data.'],
        ['agent:pia', 'request.status', 'The fifth identical request this month.'],
      ],
    );
  });
});
