import assert from 'node:assert/strict';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import type { Ledger } from '../../src/ledger/ledger';
import { LedgerError } from '../../src/ledger/ledger-errors';
import type { ConcernService } from '../../src/privacy/concerns/concern-service';
import { openConcerns } from '../../src/privacy/concerns/create-concerns';
import { newReference } from '../../src/ledger/references/reference';
import type { ConcernCaseAnswer, ConcernListView, ConcernOpenedView } from '../../src/agent/concerns/concern-views';
import type { IncidentDetailView, IncidentListView } from '../../src/agent/incidents/incident-views';
import type { PublishedNoticeView } from '../../src/agent/incidents/incident-desk';
import { assertContentSecurityPolicy } from '../support/content-security-policy';
import { AgentClient, addTestAgents, assertNoCalls, closeConsoleServer, ConsoleServer, ErrorAnswer, errorCode, openTestLedger, RecordingCustomerChannel, SANDBOXED_PAGE_POLICY, signedInAgent, startConsoleServer, withConsoleServer } from './agent-harness';
import { concernCase, FakeConcerns } from './fake-concerns';
import { AVVISO, NOTICE } from './incident-notice-texts';

const NOW = new Date('2026-03-10T09:00:00Z');
const HOUR_MS = 3600_000;

describe('agent API: concerns and incidents (the Concerns and Incidents views)', function () {
  this.timeout(30_000);
  let ledger: Ledger;
  let hub: MemoryHandoffHub;
  let service: FakeConcerns;
  let app: ConsoleServer;

  const concernRef = (): string => newReference('CNC', NOW);
  const incidentRef = (): string => newReference('INC', NOW);

  before(async () => {
    ledger = await openTestLedger();
    await addTestAgents(ledger, { privacyTeam: true, surge: true });
    hub = new MemoryHandoffHub({ timeoutSeconds: 600 });
    service = new FakeConcerns(() => NOW);
    app = await startConsoleServer({ ledger, hub, channel: new RecordingCustomerChannel(), now: () => NOW, config: { loginAddressMaxAttempts: 1000 }, concerns: service });
  });

  after(() => closeConsoleServer(app, hub, ledger));

  beforeEach(() => {
    service.clear();
  });

  const signedIn = (username: string): Promise<AgentClient> => signedInAgent(app, username);

  describe('who may use them', () => {
    it('tells each role its views: the supervisor all, the privacy team concerns and incidents, agents and surge agents the customers', async () => {
      for (const [username, views] of [
        ['sara', ['handoffs', 'concerns', 'incidents']],
        ['pia', ['concerns', 'incidents']],
        ['alice', ['handoffs']],
        ['sam', ['handoffs']],
      ] as const) {
        const client = await signedIn(username);
        assert.deepEqual((await client.get<{ views: string[] }>('/agent/api/session')).body.views, views, username);
      }
    });

    it('refuses agents (403) on every Concerns and Incidents route, the service untouched', async () => {
      const concern = concernRef();
      const incident = incidentRef();
      service.put(concernCase({ reference: concern, reportedAt: NOW }));
      service.putIncident({ reference: incident, awarenessAt: NOW, regimes: ['gdpr'] });
      const alice = await signedIn('alice');
      for (const answer of [
        await alice.get('/agent/api/concerns'),
        await alice.get(`/agent/api/concerns/${concern}`),
        await alice.post(`/agent/api/concerns/${concern}/confirm`),
        await alice.post(`/agent/api/concerns/${concern}/dismiss`, { reason: 'spam' }),
        await alice.get('/agent/api/incidents'),
        await alice.get(`/agent/api/incidents/${incident}/draft`),
        await alice.post(`/agent/api/incidents/${incident}/notified`),
      ]) {
        assert.equal(answer.status, 403);
        assert.equal(errorCode(answer), 'PSB_AGENT_FORBIDDEN');
      }
      assertNoCalls(service);
    });

    it('needs a session (401) and, for every action, the CSRF token (403, the service untouched)', async () => {
      const concern = concernRef();
      const incident = incidentRef();
      service.put(concernCase({ reference: concern, reportedAt: NOW }));
      service.putIncident({ reference: incident, awarenessAt: NOW, regimes: ['gdpr'] });
      const stranger = new AgentClient(app.baseUrl);
      assert.equal(errorCode(await stranger.get('/agent/api/concerns')), 'PSB_AGENT_UNAUTHENTICATED');
      assert.equal((await stranger.post(`/agent/api/incidents/${incident}/notified`)).status, 401);

      const pia = await signedIn('pia');
      const sara = await signedIn('sara');
      const posts: [string, unknown][] = [
        [`/agent/api/concerns/${concern}/confirm`, {}],
        [`/agent/api/concerns/${concern}/dismiss`, { reason: 'spam' }],
        [`/agent/api/concerns/${concern}/merge`, { incidentReference: incident }],
        [`/agent/api/concerns/${concern}/reply`, { text: 'Thank you' }],
        [`/agent/api/incidents/${incident}/phases`, { fields: { nature: 'misdirected email' } }],
        [`/agent/api/incidents/${incident}/notified`, undefined],
        [`/agent/api/incidents/${incident}/notice`, { texts: { en: NOTICE } }],
        [`/agent/api/incidents/${incident}/notice/publish`, undefined],
        [`/agent/api/incidents/${incident}/notice/withdraw`, undefined],
        [`/agent/api/incidents/${incident}/affected`, { csv: 'email\na@example.com\n' }],
      ];
      for (const [path, body] of posts) {
        for (const csrf of [false, sara.csrfToken]) {
          const answer = await pia.post(path, body, { csrf });
          assert.equal(answer.status, 403, `${path} with ${csrf === false ? 'no' : "another session's"} token`);
          assert.equal(errorCode(answer), 'PSB_AGENT_CSRF');
        }
      }
      assertNoCalls(service);
    });
  });

  describe('concerns', () => {
    it('lists new reports first, breach suspects first among them, with the DPO alert status and none of the customer’s words', async () => {
      const [oldQuestion, suspect, answered, laterSuspect] = [concernRef(), concernRef(), concernRef(), concernRef()];
      service.put(
        concernCase({ reference: answered, reportedAt: new Date(NOW.getTime() - 5 * HOUR_MS), state: 'answered', topic: 'use', suspectedBreach: false }),
        'a secret the customer wrote',
      );
      service.put(concernCase({ reference: oldQuestion, reportedAt: new Date(NOW.getTime() - 4 * HOUR_MS), topic: 'answer', suspectedBreach: false }), 'a secret the customer wrote');
      service.put(concernCase({ reference: suspect, reportedAt: new Date(NOW.getTime() - 3 * HOUR_MS) }), 'a secret the customer wrote');
      service.put(concernCase({ reference: laterSuspect, reportedAt: new Date(NOW.getTime() - HOUR_MS), dpoAlert: { webhook: 'delivered', email: 'sent' } }), 'a secret the customer wrote');
      const pia = await signedIn('pia');
      const answer = await pia.get<ConcernListView>('/agent/api/concerns');
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      assert.deepEqual(
        answer.body.concerns.map((c) => [c.reference, c.isNew, c.suspectedBreach, c.dpoAlert?.webhook ?? null]),
        [
          [suspect, true, true, 'pending'],
          [laterSuspect, true, true, 'delivered'],
          [oldQuestion, true, false, null],
          [answered, false, false, null],
        ],
      );
      assert.deepEqual(answer.body.concerns[0].occurred, { at: new Date(NOW.getTime() - 27 * HOUR_MS).toISOString(), phrase: 'ieri sera' });
      assert.ok(!JSON.stringify(answer.body).includes('a secret'), 'the list carries no description');
      assertNoCalls(service);
    });

    it('opens a concern with its description and contact, the look audited by the service as the agent; 404 for an unknown one', async () => {
      const reference = concernRef();
      service.put(concernCase({ reference, reportedAt: NOW }), 'My invoice went to <b>someone else</b>', 'mario@example.com');
      const pia = await signedIn('pia');
      const answer = await pia.get<ConcernOpenedView>(`/agent/api/concerns/${reference}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.concern.description, 'My invoice went to <b>someone else</b>');
      assert.equal(answer.body.concern.contact, 'mario@example.com');
      assert.deepEqual(answer.body.concern.actions, { confirm: true, dismiss: true, merge: true, reply: true });
      assert.deepEqual(service.calls, [{ method: 'show', reference, context: { actor: 'agent:pia', reason: 'privacy team opened a concern' } }]);

      const unknown = await pia.get(`/agent/api/concerns/${concernRef()}`);
      assert.equal(unknown.status, 404);
      assert.equal(errorCode(unknown), 'PSB_AGENT_CONCERN_NOT_FOUND');
    });

    it('confirms a breach with awareness now: a new incident whose clocks run 72 hours (GDPR) and "as soon as feasible" (PIPEDA); a second confirmation is refused (409)', async () => {
      const reference = concernRef();
      service.put(concernCase({ reference, reportedAt: new Date(NOW.getTime() - HOUR_MS) }));
      const sara = await signedIn('sara');
      const answer = await sara.post<IncidentDetailView>(`/agent/api/concerns/${reference}/confirm`, { title: 'Invoices to the wrong customers' });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const incident = answer.body.incident;
      assert.equal(incident.title, 'Invoices to the wrong customers');
      assert.equal(incident.awarenessAt, NOW.toISOString());
      assert.deepEqual(incident.concernReferences, [reference]);
      assert.deepEqual(
        incident.clocks.map((c) => [c.regime, c.rule, c.dueAt, c.timeLeftSeconds, c.urgency]),
        [
          ['gdpr', '72 hours', new Date(NOW.getTime() + 72 * HOUR_MS).toISOString(), 72 * 3600, 'later'],
          ['pipeda', 'as soon as feasible', null, null, 'undated'],
        ],
      );
      assert.deepEqual(service.calls, [{ method: 'confirmBreach', reference, argument: { title: 'Invoices to the wrong customers' }, context: { actor: 'agent:sara', reason: 'privacy team confirmed a breach' } }]);
      assert.equal(service.get(reference)?.state, 'confirmed_breach');

      const again = await sara.post<ErrorAnswer>(`/agent/api/concerns/${reference}/confirm`);
      assert.equal(again.status, 409);
      assert.equal(errorCode(again), 'PSB_CONCERN_ALREADY_TRIAGED');
      assert.match(again.body.error.message, /confirmed breach and takes no second triage/);
    });

    it('confirms with an earlier awareness only with a reason, never a later one than now: the service refuses (400 naming the field), nothing changes', async () => {
      const reference = concernRef();
      service.put(concernCase({ reference, reportedAt: NOW }));
      const pia = await signedIn('pia');
      const earlier = new Date(NOW.getTime() - 30 * HOUR_MS);
      for (const [body, field] of [
        [{ awarenessAt: earlier.toISOString() }, 'awarenessReason'],
        [{ awarenessAt: earlier.toISOString(), awarenessReason: '   ' }, 'awarenessReason'],
        [{ awarenessAt: new Date(NOW.getTime() + 60_000).toISOString(), awarenessReason: 'typo' }, 'awarenessAt'],
        [{ awarenessAt: 'yesterday', awarenessReason: 'the logs' }, 'awarenessAt'],
        [{ awarenessAt: '2026-03-09T10:00', awarenessReason: 'no offset' }, 'awarenessAt'],
        [{ title: 'x'.repeat(201) }, 'title'],
      ] as const) {
        const answer = await pia.post<ErrorAnswer>(`/agent/api/concerns/${reference}/confirm`, body);
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(answer.body.error.field, field, JSON.stringify(body));
      }
      assertNoCalls(service);
      assert.equal(service.get(reference)?.state, 'reported');

      const future = await pia.post<ErrorAnswer>(`/agent/api/concerns/${reference}/confirm`, { awarenessAt: new Date(NOW.getTime() + 60_000).toISOString(), awarenessReason: 'typo' });
      assert.equal(errorCode(future), 'PSB_CONCERN_AWARENESS_IN_FUTURE');
      assert.match(future.body.error.message, /later than now/);
      const noReason = await pia.post<ErrorAnswer>(`/agent/api/concerns/${reference}/confirm`, { awarenessAt: earlier.toISOString() });
      assert.equal(errorCode(noReason), 'PSB_CONCERN_REASON_REQUIRED');

      const answer = await pia.post<IncidentDetailView>(`/agent/api/concerns/${reference}/confirm`, { awarenessAt: '2026-03-09T04:00:00+01:00', awarenessReason: 'The mail log shows the wrong recipients since yesterday.' });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.incident.awarenessAt, earlier.toISOString());
      assert.equal(answer.body.incident.clocks[0].timeLeftSeconds, 42 * 3600);
      assert.deepEqual(service.calls.map((c) => c.context), [{ actor: 'agent:pia', reason: 'The mail log shows the wrong recipients since yesterday.' }]);
    });

    it('confirms into an existing incident; 404 when that incident does not exist', async () => {
      const reference = concernRef();
      const incident = incidentRef();
      service.put(concernCase({ reference, reportedAt: NOW }));
      service.putIncident({ reference: incident, awarenessAt: new Date(NOW.getTime() - 2 * HOUR_MS), regimes: ['gdpr'] });
      const pia = await signedIn('pia');
      const unknown = await pia.post(`/agent/api/concerns/${reference}/confirm`, { incidentReference: incidentRef() });
      assert.equal(unknown.status, 404);
      assert.equal(errorCode(unknown), 'PSB_AGENT_INCIDENT_NOT_FOUND');
      const answer = await pia.post<IncidentDetailView>(`/agent/api/concerns/${reference}/confirm`, { incidentReference: incident });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.incident.reference, incident);
      assert.deepEqual(answer.body.incident.concernReferences, [reference]);
    });

    it('dismisses with a reason only (400 otherwise); audited with it; a dismissed concern takes no more triage (409)', async () => {
      const reference = concernRef();
      service.put(concernCase({ reference, reportedAt: NOW }));
      const pia = await signedIn('pia');
      for (const body of [undefined, {}, { reason: '  ' }, { reason: 7 }, { reason: 'x'.repeat(2001) }]) {
        const answer = await pia.post<ErrorAnswer>(`/agent/api/concerns/${reference}/dismiss`, body);
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(answer.body.error.field, 'reason');
      }
      assertNoCalls(service);
      const answer = await pia.post<ConcernCaseAnswer>(`/agent/api/concerns/${reference}/dismiss`, { reason: ' A test message from our own staff. ' });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.concern.state, 'dismissed');
      assert.deepEqual(answer.body.concern.actions, { confirm: false, dismiss: false, merge: false, reply: true });
      assert.deepEqual(answer.body.concern.history.at(-1), { state: 'dismissed', reason: 'A test message from our own staff.', actor: 'agent:pia', at: NOW.toISOString() });
      assert.deepEqual(service.calls, [{ method: 'dismiss', reference, argument: 'A test message from our own staff.', context: { actor: 'agent:pia', reason: 'A test message from our own staff.' } }]);
      const again = await pia.post(`/agent/api/concerns/${reference}/dismiss`, { reason: 'again' });
      assert.equal(again.status, 409);
      assert.equal(errorCode(again), 'PSB_CONCERN_ALREADY_TRIAGED');
    });

    it('merges into an incident (named: 400 without one, 404 for an unknown one) and replies to the customer (the text to the service, never into the audit reason)', async () => {
      const reference = concernRef();
      const incident = incidentRef();
      service.put(concernCase({ reference, reportedAt: NOW }));
      service.putIncident({ reference: incident, awarenessAt: NOW, regimes: ['gdpr'] });
      const sara = await signedIn('sara');
      const missing = await sara.post<ErrorAnswer>(`/agent/api/concerns/${reference}/merge`, {});
      assert.equal(missing.body.error.field, 'incidentReference');
      const unknown = await sara.post(`/agent/api/concerns/${reference}/merge`, { incidentReference: incidentRef() });
      assert.equal(unknown.status, 404);
      assert.equal(errorCode(unknown), 'PSB_AGENT_INCIDENT_NOT_FOUND');
      const merged = await sara.post<ConcernCaseAnswer>(`/agent/api/concerns/${reference}/merge`, { incidentReference: incident });
      assert.equal(merged.status, 200, JSON.stringify(merged.body));
      assert.equal(merged.body.concern.state, 'merged');
      assert.equal(merged.body.concern.incidentReference, incident);
      assert.deepEqual(service.getIncident(incident)?.concernReferences, [reference]);

      const noText = await sara.post<ErrorAnswer>(`/agent/api/concerns/${reference}/reply`, { text: '' });
      assert.equal(noText.body.error.field, 'text');
      const replied = await sara.post<ConcernCaseAnswer>(`/agent/api/concerns/${reference}/reply`, { text: 'Dear Mario, we are looking into it.' });
      assert.equal(replied.status, 200);
      assert.deepEqual(service.calls.map((c) => [c.method, c.argument, c.context]), [
        ['mergeInto', incident, { actor: 'agent:sara', reason: 'privacy team merged a concern into an incident' }],
        ['reply', 'Dear Mario, we are looking into it.', { actor: 'agent:sara', reason: 'privacy team replied to the customer' }],
      ]);
    });

    it('keeps a failure underneath a 500 with nothing changed', async () => {
      const reference = concernRef();
      service.put(concernCase({ reference, reportedAt: NOW }));
      service.failNext = new Error('connection reset');
      const pia = await signedIn('pia');
      const failure = await pia.post(`/agent/api/concerns/${reference}/dismiss`, { reason: 'spam' });
      assert.equal(failure.status, 500);
      assert.equal(errorCode(failure), 'PSB_INTERNAL');
      assert.equal(service.get(reference)?.state, 'reported');
    });
  });

  describe('incidents', () => {
    it('lists incidents with each clock’s time left and urgency: overdue, within a day, later, no instant; open ones first', async () => {
      const [overdue, soon, notified] = [incidentRef(), incidentRef(), incidentRef()];
      service.putIncident({ reference: notified, awarenessAt: new Date(NOW.getTime() - 80 * HOUR_MS), regimes: ['gdpr'], state: 'notified' });
      service.putIncident({ reference: soon, awarenessAt: new Date(NOW.getTime() - 60 * HOUR_MS), regimes: ['gdpr', 'pipeda'] });
      service.putIncident({ reference: overdue, awarenessAt: new Date(NOW.getTime() - 73 * HOUR_MS), regimes: ['uk-gdpr'] });
      const pia = await signedIn('pia');
      const answer = await pia.get<IncidentListView>('/agent/api/incidents');
      assert.equal(answer.status, 200);
      assert.deepEqual(
        answer.body.incidents.map((i) => [i.reference, i.clocks.map((c) => [c.regime, c.timeLeftSeconds, c.urgency])]),
        [
          [overdue, [['uk-gdpr', -3600, 'overdue']]],
          [soon, [['gdpr', 12 * 3600, 'soon'], ['pipeda', null, 'undated']]],
          [notified, [['gdpr', null, 'stopped']]],
        ],
      );
      const missing = await pia.get(`/agent/api/incidents/${incidentRef()}`);
      assert.equal(missing.status, 404);
      assert.equal(errorCode(missing), 'PSB_AGENT_INCIDENT_NOT_FOUND');
    });

    it('adds information in phases: each phase its own call with the agent and reason; bad fields are 400 naming them', async () => {
      const reference = incidentRef();
      service.putIncident({ reference, awarenessAt: NOW, regimes: ['gdpr'] });
      const pia = await signedIn('pia');
      for (const [body, field] of [
        [{}, 'fields'],
        [{ fields: {} }, 'fields'],
        [{ fields: { nature: '' } }, 'fields.nature'],
        [{ fields: { approxSubjects: -1 } }, 'fields.approxSubjects'],
        [{ fields: { approxRecords: 2.5 } }, 'fields.approxRecords'],
        [{ fields: { approxRecords: '12' } }, 'fields.approxRecords'],
        [{ fields: { severity: 'high' } }, 'fields.severity'],
      ] as const) {
        const answer = await pia.post<ErrorAnswer>(`/agent/api/incidents/${reference}/phases`, body);
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(answer.body.error.field, field, JSON.stringify(body));
      }
      assertNoCalls(service);

      const first = await pia.post<IncidentDetailView>(`/agent/api/incidents/${reference}/phases`, { fields: { nature: 'Invoices emailed to the wrong customers', approxSubjects: 1200, approxRecords: null } });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const second = await pia.post<IncidentDetailView>(`/agent/api/incidents/${reference}/phases`, { fields: { measures: 'Mailing stopped' }, reason: 'the mail team reported back' });
      assert.equal(second.body.incident.record.nature, 'Invoices emailed to the wrong customers');
      assert.equal(second.body.incident.record.approxSubjects, 1200);
      assert.equal(second.body.incident.record.measures, 'Mailing stopped');
      assert.deepEqual(second.body.incident.phases.map((p) => [p.seq, p.actor, p.fields]), [
        [1, 'agent:pia', ['nature', 'approxSubjects', 'approxRecords']],
        [2, 'agent:pia', ['measures']],
      ]);
      assert.deepEqual(service.calls.map((c) => c.context.reason), ['privacy team added information to the Art. 33(3) record', 'the mail team reported back']);
    });

    it('serves the notification draft as a JSON download and as a sandboxed page that runs no script', async () => {
      const reference = incidentRef();
      service.putIncident({ reference, awarenessAt: NOW, regimes: ['gdpr'] });
      const sara = await signedIn('sara');
      const json = await sara.get<{ incident: string }>(`/agent/api/incidents/${reference}/draft.json`);
      assert.equal(json.status, 200);
      assert.equal(json.body.incident, reference);
      assert.equal(json.headers.get('content-disposition'), `attachment; filename="${reference}-notification-draft.json"`);
      assert.equal(json.headers.get('cache-control'), 'no-store');

      const page = await sara.get<string>(`/agent/api/incidents/${reference}/draft`);
      assert.equal(page.status, 200);
      assert.match(page.body, /Notification of a personal data breach/);
      assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
      assertContentSecurityPolicy(page.headers.get('content-security-policy'), SANDBOXED_PAGE_POLICY);
      assert.equal((await sara.get(`/agent/api/incidents/${incidentRef()}/draft`)).status, 404);
    });

    it('marks the authority notified: the clocks stop; notifying again is refused (409), and so is a late one without the reasons for the delay', async () => {
      const reference = incidentRef();
      service.putIncident({ reference, awarenessAt: new Date(NOW.getTime() - 10 * HOUR_MS), regimes: ['gdpr'] });
      const pia = await signedIn('pia');
      const answer = await pia.post<IncidentDetailView>(`/agent/api/incidents/${reference}/notified`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.incident.state, 'notified');
      assert.deepEqual(answer.body.incident.clocks.map((c) => c.urgency), ['stopped']);
      assert.equal(answer.body.incident.actions.markNotified, false);
      assert.deepEqual(service.calls.map((c) => [c.method, c.context]), [['markNotified', { actor: 'agent:pia', reason: 'privacy team notified the supervisory authority' }]]);
      const again = await pia.post<ErrorAnswer>(`/agent/api/incidents/${reference}/notified`);
      assert.equal(again.status, 409);
      assert.equal(errorCode(again), 'PSB_INCIDENT_ALREADY_NOTIFIED');

      const late = incidentRef();
      service.putIncident({ reference: late, awarenessAt: new Date(NOW.getTime() - 80 * HOUR_MS), regimes: ['gdpr'] });
      const refused = await pia.post<ErrorAnswer>(`/agent/api/incidents/${late}/notified`);
      assert.equal(refused.status, 409);
      assert.equal(errorCode(refused), 'PSB_INCIDENT_DELAY_REASONS_REQUIRED');
      assert.equal(refused.body.error.field, 'delayReasons');
      await pia.post(`/agent/api/incidents/${late}/phases`, { fields: { delayReasons: 'The mail logs were only restored on day 4.' } });
      assert.equal((await pia.post(`/agent/api/incidents/${late}/notified`)).status, 200);
    });

    it('writes the notice per language (every part of a language, shipped languages only: the service says which is missing), publishes it for everyone working customers, withdraws it', async () => {
      const reference = incidentRef();
      const other = incidentRef();
      service.putIncident({ reference, awarenessAt: NOW, regimes: ['gdpr'] });
      service.putIncident({ reference: other, awarenessAt: NOW, regimes: ['gdpr'] });
      const pia = await signedIn('pia');
      for (const [body, field, expected] of [
        [{}, 'texts', 'PSB_AGENT_INVALID_REQUEST'],
        [{ texts: {} }, 'texts', 'PSB_AGENT_INVALID_REQUEST'],
        [{ texts: { en: 'all of it' } }, 'texts', 'PSB_AGENT_INVALID_REQUEST'],
        [{ texts: { ja: NOTICE } }, 'texts.ja', 'PSB_INCIDENT_NOTICE_INCOMPLETE'],
        [{ texts: { en: { ...NOTICE, whatWeDo: '' } } }, 'texts.en.whatWeDo', 'PSB_INCIDENT_NOTICE_INCOMPLETE'],
      ] as const) {
        const answer = await pia.post<ErrorAnswer>(`/agent/api/incidents/${reference}/notice`, body);
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(answer.body.error.field, field);
        assert.equal(errorCode(answer), expected);
      }
      assertNoCalls(service);

      const written = await pia.post<IncidentDetailView>(`/agent/api/incidents/${reference}/notice`, { texts: { en: NOTICE, it: AVVISO } });
      assert.equal(written.status, 200, JSON.stringify(written.body));
      assert.deepEqual(written.body.incident.notice, { languages: ['en', 'it'], published: false, publishedAt: null, withdrawnAt: null });
      assert.deepEqual(written.body.incident.noticeLanguages, [...SHIPPED_LOCALES], 'a notice may be written in every shipped language');
      assert.equal(written.body.incident.actions.publish, true);

      const alice = await signedIn('alice');
      assert.deepEqual((await alice.get<PublishedNoticeView>('/agent/api/notice')).body, { notice: null });
      const published = await pia.post<IncidentDetailView>(`/agent/api/incidents/${reference}/notice/publish`);
      assert.equal(published.status, 200);
      assert.equal(published.body.incident.notice?.published, true);
      assert.equal(published.body.incident.notice?.publishedAt, NOW.toISOString());
      for (const username of ['alice', 'sam', 'sara']) {
        const client = await signedIn(username);
        assert.deepEqual((await client.get<PublishedNoticeView>('/agent/api/notice')).body, { notice: { incidentReference: reference, texts: { en: NOTICE, it: AVVISO } } }, username);
      }
      assert.equal((await pia.get('/agent/api/notice')).status, 403, 'the privacy team reads it in the Incidents view');

      await pia.post(`/agent/api/incidents/${other}/notice`, { texts: { en: NOTICE } });
      const second = await pia.post<ErrorAnswer>(`/agent/api/incidents/${other}/notice/publish`);
      assert.equal(second.status, 409, 'one published notice at a time');
      assert.equal(errorCode(second), 'PSB_INCIDENT_ANOTHER_PUBLISHED');
      assert.match(second.body.error.message, /withdraw it first/);

      const withdrawn = await pia.post<IncidentDetailView>(`/agent/api/incidents/${reference}/notice/withdraw`);
      assert.equal(withdrawn.body.incident.notice?.published, false);
      assert.deepEqual((await alice.get<PublishedNoticeView>('/agent/api/notice')).body, { notice: null });
      assert.deepEqual(service.calls.map((c) => [c.method, c.reference, c.context.reason]), [
        ['setNotice', reference, 'privacy team wrote the incident notice'],
        ['publishNotice', reference, 'privacy team published the incident notice'],
        ['setNotice', other, 'privacy team wrote the incident notice'],
        ['withdrawNotice', reference, 'privacy team withdrew the incident notice'],
      ]);
    });

    it('imports the affected subjects all or nothing: unknown identifiers come back with their line numbers and nothing is imported', async () => {
      const reference = incidentRef();
      service.putIncident({ reference, awarenessAt: NOW, regimes: ['gdpr'] });
      service.knownIdentifiers.add('anna@example.com');
      service.knownIdentifiers.add('bruno@example.com');
      const pia = await signedIn('pia');
      assert.equal((await pia.post<ErrorAnswer>(`/agent/api/incidents/${reference}/affected`, { csv: ' ' })).body.error.field, 'csv');

      const refused = await pia.post<ErrorAnswer & { error: { problems: { row: number; reasons: string[] }[] } }>(`/agent/api/incidents/${reference}/affected`, {
        csv: 'email\nanna@example.com\nnobody@example.com\nbruno@example.com\nghost@example.com\n',
      });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error.field, 'csv');
      assert.deepEqual(refused.body.error.problems.map((p) => p.row), [3, 5]);
      assert.match(refused.body.error.message, /row 3: no subject has this identifier/);
      assert.ok(!refused.body.error.message.includes('nobody@example.com'), 'no identifier quoted back');
      assertNoCalls(service);
      assert.equal(service.getIncident(reference)?.affectedCount, 0);

      const answer = await pia.post<IncidentDetailView & { imported: number; alreadyAffected: number }>(`/agent/api/incidents/${reference}/affected`, { csv: 'email\nanna@example.com\nbruno@example.com\n', fileName: 'affected.csv' });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.imported, 2);
      assert.equal(answer.body.alreadyAffected, 0);
      assert.equal(answer.body.incident.affectedCount, 2);
      assert.deepEqual(service.calls.map((c) => [c.method, c.context, c.options]), [['importAffected', { actor: 'agent:pia', reason: 'privacy team imported the affected subjects' }, { source: 'affected.csv' }]]);
    });

    it('maps what the ledger refuses underneath: a vanished incident 404, a state it does not allow 409', async () => {
      const reference = incidentRef();
      service.putIncident({ reference, awarenessAt: NOW, regimes: ['gdpr'] });
      const pia = await signedIn('pia');
      service.failNext = new LedgerError('PSB_LEDGER_INVALID_INPUT', 'no incident with this reference', { field: 'reference' });
      assert.equal((await pia.post(`/agent/api/incidents/${reference}/notice/publish`)).status, 404);
      service.failNext = new LedgerError('PSB_LEDGER_INVALID_INPUT', 'a closed incident takes no phase', { field: 'state' });
      const refused = await pia.post<ErrorAnswer>(`/agent/api/incidents/${reference}/phases`, { fields: { nature: 'x' } });
      assert.equal(refused.status, 409);
      assert.equal(errorCode(refused), 'PSB_AGENT_INCIDENT_REFUSED');
    });
  });
});

describe('agent API without concerns wired in', function () {
  this.timeout(30_000);

  it('serves no Concerns or Incidents view, and no notice to the customers view', async () => {
    await withConsoleServer({ agents: { privacyTeam: true } }, async (app) => {
      const pia = new AgentClient(app.baseUrl);
      assert.deepEqual((await pia.login('pia')).body, { username: 'pia', role: 'privacy', csrfToken: pia.csrfToken, views: [] });
      for (const path of ['/agent/api/concerns', '/agent/api/incidents']) assert.equal((await pia.get(path)).status, 404, path);
      const sara = new AgentClient(app.baseUrl);
      await sara.login('sara');
      assert.deepEqual((await sara.get('/agent/api/notice')).body, { notice: null });
    });
  });
});

describe('agent API: concerns and incidents over the real service (PGlite ledger)', function () {
  this.timeout(60_000);
  let ledger: Ledger;
  let hub: MemoryHandoffHub;
  let app: ConsoleServer;
  let service: ConcernService;

  before(async () => {
    ledger = await openTestLedger();
    await addTestAgents(ledger, { privacyTeam: true });
    hub = new MemoryHandoffHub({ timeoutSeconds: 600 });
    service = await openConcerns(ledger);
    app = await startConsoleServer({ ledger, hub, channel: new RecordingCustomerChannel(), concerns: service });
  });

  after(() => closeConsoleServer(app, hub, ledger));

  async function audited(actor: string): Promise<[string, string][]> {
    const rows = (await ledger.db.query<{ action: string; reason: string }>('SELECT action, reason FROM audit_log WHERE actor = $1 ORDER BY seq', [actor])).rows;
    return rows.map((r) => [r.action, r.reason]);
  }

  it('opens, confirms and builds the incident as the privacy team, each look and change audited as the agent; the service’s refusals reach the page with their codes', async () => {
    const subject = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: 'anna.affected@example.com' }], regime: 'gdpr', preferredLocale: 'it' }, { actor: 'system:test', reason: 'test subject' });
    const receipt = await service.report(
      {
        subjectId: null,
        topic: 'breach',
        description: 'I got <script>alert(1)</script> someone else’s invoice',
        occurred: { at: null, phrase: 'ieri sera' },
        dataCategories: [],
        dataPhrase: 'my invoices',
        contact: 'reply.here@example.com',
        channel: 'webchat',
        conversation: null,
        locale: 'it',
        timeZone: 'Europe/Rome',
      },
      { actor: 'customer:anonymous', reason: 'customer reported a concern in chat' },
    );
    const pia = new AgentClient(app.baseUrl);
    assert.equal((await pia.login('pia')).status, 200);

    const list = await pia.get<ConcernListView>('/agent/api/concerns');
    const listed = list.body.concerns.find((c) => c.reference === receipt.reference);
    assert.deepEqual(listed && [listed.isNew, listed.suspectedBreach, listed.dpoAlert], [true, true, { webhook: 'not_configured', email: 'not_configured' }]);

    const opened = await pia.get<ConcernOpenedView>(`/agent/api/concerns/${receipt.reference}`);
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    assert.equal(opened.body.concern.description, 'I got <script>alert(1)</script> someone else’s invoice');
    assert.equal(opened.body.concern.contact, 'reply.here@example.com');

    const future = await pia.post<ErrorAnswer>(`/agent/api/concerns/${receipt.reference}/confirm`, { awarenessAt: new Date(Date.now() + 3_600_000).toISOString(), awarenessReason: 'typo' });
    assert.equal(future.status, 400);
    assert.equal(errorCode(future), 'PSB_CONCERN_AWARENESS_IN_FUTURE');
    assert.equal(future.body.error.field, 'awarenessAt');

    const confirmed = await pia.post<IncidentDetailView>(`/agent/api/concerns/${receipt.reference}/confirm`, { title: 'Invoices to the wrong customers' });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    const incident = confirmed.body.incident;
    assert.deepEqual(incident.concernReferences, [receipt.reference]);
    const gdpr = incident.clocks.find((c) => c.regime === 'gdpr');
    assert.ok(gdpr && gdpr.dueAt !== null && gdpr.timeLeftSeconds !== null && gdpr.timeLeftSeconds > 71 * 3600 && gdpr.timeLeftSeconds <= 72 * 3600, JSON.stringify(incident.clocks));
    const again = await pia.post(`/agent/api/concerns/${receipt.reference}/dismiss`, { reason: 'changed my mind' });
    assert.equal(again.status, 409);
    assert.equal(errorCode(again), 'PSB_CONCERN_ALREADY_TRIAGED');

    const phase = await pia.post<IncidentDetailView>(`/agent/api/incidents/${incident.reference}/phases`, { fields: { nature: 'Invoices emailed to the wrong customers', approxSubjects: 40 } });
    assert.equal(phase.status, 200, JSON.stringify(phase.body));
    const last = phase.body.incident.phases.at(-1);
    assert.deepEqual(last && [last.actor, [...last.fields].sort()], ['agent:pia', ['approxSubjects', 'nature']]);
    const draft = await pia.get<Record<string, unknown>>(`/agent/api/incidents/${incident.reference}/draft.json`);
    assert.equal(draft.status, 200);
    assert.match(JSON.stringify(draft.body), /Invoices emailed to the wrong customers/);
    const page = await pia.get<string>(`/agent/api/incidents/${incident.reference}/draft?lang=it`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /^sandbox;/);

    const refused = await pia.post<ErrorAnswer & { error: { problems: { row: number }[] } }>(`/agent/api/incidents/${incident.reference}/affected`, {
      csv: 'email\nanna.affected@example.com\nnobody.known@example.com\n',
      fileName: 'affected.csv',
    });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.deepEqual(refused.body.error.problems.map((p) => p.row), [3]);
    assert.ok(!JSON.stringify(refused.body).includes('nobody.known'), 'the unknown identifier is not quoted back');
    const imported = await pia.post<{ imported: number; incident: { affectedCount: number } }>(`/agent/api/incidents/${incident.reference}/affected`, { csv: 'email\nanna.affected@example.com\n' });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    assert.deepEqual([imported.body.imported, imported.body.incident.affectedCount], [1, 1]);
    assert.ok(await service.isAffected(incident.reference, subject.id));

    const notice = await pia.post<IncidentDetailView>(`/agent/api/incidents/${incident.reference}/notice`, { texts: { en: NOTICE, it: AVVISO } });
    assert.equal(notice.status, 200, JSON.stringify(notice.body));
    const published = await pia.post<IncidentDetailView>(`/agent/api/incidents/${incident.reference}/notice/publish`);
    assert.equal(published.body.incident.notice?.published, true);
    const sara = new AgentClient(app.baseUrl);
    await sara.login('sara');
    assert.deepEqual((await sara.get<PublishedNoticeView>('/agent/api/notice')).body.notice?.incidentReference, incident.reference);
    assert.equal((await pia.post(`/agent/api/incidents/${incident.reference}/notified`)).status, 200);

    const trail = await audited('agent:pia');
    const actions = trail.map(([action]) => action);
    for (const action of ['concern.opened', 'incident.affected.imported']) assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
    assert.ok(trail.some(([, reason]) => reason === 'privacy team opened a concern'));
    assert.ok(trail.some(([, reason]) => reason === 'privacy team confirmed a breach'));
    assert.ok(trail.some(([, reason]) => reason === 'privacy team added information to the Art. 33(3) record'));
    assert.ok(trail.some(([, reason]) => reason === 'privacy team published the incident notice'));
    assert.ok(!JSON.stringify(trail).includes('invoice</script>') && !JSON.stringify(trail).includes('reply.here'), 'no customer text in the audit');
  });
});
