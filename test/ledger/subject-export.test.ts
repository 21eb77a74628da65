import assert from 'node:assert/strict';
import { isAppError } from '../../src/errors/app-error';
import { exportSubject, SUBJECT_EXPORT_FORMAT, SubjectExport } from '../../src/ledger/export/subject-export';
import { Ledger } from '../../src/ledger/ledger';
import { Subject } from '../../src/ledger/subjects/subject-service';
import { openConcerns } from '../../src/privacy/concerns/create-concerns';
import { FIXED_NOW, forEachBackend } from './support/ledger-backends';

forEachBackend('subject export', (ctx) => {
  let ledger: Ledger;
  const tick = (): void => ctx.clock.advance(60_000);
  let generatedAt: Date;
  let maria: Subject;
  let other: Subject;
  let requestId: string;
  let concernId: string;
  let incidentReference: string;
  let exported: SubjectExport;

  before(async () => {
    ledger = ctx.ledger;
    const context = { actor: 'system:test', reason: 'export test' };
    maria = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: 'Maria.Bianchi@example.com' }, { kind: 'phone', value: '+39 347 765 4321' }], regime: 'gdpr', preferredLocale: 'it' }, context);
    other = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: 'someone.else@example.com' }], regime: 'ccpa', preferredLocale: 'en' }, context);
    tick();
    await ledger.consent.record(maria.id, [{ purposeId: 'newsletter', channel: 'email', state: 'given' }, { purposeId: 'marketing_offers', channel: 'sms', state: 'given' }], { collectionMethod: 'api', language: 'it', occurredAt: new Date('2026-01-10T10:00:00Z') }, context);
    tick();
    await ledger.consent.record(maria.id, [{ purposeId: 'marketing_offers', channel: 'sms', state: 'withdrawn' }], { collectionMethod: 'web_chat', language: 'it', conversationId: 'conv-1', evidence: { activityId: 'a1' } }, { actor: `customer:${maria.id}`, reason: 'customer withdrew consent in chat' });
    await ledger.consent.record(other.id, [{ purposeId: 'newsletter', channel: 'email', state: 'given' }], { collectionMethod: 'api', language: 'en' }, context);
    tick();
    const request = await ledger.requests.open({ subjectId: maria.id, type: 'access', regime: 'gdpr' }, context);
    requestId = request.id;
    tick();
    await ledger.requests.changeStatus(request.reference, 'awaiting_verification', null, { actor: 'system:bot', reason: 'identity check needed' });
    await ledger.requests.open({ subjectId: other.id, type: 'access', regime: 'ccpa' }, context);
    tick();
    await ledger.verifications.record({ subjectId: maria.id, method: 'agent_check', level: 'verified', outcome: 'verified', agent: 'agent.luca', notes: 'matched order number' }, { actor: 'agent:agent.luca', reason: 'handoff verification' });
    tick();
    const concerns = await openConcerns(ledger, { now: ctx.clock.now });
    const report = { topic: 'breach', occurred: { at: null, phrase: 'last week' }, dataCategories: ['newsletter'], dataPhrase: 'my address', contact: null, channel: 'webchat', conversation: null, locale: 'it', timeZone: 'Europe/Rome' } as const;
    const concern = await concerns.report({ ...report, subjectId: maria.id, description: 'I got a letter meant for someone else' }, context);
    concernId = (await ledger.concerns.find(concern.reference))!.id;
    // Someone else's report, merged into the same incident: never in Maria's copy.
    const otherConcern = await concerns.report({ ...report, subjectId: other.id, description: 'A stranger wrote to me about Maria' }, context);
    tick();
    const incident = await concerns.confirmBreach(concern.reference, { title: 'Letters sent to the wrong people' }, { actor: 'agent:dpo', reason: 'letter copy received' });
    await concerns.mergeInto(otherConcern.reference, incident.reference, { actor: 'agent:dpo', reason: 'same letters' });
    await concerns.addPhase(incident.reference, { nature: 'letters to the wrong address; one of them named Maria' }, { actor: 'agent:dpo', reason: 'phase' });
    await concerns.setNotice(incident.reference, { it: { whatHappened: 'a', whatData: 'b', whatWeDo: 'c', whatYouShouldDo: 'd' } }, { actor: 'agent:dpo', reason: 'notice' });
    await concerns.importAffected(incident.reference, 'email\nmaria.bianchi@example.com\n', { actor: 'agent:dpo', reason: 'affected' });
    incidentReference = incident.reference;
    tick();
    generatedAt = ctx.clock.now();
    exported = await exportSubject(ledger, 'email', 'maria.bianchi@EXAMPLE.com', { now: ctx.clock.now });
  });

  it('names the subject, its identifiers and when the copy was made', () => {
    assert.equal(exported.format, SUBJECT_EXPORT_FORMAT);
    assert.equal(exported.generatedAt, generatedAt.toISOString());
    assert.deepEqual(exported.subject, { id: maria.id, regime: 'gdpr', preferredLocale: 'it', createdAt: FIXED_NOW.toISOString() });
    assert.deepEqual(exported.identifiers, [
      { kind: 'email', value: 'maria.bianchi@example.com' },
      { kind: 'phone', value: '+393477654321' },
    ]);
  });

  it('lists current consents with purpose labels in the subject\'s language', () => {
    assert.deepEqual(
      exported.consents.map((c) => [c.purpose.id, c.purpose.label, c.channel, c.state]),
      [
        ['marketing_offers', 'Offerte e promozioni', 'sms', 'withdrawn'],
        ['newsletter', 'Newsletter', 'email', 'given'],
      ],
    );
    assert.equal(exported.consents[0].purpose.legalBasis, 'consent');
    assert.match(exported.consents[0].purpose.noticeUrl ?? '', /^https:\/\//);
  });

  it('gives the full consent history with its hash chain', () => {
    const history = exported.consentHistory;
    assert.deepEqual(history.map((e) => [e.seq, e.purposeId, e.channel, e.state, e.collectionMethod]), [
      [1, 'newsletter', 'email', 'given', 'api'],
      [2, 'marketing_offers', 'sms', 'given', 'api'],
      [3, 'marketing_offers', 'sms', 'withdrawn', 'web_chat'],
    ]);
    assert.equal(history[0].prevHash, null);
    assert.equal(history[1].prevHash, history[0].hash);
    assert.equal(history[2].prevHash, history[1].hash);
    assert.deepEqual(exported.consentChain, { length: 3, head: history[2].hash });
    assert.equal(history[2].conversationId, 'conv-1');
    assert.deepEqual(history[2].evidence, { activityId: 'a1' });
    assert.equal(history[2].purposeLabel, 'Offerte e promozioni');
  });

  it('includes requests and concerns with their status history, and verifications', () => {
    assert.equal(exported.requests.length, 1);
    assert.equal(exported.requests[0].id, requestId);
    assert.deepEqual(exported.requests[0].history.map((h) => h.status), ['received', 'awaiting_verification']);
    assert.equal(exported.requests[0].status, 'awaiting_verification');
    assert.equal(exported.concerns.length, 1);
    assert.equal(exported.concerns[0].id, concernId);
    assert.deepEqual(exported.concerns[0].history.map((h) => [h.status, h.reason]), [['reported', null], ['confirmed_breach', null]]);
    assert.equal(exported.concerns[0].incidentReference, incidentReference, 'a confirmed breach names its incident');
    assert.deepEqual([exported.concerns[0].description, exported.concerns[0].occurredPhrase, exported.concerns[0].dataPhrase], ['I got a letter meant for someone else', 'last week', 'my address'], 'their own words, opened');
    assert.deepEqual(exported.affectedBy.map((a) => [a.incidentReference, a.notice?.status]), [[incidentReference, 'pending']]);
    assert.deepEqual(exported.verifications.map((v) => [v.method, v.level, v.outcome, v.agent]), [['agent_check', 'verified', 'verified', 'agent.luca']]);
  });

  it('includes the audit entries of the subject, its requests and its concerns — and nobody else\'s', () => {
    const actions = exported.audit.map((a) => a.action);
    assert.deepEqual(actions, ['subject.registered', 'consent.recorded', 'consent.recorded', 'request.opened', 'request.status', 'verification.recorded', 'concern.reported', 'concern.confirmed']);
    const mine = new Set([maria.id, requestId, concernId]);
    for (const entry of exported.audit) assert.ok(mine.has(entry.entityId), `${entry.action} is about ${entry.entityId}`);
    assert.ok(exported.audit.every((a, i) => i === 0 || a.seq > exported.audit[i - 1].seq), 'in chain order');
    assert.doesNotMatch(JSON.stringify(exported), new RegExp(other.id));
    assert.doesNotMatch(JSON.stringify(exported), /stranger|wrong address|Letters sent/, 'nor another person\'s report, nor the incident\'s record');
  });

  it('is JSON-ready: it survives a JSON round trip unchanged', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(exported)), exported);
  });

  it('finds the subject by any of its identifiers', async () => {
    const byPhone = await exportSubject(ledger, 'phone', '+39 347 765 4321');
    assert.equal(byPhone.subject.id, maria.id);
  });

  it('refuses an unknown subject and a malformed identifier with their codes', async () => {
    await assert.rejects(exportSubject(ledger, 'email', 'nobody@example.com'), (err: unknown) => isAppError(err, 'PSB_LEDGER_UNKNOWN_SUBJECT'));
    await assert.rejects(exportSubject(ledger, 'email', 'not-an-email'), (err: unknown) => isAppError(err, 'PSB_LEDGER_INVALID_INPUT'));
  });
});
