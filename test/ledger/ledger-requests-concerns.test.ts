import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { computeRequestDeadlines } from '../../src/privacy/clocks/deadlines';
import { ConcernService } from '../../src/privacy/concerns/concern-service';
import type { NewConcern } from '../../src/privacy/concerns/concern-types';
import { openConcerns } from '../../src/privacy/concerns/create-concerns';
import { RequestStatus } from '../../src/ledger/requests/request-service';
import { assertLedgerError, countRows, FIXED_NOW, forEachBackend, registerSubject, untyped } from './support/ledger-backends';

const CUSTOMER = { actor: 'customer:test', reason: 'asked in chat' };
const AGENT = { actor: 'agent:anna', reason: 'case work' };
const HOUR_MS = 60 * 60 * 1000;
const REQUEST_TABLES = ['data_request', 'data_request_status', 'audit_log'] as const;
const CONCERN_TABLES = ['concern', 'concern_status', 'audit_log', 'webhook_delivery', 'concern_message'] as const;
const SYMBOL = '[0-9A-HJKMNP-TV-Z]';

/** The same reference with a different, valid-looking check symbol. */
function withWrongCheck(reference: string): string {
  const check = reference.slice(-1);
  return `${reference.slice(0, -1)}${check === 'A' ? 'B' : 'A'}`;
}

forEachBackend('data-subject requests', (ctx) => {
  it('opens a GDPR access request with the clocks computed from the receipt instant', async () => {
    const { ledger } = ctx;
    const subject = await registerSubject(ledger);
    const receivedAt = new Date('2027-01-31T10:00:00.000Z');
    const request = await ledger.requests.open({ subjectId: subject.id, type: 'access', regime: 'gdpr', receivedAt }, CUSTOMER);
    const clocks = computeRequestDeadlines({ regime: 'gdpr', type: 'access', receivedAt });
    assert.match(request.reference, new RegExp(`^PRV-2027-${SYMBOL}{6}-${SYMBOL}$`));
    assert.deepEqual(request, {
      id: request.id,
      reference: request.reference,
      subjectId: subject.id,
      type: 'access',
      regime: 'gdpr',
      receivedAt,
      acknowledgeBy: null,
      dueAt: clocks.due,
      extendedDueAt: clocks.extendedDue,
      extensionReason: null,
      status: 'received',
      blockedReason: null,
      channel: null,
      conversation: null,
      locale: null,
      timeZone: null,
      categories: null,
      contactKind: null,
      history: [{ status: 'received', reason: null, actor: CUSTOMER.actor, at: receivedAt }],
    });
    // 31 January + 1 month = 28 February, to the end of that day in Brussels; extension to 30 April (CEST).
    assert.equal(request.dueAt.toISOString(), '2027-02-28T22:59:59.999Z');
    assert.equal(request.extendedDueAt?.toISOString(), '2027-04-30T21:59:59.999Z');
    const audit = (await ledger.db.query<{ action: string; details: { reference: string; due: string } }>('SELECT action, details FROM audit_log WHERE entity_id = $1', [request.id])).rows;
    assert.deepEqual(audit, [{ action: 'request.opened', details: { reference: request.reference, type: 'access', regime: 'gdpr', due: '2027-02-28T22:59:59.999Z', status: 'received' } }]);
  });

  it('takes the receipt instant from the clock, and sets acknowledge-by where the law has one (CCPA)', async () => {
    const { ledger } = ctx;
    const request = await ledger.requests.open({ type: 'access', regime: 'ccpa' }, CUSTOMER);
    const clocks = computeRequestDeadlines({ regime: 'ccpa', type: 'access', receivedAt: FIXED_NOW });
    assert.deepEqual([request.receivedAt, request.acknowledgeBy, request.dueAt, request.extendedDueAt], [FIXED_NOW, clocks.acknowledgeBy, clocks.due, clocks.extendedDue]);
    assert.ok(request.acknowledgeBy, 'CCPA: confirm receipt within 10 business days');
    assert.equal(request.subjectId, null);
    assert.match(request.reference, /^PRV-2026-/);
  });

  it('moves through allowed statuses, keeping the whole history in order', async () => {
    const { ledger, clock } = ctx;
    const request = await ledger.requests.open({ type: 'access', regime: 'gdpr' }, CUSTOMER);
    const steps: [RequestStatus, string | null][] = [['awaiting_verification', null], ['verified', 'agent checked the phone number'], ['in_progress', null], ['blocked', 'the orders system keeps failing'], ['in_progress', null], ['awaiting_review', null], ['fulfilled', null]];
    for (const [status, reason] of steps) {
      clock.advance(HOUR_MS);
      const moved = await ledger.requests.changeStatus(request.reference, status, reason, AGENT);
      assert.equal(moved.status, status);
    }
    const found = await ledger.requests.find(request.reference);
    assert.deepEqual(found?.history, [
      { status: 'received', reason: null, actor: CUSTOMER.actor, at: FIXED_NOW },
      ...steps.map(([status, reason], i) => ({ status, reason, actor: AGENT.actor, at: new Date(FIXED_NOW.getTime() + (i + 1) * HOUR_MS) })),
    ]);
    const audit = (await ledger.db.query<{ details: { from: string; to: string } }>("SELECT details FROM audit_log WHERE entity_id = $1 AND action = 'request.status' ORDER BY seq", [request.id])).rows;
    assert.deepEqual(audit.map((a) => `${a.details.from}→${a.details.to}`), ['received→awaiting_verification', 'awaiting_verification→verified', 'verified→in_progress', 'in_progress→blocked', 'blocked→in_progress', 'in_progress→awaiting_review', 'awaiting_review→fulfilled']);
  });

  it('refuses transitions the process does not allow, saying which are, and writes nothing', async () => {
    const { ledger } = ctx;
    const request = await ledger.requests.open({ type: 'access', regime: 'gdpr' }, CUSTOMER);
    let before = await countRows(ledger, REQUEST_TABLES);
    await assertLedgerError(ledger.requests.changeStatus(request.reference, 'fulfilled', null, AGENT), 'PSB_LEDGER_INVALID_INPUT', /a received request cannot become fulfilled \(allowed: awaiting_verification, verified, in_progress, rejected, withdrawn\)/);
    await assertLedgerError(ledger.requests.changeStatus(request.reference, untyped('archived'), null, AGENT), 'PSB_LEDGER_INVALID_INPUT', /cannot become archived/);
    await assertLedgerError(ledger.requests.changeStatus('PRV-2026-000000-0', 'verified', null, AGENT), 'PSB_LEDGER_INVALID_INPUT', /no request with this reference/);
    assert.deepEqual(await countRows(ledger, REQUEST_TABLES), before);
    await ledger.requests.changeStatus(request.reference, 'withdrawn', 'customer changed their mind', CUSTOMER);
    before = await countRows(ledger, REQUEST_TABLES);
    await assertLedgerError(ledger.requests.changeStatus(request.reference, 'in_progress', null, AGENT), 'PSB_LEDGER_INVALID_INPUT', /a withdrawn request cannot become in_progress \(allowed: none\)/);
    assert.deepEqual(await countRows(ledger, REQUEST_TABLES), before);
    assert.equal((await ledger.requests.find(request.reference))?.status, 'withdrawn');
  });

  it('needs a reason to reject (or block, or extend), and keeps it', async () => {
    const { ledger } = ctx;
    const request = await ledger.requests.open({ type: 'access', regime: 'gdpr' }, CUSTOMER);
    const before = await countRows(ledger, REQUEST_TABLES);
    for (const reason of [null, '', '   ']) {
      await assertLedgerError(ledger.requests.changeStatus(request.reference, 'rejected', reason, AGENT), 'PSB_LEDGER_INVALID_INPUT', /rejected needs a reason \(the customer is told it\)/);
    }
    await ledger.requests.changeStatus(request.reference, 'verified', null, AGENT);
    await assertLedgerError(ledger.requests.changeStatus(request.reference, 'extended', 'slow archive', AGENT), 'PSB_LEDGER_INVALID_INPUT', /extended is not a status/);
    await assertLedgerError(ledger.db.transaction((tx) => ledger.requests.recordExtension(tx, request.reference, '  ', AGENT)), 'PSB_LEDGER_INVALID_INPUT', /an extension needs a reason/);
    assert.equal((await countRows(ledger, REQUEST_TABLES)).data_request_status, before.data_request_status + 1, 'only the verified step was written');
    const rejected = await ledger.requests.changeStatus(request.reference, 'rejected', 'manifestly unfounded: repeated request', AGENT);
    assert.equal(rejected.status, 'rejected');
    assert.deepEqual(rejected.history.at(-1)?.reason, 'manifestly unfounded: repeated request');
    assert.deepEqual(rejected.history.map((h) => h.status), ['received', 'verified', 'rejected'], 'earlier entries stay as they were');
  });

  it('finds a request by the reference as a customer types it, and not with a wrong check symbol', async () => {
    const { ledger } = ctx;
    const request = await ledger.requests.open({ type: 'access', regime: 'gdpr', receivedAt: new Date('2027-03-02T09:00:00Z') }, CUSTOMER);
    const typed = [request.reference, request.reference.toLowerCase(), request.reference.replace(/-/g, ' '), ` ${request.reference.toLowerCase().replace(/-/g, ' ')} `, request.reference.replace(/-/g, ''), request.reference.replace(/0/g, 'o')];
    for (const text of typed) assert.equal((await ledger.requests.find(text))?.id, request.id, text);
    assert.equal(await ledger.requests.find(withWrongCheck(request.reference)), undefined);
    assert.equal(await ledger.requests.find('PRV-2027-ZZZZZZ'), undefined);
    assert.equal(await ledger.requests.find('my request from Monday'), undefined);
  });

  it('opens once per idempotency key', async () => {
    const { ledger, clock } = ctx;
    const context = { ...CUSTOMER, idempotencyKey: `activity-${randomUUID()}` };
    const first = await ledger.requests.open({ type: 'access', regime: 'gdpr' }, context);
    const before = await countRows(ledger, REQUEST_TABLES);
    clock.advance(HOUR_MS);
    assert.deepEqual(await ledger.requests.open({ type: 'access', regime: 'gdpr' }, context), first);
    assert.deepEqual(await countRows(ledger, REQUEST_TABLES), before);
  });

  it('refuses an unknown subject, regime or type, writing nothing', async () => {
    const { ledger } = ctx;
    const before = await countRows(ledger, REQUEST_TABLES);
    await assertLedgerError(ledger.requests.open({ subjectId: randomUUID(), type: 'access', regime: 'gdpr' }, CUSTOMER), 'PSB_LEDGER_UNKNOWN_SUBJECT', /no subject with this id/);
    await assertLedgerError(ledger.requests.open({ type: 'access', regime: untyped('hipaa') }, CUSTOMER), 'PSB_LEDGER_INVALID_INPUT', /unknown regime "hipaa"/);
    await assertLedgerError(ledger.requests.open({ type: untyped('erasure-of-everything'), regime: 'gdpr' }, CUSTOMER), 'PSB_LEDGER_INVALID_INPUT', /unknown request type "erasure-of-everything"/);
    assert.deepEqual(await countRows(ledger, REQUEST_TABLES), before);
  });

  it('lists a subject’s requests in order of receipt', async () => {
    const { ledger } = ctx;
    const subject = await registerSubject(ledger);
    const later = await ledger.requests.open({ subjectId: subject.id, type: 'access', regime: 'gdpr', receivedAt: new Date('2026-11-20T00:00:00Z') }, CUSTOMER);
    // One open access request per subject: the first is answered before the second is asked.
    await ledger.requests.changeStatus(later.reference, 'withdrawn', 'customer changed their mind', CUSTOMER);
    const earlier = await ledger.requests.open({ subjectId: subject.id, type: 'access', regime: 'gdpr', receivedAt: new Date('2026-11-01T00:00:00Z') }, CUSTOMER);
    assert.deepEqual((await ledger.requests.forSubject(subject.id)).map((r) => r.id), [earlier.id, later.id]);
  });

  it('gives back the open request when the subject asks again, also when two ask at once, and writes nothing more', async () => {
    const { ledger } = ctx;
    const subject = await registerSubject(ledger);
    const first = await ledger.requests.openOrReuse({ subjectId: subject.id, type: 'access', regime: 'gdpr', startAs: 'in_progress', channel: 'webchat', locale: 'it', timeZone: 'Europe/Rome', categories: ['orders'] }, CUSTOMER);
    assert.equal(first.reused, false);
    assert.deepEqual([first.request.status, first.request.channel, first.request.locale, first.request.timeZone, first.request.categories], ['in_progress', 'webchat', 'it', 'Europe/Rome', ['orders']]);
    assert.deepEqual(first.request.history.map((h) => h.status), ['received', 'verified', 'in_progress']);
    const before = await countRows(ledger, REQUEST_TABLES);
    const again = await Promise.all([1, 2].map(() => ledger.requests.openOrReuse({ subjectId: subject.id, type: 'access', regime: 'gdpr' }, CUSTOMER)));
    assert.deepEqual(again.map((o) => [o.reused, o.request.reference]), [[true, first.request.reference], [true, first.request.reference]]);
    assert.deepEqual(await countRows(ledger, REQUEST_TABLES), before);
  });

  it('lets only one of two simultaneous first requests of a subject open a case', async () => {
    const { ledger } = ctx;
    const subject = await registerSubject(ledger);
    const both = await Promise.all([1, 2].map(() => ledger.requests.openOrReuse({ subjectId: subject.id, type: 'access', regime: 'gdpr', startAs: 'in_progress' }, CUSTOMER)));
    assert.equal(new Set(both.map((o) => o.request.reference)).size, 1, 'both callers hold the same case');
    assert.deepEqual(both.map((o) => o.reused).sort(), [false, true]);
    assert.equal((await ledger.requests.forSubject(subject.id)).length, 1);
  });
});

forEachBackend('concerns', (ctx) => {
  const base: NewConcern = {
    subjectId: null,
    topic: 'breach',
    description: 'Someone else got my invoice',
    occurred: null,
    dataCategories: [],
    dataPhrase: null,
    contact: null,
    channel: 'webchat',
    conversation: null,
    locale: 'en',
    timeZone: 'Europe/Rome',
  };
  const concerns = (): Promise<ConcernService> => openConcerns(ctx.ledger, { now: ctx.clock.now });

  it('stores the description sealed: neither it nor the addresses in it are in the table', async () => {
    const { ledger } = ctx;
    const description = 'My invoice went to maria.rossi@example.com and they called me on +39 347 123 4567 about it.';
    const { reference } = await (await concerns()).report({ ...base, description }, CUSTOMER);
    const stored = (await ledger.db.query<{ row: string }>('SELECT c::text AS row FROM concern c WHERE reference = $1', [reference])).rows[0].row;
    // Letters a hex dump of the seal cannot hold (its digits may match a phone number by chance).
    assert.ok(!/maria|rossi|example\.com|invoice|called/.test(stored), stored);
    assert.equal((await (await concerns()).show(reference, AGENT)).description, description, 'the privacy team reads it whole');
  });

  it('runs the authority deadline of a confirmed breach 72 hours exactly from awareness', async () => {
    const { clock } = ctx;
    const service = await concerns();
    const { reference } = await service.report({ ...base, occurred: { at: new Date('2026-11-27T18:00:00Z'), phrase: 'ieri sera verso le sette' } }, CUSTOMER);
    const awarenessAt = new Date('2026-11-28T09:15:30.250Z');
    const incident = await service.confirmBreach(reference, { awarenessAt, awarenessReason: 'the invoice run was checked the day before' }, AGENT);
    const gdpr = incident.clocks.find((c) => c.regime === 'gdpr');
    assert.equal(gdpr?.dueAt?.toISOString(), '2026-12-01T09:15:30.250Z');
    assert.equal((gdpr?.dueAt?.getTime() ?? 0) - awarenessAt.getTime(), 72 * HOUR_MS);
    const [concern] = (await service.list({ includeClosed: true })).filter((c) => c.reference === reference);
    assert.deepEqual([concern.occurred?.at?.toISOString(), concern.occurred?.phrase], ['2026-11-27T18:00:00.000Z', 'ieri sera verso le sette']);
    assert.deepEqual([concern.reportedAt, concern.state, concern.suspectedBreach, concern.awarenessAt], [clock.now(), 'confirmed_breach', true, awarenessAt]);
    assert.match(reference, new RegExp(`^CNC-2026-${SYMBOL}{6}-${SYMBOL}$`));
    assert.deepEqual(concern.history.map((h) => [h.state, h.actor]), [['reported', CUSTOMER.actor], ['confirmed_breach', AGENT.actor]]);
    const actions = (await ctx.ledger.db.query<{ action: string }>('SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY seq', [concern.id])).rows.map((r) => r.action);
    assert.deepEqual(actions, ['concern.reported', 'concern.confirmed']);
  });

  it('counts the 72 hours as real time across a clock change, from the confirmation when awareness is not given', async () => {
    const { clock } = ctx;
    clock.set('2026-10-23T12:00:00.000Z'); // Europe changes to winter time on 25 October
    const service = await concerns();
    const { reference } = await service.report(base, CUSTOMER);
    const incident = await service.confirmBreach(reference, {}, AGENT);
    assert.equal(incident.awarenessAt.toISOString(), '2026-10-23T12:00:00.000Z');
    assert.equal(incident.clocks.find((c) => c.regime === 'gdpr')?.dueAt?.toISOString(), '2026-10-26T12:00:00.000Z');
  });

  it('sets no awareness and raises no DPO alert when no breach is suspected', async () => {
    const service = await concerns();
    const receipt = await service.report({ ...base, topic: 'use', description: 'Too many SMS' }, CUSTOMER);
    assert.equal(receipt.suspectedBreach, false);
    const concern = await service.find(receipt.reference);
    assert.equal(concern?.awarenessAt, null);
    assert.equal(concern?.dpoAlert, null);
  });

  it('reports once per idempotency key and lists a subject’s concerns', async () => {
    const { ledger } = ctx;
    const service = await concerns();
    const subject = await registerSubject(ledger);
    const context = { ...CUSTOMER, idempotencyKey: `activity-${randomUUID()}` };
    const first = await service.report({ ...base, subjectId: subject.id }, context);
    const before = await countRows(ledger, CONCERN_TABLES);
    assert.deepEqual(await service.report({ ...base, subjectId: subject.id }, context), first);
    assert.deepEqual(await countRows(ledger, CONCERN_TABLES), before);
    assert.deepEqual((await ledger.concerns.forSubject(subject.id)).map((c) => c.reference), [first.reference]);
  });

  describe('refuses bad input and writes nothing', () => {
    const rows: readonly { why: string; input: Partial<NewConcern>; code: 'PSB_LEDGER_INVALID_INPUT' | 'PSB_LEDGER_UNKNOWN_SUBJECT'; message: RegExp }[] = [
      { why: 'an unknown topic', input: { topic: untyped('gossip') }, code: 'PSB_LEDGER_INVALID_INPUT', message: /topic must be one of breach, use, answer, other/ },
      { why: 'an empty description', input: { description: '  ' }, code: 'PSB_LEDGER_INVALID_INPUT', message: /a concern needs a description/ },
      { why: 'an unknown subject', input: { subjectId: randomUUID() }, code: 'PSB_LEDGER_UNKNOWN_SUBJECT', message: /no subject with this id/ },
    ];
    for (const row of rows) {
      it(`refuses ${row.why}`, async () => {
        const { ledger } = ctx;
        const before = await countRows(ledger, CONCERN_TABLES);
        await assertLedgerError((await concerns()).report({ ...base, ...row.input }, CUSTOMER), row.code, row.message);
        assert.deepEqual(await countRows(ledger, CONCERN_TABLES), before);
      });
    }
  });
});
