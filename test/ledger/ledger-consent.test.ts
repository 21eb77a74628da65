import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../src/errors/codes';
import { ConsentChange, ConsentProvenance } from '../../src/ledger/consent/consent-types';
import { assertLedgerError, countRows, FIXED_NOW, forEachBackend, registerSubject, untyped } from './support/ledger-backends';

const CHAT: ConsentProvenance = { collectionMethod: 'web_chat', language: 'it', conversationId: 'conv-1', evidence: { activityId: 'act-1' } };
const CUSTOMER = { actor: 'customer:test', reason: 'customer changed consent in chat' };
const WRITE_TABLES = ['consent_event', 'consent_state', 'audit_log', 'webhook_delivery', 'subject'] as const;
const HOUR_MS = 60 * 60 * 1000;

interface InvalidWrite {
  readonly why: string;
  readonly subject?: 'known' | 'unknown' | 'malformed';
  readonly changes: readonly ConsentChange[];
  readonly provenance?: ConsentProvenance;
  readonly code: ErrorCode;
  readonly field: string;
  readonly message: RegExp;
}

const GIVE_NEWSLETTER: ConsentChange = { purposeId: 'newsletter', channel: 'email', state: 'given' };

const INVALID_WRITES: readonly InvalidWrite[] = [
  { why: 'an unknown purpose', changes: [{ purposeId: 'weather_alerts', channel: 'email', state: 'given' }], code: 'PSB_LEDGER_INVALID_INPUT', field: 'purposeId', message: /unknown purpose "weather_alerts"/ },
  { why: 'a channel the purpose does not use', changes: [{ purposeId: 'newsletter', channel: 'sms', state: 'given' }], code: 'PSB_LEDGER_INVALID_INPUT', field: 'channel', message: /purpose "newsletter" does not use channel "sms" \(it uses email\)/ },
  { why: 'a channel that does not exist', changes: [{ purposeId: 'marketing_offers', channel: untyped('fax'), state: 'given' }], code: 'PSB_LEDGER_INVALID_INPUT', field: 'channel', message: /does not use channel "fax"/ },
  { why: 'an unknown subject id', subject: 'unknown', changes: [GIVE_NEWSLETTER], code: 'PSB_LEDGER_UNKNOWN_SUBJECT', field: 'subjectId', message: /no subject with this id/ },
  { why: 'a subject id that is not a UUID', subject: 'malformed', changes: [GIVE_NEWSLETTER], code: 'PSB_LEDGER_UNKNOWN_SUBJECT', field: 'subjectId', message: /no subject with this id/ },
  { why: 'a bad state', changes: [{ purposeId: 'newsletter', channel: 'email', state: untyped('maybe') }], code: 'PSB_LEDGER_INVALID_INPUT', field: 'state', message: /unknown consent state "maybe" \(allowed: given, withdrawn, refused, expired\)/ },
  { why: 'a bad collection method', changes: [GIVE_NEWSLETTER], provenance: { ...CHAT, collectionMethod: untyped('fax') }, code: 'PSB_LEDGER_INVALID_INPUT', field: 'collectionMethod', message: /unknown collection method "fax" \(allowed: import, web_chat, teams, agent, api\)/ },
  { why: 'a language that is not a BCP-47 tag', changes: [GIVE_NEWSLETTER], provenance: { ...CHAT, language: 'Italiano' }, code: 'PSB_LEDGER_INVALID_INPUT', field: 'language', message: /language must be a BCP-47 tag/ },
  { why: 'an empty language', changes: [GIVE_NEWSLETTER], provenance: { ...CHAT, language: '' }, code: 'PSB_LEDGER_INVALID_INPUT', field: 'language', message: /language/ },
  { why: 'an invalid occurredAt', changes: [GIVE_NEWSLETTER], provenance: { ...CHAT, occurredAt: new Date('not a date') }, code: 'PSB_LEDGER_INVALID_INPUT', field: 'occurredAt', message: /occurredAt is not a valid time/ },
  { why: 'an occurredAt a day in the future (it would pin the current state)', changes: [GIVE_NEWSLETTER], provenance: { ...CHAT, occurredAt: new Date(FIXED_NOW.getTime() + 24 * HOUR_MS) }, code: 'PSB_LEDGER_INVALID_INPUT', field: 'occurredAt', message: /occurredAt/ },
  { why: 'no change at all', changes: [], code: 'PSB_LEDGER_INVALID_INPUT', field: 'changes', message: /no consent change to record/ },
  { why: 'a batch whose second change is bad', changes: [GIVE_NEWSLETTER, { purposeId: 'profiling', channel: 'sms', state: 'given' }], code: 'PSB_LEDGER_INVALID_INPUT', field: 'channel', message: /purpose "profiling" does not use channel "sms"/ },
];

forEachBackend('consent events', (ctx) => {
  it('records given and withdrawn, derives the current state per purpose × channel, keeps the history in order', async () => {
    const { ledger, clock } = ctx;
    const subject = await registerSubject(ledger);
    const other = await registerSubject(ledger);
    const first = await ledger.consent.record(subject.id, [GIVE_NEWSLETTER, { purposeId: 'marketing_offers', channel: 'sms', state: 'given' }], CHAT, CUSTOMER);
    await ledger.consent.record(other.id, [{ purposeId: 'marketing_offers', channel: 'sms', state: 'refused' }], CHAT, CUSTOMER);
    clock.advance(HOUR_MS);
    const second = await ledger.consent.record(subject.id, [{ purposeId: 'marketing_offers', channel: 'sms', state: 'withdrawn' }], { ...CHAT, language: 'it-IT' }, CUSTOMER);
    assert.equal(first.replayed, false);
    assert.deepEqual(first.events.map((e) => e.subjectSeq), [1, 2]);
    assert.deepEqual(second.events.map((e) => e.subjectSeq), [3]);

    const later = new Date(FIXED_NOW.getTime() + HOUR_MS);
    assert.deepEqual(await ledger.consent.current(subject.id), [
      { purposeId: 'marketing_offers', channel: 'sms', state: 'withdrawn', since: later, eventId: second.events[0].id },
      { purposeId: 'newsletter', channel: 'email', state: 'given', since: FIXED_NOW, eventId: first.events[0].id },
    ]);
    assert.deepEqual((await ledger.consent.current(other.id)).map((c) => [c.purposeId, c.channel, c.state]), [['marketing_offers', 'sms', 'refused']]);

    const history = await ledger.consent.history(subject.id);
    assert.deepEqual(history.map((e) => [e.subjectSeq, e.purposeId, e.channel, e.state]), [
      [1, 'newsletter', 'email', 'given'],
      [2, 'marketing_offers', 'sms', 'given'],
      [3, 'marketing_offers', 'sms', 'withdrawn'],
    ]);
    assert.deepEqual(history, [...first.events, ...second.events], 'what is read back is what was recorded');
    const [event] = history;
    assert.equal(event.subjectId, subject.id);
    assert.equal(event.collectionMethod, 'web_chat');
    assert.equal(event.noticeVersion, ledger.catalog.get('newsletter')?.notice.version, 'the notice version defaults to the purpose’s current one');
    assert.equal(event.language, 'it');
    assert.equal(event.conversationId, 'conv-1');
    assert.equal(event.actor, 'customer:test');
    assert.deepEqual(event.evidence, { activityId: 'act-1' });
    assert.deepEqual(event.occurredAt, FIXED_NOW);
    assert.deepEqual(event.recordedAt, FIXED_NOW);
    assert.equal(history[0].prevHash, null);
    assert.equal(history[1].prevHash, history[0].hash);
    assert.equal(history[2].prevHash, history[1].hash);
    assert.deepEqual((await ledger.consent.history(subject.id, 'marketing_offers')).map((e) => e.subjectSeq), [2, 3]);
    assert.equal((await ledger.verify()).ok, true);
  });

  describe('refuses invalid input, naming the problem, and writes nothing', () => {
    for (const row of INVALID_WRITES) {
      it(`refuses ${row.why}`, async () => {
        const { ledger } = ctx;
        const subject = await registerSubject(ledger);
        await ledger.consent.record(subject.id, [GIVE_NEWSLETTER], CHAT, CUSTOMER);
        const before = await countRows(ledger, WRITE_TABLES);
        const subjectId = row.subject === 'unknown' ? randomUUID() : row.subject === 'malformed' ? 'subject-42' : subject.id;
        const err = await assertLedgerError(ledger.consent.record(subjectId, row.changes, row.provenance ?? CHAT, { ...CUSTOMER, idempotencyKey: `bad-${randomUUID()}` }), row.code, row.message);
        assert.equal(err.details.field, row.field);
        assert.deepEqual(await countRows(ledger, WRITE_TABLES), before, 'nothing was written');
        assert.equal((await ledger.consent.history(subject.id)).length, 1);
      });
    }
  });

  describe('idempotency', () => {
    it('records a write once: the same key again returns the first events with replayed: true', async () => {
      const { ledger, clock } = ctx;
      const subject = await registerSubject(ledger);
      const changes: ConsentChange[] = [{ purposeId: 'marketing_offers', channel: 'email', state: 'withdrawn' }, { purposeId: 'marketing_offers', channel: 'sms', state: 'withdrawn' }];
      const context = { ...CUSTOMER, idempotencyKey: `activity-${randomUUID()}` };
      const first = await ledger.consent.record(subject.id, changes, CHAT, context);
      const before = await countRows(ledger, WRITE_TABLES);
      clock.advance(5 * 60 * 1000);
      const again = await ledger.consent.record(subject.id, changes, CHAT, context);
      assert.equal(first.replayed, false);
      assert.equal(again.replayed, true);
      assert.deepEqual(again.events, first.events, 'the same events, in batch order');
      assert.deepEqual(await countRows(ledger, WRITE_TABLES), before, 'no new event, state or audit entry');
      const other = await ledger.consent.record(subject.id, [{ purposeId: 'newsletter', channel: 'email', state: 'given' }], CHAT, { ...CUSTOMER, idempotencyKey: `activity-${randomUUID()}` });
      assert.equal(other.replayed, false);
      const third = await ledger.consent.record(subject.id, changes, CHAT, context);
      assert.equal(third.replayed, true, 'a key stays recorded after later writes');
      assert.deepEqual((await ledger.consent.history(subject.id)).map((e) => e.subjectSeq), [1, 2, 3]);
    });

    it('records once when the same key arrives ten times at once', async () => {
      const { ledger } = ctx;
      const subject = await registerSubject(ledger);
      const context = { ...CUSTOMER, idempotencyKey: `activity-${randomUUID()}` };
      const results = await Promise.all(Array.from({ length: 10 }, () => ledger.consent.record(subject.id, [GIVE_NEWSLETTER], CHAT, context)));
      assert.equal(results.filter((r) => !r.replayed).length, 1);
      assert.equal(new Set(results.map((r) => r.events[0].id)).size, 1);
      assert.equal((await ledger.consent.history(subject.id)).length, 1);
    });

    it('refuses a key already used for another subject with a LedgerError, writing nothing', async () => {
      const { ledger } = ctx;
      const [a, b] = [await registerSubject(ledger), await registerSubject(ledger)];
      const context = { ...CUSTOMER, idempotencyKey: `activity-${randomUUID()}` };
      await ledger.consent.record(a.id, [GIVE_NEWSLETTER], CHAT, context);
      const before = await countRows(ledger, WRITE_TABLES);
      await assertLedgerError(ledger.consent.record(b.id, [GIVE_NEWSLETTER], CHAT, context), 'PSB_LEDGER_INVALID_INPUT', /idempotency key/);
      assert.deepEqual(await countRows(ledger, WRITE_TABLES), before);
    });
  });

  it('does not let an older choice imported after a newer one override the current state', async () => {
    const { ledger } = ctx;
    const subject = await registerSubject(ledger);
    const newer = await ledger.consent.record(subject.id, [{ purposeId: 'profiling', channel: 'in_app', state: 'withdrawn' }], { ...CHAT, occurredAt: new Date('2026-10-01T08:00:00Z') }, CUSTOMER);
    const older = await ledger.consent.record(
      subject.id,
      [{ purposeId: 'profiling', channel: 'in_app', state: 'given' }, { purposeId: 'profiling', channel: 'email', state: 'given' }],
      { collectionMethod: 'import', language: 'it', occurredAt: new Date('2024-05-17T12:00:00Z'), noticeVersion: '2024-01', evidence: { file: 'crm.csv', row: 7 } },
      { actor: 'system:import', reason: 'initial import' },
    );
    assert.deepEqual(await ledger.consent.current(subject.id), [
      { purposeId: 'profiling', channel: 'email', state: 'given', since: new Date('2024-05-17T12:00:00Z'), eventId: older.events[1].id },
      { purposeId: 'profiling', channel: 'in_app', state: 'withdrawn', since: new Date('2026-10-01T08:00:00Z'), eventId: newer.events[0].id },
    ]);
    const history = await ledger.consent.history(subject.id);
    assert.deepEqual(history.map((e) => [e.subjectSeq, e.state, e.occurredAt.toISOString()]), [
      [1, 'withdrawn', '2026-10-01T08:00:00.000Z'],
      [2, 'given', '2024-05-17T12:00:00.000Z'],
      [3, 'given', '2024-05-17T12:00:00.000Z'],
    ], 'the history keeps the order of recording, the older choice included');
    assert.equal(history[1].noticeVersion, '2024-01');
    assert.deepEqual(history[1].recordedAt, FIXED_NOW);

    const newest = await ledger.consent.record(subject.id, [{ purposeId: 'profiling', channel: 'in_app', state: 'given' }], CHAT, CUSTOMER);
    assert.equal((await ledger.consent.current(subject.id)).find((c) => c.channel === 'in_app')?.eventId, newest.events[0].id, 'a newer choice does override');
  });

  describe('audit', () => {
    it('writes an audit entry for every consent write, with actor, reason and the events', async () => {
      const { ledger } = ctx;
      const subject = await registerSubject(ledger);
      const result = await ledger.consent.record(subject.id, [GIVE_NEWSLETTER, { purposeId: 'service_updates', channel: 'push', state: 'refused' }], CHAT, CUSTOMER);
      const rows = (await ledger.db.query<{ action: string; actor: string; reason: string; details: { events: { id: string; state: string }[]; collectionMethod: string } }>(
        "SELECT action, actor, reason, details FROM audit_log WHERE entity = 'subject' AND entity_id = $1 ORDER BY seq",
        [subject.id],
      )).rows;
      assert.deepEqual(rows.map((r) => r.action), ['subject.registered', 'consent.recorded']);
      const [, entry] = rows;
      assert.equal(entry.actor, CUSTOMER.actor);
      assert.equal(entry.reason, CUSTOMER.reason);
      assert.deepEqual(entry.details.events.map((e) => e.id), result.events.map((e) => e.id));
      assert.equal(entry.details.collectionMethod, 'web_chat');
    });

    it('writes the audit entry in the same transaction: a rollback takes both away', async () => {
      const { ledger } = ctx;
      const subject = await registerSubject(ledger);
      const before = await countRows(ledger, WRITE_TABLES);
      let seenInside = { events: 0, audit: 0 };
      let seenOutside: { events: number; audit: number } | undefined;
      await assert.rejects(
        ledger.db.transaction(async (tx) => {
          await ledger.consent.record(subject.id, [GIVE_NEWSLETTER], CHAT, CUSTOMER, tx);
          const count = async (run: typeof tx) => ({
            events: (await run.query('SELECT 1 FROM consent_event WHERE subject_id = $1', [subject.id])).rows.length,
            audit: (await run.query("SELECT 1 FROM audit_log WHERE entity_id = $1 AND action = 'consent.recorded'", [subject.id])).rows.length,
          });
          seenInside = await count(tx);
          // Only PostgreSQL has a second connection to look from; PGlite's one connection is ours until commit.
          if (ctx.backend === 'postgresql') seenOutside = await count(ledger.db);
          throw new Error('use case failed after the write');
        }),
        /use case failed/,
      );
      assert.deepEqual(seenInside, { events: 1, audit: 1 }, 'event and audit entry written through the same transaction');
      if (ctx.backend === 'postgresql') assert.deepEqual(seenOutside, { events: 0, audit: 0 }, 'nothing visible before commit');
      assert.deepEqual(await countRows(ledger, WRITE_TABLES), before, 'the rollback removed event, state and audit entry');
      assert.equal((await ledger.verify()).ok, true);
    });
  });
});
