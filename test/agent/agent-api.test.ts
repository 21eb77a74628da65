import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import type { HandoffHub } from '../../src/handoff/handoff-hub';
import { RedisHandoffHub } from '../../src/handoff/redis-handoff-hub';
import type { Ledger } from '../../src/ledger/ledger';
import { createLogger } from '../../src/log/logger';
import { createRedisClient } from '../../src/state/redis-client';
import { deleteKeysWithPrefix, requireRedis, uniqueRedisPrefix } from '../support/services';
import {
  AgentClient,
  addTestAgents,
  ConsoleServer,
  ErrorAnswer,
  newHandoff,
  openTestLedger,
  PASSWORDS,
  RecordingCustomerChannel,
  SseReader,
  startConsoleServer,
} from './agent-harness';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { assertContentSecurityPolicy } from '../support/content-security-policy';
import { AGENT_CONSOLE_POLICY } from './agent-console-policy';

const REDIS_URL = 'redis://127.0.0.1:6379';
/** The consoles' keep-alive period here: also how soon a sign-out on another instance ends a stream. */
const KEEPALIVE_SECONDS = 1;
const quiet = createLogger({ level: 'silent' });

interface QueueBody {
  now: string;
  queue: Record<string, unknown>[];
  held: Record<string, unknown>[];
}

interface TicketBody {
  ticket: { id: string; status: string; agent?: string; outcome?: { verification: string; method?: string; note?: string } };
  verificationId?: string;
}

interface DetailBody {
  ticket: { id: string; status: string };
  transcript: { from: string; text: string; at: string }[];
  verification: {
    claimedIdentity: { kind: string; masked: string } | null;
    record: { subjectId: string; regime: string; dataPoints: { kind: string; masked: string }[]; verifications: unknown[] } | null;
  };
}

interface AuditRow {
  actor: string;
  action: string;
  entity: string;
  entity_id: string;
  details: Record<string, unknown>;
}

async function auditRows(ledger: Ledger, action?: string): Promise<AuditRow[]> {
  const rows = (await ledger.db.query<AuditRow>('SELECT actor, action, entity, entity_id, details FROM audit_log ORDER BY seq')).rows;
  return action ? rows.filter((r) => r.action === action) : rows;
}

/**
 * Counts calls to node:crypto's scrypt (the password hash) until restored. The hashing module
 * calls it through the module object, so the count sees every hash the server computes.
 */
function countScryptCalls(): { calls(): number; restore(): void } {
  const original = crypto.scrypt;
  let calls = 0;
  const counting = (...args: Parameters<typeof crypto.scrypt>): void => {
    calls += 1;
    Reflect.apply(original, crypto, args);
  };
  assert.ok(Reflect.set(crypto, 'scrypt', counting), 'node:crypto.scrypt can be wrapped');
  return {
    calls: () => calls,
    restore: () => void Reflect.set(crypto, 'scrypt', original),
  };
}

function code(answer: { body: unknown }): string {
  return (answer.body as ErrorAnswer).error.code;
}

/** Connections, hub and a console server per suite; sessions in Redis or in-process. */
function suite(title: string, sessionsIn: 'redis' | 'in-process'): void {
  describe(title, function () {
    this.timeout(30_000);
    let ledger: Ledger;
    let client: Redis;
    let hub: RedisHandoffHub;
    let channel: RecordingCustomerChannel;
    let app: ConsoleServer;
    let prefix: string;
    let subjectId: string;

    before(async function () {
      this.timeout(HEAVY_HOOK_TIMEOUT_MS);
      await requireRedis(REDIS_URL);
      ledger = await openTestLedger();
      await addTestAgents(ledger);
      const subject = await ledger.subjects.register(
        { identifiers: [{ kind: 'email', value: 'mario.rossi@example.com' }, { kind: 'phone', value: '+39 347 123 4567' }], regime: 'gdpr', preferredLocale: 'it' },
        { actor: 'system:test', reason: 'test subject' },
      );
      subjectId = subject.id;
      prefix = uniqueRedisPrefix('psb-agent-test');
      client = createRedisClient(REDIS_URL, quiet);
      await new Promise<void>((resolve) => (client.status === 'ready' ? resolve() : client.once('ready', () => resolve())));
      hub = new RedisHandoffHub({ client, prefix: `${prefix}handoff:`, timeoutSeconds: 600 });
      await hub.ready();
      channel = new RecordingCustomerChannel();
      app = await startConsoleServer({
        ledger,
        hub,
        channel,
        // Every test here signs in from 127.0.0.1: the per-address limit is tested in login-abuse-limits.test.ts.
        config: { eventsKeepAliveSeconds: KEEPALIVE_SECONDS, loginMaxAttempts: 5, loginWindowSeconds: 60, loginAddressMaxAttempts: 1000 },
        ...(sessionsIn === 'redis' ? { redis: client, redisPrefix: prefix } : {}),
      });
    });

    after(async () => {
      await app?.close();
      await hub?.close();
      if (client) {
        await deleteKeysWithPrefix(client, prefix);
        client.disconnect();
      }
      await ledger?.close();
    });

    beforeEach(() => {
      channel.calls.length = 0;
      channel.failing = false;
    });

    const signedIn = async (username: string): Promise<AgentClient> => {
      const agent = new AgentClient(app.baseUrl);
      const answer = await agent.login(username);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return agent;
    };

    const queued = async (withSubject = true): Promise<string> => {
      const { ticket } = await hub.enqueue(newHandoff(withSubject ? { claimedIdentity: { kind: 'email', masked: 'm***@example.com', subjectId } } : {}));
      return ticket.id;
    };

    const claimedBy = async (agent: AgentClient, withSubject = true): Promise<string> => {
      const id = await queued(withSubject);
      const answer = await agent.post(`/agent/api/handoffs/${id}/claim`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return id;
    };

    describe('signing in', () => {
      it('answers the account and a CSRF token, and sets an HttpOnly, SameSite=Strict cookie scoped to /agent (Secure only over https)', async () => {
        const agent = new AgentClient(app.baseUrl);
        const answer = await agent.login('alice');
        assert.equal(answer.status, 200);
        const body = answer.body;
        assert.equal(body.username, 'alice');
        assert.equal(body.role, 'agent');
        assert.match(body.csrfToken, /^[A-Za-z0-9_-]{43}$/);
        assert.equal(answer.headers.get('cache-control'), 'no-store');
        const cookie = answer.headers.get('set-cookie') ?? '';
        assert.match(cookie, /^psb_agent_session=[A-Za-z0-9_-]{43}; /);
        const flags = cookie.split('; ').slice(1);
        assert.deepEqual(flags.sort(), ['HttpOnly', 'Path=/agent', 'SameSite=Strict']);
        assert.ok(!cookie.includes(body.csrfToken), 'the CSRF token is not the cookie');
        assert.equal((await new AgentClient(app.baseUrl).login(' Alice ', PASSWORDS.alice)).body.username, 'alice', 'usernames are lower-case');

        const proxied = await fetch(`${app.baseUrl}/agent/api/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
          body: JSON.stringify({ username: 'alice', password: PASSWORDS.alice }),
        });
        assert.equal(proxied.status, 200);
        assert.match(proxied.headers.get('set-cookie') ?? '', /; Secure(;|$)/);
      });

      it('gives one answer for a wrong password and an unknown user', async () => {
        const wrong = await new AgentClient(app.baseUrl).login('bob', 'not bob password at all');
        const unknown = await new AgentClient(app.baseUrl).login('nobody-here', 'not anyones password');
        assert.equal(wrong.status, 401);
        assert.equal(unknown.status, 401);
        assert.deepEqual(wrong.body, unknown.body);
        assert.equal(code(wrong), 'PSB_AGENT_LOGIN_FAILED');
        assert.equal(wrong.headers.get('set-cookie'), null);
      });

      it('audits sign-ins, and refusals of real accounts only', async () => {
        const before = (await auditRows(ledger)).length;
        await new AgentClient(app.baseUrl).login('bob');
        await new AgentClient(app.baseUrl).login('bob', 'this is the wrong password');
        await new AgentClient(app.baseUrl).login('stranger', 'this is the wrong password');
        const added = (await auditRows(ledger)).slice(before);
        assert.deepEqual(
          added.map((r) => [r.actor, r.action, r.entity_id]),
          [
            ['agent:bob', 'agent.signed_in', 'bob'],
            ['agent:bob', 'agent.sign_in_refused', 'bob'],
          ],
        );
        assert.ok(!JSON.stringify(added).includes('wrong password'));
      });

      it('refuses bad payloads with 400 and a reason naming the field', async () => {
        const agent = new AgentClient(app.baseUrl);
        const missing = await agent.post('/agent/api/login', { username: 'alice' }, { csrf: false });
        assert.equal(missing.status, 400);
        assert.deepEqual((missing.body as ErrorAnswer).error.field, 'password');
        const wrongType = await agent.post('/agent/api/login', { username: 42, password: 'x' }, { csrf: false });
        assert.equal(wrongType.status, 400);
        assert.equal((wrongType.body as ErrorAnswer).error.field, 'username');
        const notJson = await agent.post('/agent/api/login', '{"username":', { csrf: false });
        assert.equal(notJson.status, 400);
        assert.equal(code(notJson), 'PSB_HTTP_BAD_JSON');
        const array = await agent.post('/agent/api/login', [1, 2], { csrf: false });
        assert.equal(array.status, 400);
      });

      it('limits attempts per username and address: the sixth within the window gets 429 with Retry-After, before any password hashing', async () => {
        const hashing = countScryptCalls();
        const answers: number[] = [];
        const hashedPerAttempt: number[] = [];
        let limited: Awaited<ReturnType<AgentClient['login']>> | undefined;
        try {
          for (let i = 0; i < 7; i += 1) {
            const before = hashing.calls();
            const answer = await new AgentClient(app.baseUrl).login('carol.test', 'some wrong password');
            answers.push(answer.status);
            hashedPerAttempt.push(hashing.calls() - before);
            limited = answer;
          }
        } finally {
          hashing.restore();
        }
        assert.deepEqual(answers, [401, 401, 401, 401, 401, 429, 429]);
        // A refused password costs one scrypt run (an unknown user too: a dummy hash, so timing tells nothing);
        // a throttled attempt costs none — the 429 comes before the password is even hashed.
        assert.deepEqual(hashedPerAttempt, [1, 1, 1, 1, 1, 0, 0]);
        assert.ok(limited);
        assert.equal(code(limited), 'PSB_AGENT_RATE_LIMITED');
        const retryAfter = Number(limited.headers.get('retry-after'));
        assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
        // Another username from the same address is not locked out by carol.test's attempts.
        assert.equal((await new AgentClient(app.baseUrl).login('bob')).status, 200);
      });
    });

    describe('sessions and CSRF', () => {
      it('answers 401 without a session, with a forged cookie, and after sign-out', async () => {
        const anonymous = new AgentClient(app.baseUrl);
        assert.equal((await anonymous.get('/agent/api/queue')).status, 401);
        assert.equal(code(await anonymous.get('/agent/api/queue')), 'PSB_AGENT_UNAUTHENTICATED');
        anonymous.cookie = `psb_agent_session=${'A'.repeat(43)}`;
        assert.equal((await anonymous.get('/agent/api/queue')).status, 401);

        const alice = await signedIn('alice');
        assert.equal((await alice.get('/agent/api/session')).status, 200);
        const out = await alice.post('/agent/api/logout');
        assert.equal(out.status, 200);
        assert.match(out.headers.get('set-cookie') ?? '', /^psb_agent_session=; Path=\/agent; Max-Age=0/);
        assert.equal((await alice.get('/agent/api/queue')).status, 401);
      });

      it('refuses a state change without the CSRF token, or with another session\'s, and changes nothing', async () => {
        const alice = await signedIn('alice');
        const bob = await signedIn('bob');
        const id = await queued();
        const missing = await alice.post(`/agent/api/handoffs/${id}/claim`, undefined, { csrf: false });
        assert.equal(missing.status, 403);
        assert.equal(code(missing), 'PSB_AGENT_CSRF');
        const foreign = await alice.post(`/agent/api/handoffs/${id}/claim`, undefined, { csrf: bob.csrfToken });
        assert.equal(foreign.status, 403);
        assert.equal(code(foreign), 'PSB_AGENT_CSRF');
        const logout = await alice.post('/agent/api/logout', undefined, { csrf: false });
        assert.equal(logout.status, 403);
        assert.equal((await hub.get(id))?.status, 'queued');
        assert.equal(channel.calls.length, 0);
      });

      it('gives the page its session back (for a reload) and starts a new session at each sign-in', async () => {
        const alice = await signedIn('alice');
        const first = { cookie: alice.cookie, csrf: alice.csrfToken };
        const again = await alice.get<{ username: string; csrfToken: string }>('/agent/api/session');
        assert.equal(again.body.csrfToken, first.csrf);
        await alice.login('alice');
        assert.notEqual(alice.cookie, first.cookie);
        const old = new AgentClient(app.baseUrl);
        old.cookie = first.cookie;
        assert.equal((await old.get('/agent/api/queue')).status, 401, 'signing in again ends the session the browser had');
      });
    });

    describe('queue, claim and access', () => {
      it('lists queued tickets with waiting time, language, reason and pending action, and nothing of the conversation', async () => {
        const alice = await signedIn('alice');
        const id = await queued();
        const answer = await alice.get<QueueBody>('/agent/api/queue');
        assert.equal(answer.status, 200);
        assert.equal(answer.headers.get('cache-control'), 'no-store');
        const item = answer.body.queue.find((t) => t.id === id);
        assert.ok(item, 'the ticket is in the queue');
        assert.deepEqual(Object.keys(item).sort(), ['channelId', 'createdAt', 'id', 'locale', 'pendingAction', 'reason', 'waitingSeconds']);
        assert.equal(item.locale, 'it');
        assert.equal(item.reason, 'verification');
        assert.equal(item.pendingAction, 'consent.view');
        assert.equal(typeof item.waitingSeconds, 'number');
        assert.ok(!Number.isNaN(Date.parse(answer.body.now)));
      });

      it('claims a ticket (the customer hears an agent joined; audited); a second claim gets 409', async () => {
        const alice = await signedIn('alice');
        const bob = await signedIn('bob');
        const id = await queued();
        const claimed = await alice.post<TicketBody>(`/agent/api/handoffs/${id}/claim`);
        assert.equal(claimed.status, 200);
        assert.equal(claimed.body.ticket.status, 'claimed');
        assert.equal(claimed.body.ticket.agent, 'alice');
        assert.deepEqual(channel.calls, [{ kind: 'agentJoined', ticketId: id }]);
        const second = await bob.post(`/agent/api/handoffs/${id}/claim`);
        assert.equal(second.status, 409);
        assert.equal(code(second), 'PSB_HANDOFF_ALREADY_CLAIMED');
        const audit = (await auditRows(ledger, 'handoff.claimed')).filter((r) => r.entity_id === id);
        assert.deepEqual(audit.map((r) => r.actor), ['agent:alice']);
        const queue = await alice.get<QueueBody>('/agent/api/queue');
        assert.ok(!queue.body.queue.some((t) => t.id === id));
        assert.ok(queue.body.held.some((t) => t.id === id && t.agent === 'alice'));
        assert.ok(!(await bob.get<QueueBody>('/agent/api/queue')).body.held.some((t) => t.id === id), 'bob holds nothing of alice');
      });

      it('settles a claim race between two agents: one wins, the other gets 409', async () => {
        const alice = await signedIn('alice');
        const bob = await signedIn('bob');
        for (let round = 0; round < 5; round += 1) {
          const id = await queued();
          const answers = await Promise.all([alice.post(`/agent/api/handoffs/${id}/claim`), bob.post(`/agent/api/handoffs/${id}/claim`)]);
          assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
          assert.equal(channel.calls.filter((c) => c.kind === 'agentJoined' && c.ticketId === id).length, 1);
          assert.equal((await auditRows(ledger, 'handoff.claimed')).filter((r) => r.entity_id === id).length, 1, 'only the winner is audited');
        }
      });

      it('shows a ticket only to its holder or a supervisor: 403 for another agent, 404 for an unknown id', async () => {
        const alice = await signedIn('alice');
        const bob = await signedIn('bob');
        const sara = await signedIn('sara');
        const id = await claimedBy(alice);
        assert.equal((await alice.get(`/agent/api/handoffs/${id}`)).status, 200);
        const foreign = await bob.get(`/agent/api/handoffs/${id}`);
        assert.equal(foreign.status, 403);
        assert.equal(code(foreign), 'PSB_HANDOFF_NOT_YOURS');
        assert.equal((await bob.post(`/agent/api/handoffs/${id}/messages`, { text: 'hi' })).status, 403);
        assert.equal((await bob.post(`/agent/api/handoffs/${id}/verification`, { outcome: 'verified' })).status, 403);
        assert.equal((await bob.post(`/agent/api/handoffs/${id}/complete`)).status, 403);
        assert.equal(channel.calls.filter((c) => c.kind !== 'agentJoined').length, 0);
        const queuedId = await queued();
        assert.equal((await bob.get(`/agent/api/handoffs/${queuedId}`)).status, 403, 'a waiting ticket is claimed before it is read');
        assert.equal((await sara.get(`/agent/api/handoffs/${id}`)).status, 200, 'a supervisor sees all');
        assert.equal((await sara.get(`/agent/api/handoffs/${queuedId}`)).status, 200);
        assert.ok((await sara.get<QueueBody>('/agent/api/queue')).body.held.some((t) => t.id === id && t.agent === 'alice'));
        const unknown = await alice.get('/agent/api/handoffs/00000000-0000-4000-8000-000000000000');
        assert.equal(unknown.status, 404);
        assert.equal(code(unknown), 'PSB_HANDOFF_NOT_FOUND');
        assert.equal((await alice.post('/agent/api/handoffs/00000000-0000-4000-8000-000000000000/claim')).status, 404);
      });

      it('shows the transcript and the verification panel with every data point masked', async () => {
        const alice = await signedIn('alice');
        const id = await claimedBy(alice);
        const answer = await alice.get<DetailBody>(`/agent/api/handoffs/${id}`);
        assert.equal(answer.status, 200);
        const detail = answer.body;
        assert.deepEqual(detail.transcript.map((l) => l.from), ['customer', 'bot']);
        assert.deepEqual(detail.verification.claimedIdentity, { kind: 'email', masked: 'm***@example.com' });
        assert.equal(detail.verification.record?.subjectId, subjectId);
        assert.deepEqual(detail.verification.record?.dataPoints, [
          { kind: 'email', masked: 'm***@example.com' },
          { kind: 'phone', masked: '+39******67' },
        ]);
        const raw = JSON.stringify(detail);
        assert.ok(!raw.includes('mario.rossi'), 'no unmasked email');
        assert.ok(!raw.includes('3471234567'), 'no unmasked phone');
        assert.ok(!raw.includes('serviceUrl') && !raw.includes('"conversation"'), 'no conversation reference');
      });
    });

    describe('relay and outcome', () => {
      it('relays an agent message to the customer channel (audited without its text); bad messages get 400', async () => {
        const alice = await signedIn('alice');
        const id = await claimedBy(alice);
        const sent = await alice.post<{ line: { from: string; text: string }; delivered: boolean }>(`/agent/api/handoffs/${id}/messages`, { text: 'Hello' });
        assert.equal(sent.status, 201);
        assert.deepEqual([sent.body.line.from, sent.body.line.text, sent.body.delivered], ['agent', 'Hello', true]);
        assert.deepEqual(channel.calls.at(-1), { kind: 'deliverAgentMessage', ticketId: id, agent: 'alice', text: 'Hello' });
        const audit = (await auditRows(ledger, 'handoff.agent_message')).filter((r) => r.entity_id === id);
        assert.equal(audit.length, 1);
        assert.equal(audit[0].actor, 'agent:alice');
        assert.ok(!JSON.stringify(audit).includes('Hello'));
        assert.equal((await hub.get(id))?.transcript.at(-1)?.text, 'Hello');

        for (const bad of [{}, { text: '' }, { text: '   ' }, { text: 42 }, { text: 'x'.repeat(2001) }]) {
          const answer = await alice.post(`/agent/api/handoffs/${id}/messages`, bad);
          assert.equal(answer.status, 400, JSON.stringify(bad));
          assert.equal((answer.body as ErrorAnswer).error.field, 'text');
        }
        assert.equal(channel.calls.filter((c) => c.kind === 'deliverAgentMessage').length, 1);
      });

      it('keeps the line and says delivered: false when the customer cannot be reached', async () => {
        const alice = await signedIn('alice');
        const id = await claimedBy(alice);
        channel.failing = true;
        const sent = await alice.post<{ delivered: boolean }>(`/agent/api/handoffs/${id}/messages`, { text: 'Are you there?' });
        assert.equal(sent.status, 201);
        assert.equal(sent.body.delivered, false);
        assert.ok(!app.logs.text.includes('Are you there?'), 'message text is never logged');
      });

      it('compares an identifier the customer states with the record, answering only match or not (audited)', async () => {
        const alice = await signedIn('alice');
        const id = await claimedBy(alice);
        const path = `/agent/api/handoffs/${id}/identifier-check`;
        assert.deepEqual((await alice.post(path, { kind: 'email', value: ' Mario.Rossi@Example.com ' })).body, { match: true });
        assert.deepEqual((await alice.post(path, { kind: 'phone', value: '347 123 4567' })).body, { match: true });
        assert.deepEqual((await alice.post(path, { kind: 'email', value: 'someone.else@example.com' })).body, { match: false });
        assert.equal((await alice.post(path, { kind: 'email', value: 'not an email' })).status, 400);
        assert.equal((await alice.post(path, { kind: 'passport', value: 'X' })).status, 400);
        const audit = (await auditRows(ledger, 'handoff.identifier_checked')).filter((r) => r.entity_id === id);
        assert.deepEqual(audit.map((r) => r.details.match), [true, true, false]);
        assert.ok(!JSON.stringify(audit).includes('mario'), 'the value is not in the audit log');
        const noRecord = await claimedBy(alice, false);
        const answer = await alice.post(`/agent/api/handoffs/${noRecord}/identifier-check`, { kind: 'email', value: 'mario.rossi@example.com' });
        assert.equal(answer.status, 409);
        assert.equal(code(answer), 'PSB_AGENT_NO_RECORD');
      });

      it('records a verification in the ledger (audited as the agent), closes the ticket and hands the customer back', async () => {
        const alice = await signedIn('alice');
        const id = await claimedBy(alice);
        const before = (await ledger.verifications.forSubject(subjectId)).length;
        for (const bad of [{}, { outcome: 'maybe' }, { outcome: 'verified', method: 'guess' }, { outcome: 'verified', note: 7 }, { outcome: 'none' }]) {
          const answer = await alice.post(`/agent/api/handoffs/${id}/verification`, bad);
          assert.equal(answer.status, 400, JSON.stringify(bad));
        }
        assert.equal((await ledger.verifications.forSubject(subjectId)).length, before, 'bad payloads record nothing');

        const answer = await alice.post<TicketBody>(`/agent/api/handoffs/${id}/verification`, { outcome: 'verified', method: 'agent_check', note: 'customer confirmed the phone number' });
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        assert.equal(answer.body.ticket.status, 'completed');
        assert.deepEqual(answer.body.ticket.outcome, { verification: 'verified', method: 'agent_check', note: 'customer confirmed the phone number' });
        const recorded = (await ledger.verifications.forSubject(subjectId)).at(-1);
        assert.ok(recorded);
        assert.equal(recorded.id, answer.body.verificationId);
        assert.deepEqual(
          { method: recorded.method, level: recorded.level, outcome: recorded.outcome, agent: recorded.agent, notes: recorded.notes },
          { method: 'agent_check', level: 'verified', outcome: 'verified', agent: 'alice', notes: 'customer confirmed the phone number' },
        );
        const closed = channel.calls.filter((c) => c.kind === 'handoffClosed');
        assert.equal(closed.length, 1);
        assert.equal(closed[0].kind === 'handoffClosed' && closed[0].ticket.outcome?.verification, 'verified');
        const audit = await auditRows(ledger);
        const recordedAudit = audit.filter((r) => r.action === 'verification.recorded' && r.details.verificationId === recorded.id);
        assert.deepEqual(recordedAudit.map((r) => r.actor), ['agent:alice']);
        const completed = audit.filter((r) => r.action === 'handoff.completed' && r.entity_id === id);
        assert.deepEqual(completed.map((r) => [r.actor, r.details.outcome, r.details.verificationId]), [['agent:alice', 'verified', recorded.id]]);

        const late = await alice.post(`/agent/api/handoffs/${id}/messages`, { text: 'one more thing' });
        assert.equal(late.status, 409);
        assert.equal(code(late), 'PSB_HANDOFF_CLOSED');
        assert.equal((await alice.post(`/agent/api/handoffs/${id}/verification`, { outcome: 'failed' })).status, 409);
        assert.equal((await ledger.verifications.forSubject(subjectId)).length, before + 1);
        assert.equal((await ledger.verify()).ok, true, 'the audit chain still verifies');
      });

      it('closes a failed check of a claim without a record, writing no ledger verification', async () => {
        const alice = await signedIn('alice');
        const id = await claimedBy(alice, false);
        const answer = await alice.post<TicketBody>(`/agent/api/handoffs/${id}/verification`, { outcome: 'failed', method: 'knowledge' });
        assert.equal(answer.status, 200);
        assert.equal(answer.body.verificationId, undefined);
        assert.deepEqual(answer.body.ticket.outcome, { verification: 'failed', method: 'knowledge' });
        const completed = (await auditRows(ledger, 'handoff.completed')).filter((r) => r.entity_id === id);
        assert.deepEqual(completed.map((r) => r.details.subjectOnRecord), [false]);
      });

      it('ends a handoff without verification (outcome none); a supervisor may end any', async () => {
        const alice = await signedIn('alice');
        const sara = await signedIn('sara');
        const id = await claimedBy(alice);
        const answer = await alice.post<TicketBody>(`/agent/api/handoffs/${id}/complete`);
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.body.ticket.outcome, { verification: 'none' });
        assert.deepEqual(channel.calls.filter((c) => c.kind === 'handoffClosed').map((c) => c.ticketId), [id]);

        const other = await claimedBy(alice);
        const bySupervisor = await sara.post<TicketBody>(`/agent/api/handoffs/${other}/complete`, { note: 'customer left' });
        assert.equal(bySupervisor.status, 200);
        assert.equal(bySupervisor.body.ticket.outcome?.note, 'customer left');
        assert.deepEqual((await auditRows(ledger, 'handoff.completed')).filter((r) => r.entity_id === other).map((r) => r.actor), ['agent:sara']);
        const queuedId = await queued();
        const early = await sara.post(`/agent/api/handoffs/${queuedId}/complete`);
        assert.equal(early.status, 409);
        assert.equal(code(early), 'PSB_HANDOFF_NOT_CLAIMED');
      });
    });

    describe('live events', () => {
      it('streams queue changes to all, and customer messages to the holder and supervisors only, with keep-alives', async () => {
        const alice = await signedIn('alice');
        const bob = await signedIn('bob');
        const sara = await signedIn('sara');
        const streams = await Promise.all([alice, bob, sara].map((c) => SseReader.open(c)));
        const [aliceEvents, bobEvents, saraEvents] = streams;
        try {
          assert.equal(aliceEvents.status, 200);
          await Promise.all(streams.map((s) => s.next((e) => e.event === 'ready')));
          const id = await queued();
          for (const s of streams) await s.next((e) => e.event === 'queue' && (e.data as { change: string; ticketId: string }).ticketId === id);
          await alice.post(`/agent/api/handoffs/${id}/claim`);
          await aliceEvents.next((e) => e.event === 'ticket' && (e.data as { ticket: { id: string; status: string } }).ticket.status === 'claimed');
          await hub.postCustomerMessage(id, 'Sì, sono io <b>Mario</b>');
          const got = await aliceEvents.next((e) => e.event === 'message');
          assert.deepEqual((got.data as { ticketId: string; line: { from: string; text: string } }).ticketId, id);
          assert.equal((got.data as { line: { text: string } }).line.text, 'Sì, sono io <b>Mario</b>');
          await saraEvents.next((e) => e.event === 'message');
          // Keep-alives every second (eventsKeepAliveSeconds: 1); the limit, ten of them, only guards against a hang.
          await aliceEvents.next(() => aliceEvents.comments.includes('keep-alive'), 10 * KEEPALIVE_SECONDS * 1000);
          // A marker every stream hears, queued after the customer's message: events reach a stream in
          // order, so anything bob was sent about alice's conversation is in his stream before it.
          const marker = await queued();
          await bobEvents.next((e) => e.event === 'queue' && (e.data as { ticketId: string }).ticketId === marker);
          assert.ok(!bobEvents.events.some((e) => e.event === 'message' || e.event === 'ticket'), 'bob hears nothing of alice\'s conversation');
        } finally {
          for (const s of streams) s.close();
        }
      });

      it('ends the stream at sign-out, and refuses it without a session', async () => {
        const alice = await signedIn('alice');
        const events = await SseReader.open(alice);
        await events.next((e) => e.event === 'ready');
        await alice.post('/agent/api/logout');
        await events.next((e) => e.event === 'signed-out');
        await events.waitEnded();
        const again = await SseReader.open(alice);
        assert.equal(again.status, 401);
        again.close();
      });
    });

    describe('the page', () => {
      it('serves /agent with a strict CSP, its script and style', async () => {
        const page = await fetch(`${app.baseUrl}/agent`);
        assert.equal(page.status, 200);
        assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
        assertContentSecurityPolicy(page.headers.get('content-security-policy'), AGENT_CONSOLE_POLICY);
        const html = await page.text();
        assert.match(html, /<script src="\/agent\/console.js" defer><\/script>/);
        assert.ok(!/<script>/.test(html), 'no inline script');
        const script = await fetch(`${app.baseUrl}/agent/console.js`);
        assert.equal(script.status, 200);
        const source = await script.text();
        assert.ok(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write/.test(source), 'the script never writes markup');
        assert.equal((await fetch(`${app.baseUrl}/agent/console.css`)).status, 200);
      });
    });
  });
}

suite('agent console API (sessions in Redis, hub on Redis)', 'redis');
suite('agent console API (sessions in-process)', 'in-process');

describe('agent console on two instances sharing Redis', function () {
  this.timeout(30_000);
  let ledger: Ledger;
  let client: Redis;
  let hubs: HandoffHub[];
  let servers: ConsoleServer[];
  let prefix: string;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await requireRedis(REDIS_URL);
    ledger = await openTestLedger();
    await addTestAgents(ledger);
    prefix = uniqueRedisPrefix('psb-agent-test');
    client = createRedisClient(REDIS_URL, quiet);
    await new Promise<void>((resolve) => (client.status === 'ready' ? resolve() : client.once('ready', () => resolve())));
    hubs = [0, 1].map(() => new RedisHandoffHub({ client, prefix: `${prefix}handoff:`, timeoutSeconds: 600 }));
    await Promise.all(hubs.map((h) => (h as RedisHandoffHub).ready()));
    servers = await Promise.all(
      hubs.map((hub) => startConsoleServer({ ledger, hub, channel: new RecordingCustomerChannel(), config: { eventsKeepAliveSeconds: KEEPALIVE_SECONDS }, redis: client, redisPrefix: prefix })),
    );
  });

  after(async () => {
    for (const s of servers ?? []) await s.close();
    for (const h of hubs ?? []) await h.close();
    if (client) {
      await deleteKeysWithPrefix(client, prefix);
      client.disconnect();
    }
    await ledger?.close();
  });

  it('serves a session started on one instance on the other; a sign-out on one ends the stream on the other', async () => {
    const onA = new AgentClient(servers[0].baseUrl);
    assert.equal((await onA.login('alice')).status, 200);
    const onB = new AgentClient(servers[1].baseUrl);
    onB.cookie = onA.cookie;
    onB.csrfToken = onA.csrfToken;
    const { ticket } = await hubs[0].enqueue(newHandoff());
    const queue = await onB.get<QueueBody>('/agent/api/queue');
    assert.equal(queue.status, 200);
    assert.ok(queue.body.queue.some((t) => t.id === ticket.id));

    const streamOnA = await SseReader.open(onA);
    await streamOnA.next((e) => e.event === 'ready');
    assert.equal((await onB.post(`/agent/api/handoffs/${ticket.id}/claim`)).status, 200);
    // The claim happened on B; A's stream hears it through the hub's events.
    await streamOnA.next((e) => e.event === 'ticket');
    await hubs[1].postCustomerMessage(ticket.id, 'hello from the customer');
    await streamOnA.next((e) => e.event === 'message');

    assert.equal((await onB.post('/agent/api/logout')).status, 200);
    // A noticed at its next keep-alive (every second) that the session is gone; ten of them is the hang guard.
    await streamOnA.next((e) => e.event === 'signed-out', 10 * KEEPALIVE_SECONDS * 1000);
    await streamOnA.waitEnded();
    assert.equal((await onA.get('/agent/api/queue')).status, 401);
  });
});
