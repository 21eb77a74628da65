import assert from 'node:assert/strict';
import { AgentError } from '../../src/agent/agent-errors';
import { AgentSessions } from '../../src/agent/sessions/agent-sessions';
import { memoryLoginThrottle } from '../../src/agent/sessions/login-throttle';
import { MemoryAgentSessionStore } from '../../src/agent/sessions/memory-agent-session-store';

describe('agent sessions (fixed clock)', () => {
  let now: number;
  const clock = (): Date => new Date(now);
  const sessions = (): AgentSessions => new AgentSessions({ store: new MemoryAgentSessionStore(() => now), ttlSeconds: 600, maxSeconds: 3600, now: clock });
  const alice = { username: 'alice', role: 'agent' as const };

  beforeEach(() => {
    now = Date.parse('2027-03-01T09:00:00Z');
  });

  it('ends a session idle for longer than the TTL; each request restarts the count', async () => {
    const store = sessions();
    const { id } = await store.start(alice);
    now += 599_000;
    assert.equal((await store.resolve(id, true))?.username, 'alice');
    now += 599_000;
    assert.ok(await store.resolve(id, false), 'touched 599 s ago');
    now += 2_000;
    assert.equal(await store.resolve(id, false), undefined, 'a look without touching does not keep it alive');
  });

  it('ends a busy session at its absolute lifetime', async () => {
    const store = sessions();
    const { id } = await store.start(alice);
    for (let minute = 0; minute < 59; minute += 1) {
      now += 60_000;
      assert.ok(await store.resolve(id, true));
    }
    now += 60_000;
    assert.equal(await store.resolve(id, true), undefined);
  });

  it('refuses malformed ids without a lookup, and checks the CSRF token in constant time', async () => {
    const store = sessions();
    const { id, session } = await store.start(alice);
    assert.equal(await store.resolve('short', true), undefined);
    assert.equal(await store.resolve(`${id}x`, true), undefined);
    assert.equal(await store.resolve(undefined, true), undefined);
    assert.doesNotThrow(() => store.checkCsrf(session, session.csrfToken));
    // The last character changed to one it is not (a random token ends in 'A' one time in 64).
    const lastChanged = `${session.csrfToken.slice(0, -1)}${session.csrfToken.endsWith('A') ? 'B' : 'A'}`;
    for (const header of [undefined, '', session.csrfToken.slice(1), lastChanged]) {
      assert.throws(() => store.checkCsrf(session, header), (err: unknown) => err instanceof AgentError && err.code === 'PSB_AGENT_CSRF');
    }
    await store.end(session);
    assert.equal(await store.resolve(id, true), undefined);
  });

  it('throttles sign-in per username and address in fixed windows; success starts afresh', async () => {
    const throttle = memoryLoginThrottle({ maxAttempts: 2, windowSeconds: 60, addressMaxAttempts: 100, backoffMaxSeconds: 60 }, () => now);
    assert.deepEqual((await Promise.all([1, 2, 3].map(() => throttle.attempt('Alice', '10.0.0.1')))).map((v) => v.allowed), [true, true, false]);
    assert.equal((await throttle.attempt('alice', '10.0.0.2')).allowed, true, 'another address');
    assert.equal((await throttle.attempt(' alice ', '10.0.0.1')).allowed, false, 'the username is compared trimmed, case-insensitively');
    now += 30_000;
    assert.equal((await throttle.attempt('alice', '10.0.0.1')).retryAfterSeconds, 30);
    now += 30_000;
    assert.equal((await throttle.attempt('alice', '10.0.0.1')).allowed, true, 'a new window');
    await throttle.succeeded('alice', '10.0.0.1');
    assert.deepEqual([(await throttle.attempt('alice', '10.0.0.1')).allowed, (await throttle.attempt('alice', '10.0.0.1')).allowed], [true, true]);
  });
});
