import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { LedgerError } from '../../src/ledger/ledger-errors';
import { IdentifierHasher, IdentifierKind, maskIdentifier, normalizeIdentifier } from '../../src/ledger/subjects/identifiers';
import { SubjectService } from '../../src/ledger/subjects/subject-service';
import { eventually, hangGuard } from '../support/hang-guard';
import { assertLedgerError, countRows, FIXED_NOW, forEachBackend, registerSubject, TEST_HASH_KEY, untyped } from './support/ledger-backends';

const SYSTEM = { actor: 'system:test', reason: 'subject test' };
const SUBJECT_TABLES = ['subject', 'subject_identifier', 'audit_log'] as const;

/** A unique Italian mobile number, in E.164. */
function newMobile(): string {
  return `+39347${String(randomBytes(3).readUIntBE(0, 3) % 10_000_000).padStart(7, '0')}`;
}

describe('identifier normalisation', () => {
  const same: readonly { kind: IdentifierKind; inputs: string[]; value: string }[] = [
    { kind: 'email', inputs: ['maria.rossi@example.com', 'Maria.Rossi@Example.COM', '  MARIA.ROSSI@EXAMPLE.COM\t'], value: 'maria.rossi@example.com' },
    { kind: 'phone', inputs: ['+39 347 1234567', '0039 347 1234567', '00393471234567', '347 123 4567', '3471234567', '+39 (347) 123-4567', '+393471234567'], value: '+393471234567' },
    { kind: 'phone', inputs: ['+44 20 7946 0958', '0044 20 7946 0958'], value: '+442079460958' },
    { kind: 'customer_number', inputs: ['ab-12345', ' AB-12345 ', 'Ab-12345'], value: 'AB-12345' },
    { kind: 'aad_object_id', inputs: ['6F1C2A3B-0000-4D5E-8F90-1A2B3C4D5E6F', ' 6f1c2a3b-0000-4d5e-8f90-1a2b3c4d5e6f '], value: '6f1c2a3b-0000-4d5e-8f90-1a2b3c4d5e6f' },
  ];
  for (const row of same) {
    it(`gives every way of writing a ${row.kind} one canonical form (${row.value})`, () => {
      for (const input of row.inputs) assert.deepEqual(normalizeIdentifier(row.kind, input), { kind: row.kind, value: row.value }, input);
    });
  }

  const malformed: readonly { kind: IdentifierKind; input: string }[] = [
    { kind: 'email', input: 'maria.rossi@' },
    { kind: 'email', input: 'maria rossi@example.com' },
    { kind: 'email', input: 'maria.rossi@example' },
    { kind: 'phone', input: '12' },
    { kind: 'phone', input: 'call me' },
    { kind: 'phone', input: '+39 000' },
    { kind: 'customer_number', input: 'x' },
    { kind: 'customer_number', input: 'AB/12345' },
    { kind: 'aad_object_id', input: 'not-a-guid' },
  ];
  for (const row of malformed) {
    it(`refuses the malformed ${row.kind} "${row.input}", naming the kind`, () => {
      assert.throws(() => normalizeIdentifier(row.kind, row.input), (err: unknown) => {
        assert.ok(err instanceof LedgerError);
        assert.equal(err.code, 'PSB_LEDGER_INVALID_INPUT');
        assert.match(err.message, new RegExp(`^malformed ${row.kind}: expected`));
        assert.equal(err.details.field, row.kind);
        assert.ok(!err.message.includes(`"${row.input}"`), 'the message does not quote the input');
        return true;
      });
    });
  }

  it('refuses an unknown identifier kind', () => {
    assert.throws(() => normalizeIdentifier(untyped('passport'), 'X1'), /unknown identifier kind "passport"/);
  });

  it('masks identifiers for agents', () => {
    assert.equal(maskIdentifier({ kind: 'email', value: 'maria.rossi@example.com' }), 'm***@example.com');
    assert.equal(maskIdentifier({ kind: 'phone', value: '+393471234567' }), '+39******67');
  });

  it('refuses a hash key shorter than 16 characters', () => {
    assert.throws(() => new IdentifierHasher('short'), /at least 16 characters/);
  });
});

forEachBackend('subjects', (ctx) => {
  it('registers a person and finds them by any identifier, written any way', async () => {
    const { ledger } = ctx;
    const local = `anna.${randomUUID().slice(0, 8)}`;
    const mobile = newMobile();
    const number = `C-${randomUUID().slice(0, 8).toUpperCase()}`;
    const aad = randomUUID().toUpperCase();
    const subject = await ledger.subjects.register(
      { identifiers: [{ kind: 'email', value: `${local}@Example.com` }, { kind: 'phone', value: mobile.replace('+39', '0039 ') }, { kind: 'customer_number', value: number.toLowerCase() }, { kind: 'aad_object_id', value: aad }], regime: 'gdpr', preferredLocale: 'it' },
      SYSTEM,
    );
    assert.deepEqual(subject, { id: subject.id, regime: 'gdpr', preferredLocale: 'it', createdAt: FIXED_NOW });
    const national = mobile.slice(3);
    const lookups: [IdentifierKind, string][] = [
      ['email', `${local.toUpperCase()}@EXAMPLE.COM`],
      ['email', ` ${local}@example.com `],
      ['phone', mobile],
      ['phone', `+39 ${national.slice(0, 3)} ${national.slice(3)}`],
      ['phone', `${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}`],
      ['phone', `0039${national}`],
      ['customer_number', number],
      ['aad_object_id', aad.toLowerCase()],
    ];
    for (const [kind, value] of lookups) assert.deepEqual(await ledger.subjects.find(kind, value), subject, `${kind} ${value}`);
    assert.deepEqual(await ledger.subjects.identifiersOf(subject.id), [
      { kind: 'aad_object_id', value: aad.toLowerCase() },
      { kind: 'customer_number', value: number },
      { kind: 'email', value: `${local}@example.com` },
      { kind: 'phone', value: mobile },
    ]);
    assert.deepEqual(await ledger.subjects.byId(subject.id), subject);
    const audit = (await ledger.db.query<{ action: string; details: { identifierKinds: string[] } }>('SELECT action, details FROM audit_log WHERE entity_id = $1', [subject.id])).rows;
    assert.deepEqual(audit.map((a) => a.action), ['subject.registered']);
    assert.ok(!JSON.stringify(audit).includes(local), 'the audit log names identifier kinds, not values');
  });

  it('does not find someone who is not there; require() says so', async () => {
    const { ledger } = ctx;
    assert.equal(await ledger.subjects.find('email', 'nobody@example.com'), undefined);
    assert.equal(await ledger.subjects.byId(randomUUID()), undefined);
    await assertLedgerError(ledger.subjects.require('phone', '+39 347 000 0000'), 'PSB_LEDGER_UNKNOWN_SUBJECT', /no subject has this phone/);
    await assertLedgerError(ledger.subjects.find('email', 'not an email'), 'PSB_LEDGER_INVALID_INPUT', /malformed email/);
  });

  it('returns the existing subject when one of the identifiers is already known', async () => {
    const { ledger } = ctx;
    const mobile = newMobile();
    const first = await ledger.subjects.register({ identifiers: [{ kind: 'phone', value: mobile }], regime: 'gdpr' }, SYSTEM);
    const before = await countRows(ledger, SUBJECT_TABLES);
    const national = mobile.slice(3);
    const again = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: `new-${randomUUID()}@example.com` }, { kind: 'phone', value: `${national.slice(0, 3)} ${national.slice(3)}` }], regime: 'gdpr' }, SYSTEM);
    assert.equal(again.id, first.id);
    assert.deepEqual(await countRows(ledger, SUBJECT_TABLES), before, 'no second subject, identifier or audit entry');
  });

  it('gives one subject when the same person registers twice at once', async () => {
    const { ledger } = ctx;
    const input = { identifiers: [{ kind: 'email' as const, value: `twice-${randomUUID()}@example.com` }], regime: 'gdpr' as const };
    let registered!: () => void;
    let release!: () => void;
    const inFirst = new Promise<void>((resolve) => (registered = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The first registration is written but not yet committed when the second one starts.
    let firstPid = 0;
    const first = ledger.db.transaction(async (tx) => {
      const subject = await ledger.subjects.register(input, SYSTEM, tx);
      firstPid = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      registered();
      await gate;
      return subject;
    });
    await inFirst;
    // The event that proves the race is set: the second registration opened its transaction...
    const transaction = ledger.db.transaction;
    let opened!: () => void;
    const secondOpened = new Promise<void>((resolve) => (opened = resolve));
    ledger.db.transaction = (work) => {
      opened();
      return transaction(work);
    };
    let second: Promise<string>;
    try {
      second = ledger.subjects.register(input, SYSTEM).then(
        (subject) => subject.id,
        (err: unknown) => `rejected: ${String(err)}`,
      );
      await hangGuard(secondOpened, 'the second registration opening its transaction', 10_000);
    } finally {
      ledger.db.transaction = transaction;
    }
    // ...and waits behind the first: on PostgreSQL a backend shows up blocked by the first one's locks.
    // On PGlite (one connection) its statements can only queue behind the open transaction, so there
    // the second runs after the first committed: this proves the "already registered" answer, not a
    // lock race, which only the PostgreSQL run shows.
    if (ledger.db.backend === 'postgresql') {
      const blockedByFirst = async (): Promise<boolean> =>
        Number((await ledger.db.query<{ n: string | number }>('SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [firstPid])).rows[0].n) > 0;
      await eventually(blockedByFirst, "the second registration waiting on the first's locks", 10_000);
    }
    release();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(b, a.id);
    assert.equal((await ledger.db.query('SELECT 1 FROM subject_identifier WHERE subject_id = $1', [a.id])).rows.length, 1);
  });

  it('looks identifiers up by a keyed hash only: another key finds nothing, a plain hash is not stored', async () => {
    const { ledger } = ctx;
    const email = `keyed-${randomUUID()}@example.com`;
    const subject = await registerSubject(ledger, email);
    const stored = (await ledger.db.query<{ lookup_hash: string }>("SELECT lookup_hash FROM subject_identifier WHERE subject_id = $1 AND kind = 'email'", [subject.id])).rows[0].lookup_hash;
    assert.equal(stored, createHmac('sha256', TEST_HASH_KEY).update(`email:${email}`).digest('hex'), 'HMAC-SHA256 of kind:value under LEDGER_HASH_KEY');
    assert.notEqual(stored, createHash('sha256').update(email).digest('hex'));
    assert.notEqual(stored, createHash('sha256').update(`email:${email}`).digest('hex'));
    const otherKey = new SubjectService(ledger.db, new IdentifierHasher('a-different-key-0123456789'), ctx.clock.now, ledger.cipher);
    assert.equal(await otherKey.find('email', email), undefined, 'a different key finds nothing');
    const sameKey = new SubjectService(ledger.db, new IdentifierHasher(TEST_HASH_KEY), ctx.clock.now, ledger.cipher);
    assert.equal((await sameKey.find('email', email))?.id, subject.id);
  });

  describe('refuses a bad registration and writes nothing', () => {
    const rows: readonly { why: string; identifiers: { kind: IdentifierKind; value: string }[]; regime?: string; message: RegExp; field: string }[] = [
      { why: 'a malformed phone beside a good e-mail', identifiers: [{ kind: 'email', value: 'good@example.com' }, { kind: 'phone', value: '12345' }], message: /malformed phone/, field: 'phone' },
      { why: 'a malformed e-mail', identifiers: [{ kind: 'email', value: 'maria@' }], message: /malformed email/, field: 'email' },
      { why: 'no identifier', identifiers: [], message: /a subject needs at least one identifier/, field: 'identifiers' },
      { why: 'an unknown regime', identifiers: [{ kind: 'email', value: 'good@example.com' }], regime: 'hipaa', message: /unknown regime "hipaa"/, field: 'regime' },
    ];
    for (const row of rows) {
      it(`refuses ${row.why}`, async () => {
        const { ledger } = ctx;
        const before = await countRows(ledger, SUBJECT_TABLES);
        const err = await assertLedgerError(ledger.subjects.register({ identifiers: row.identifiers, regime: untyped(row.regime ?? 'gdpr') }, SYSTEM), 'PSB_LEDGER_INVALID_INPUT', row.message);
        assert.equal(err.details.field, row.field);
        assert.deepEqual(await countRows(ledger, SUBJECT_TABLES), before);
      });
    }
  });

  describe('verifications', () => {
    it('records who verified whom, how and when, with an audit entry; the same key records once', async () => {
      const { ledger } = ctx;
      const subject = await registerSubject(ledger);
      const context = { actor: 'agent:anna', reason: 'checked identity on the phone', idempotencyKey: `verify-${randomUUID()}` };
      const input = { subjectId: subject.id, method: 'agent_check', level: 'verified', agent: 'anna', outcome: 'verified', notes: 'asked two questions' } as const;
      const recorded = await ledger.verifications.record(input, context);
      assert.deepEqual(recorded, { ...input, id: recorded.id, at: FIXED_NOW });
      ctx.clock.advance(60_000);
      assert.deepEqual(await ledger.verifications.record(input, context), recorded, 'a replay returns the first record');
      assert.deepEqual(await ledger.verifications.forSubject(subject.id), [recorded]);
      const audit = (await ledger.db.query<{ action: string }>('SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY seq', [subject.id])).rows.map((r) => r.action);
      assert.deepEqual(audit, ['subject.registered', 'verification.recorded']);
    });

    it('refuses an agent check without the agent, and an unknown subject, writing nothing', async () => {
      const { ledger } = ctx;
      const subject = await registerSubject(ledger);
      const before = await countRows(ledger, ['verification', 'audit_log']);
      await assertLedgerError(ledger.verifications.record({ subjectId: subject.id, method: 'agent_check', level: 'verified', outcome: 'verified' }, SYSTEM), 'PSB_LEDGER_INVALID_INPUT', /an agent check names the agent/);
      await assertLedgerError(ledger.verifications.record({ subjectId: subject.id, method: untyped('selfie'), level: 'verified', outcome: 'verified' }, SYSTEM), 'PSB_LEDGER_INVALID_INPUT', /unknown verification method "selfie"/);
      await assertLedgerError(ledger.verifications.record({ subjectId: randomUUID(), method: 'channel_authenticated', level: 'verified', outcome: 'verified' }, SYSTEM), 'PSB_LEDGER_UNKNOWN_SUBJECT', /no subject with this id/);
      assert.deepEqual(await countRows(ledger, ['verification', 'audit_log']), before);
    });
  });
});
