import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { memoryLoginThrottle } from '../../src/agent/sessions/login-throttle';
import type { AgentConsoleConfig } from '../../src/agent/agent-console-config';
import { readTrustProxy, TrustProxy } from '../../src/config/trust-proxy';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import type { Ledger } from '../../src/ledger/ledger';
import { createLogger } from '../../src/log/logger';
import { createRedisClient } from '../../src/state/redis-client';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { deleteKeysWithPrefix, requireRedis, uniqueRedisPrefix } from '../support/services';
import { addTestAgents, ConsoleServer, ErrorAnswer, openTestLedger, PASSWORDS, RecordingCustomerChannel, startConsoleServer } from './agent-harness';

const REDIS_URL = 'redis://127.0.0.1:6379';
const quiet = createLogger({ level: 'silent' });
const WRONG = 'not the password at all';

interface LoginAnswer {
  readonly status: number;
  readonly retryAfter: number | undefined;
  readonly code: string | undefined;
}

/** A sign-in as the proxy forwards it: `forwardedFor` is what X-Forwarded-For says (the client's address). */
async function login(baseUrl: string, username: string, password: string, forwardedFor?: string): Promise<LoginAnswer> {
  const response = await fetch(`${baseUrl}/agent/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as Partial<ErrorAnswer>;
  const retryAfter = response.headers.get('retry-after');
  return { status: response.status, retryAfter: retryAfter === null ? undefined : Number(retryAfter), code: body.error?.code };
}

/** Wraps node:crypto.scrypt (what password hashing calls): counts calls and, while `hold` is set, holds their callbacks. */
function scryptProbe(): { calls(): number; inFlight(): number; hold: boolean; release(): void; restore(): void; whenInFlight(n: number): Promise<void> } {
  const original = crypto.scrypt;
  let calls = 0;
  let inFlight = 0;
  const held: (() => void)[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const probe = {
    hold: false,
    calls: () => calls,
    inFlight: () => inFlight,
    release: () => held.splice(0).forEach((run) => run()),
    restore: () => void Reflect.set(crypto, 'scrypt', original),
    whenInFlight: (n: number) => new Promise<void>((resolve) => (inFlight >= n ? resolve() : waiters.push({ n, resolve }))),
  };
  const counting = (...args: Parameters<typeof crypto.scrypt>): void => {
    calls += 1;
    inFlight += 1;
    for (const waiter of waiters.splice(0)) if (inFlight >= waiter.n) waiter.resolve();
    else waiters.push(waiter);
    const callback = args[args.length - 1] as (err: Error | null, key: Buffer) => void;
    const run = (): void =>
      Reflect.apply(original, crypto, [
        ...args.slice(0, -1),
        (err: Error | null, key: Buffer) => {
          inFlight -= 1;
          callback(err, key);
        },
      ]);
    if (probe.hold) held.push(run);
    else run();
  };
  assert.ok(Reflect.set(crypto, 'scrypt', counting), 'node:crypto.scrypt can be wrapped');
  return probe;
}

describe('agent sign-in limits (fake clock)', () => {
  let now: number;
  const limits = { maxAttempts: 3, windowSeconds: 600, addressMaxAttempts: 100, backoffMaxSeconds: 60 };

  beforeEach(() => {
    now = Date.parse('2027-03-01T09:00:00Z');
  });

  it('limits one address across usernames; another address is not affected', async () => {
    const throttle = memoryLoginThrottle({ ...limits, addressMaxAttempts: 3 }, () => now);
    const verdicts = [];
    for (const username of ['alice', 'bob', 'carol', 'dave']) verdicts.push(await throttle.attempt(username, '198.51.100.9'));
    assert.deepEqual(
      verdicts.map((v) => [v.allowed, v.reason]),
      [
        [true, undefined],
        [true, undefined],
        [true, undefined],
        [false, 'address'],
      ],
    );
    assert.equal((await throttle.attempt('dave', '198.51.100.10')).allowed, true);
  });

  it('backs an account off exponentially after maxAttempts failures, capped, and lets any address in once the back-off has passed', async () => {
    const throttle = memoryLoginThrottle({ ...limits, backoffMaxSeconds: 8 }, () => now);
    const waits: number[] = [];
    for (let failure = 1; failure <= 7; failure += 1) {
      const address = `198.51.100.${failure}`;
      const verdict = await throttle.attempt('alice', address);
      assert.equal(verdict.allowed, true, `failure ${failure} was allowed to try`);
      await throttle.failed('alice');
      const next = await throttle.attempt('alice', `203.0.113.${failure}`);
      waits.push(next.allowed ? 0 : next.retryAfterSeconds);
      if (!next.allowed) assert.equal(next.reason, 'account');
      now += next.allowed ? 0 : next.retryAfterSeconds * 1000;
    }
    assert.deepEqual(waits, [0, 0, 1, 2, 4, 8, 8], 'free failures, then 1, 2, 4… seconds, never past the cap');
  });

  it('an address that signed in to the account is exempt from its back-off; a success clears the failures', async () => {
    const throttle = memoryLoginThrottle(limits, () => now);
    assert.equal((await throttle.attempt('alice', '203.0.113.5')).allowed, true);
    await throttle.succeeded('alice', '203.0.113.5');
    for (let i = 0; i < 10; i += 1) {
      const verdict = await throttle.attempt('alice', `198.51.100.${i}`);
      if (verdict.allowed) await throttle.failed('alice');
    }
    assert.equal((await throttle.attempt('alice', '198.51.100.200')).reason, 'account');
    assert.equal((await throttle.attempt('alice', '203.0.113.5')).allowed, true, 'her own address');
    await throttle.succeeded('alice', '203.0.113.5');
    assert.equal((await throttle.attempt('alice', '198.51.100.200')).allowed, true, 'failures cleared');
  });
});

describe('agent sign-in behind a proxy (HTTP, Redis, fake clock)', function () {
  // Real scrypt runs (~30 in the first test) on a shared machine.
  this.timeout(120_000);
  let ledger: Ledger;
  let client: Redis;
  let prefix: string;
  let now: number;
  const servers: ConsoleServer[] = [];
  const hubs: MemoryHandoffHub[] = [];

  const start = async (trustProxy: TrustProxy, config: Partial<AgentConsoleConfig>): Promise<ConsoleServer> => {
    const hub = new MemoryHandoffHub({ timeoutSeconds: 600 });
    hubs.push(hub);
    const server = await startConsoleServer({
      ledger,
      hub,
      channel: new RecordingCustomerChannel(),
      config: { loginMaxAttempts: 5, loginWindowSeconds: 600, loginBackoffMaxSeconds: 60, ...config },
      redis: client,
      redisPrefix: `${prefix}${servers.length}:`,
      trustProxy,
      now: () => new Date(now),
    });
    servers.push(server);
    return server;
  };

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await requireRedis(REDIS_URL);
    ledger = await openTestLedger();
    await addTestAgents(ledger);
    prefix = uniqueRedisPrefix('psb-login-limits');
    client = createRedisClient(REDIS_URL, quiet);
    await new Promise<void>((resolve) => (client.status === 'ready' ? resolve() : client.once('ready', () => resolve())));
  });

  beforeEach(() => {
    now = Date.parse('2027-03-01T09:00:00Z');
  });

  after(async () => {
    for (const server of servers) await server.close();
    for (const hub of hubs) await hub.close();
    if (client) {
      await deleteKeysWithPrefix(client, prefix);
      client.disconnect();
    }
    await ledger?.close();
  });

  it('an attacker hammering alice from many addresses is backed off without hashing; alice, from her own address, still signs in', async () => {
    const app = await start(readTrustProxy({ TRUST_PROXY: '1' }), {});
    assert.equal((await login(app.baseUrl, 'alice', PASSWORDS.alice, '203.0.113.5')).status, 200, 'alice signs in from home');

    const scrypt = scryptProbe();
    const attack: LoginAnswer[] = [];
    let hashedWhileBackedOff = 0;
    try {
      for (let i = 1; i <= 40; i += 1) {
        const before = scrypt.calls();
        const answer = await login(app.baseUrl, 'alice', WRONG, `198.51.100.${i}`);
        attack.push(answer);
        if (answer.status === 429) hashedWhileBackedOff += scrypt.calls() - before;
      }
    } finally {
      scrypt.restore();
    }
    assert.deepEqual(
      attack.map((answer) => answer.status),
      [...Array<number>(5).fill(401), ...Array<number>(35).fill(429)],
      'five wrong guesses, then the account backs off — from every address',
    );
    assert.equal(hashedWhileBackedOff, 0, 'a backed-off attempt is refused before hashing');
    assert.ok(attack.slice(5).every((answer) => answer.code === 'PSB_AGENT_RATE_LIMITED' && answer.retryAfter !== undefined && answer.retryAfter >= 1 && answer.retryAfter <= 60));

    assert.equal((await login(app.baseUrl, 'alice', PASSWORDS.alice, '203.0.113.5')).status, 200, 'alice at her own address is not kept out');

    // The attacker keeps guessing whenever the back-off allows, long enough to reach the cap…
    // (her success cleared the failures: the attacker starts over with its five free guesses)
    let refused: LoginAnswer | undefined;
    for (let round = 1; round <= 12; round += 1) {
      now += 61_000;
      assert.equal((await login(app.baseUrl, 'alice', WRONG, `198.51.100.${100 + round}`)).status, 401, 'allowed once the back-off has passed');
      refused = await login(app.baseUrl, 'alice', WRONG, `198.51.100.${200 + round}`);
    }
    assert.equal(refused?.status, 429);
    assert.equal(refused?.retryAfter, 60, 'the back-off has reached its cap');
    assert.equal((await login(app.baseUrl, 'alice', PASSWORDS.alice, '203.0.113.5')).status, 200, 'still not kept out at her own address');
    // …which the success just cleared; the attacker pushes it to the cap again, then stops.
    for (let round = 1; round <= 12; round += 1) {
      now += 61_000;
      await login(app.baseUrl, 'alice', WRONG, `198.51.100.${120 + round}`);
    }
    // Alice on an address she never used waits no longer than the cap.
    const fresh = await login(app.baseUrl, 'alice', PASSWORDS.alice, '192.0.2.77');
    assert.equal(fresh.status, 429);
    assert.equal(fresh.retryAfter, 60, 'the back-off is capped at AGENT_LOGIN_BACKOFF_MAX_SECONDS');
    now += 60_000;
    assert.equal((await login(app.baseUrl, 'alice', PASSWORDS.alice, '192.0.2.77')).status, 200, 'alice on a new address gets in once the cap has passed');
  });

  it('limits one address across usernames (20 by default; 4 here)', async () => {
    const app = await start(readTrustProxy({ TRUST_PROXY: '1' }), { loginAddressMaxAttempts: 4 });
    const answers = [];
    for (const username of ['u1', 'u2', 'u3', 'u4', 'bob']) answers.push(await login(app.baseUrl, username, WRONG, '198.51.100.66'));
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [401, 401, 401, 401, 429],
    );
    assert.equal(answers[4]?.code, 'PSB_AGENT_RATE_LIMITED');
    assert.equal((await login(app.baseUrl, 'bob', PASSWORDS.bob, '198.51.100.67')).status, 200, 'another address signs in');
  });

  it('ignores X-Forwarded-For without TRUST_PROXY: a forged header does not get past the per-address limit', async () => {
    const app = await start(readTrustProxy({}), { loginAddressMaxAttempts: 4 });
    const statuses = [];
    for (let i = 1; i <= 5; i += 1) statuses.push((await login(app.baseUrl, `v${i}`, WRONG, `198.51.100.${100 + i}`)).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 429], 'all five came from 127.0.0.1, whatever the header said');
  });

  it('hashes at most loginMaxConcurrentHashes passwords at once; the excess gets 503 with Retry-After before hashing', async () => {
    const app = await start(readTrustProxy({ TRUST_PROXY: '1' }), { loginMaxConcurrentHashes: 2 });
    const scrypt = scryptProbe();
    try {
      scrypt.hold = true;
      const pending = Array.from({ length: 8 }, (_, i) => login(app.baseUrl, `w${i}`, WRONG, `198.51.100.${150 + i}`));
      await scrypt.whenInFlight(2);
      // Six are refused while the two admitted hashes are held.
      const settled: LoginAnswer[] = [];
      let sixSettled: () => void = () => undefined;
      const six = new Promise<void>((resolve) => (sixSettled = resolve));
      const tracked = pending.map((promise) =>
        promise.then((answer) => {
          settled.push(answer);
          if (settled.length === 6) sixSettled();
          return answer;
        }),
      );
      await six;
      assert.deepEqual(settled.map((answer) => answer.status), Array<number>(6).fill(503));
      assert.equal(scrypt.inFlight(), 2);
      scrypt.release();
      const answers = await Promise.all(tracked);
      assert.deepEqual(answers.map((answer) => answer.status).sort(), [401, 401, 503, 503, 503, 503, 503, 503]);
      assert.ok(answers.filter((answer) => answer.status === 503).every((answer) => answer.code === 'PSB_AGENT_BUSY' && answer.retryAfter === 1));
      assert.equal(scrypt.calls(), 2, 'only the two admitted sign-ins hashed');
      assert.equal(app.console.hashSlots.peakInFlight, 2);
    } finally {
      scrypt.hold = false;
      scrypt.release();
      scrypt.restore();
    }
  });
});
