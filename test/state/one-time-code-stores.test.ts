import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { isAppError } from '../../src/errors/app-error';
import { MemoryOneTimeCodeStore } from '../../src/privacy/identity/memory-one-time-code-store';
import type { OneTimeCodeStore } from '../../src/privacy/identity/one-time-code-store';
import { RedisOneTimeCodeStore } from '../../src/state/redis-one-time-code-store';
import { forEachBackend } from '../ledger/support/ledger-backends';
import { describeCodeStoreContract } from '../privacy/identity/one-time-code-store-contract';
import { CodeHarness, newConversation, newPerson, openCodeHarness } from '../privacy/identity/support/code-harness';
import { deleteKeysWithPrefix, requireRedis, uniqueRedisPrefix } from '../support/services';

const REDIS_URL = 'redis://127.0.0.1:6379';

describeCodeStoreContract('MemoryOneTimeCodeStore (in process)', async () => new MemoryOneTimeCodeStore());

describe('RedisOneTimeCodeStore (shared by every instance)', () => {
  const prefix = uniqueRedisPrefix('psb-test-otc');
  const clients: Redis[] = [];
  const client = (): Redis => {
    const made = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
    clients.push(made);
    return made;
  };

  before(async () => requireRedis(REDIS_URL));
  after(async () => {
    if (clients.length > 0) await deleteKeysWithPrefix(clients[0], prefix);
    for (const made of clients.splice(0)) made.disconnect();
  });

  describeCodeStoreContract('RedisOneTimeCodeStore', async () => new RedisOneTimeCodeStore({ client: client(), prefix }));

  it('two instances (two clients) share codes, attempts and limits', async () => {
    const a: OneTimeCodeStore = new RedisOneTimeCodeStore({ client: client(), prefix });
    const b: OneTimeCodeStore = new RedisOneTimeCodeStore({ client: client(), prefix });
    const now = Date.now();
    const limit = { key: `subject-${randomUUID()}`, max: 3 };
    const answers = [await a.reserveSend([limit], 3_600_000, now, randomUUID()), await b.reserveSend([limit], 3_600_000, now, randomUUID()), await a.reserveSend([limit], 3_600_000, now, randomUUID())];
    assert.ok(answers.every((answer) => answer.allowed));
    assert.equal((await b.reserveSend([limit], 3_600_000, now, randomUUID())).allowed, false, 'the 4th, through the other instance, is refused');

    const conversation = `conv-${randomUUID()}`;
    const id = randomUUID();
    await a.putPending(conversation, { id, subjectId: randomUUID(), claimKind: 'phone', claimMasked: '+39******67', codeHash: 'cd'.repeat(32), expiresAt: now + 600_000 }, 60_000, now);
    for (let i = 0; i < 3; i++) await (i % 2 === 0 ? b : a).beginAttempt(conversation, 5, now);
    assert.equal((await b.beginAttempt(conversation, 5, now))?.code.attempts, 4, 'attempts through both count together');
    assert.equal(await b.consume(conversation, id, 'activity-b', now), true);
    assert.equal(await a.consume(conversation, id, 'activity-a', now), false, 'consumed through the other instance');
  });

  it('keys live under the prefix, with TTLs', async () => {
    const store: OneTimeCodeStore = new RedisOneTimeCodeStore({ client: client(), prefix });
    const conversation = `conv-${randomUUID()}`;
    await store.putPending(conversation, { id: randomUUID(), claimKind: 'email', claimMasked: 'x***@example.com', codeHash: 'ef'.repeat(32), expiresAt: Date.now() + 600_000 }, 4_200_000, Date.now());
    await store.reserveSend([{ key: `k-${randomUUID()}`, max: 3 }], 3_600_000, Date.now(), randomUUID());
    const keys = await clients[0].keys(`${prefix}*`);
    assert.ok(keys.length >= 2);
    for (const found of keys) {
      assert.match(found, /^psb-test-otc:[^:]+:(code|limit):/);
      const ttl = await clients[0].pttl(found);
      assert.ok(ttl > 0 && ttl <= 4_200_000, `${found} expires (${ttl} ms)`);
    }
  });

  it('a Redis that does not answer is a PSB_IDENTITY_CODES_UNAVAILABLE error, not a hang', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    dead.on('error', () => undefined);
    const store: OneTimeCodeStore = new RedisOneTimeCodeStore({ client: dead, prefix });
    await assert.rejects(store.beginAttempt('conv', 5, Date.now()), (err: unknown) => isAppError(err, 'PSB_IDENTITY_CODES_UNAVAILABLE'));
    dead.disconnect();
  });
});

forEachBackend('one-time codes over Redis, two instances', (ctx) => {
  const prefix = uniqueRedisPrefix('psb-test-otc2');
  const clients: Redis[] = [];
  const key = randomBytes(32);
  let a: CodeHarness;
  let b: CodeHarness;

  before(async () => requireRedis(REDIS_URL));
  beforeEach(async () => {
    const storeOn = (): RedisOneTimeCodeStore => {
      const made = new Redis(REDIS_URL);
      clients.push(made);
      return new RedisOneTimeCodeStore({ client: made, prefix });
    };
    // Two instances: each its own Redis connection, the same IDENTITY_CODE_KEY, the same ledger.
    a = await openCodeHarness(ctx.ledger, ctx.clock.now, { store: storeOn(), key });
    b = await openCodeHarness(ctx.ledger, ctx.clock.now, { store: storeOn(), key });
  });
  after(async () => {
    if (clients.length > 0) await deleteKeysWithPrefix(clients[0], prefix);
    for (const made of clients.splice(0)) made.disconnect();
  });

  it('a code sent through instance A is accepted through instance B; Redis holds its hash, never the code', async () => {
    const person = newPerson();
    const subject = await ctx.ledger.subjects.register({ identifiers: [{ kind: 'email', value: person.email }], regime: 'gdpr' }, { actor: 'system:test', reason: 'test subject' });
    const conversation = newConversation();
    assert.equal((await a.codes.send(await a.claim('email', person.email), conversation)).status, 'sent');
    const code = a.latestCode(person.email);

    // Every value under the prefix, as text: no code, no address, no conversation id.
    const dump: string[] = [];
    for (const found of await clients[0].keys(`${prefix}*`)) {
      dump.push(found);
      dump.push(JSON.stringify((await clients[0].type(found)) === 'hash' ? await clients[0].hgetall(found) : await clients[0].zrange(found, 0, -1, 'WITHSCORES')));
    }
    const text = dump.join('\n');
    for (const secret of [code, person.email, conversation.conversationKey]) assert.ok(!text.includes(secret), `Redis holds "${secret}"`);
    assert.match(text, /[0-9a-f]{64}/, 'the code hash is there');

    assert.equal((await b.codes.check(`${code.slice(0, 3)}-${code.slice(3)}`, conversation, 'activity-on-b')).status, 'verified');
    assert.equal((await ctx.ledger.verifications.forSubject(subject.id)).length, 1);
  });

  it('limits hold across both: 3 codes per person whichever instance sends, wrong tries counted on both', async () => {
    const person = newPerson();
    await ctx.ledger.subjects.register({ identifiers: [{ kind: 'email', value: person.email }], regime: 'gdpr' }, { actor: 'system:test', reason: 'test subject' });
    const statuses: string[] = [];
    for (const instance of [a, b, a, b]) statuses.push((await instance.codes.send(await instance.claim('email', person.email), newConversation())).status);
    assert.deepEqual(statuses, ['sent', 'sent', 'sent', 'limited']);

    // The same for an identifier that is not on file.
    const stranger = newPerson().email;
    const strangerStatuses: string[] = [];
    for (const instance of [b, a, b, a]) strangerStatuses.push((await instance.codes.send(await instance.claim('email', stranger), newConversation())).status);
    assert.deepEqual(strangerStatuses, ['sent', 'sent', 'sent', 'limited']);

    const other = newPerson();
    await ctx.ledger.subjects.register({ identifiers: [{ kind: 'email', value: other.email }], regime: 'gdpr' }, { actor: 'system:test', reason: 'test subject' });
    const conversation = newConversation();
    await a.codes.send(await a.claim('email', other.email), conversation);
    const wrong = String((Number(a.latestCode(other.email)) + 1) % 1_000_000).padStart(6, '0');
    const answers = [];
    for (const instance of [a, b, a, b, a]) answers.push((await instance.codes.check(wrong, conversation, randomUUID())).status);
    assert.deepEqual(answers, ['wrong', 'wrong', 'wrong', 'wrong', 'exhausted']);
  });
});
