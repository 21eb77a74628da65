import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { OneTimeCodeStore, PendingCode } from '../../../src/privacy/identity/one-time-code-store';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-29T10:00:00Z');

function pendingCode(overrides: Partial<PendingCode> = {}): PendingCode {
  return { id: randomUUID(), subjectId: randomUUID(), claimKind: 'email', claimMasked: 'm***@example.com', codeHash: 'ab'.repeat(32), expiresAt: T0 + 600_000, ...overrides };
}

function key(label: string): string {
  return `${label}-${randomUUID()}`;
}

/** Polls `check` until it holds, for at most `timeoutMs`: waits for an event, never for a fixed time. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not true after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * What every `OneTimeCodeStore` does, memory or Redis. `open` gives a store on a fresh key
 * space; `second` (when given) another store on the same space, as a second instance has.
 */
export function describeCodeStoreContract(name: string, open: () => Promise<OneTimeCodeStore>): void {
  describe(`${name}: the OneTimeCodeStore contract`, () => {
    let store: OneTimeCodeStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => store.close());

    it('nothing pending: no attempt, nothing to consume', async () => {
      assert.equal(await store.beginAttempt(key('conv'), 5, T0), undefined);
      assert.equal(await store.consume(key('conv'), randomUUID(), 'k', T0), false);
    });

    it('keeps a pending code as given and counts attempts up to the maximum, then counts no more', async () => {
      const conversation = key('conv');
      const code = pendingCode();
      await store.putPending(conversation, code, HOUR, T0);
      const seen: [boolean, number][] = [];
      for (let i = 0; i < 7; i++) {
        const attempt = await store.beginAttempt(conversation, 5, T0);
        assert.ok(attempt);
        assert.deepEqual({ ...attempt.code, attempts: 0 }, { ...code, attempts: 0 });
        seen.push([attempt.counted, attempt.code.attempts]);
      }
      assert.deepEqual(seen, [[true, 1], [true, 2], [true, 3], [true, 4], [true, 5], [false, 5], [false, 5]]);
    });

    it('a decoy (no subject) reads back without one', async () => {
      const conversation = key('conv');
      const { subjectId: _none, ...decoy } = pendingCode();
      await store.putPending(conversation, decoy, HOUR, T0);
      const attempt = await store.beginAttempt(conversation, 5, T0);
      assert.equal(attempt?.code.subjectId, undefined);
      assert.deepEqual({ ...attempt?.code, attempts: 0 }, { ...decoy, attempts: 0 });
    });

    it('a new code replaces the pending one, attempts start afresh, the old id cannot be consumed', async () => {
      const conversation = key('conv');
      const first = pendingCode();
      await store.putPending(conversation, first, HOUR, T0);
      await store.beginAttempt(conversation, 5, T0);
      const second = pendingCode();
      await store.putPending(conversation, second, HOUR, T0);
      assert.equal(await store.consume(conversation, first.id, 'k1', T0), false);
      const attempt = await store.beginAttempt(conversation, 5, T0);
      assert.deepEqual([attempt?.code.id, attempt?.code.attempts], [second.id, 1]);
    });

    it('consumes once: the same consumer again is told yes (a redelivery), another is told no; a consumed code counts no attempts', async () => {
      const conversation = key('conv');
      const code = pendingCode();
      await store.putPending(conversation, code, HOUR, T0);
      assert.equal(await store.consume(conversation, code.id, 'activity-1', T0), true);
      assert.equal(await store.consume(conversation, code.id, 'activity-1', T0), true);
      assert.equal(await store.consume(conversation, code.id, 'activity-2', T0), false);
      const attempt = await store.beginAttempt(conversation, 5, T0);
      assert.deepEqual([attempt?.counted, attempt?.code.consumedBy, attempt?.code.attempts], [false, 'activity-1', 0]);
    });

    it('forgets a pending code after its keep time', async () => {
      const conversation = key('conv');
      await store.putPending(conversation, pendingCode(), 150, Date.now());
      assert.ok(await store.beginAttempt(conversation, 50, Date.now()));
      await eventually(async () => (await store.beginAttempt(conversation, 50, Date.now())) === undefined, 'the code is forgotten');
    });

    it('parallel attempts never count past the maximum', async () => {
      const conversation = key('conv');
      await store.putPending(conversation, pendingCode(), HOUR, T0);
      const attempts = await Promise.all(Array.from({ length: 12 }, () => store.beginAttempt(conversation, 5, T0)));
      assert.equal(attempts.filter((a) => a?.counted).length, 5);
    });

    it('counts sends in a sliding window: the 4th of 3 is refused until the oldest leaves the window', async () => {
      const limit = { key: key('subject'), max: 3 };
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await store.reserveSend([limit], HOUR, T0 + i * 60_000, randomUUID()));
      assert.deepEqual(answers, [{ allowed: true }, { allowed: true }, { allowed: true }, { allowed: false, retryAfterMs: HOUR - 3 * 60_000 }]);
      assert.deepEqual(await store.reserveSend([limit], HOUR, T0 + HOUR - 1, randomUUID()), { allowed: false, retryAfterMs: 1 });
      assert.deepEqual(await store.reserveSend([limit], HOUR, T0 + HOUR, randomUUID()), { allowed: true }, 'the first send left the window');
      assert.deepEqual(await store.reserveSend([limit], HOUR, T0 + HOUR, randomUUID()), { allowed: false, retryAfterMs: 60_000 });
    });

    it('counts a send against every limit or none: a full limit keeps the others untouched', async () => {
      const subject = { key: key('subject'), max: 3 };
      const conversation = { key: key('conversation'), max: 1 };
      assert.deepEqual(await store.reserveSend([subject, conversation], HOUR, T0, randomUUID()), { allowed: true });
      for (let i = 0; i < 3; i++) assert.equal((await store.reserveSend([subject, conversation], HOUR, T0, randomUUID())).allowed, false);
      // The refusals counted nothing against the subject: two more fit.
      assert.deepEqual(await store.reserveSend([subject], HOUR, T0, randomUUID()), { allowed: true });
      assert.deepEqual(await store.reserveSend([subject], HOUR, T0, randomUUID()), { allowed: true });
      assert.equal((await store.reserveSend([subject], HOUR, T0, randomUUID())).allowed, false);
    });

    it('a released send no longer counts', async () => {
      const limit = { key: key('subject'), max: 1 };
      const token = randomUUID();
      assert.deepEqual(await store.reserveSend([limit], HOUR, T0, token), { allowed: true });
      assert.equal((await store.reserveSend([limit], HOUR, T0, randomUUID())).allowed, false);
      await store.releaseSend([limit.key], token);
      assert.deepEqual(await store.reserveSend([limit], HOUR, T0, randomUUID()), { allowed: true });
    });

    it('parallel sends never pass the limit', async () => {
      const limit = { key: key('subject'), max: 3 };
      const answers = await Promise.all(Array.from({ length: 20 }, () => store.reserveSend([limit], HOUR, T0, randomUUID())));
      assert.equal(answers.filter((a) => a.allowed).length, 3);
    });
  });
}
