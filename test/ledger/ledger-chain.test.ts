import assert from 'node:assert/strict';
import { chainHash, canonicalJson } from '../../src/ledger/chain/canonical-json';
import { consentHashRecord } from '../../src/ledger/consent/consent-event-row';
import { ConsentChange, ConsentEvent, ConsentProvenance } from '../../src/ledger/consent/consent-types';
import { Ledger } from '../../src/ledger/ledger';
import { Subject } from '../../src/ledger/subjects/subject-service';
import { openConcerns } from '../../src/privacy/concerns/create-concerns';
import { forEachBackend, registerSubject } from './support/ledger-backends';

const CHAT: ConsentProvenance = { collectionMethod: 'web_chat', language: 'en' };
const CUSTOMER = { actor: 'customer:test', reason: 'chain test' };

/** The driver error's SQLSTATE, whichever driver raised it. */
function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const { code } = err;
  return typeof code === 'string' ? code : undefined;
}

async function assertAppendOnly(ledger: Ledger, sql: string, params: unknown[], table: string, operation: 'UPDATE' | 'DELETE'): Promise<void> {
  await assert.rejects(ledger.db.query(sql, params), (err: unknown) => {
    assert.equal(sqlState(err), '23000', 'integrity_constraint_violation');
    assert.match((err as Error).message, new RegExp(`ledger table ${table} is append-only: ${operation} refused`));
    return true;
  });
}

/** Runs raw SQL on a table with its append-only trigger switched off, as an attacker with DBA rights would. */
async function behindTheCodesBack(ledger: Ledger, table: 'consent_event' | 'audit_log', sql: string, params: unknown[] = []): Promise<void> {
  await ledger.db.query(`ALTER TABLE ${table} DISABLE TRIGGER ${table}_append_only`);
  try {
    await ledger.db.query(sql, params);
  } finally {
    await ledger.db.query(`ALTER TABLE ${table} ENABLE TRIGGER ${table}_append_only`);
  }
}

/** Five events on one purpose × channel, so the current state points at the last and earlier ones can go. */
async function subjectWithFiveEvents(ledger: Ledger): Promise<{ subject: Subject; events: ConsentEvent[] }> {
  const subject = await registerSubject(ledger);
  const events: ConsentEvent[] = [];
  for (const state of ['given', 'withdrawn', 'given', 'withdrawn', 'given'] as const) {
    events.push(...(await ledger.consent.record(subject.id, [{ purposeId: 'marketing_offers', channel: 'email', state }], CHAT, CUSTOMER)).events);
  }
  return { subject, events };
}

forEachBackend('hash chains', (ctx) => {
  describe('append-only, enforced by the database', () => {
    it('refuses UPDATE and DELETE of consent events and audit entries in raw SQL', async () => {
      const { ledger } = ctx;
      const subject = await registerSubject(ledger);
      const [event] = (await ledger.consent.record(subject.id, [{ purposeId: 'newsletter', channel: 'email', state: 'given' }], CHAT, CUSTOMER)).events;
      await assertAppendOnly(ledger, "UPDATE consent_event SET state = 'withdrawn' WHERE id = $1", [event.id], 'consent_event', 'UPDATE');
      await assertAppendOnly(ledger, 'DELETE FROM consent_event WHERE id = $1', [event.id], 'consent_event', 'DELETE');
      const seq = (await ledger.db.query<{ seq: string }>('SELECT max(seq) AS seq FROM audit_log')).rows[0].seq;
      await assertAppendOnly(ledger, "UPDATE audit_log SET reason = 'nothing happened' WHERE seq = $1", [seq], 'audit_log', 'UPDATE');
      await assertAppendOnly(ledger, 'DELETE FROM audit_log WHERE seq = $1', [seq], 'audit_log', 'DELETE');
      await assertAppendOnly(ledger, 'DELETE FROM audit_log', [], 'audit_log', 'DELETE');
      assert.deepEqual(await ledger.consent.history(subject.id), [event], 'the event is unchanged');
      assert.equal((await ledger.verify()).ok, true);
    });

    it('refuses UPDATE and DELETE of request and concern status history, of verifications and of incident phases', async () => {
      const { ledger } = ctx;
      const subject = await registerSubject(ledger);
      const request = await ledger.requests.open({ subjectId: subject.id, type: 'access', regime: 'gdpr' }, CUSTOMER);
      const { reference } = await (await openConcerns(ledger)).report(
        { subjectId: subject.id, topic: 'use', description: 'odd e-mails', occurred: null, dataCategories: [], dataPhrase: null, contact: null, channel: 'webchat', conversation: null, locale: 'en', timeZone: 'UTC' },
        CUSTOMER,
      );
      const concern = (await ledger.concerns.find(reference))!;
      const verification = await ledger.verifications.record({ subjectId: subject.id, method: 'agent_check', level: 'verified', agent: 'anna', outcome: 'verified' }, CUSTOMER);
      await assertAppendOnly(ledger, "UPDATE data_request_status SET status = 'fulfilled' WHERE request_id = $1", [request.id], 'data_request_status', 'UPDATE');
      await assertAppendOnly(ledger, 'DELETE FROM data_request_status WHERE request_id = $1', [request.id], 'data_request_status', 'DELETE');
      await assertAppendOnly(ledger, "UPDATE concern_status SET reason = 'x' WHERE concern_id = $1", [concern.id], 'concern_status', 'UPDATE');
      await assertAppendOnly(ledger, 'DELETE FROM concern_status WHERE concern_id = $1', [concern.id], 'concern_status', 'DELETE');
      await assertAppendOnly(ledger, "UPDATE verification SET outcome = 'failed' WHERE id = $1", [verification.id], 'verification', 'UPDATE');
      await assertAppendOnly(ledger, 'DELETE FROM verification WHERE id = $1', [verification.id], 'verification', 'DELETE');
      const incident = await (await openConcerns(ledger)).confirmBreach(reference, {}, { actor: 'agent:anna', reason: 'confirmed' });
      await assertAppendOnly(ledger, "UPDATE incident_phase SET actor = 'x' WHERE incident_id = $1", [incident.id], 'incident_phase', 'UPDATE');
      await assertAppendOnly(ledger, 'DELETE FROM incident_phase WHERE incident_id = $1', [incident.id], 'incident_phase', 'DELETE');
    });
  });

  describe('concurrency', () => {
    it('keeps one subject’s chain linear under 50 concurrent writes', async function () {
      const { ledger } = ctx;
      const subject = await registerSubject(ledger);
      const channels = ledger.catalog.get('marketing_offers')?.channels ?? [];
      const writes: ConsentChange[] = Array.from({ length: 50 }, (_, i) => ({ purposeId: 'marketing_offers', channel: channels[i % channels.length], state: i % 3 === 0 ? 'withdrawn' : 'given' }));
      const results = await Promise.all(writes.map((change, i) => ledger.consent.record(subject.id, [change], { ...CHAT, evidence: { write: i } }, { ...CUSTOMER, idempotencyKey: `burst-${subject.id}-${i}` })));
      assert.ok(results.every((r) => !r.replayed && r.events.length === 1));

      const history = await ledger.consent.history(subject.id);
      assert.equal(history.length, 50);
      assert.deepEqual(history.map((e) => e.subjectSeq), Array.from({ length: 50 }, (_, i) => i + 1), 'subject_seq 1..50 without gaps');
      history.forEach((event, i) => assert.equal(event.prevHash, i === 0 ? null : history[i - 1].hash, `prev_hash of event ${i + 1}`));
      assert.deepEqual(new Set(history.map((e) => e.evidence.write)), new Set(writes.map((_, i) => i)), 'every write is in the chain once');
      const head = (await ledger.db.query<{ consent_chain_length: number; consent_chain_head: string }>('SELECT consent_chain_length, consent_chain_head FROM subject WHERE id = $1', [subject.id])).rows[0];
      assert.equal(Number(head.consent_chain_length), 50);
      assert.equal(head.consent_chain_head, history[49].hash);
      assert.equal((await ledger.db.query("SELECT 1 FROM audit_log WHERE entity_id = $1 AND action = 'consent.recorded'", [subject.id])).rows.length, 50);
      const report = await ledger.verify();
      assert.equal(report.ok, true, JSON.stringify(report.broken));
    });

    it('keeps every chain and the audit chain linear when several subjects write at once', async () => {
      const { ledger } = ctx;
      const subjects = await Promise.all(Array.from({ length: 5 }, () => registerSubject(ledger)));
      await Promise.all(
        subjects.flatMap((subject) =>
          Array.from({ length: 10 }, (_, i) => ledger.consent.record(subject.id, [{ purposeId: 'service_updates', channel: i % 2 ? 'sms' : 'push', state: 'given' }], CHAT, CUSTOMER)),
        ),
      );
      for (const subject of subjects) assert.deepEqual((await ledger.consent.history(subject.id)).map((e) => e.subjectSeq), Array.from({ length: 10 }, (_, i) => i + 1));
      const audit = (await ledger.db.query<{ seq: string }>('SELECT seq FROM audit_log ORDER BY seq')).rows.map((r) => Number(r.seq));
      assert.deepEqual(audit, Array.from({ length: audit.length }, (_, i) => i + 1), 'audit seq without gaps');
      const report = await ledger.verify();
      assert.equal(report.ok, true, JSON.stringify(report.broken));
    });
  });

  describe('tampering behind the code’s back', () => {
    it('names the event whose state was changed: hash mismatch', async () => {
      const { ledger } = ctx;
      const { subject, events } = await subjectWithFiveEvents(ledger);
      const third = events[2];
      await behindTheCodesBack(ledger, 'consent_event', "UPDATE consent_event SET state = 'withdrawn' WHERE id = $1", [third.id]);
      const report = await ledger.verify();
      assert.equal(report.ok, false);
      assert.deepEqual(report.broken, { chain: 'consent', owner: subject.id, entry: third.id, position: 3, problem: 'hash mismatch' });
      await behindTheCodesBack(ledger, 'consent_event', 'UPDATE consent_event SET state = $2 WHERE id = $1', [third.id, third.state]);
      assert.equal((await ledger.verify()).ok, true, 'restored, the chain verifies again');
    });

    it('names the event whose occurred_at was moved by one second: hash mismatch', async () => {
      const { ledger } = ctx;
      const { subject, events } = await subjectWithFiveEvents(ledger);
      const third = events[2];
      await behindTheCodesBack(ledger, 'consent_event', "UPDATE consent_event SET occurred_at = occurred_at - interval '1 second' WHERE id = $1", [third.id]);
      assert.deepEqual((await ledger.verify()).broken, { chain: 'consent', owner: subject.id, entry: third.id, position: 3, problem: 'hash mismatch' });
      await behindTheCodesBack(ledger, 'consent_event', 'UPDATE consent_event SET occurred_at = $2 WHERE id = $1', [third.id, third.occurredAt]);
      assert.equal((await ledger.verify()).ok, true);
    });

    it('names the next event when a changed event’s hash was recomputed too: prev_hash mismatch', async () => {
      const { ledger } = ctx;
      const { subject, events } = await subjectWithFiveEvents(ledger);
      const [third, fourth] = [events[2], events[3]];
      const forged = chainHash(third.prevHash, consentHashRecord({ ...third, state: 'withdrawn' }));
      await behindTheCodesBack(ledger, 'consent_event', "UPDATE consent_event SET state = 'withdrawn', hash = $2 WHERE id = $1", [third.id, forged]);
      assert.deepEqual((await ledger.verify()).broken, { chain: 'consent', owner: subject.id, entry: fourth.id, position: 4, problem: 'prev_hash mismatch' });
      await behindTheCodesBack(ledger, 'consent_event', 'UPDATE consent_event SET state = $2, hash = $3 WHERE id = $1', [third.id, third.state, third.hash]);
      assert.equal((await ledger.verify()).ok, true);
    });

    it('names the gap when an event is deleted', async () => {
      const { ledger } = ctx;
      const { subject, events } = await subjectWithFiveEvents(ledger);
      const saved = (await ledger.db.query<Record<string, unknown>>('SELECT * FROM consent_event WHERE id = $1', [events[2].id])).rows[0];
      await behindTheCodesBack(ledger, 'consent_event', 'DELETE FROM consent_event WHERE id = $1', [events[2].id]);
      assert.deepEqual((await ledger.verify()).broken, { chain: 'consent', owner: subject.id, entry: events[3].id, position: 4, problem: 'gap in sequence' });
      await reinsert(ledger, 'consent_event', saved);
      assert.equal((await ledger.verify()).ok, true);
    });

    it('names the head when the last event is deleted', async () => {
      const { ledger } = ctx;
      const subject = await registerSubject(ledger);
      await ledger.consent.record(subject.id, [{ purposeId: 'newsletter', channel: 'email', state: 'given' }], CHAT, CUSTOMER);
      // An older choice recorded last: the current state stays on the first event, so the last one can go.
      const [last] = (await ledger.consent.record(subject.id, [{ purposeId: 'newsletter', channel: 'email', state: 'withdrawn' }], { ...CHAT, occurredAt: new Date('2025-01-01T00:00:00Z') }, CUSTOMER)).events;
      const saved = (await ledger.db.query<Record<string, unknown>>('SELECT * FROM consent_event WHERE id = $1', [last.id])).rows[0];
      await behindTheCodesBack(ledger, 'consent_event', 'DELETE FROM consent_event WHERE id = $1', [last.id]);
      assert.deepEqual((await ledger.verify()).broken, { chain: 'consent', owner: subject.id, entry: 'head', position: 2, problem: 'head mismatch' });
      await reinsert(ledger, 'consent_event', saved);
      assert.equal((await ledger.verify()).ok, true);
    });
  });

  describe('tampering with the audit log', () => {
    it('names the audit entry whose reason or details were changed: hash mismatch', async () => {
      const { ledger } = ctx;
      const { subject } = await subjectWithFiveEvents(ledger);
      const entry = (await ledger.db.query<{ seq: string; reason: string; details: unknown }>("SELECT seq, reason, details FROM audit_log WHERE entity_id = $1 AND action = 'consent.recorded' ORDER BY seq LIMIT 1 OFFSET 2", [subject.id])).rows[0];
      await behindTheCodesBack(ledger, 'audit_log', "UPDATE audit_log SET reason = 'routine maintenance' WHERE seq = $1", [entry.seq]);
      assert.deepEqual((await ledger.verify()).broken, { chain: 'audit', owner: 'global', entry: String(entry.seq), position: Number(entry.seq), problem: 'hash mismatch' });
      await behindTheCodesBack(ledger, 'audit_log', 'UPDATE audit_log SET reason = $2 WHERE seq = $1', [entry.seq, entry.reason]);
      assert.equal((await ledger.verify()).ok, true);

      await behindTheCodesBack(ledger, 'audit_log', `UPDATE audit_log SET details = details || '{"collectionMethod": "agent"}'::jsonb WHERE seq = $1`, [entry.seq]);
      assert.deepEqual((await ledger.verify()).broken, { chain: 'audit', owner: 'global', entry: String(entry.seq), position: Number(entry.seq), problem: 'hash mismatch' });
      await behindTheCodesBack(ledger, 'audit_log', 'UPDATE audit_log SET details = $2 WHERE seq = $1', [entry.seq, canonicalJson(entry.details)]);
      assert.equal((await ledger.verify()).ok, true);
    });

    it('names the gap or the head when audit entries are deleted', async () => {
      const { ledger } = ctx;
      await subjectWithFiveEvents(ledger);
      const rows = (await ledger.db.query<Record<string, unknown> & { seq: string }>('SELECT * FROM audit_log ORDER BY seq DESC LIMIT 2')).rows;
      const [last, beforeLast] = rows;
      await behindTheCodesBack(ledger, 'audit_log', 'DELETE FROM audit_log WHERE seq = $1', [beforeLast.seq]);
      assert.deepEqual((await ledger.verify()).broken, { chain: 'audit', owner: 'global', entry: String(last.seq), position: Number(last.seq), problem: 'gap in sequence' });
      await reinsert(ledger, 'audit_log', beforeLast);
      assert.equal((await ledger.verify()).ok, true);

      await behindTheCodesBack(ledger, 'audit_log', 'DELETE FROM audit_log WHERE seq = $1', [last.seq]);
      assert.deepEqual((await ledger.verify()).broken, { chain: 'audit', owner: 'global', entry: 'head', position: Number(last.seq), problem: 'head mismatch' });
      await reinsert(ledger, 'audit_log', last);
      assert.equal((await ledger.verify()).ok, true);
    });
  });

});

describe('canonical JSON of hash chains', () => {
  it('hashes a canonical form: key order and Dates do not change a hash, any field does', () => {
    const record = { b: 1, a: { d: [1, 'x'], c: null }, at: new Date('2026-11-29T10:00:00Z'), skipped: undefined };
    assert.equal(canonicalJson(record), '{"a":{"c":null,"d":[1,"x"]},"at":"2026-11-29T10:00:00.000Z","b":1}');
    assert.equal(chainHash(null, record), chainHash(null, { at: '2026-11-29T10:00:00.000Z', a: { c: null, d: [1, 'x'] }, b: 1 }));
    assert.notEqual(chainHash(null, record), chainHash(null, { ...record, b: 2 }));
    assert.notEqual(chainHash(null, record), chainHash('0'.repeat(64), record), 'the previous hash is part of the link');
    assert.throws(() => canonicalJson({ n: Number.NaN }), /non-finite/);
  });
});

/** Puts a saved row back exactly as it was (INSERT is allowed on append-only tables). */
async function reinsert(ledger: Ledger, table: string, row: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(row);
  const values = columns.map((c) => (c === 'evidence' || c === 'details' ? canonicalJson(row[c]) : row[c]));
  await ledger.db.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, values);
}
