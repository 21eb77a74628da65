import assert from 'node:assert/strict';
import { MemoryOneTimeCodeStore } from '../../../src/privacy/identity/memory-one-time-code-store';
import type { OneTimeCodeStore, PendingCode } from '../../../src/privacy/identity/one-time-code-store';
import type { CodeCheckOutcome, CodeSendOutcome } from '../../../src/privacy/identity/one-time-code-types';
import { Ledger } from '../../../src/ledger/ledger';
import { Subject } from '../../../src/ledger/subjects/subject-service';
import { forEachBackend } from '../../ledger/support/ledger-backends';
import { CodeHarness, COMPANY, newConversation, newPerson, openCodeHarness } from './support/code-harness';

const MINUTE = 60_000;

/** Registers a person with an email, a phone and a customer number on file. */
async function registerPerson(ledger: Ledger, identifiers: readonly ('email' | 'phone' | 'customer_number')[] = ['email', 'phone', 'customer_number']): Promise<{ subject: Subject; email: string; phone: string; customerNumber: string }> {
  const person = newPerson();
  const values = { email: person.email, phone: person.phone, customer_number: person.customerNumber };
  const subject = await ledger.subjects.register({ identifiers: identifiers.map((kind) => ({ kind, value: values[kind] })), regime: 'gdpr', preferredLocale: 'it' }, { actor: 'system:test', reason: 'test subject' });
  return { subject, ...person };
}

/** Every verification row and audit row of the ledger, as text, to look for secrets in. */
async function ledgerText(ledger: Ledger): Promise<string> {
  const verifications = await ledger.db.query('SELECT * FROM verification');
  const audit = await ledger.db.query('SELECT * FROM audit_log');
  return JSON.stringify([verifications.rows, audit.rows]);
}

async function verificationCount(ledger: Ledger, subjectId: string): Promise<number> {
  return (await ledger.verifications.forSubject(subjectId)).length;
}

/** A store that remembers what it was given to keep, to prove only the hash is kept. */
class RecordingStore extends MemoryOneTimeCodeStore implements OneTimeCodeStore {
  readonly kept: PendingCode[] = [];
  override async putPending(conversation: string, code: PendingCode, keepMs: number, now: number): Promise<void> {
    this.kept.push(code);
    await super.putPending(conversation, code, keepMs, now);
  }
}

/** The wrong code nearest to `code` (never equal). */
function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

forEachBackend('one-time codes to the contact on file', (ctx) => {
  let h: CodeHarness;
  beforeEach(async () => {
    h = await openCodeHarness(ctx.ledger, ctx.clock.now);
  });

  it('the right code verifies and records one verification: method, level, channel, and no code anywhere', async () => {
    const store = new RecordingStore();
    h = await openCodeHarness(ctx.ledger, ctx.clock.now, { store });
    const person = await registerPerson(ctx.ledger);
    const conversation = newConversation('it', 'msteams');
    const sent = await h.codes.send(await h.claim('email', person.email.toUpperCase()), conversation);
    assert.equal(sent.status, 'sent');
    assert.deepEqual(sent, { status: 'sent', hint: { kind: 'email', masked: `${person.email[0]}***@example.com` }, expiresInSeconds: 600 });

    const [message] = h.sentTo(person.email);
    assert.equal(message.channel, 'email');
    assert.equal(message.subject, `Il suo codice per l'assistente privacy di ${COMPANY}`);
    assert.match(message.text, /Scade tra 10 minuti/);
    assert.match(message.text, /Se non è stato lei/);
    const code = h.latestCode(person.email);

    const checked = await h.codes.check(code, conversation, 'activity-1');
    assert.deepEqual(checked, { status: 'verified', claim: { kind: 'email', masked: `${person.email[0]}***@example.com`, subjectId: person.subject.id } });
    const verifications = await ctx.ledger.verifications.forSubject(person.subject.id);
    assert.equal(verifications.length, 1);
    assert.deepEqual(
      { method: verifications[0].method, level: verifications[0].level, outcome: verifications[0].outcome, channel: verifications[0].channel, at: verifications[0].at.toISOString() },
      { method: 'one_time_code', level: 'verified', outcome: 'verified', channel: 'msteams', at: ctx.clock.now().toISOString() },
    );
    const recorded = await ledgerText(ctx.ledger);
    assert.match(recorded, /verification\.recorded[^\]]*one_time_code/, 'the audit log has the verification');
    assert.ok(!recorded.includes(code), 'the code is nowhere in the ledger (verification rows, audit details)');
    assert.ok(!recorded.includes(person.email), 'nor the address');
    // The store was handed a hash, never the code, the address or the conversation.
    const kept = JSON.stringify(store.kept);
    for (const secret of [code, person.email, conversation.conversationKey]) assert.ok(!kept.includes(secret), `the store was given "${secret}"`);
    assert.match(store.kept[0].codeHash, /^[0-9a-f]{64}$/);
    // No log line holds the code or the address.
    for (const secret of [code, person.email]) assert.ok(!h.logs.text.includes(secret), `log leaked "${secret}"`);

    // Used: a second check of the same code in a new message finds nothing pending.
    assert.deepEqual(await h.codes.check(code, conversation, 'activity-2'), { status: 'none' });
  });

  it('the same message checked twice (a redelivery, a turn re-run) is verified once and recorded once', async () => {
    const person = await registerPerson(ctx.ledger, ['email']);
    const conversation = newConversation();
    await h.codes.send(await h.claim('email', person.email), conversation);
    const code = h.latestCode(person.email);
    const first = await h.codes.check(` ${code.slice(0, 3)} ${code.slice(3)} `, conversation, 'activity-7');
    const again = await h.codes.check(code, conversation, 'activity-7');
    assert.equal(first.status, 'verified');
    assert.deepEqual(again, first);
    assert.equal(await verificationCount(ctx.ledger, person.subject.id), 1);
  });

  it('five wrong tries end the code: 4, 3, 2, 1 tries left, then exhausted — and then even the right code is refused', async () => {
    const person = await registerPerson(ctx.ledger, ['email']);
    const conversation = newConversation();
    await h.codes.send(await h.claim('email', person.email), conversation);
    const code = h.latestCode(person.email);
    const answers: CodeCheckOutcome[] = [];
    for (let i = 1; i <= 5; i++) answers.push(await h.codes.check(wrongCode(code), conversation, `wrong-${i}`));
    assert.deepEqual(answers, [
      { status: 'wrong', attemptsLeft: 4 },
      { status: 'wrong', attemptsLeft: 3 },
      { status: 'wrong', attemptsLeft: 2 },
      { status: 'wrong', attemptsLeft: 1 },
      { status: 'exhausted' },
    ]);
    assert.deepEqual(await h.codes.check(code, conversation, 'right-after'), { status: 'exhausted' });
    assert.equal(await verificationCount(ctx.ledger, person.subject.id), 0);
  });

  it('a code is good for 10 minutes: at 9:59 it verifies, at 10:00 it has expired and records nothing', async () => {
    const early = await registerPerson(ctx.ledger, ['email']);
    const conversation = newConversation();
    await h.codes.send(await h.claim('email', early.email), conversation);
    ctx.clock.advance(10 * MINUTE - 1000);
    assert.equal((await h.codes.check(h.latestCode(early.email), conversation, 'in-time')).status, 'verified');

    const late = await registerPerson(ctx.ledger, ['email']);
    const other = newConversation();
    await h.codes.send(await h.claim('email', late.email), other);
    ctx.clock.advance(10 * MINUTE);
    assert.deepEqual(await h.codes.check(h.latestCode(late.email), other, 'too-late'), { status: 'expired' });
    assert.deepEqual(await h.codes.check(wrongCode(h.latestCode(late.email)), other, 'too-late-wrong'), { status: 'expired' });
    assert.equal(await verificationCount(ctx.ledger, late.subject.id), 0);
  });

  it('a new code replaces the one pending in the conversation', async () => {
    const person = await registerPerson(ctx.ledger, ['email']);
    const conversation = newConversation();
    await h.codes.send(await h.claim('email', person.email), conversation);
    const first = h.latestCode(person.email);
    await h.codes.send(await h.claim('email', person.email), conversation);
    const second = h.latestCode(person.email);
    if (first !== second) assert.equal((await h.codes.check(first, conversation, 'old-code')).status, 'wrong');
    assert.equal((await h.codes.check(second, conversation, 'new-code')).status, 'verified');
  });

  it('at most 3 codes per person per hour, whatever the conversation: the 4th is limited until the first leaves the hour', async () => {
    const person = await registerPerson(ctx.ledger);
    const outcomes: CodeSendOutcome[] = [];
    // Email, phone and customer number all count for the one person.
    for (const [kind, value] of [['email', person.email], ['phone', person.phone], ['customer_number', person.customerNumber], ['email', person.email]] as const) {
      outcomes.push(await h.codes.send(await h.claim(kind, value), newConversation()));
      ctx.clock.advance(MINUTE);
    }
    assert.deepEqual(outcomes.map((o) => o.status), ['sent', 'sent', 'sent', 'limited']);
    assert.deepEqual(outcomes[3], { status: 'limited', retryAfterSeconds: 60 * 60 - 3 * 60 });
    assert.equal(h.sentTo(person.email).length + h.sentTo(person.phone).length, 3, 'the limited request sent nothing');
    ctx.clock.advance(60 * MINUTE - 4 * MINUTE);
    assert.equal((await h.codes.send(await h.claim('email', person.email), newConversation())).status, 'sent', 'an hour after the first, one more');
  });

  it('an identifier on file and one that is not get the same answers, send after send, try after try', async () => {
    const person = await registerPerson(ctx.ledger, ['email']);
    const stranger = newPerson().email;
    // Both addresses start "person-": their masked forms are the same, p***@example.com.
    const answers = async (email: string): Promise<unknown[]> => {
      const seen: unknown[] = [];
      const conversation = newConversation();
      seen.push(await h.codes.send(await h.claim('email', email), conversation));
      for (let i = 1; i <= 5; i++) seen.push(await h.codes.check('000000', conversation, `${email}-wrong-${i}`));
      const later = newConversation();
      seen.push(await h.codes.send(await h.claim('email', email), later));
      ctx.clock.advance(10 * MINUTE);
      seen.push(await h.codes.check('123456', later, `${email}-late`));
      seen.push(await h.codes.send(await h.claim('email', email), newConversation()));
      seen.push(await h.codes.send(await h.claim('email', email), newConversation()));
      ctx.clock.reset();
      return seen;
    };
    // The code typed is wrong for the person too (one chance in a million that it is theirs).
    const onFile = await answers(person.email);
    const notOnFile = await answers(stranger);
    assert.deepEqual(notOnFile, onFile);
    assert.deepEqual(onFile.map((a) => (a as { status: string }).status), ['sent', 'wrong', 'wrong', 'wrong', 'wrong', 'exhausted', 'sent', 'expired', 'sent', 'limited']);
    assert.equal(h.sentTo(stranger).length, 0, 'nothing is ever sent to an address that is not on file');
    assert.equal(h.outbox.list().length, 3, 'only the person on file got messages');
  });

  it('at most 5 codes per conversation per hour, whoever is claimed', async () => {
    const conversation = newConversation();
    const statuses: string[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await h.codes.send(await h.claim('email', newPerson().email), conversation)).status);
    assert.deepEqual(statuses, ['sent', 'sent', 'sent', 'sent', 'sent', 'limited']);
  });

  it('a code is worth nothing in another conversation, nor where another person is pending', async () => {
    const a = await registerPerson(ctx.ledger, ['email']);
    const b = await registerPerson(ctx.ledger, ['email']);
    const inA = newConversation();
    const inB = newConversation();
    await h.codes.send(await h.claim('email', a.email), inA);
    const codeOfA = h.latestCode(a.email);
    // Replayed in a conversation where nothing is pending.
    assert.deepEqual(await h.codes.check(codeOfA, newConversation(), 'replay-1'), { status: 'none' });
    // Typed where B's code is pending (even if it happened to be B's digits, it is bound to A).
    await h.codes.send(await h.claim('email', b.email), inB);
    assert.deepEqual(await h.codes.check(codeOfA, inB, 'replay-2'), h.latestCode(b.email) === codeOfA ? { status: 'verified', claim: { kind: 'email', masked: `${b.email[0]}***@example.com`, subjectId: b.subject.id } } : { status: 'wrong', attemptsLeft: 4 });
    // Nor in a conversation where the same person asked again: each code is bound to its conversation.
    const again = newConversation();
    await h.codes.send(await h.claim('email', a.email), again);
    if (h.latestCode(a.email) !== codeOfA) assert.deepEqual(await h.codes.check(codeOfA, again, 'replay-3'), { status: 'wrong', attemptsLeft: 4 });
    assert.equal((await ctx.ledger.verifications.forSubject(a.subject.id)).length, 0);
    // A's own conversation still takes it.
    assert.equal((await h.codes.check(codeOfA, inA, 'right-place')).status, 'verified');
  });

  it('a phone claim goes by SMS to the phone on file; a customer number to the email on file, or the phone when there is none', async () => {
    const person = await registerPerson(ctx.ledger);
    const byPhone = await h.codes.send(await h.claim('phone', person.phone), newConversation());
    assert.deepEqual(byPhone, { status: 'sent', hint: { kind: 'phone', lastDigits: person.phone.slice(-2) }, expiresInSeconds: 600 });
    const [sms] = h.sentTo(person.phone);
    assert.deepEqual([sms.channel, sms.subject], ['sms', '']);
    assert.match(sms.text, new RegExp(`^\\d{6} is your code for the ${COMPANY.replace(/\./g, '\\.')} privacy assistant\\. It expires in 10 minutes\\. If this wasn't you`));

    const byNumber = await h.codes.send(await h.claim('customer_number', person.customerNumber), newConversation());
    assert.deepEqual(byNumber, { status: 'sent', hint: { kind: 'contact_on_file' }, expiresInSeconds: 600 });
    assert.equal(h.sentTo(person.email).length, 1, 'the customer number went to the email on file');

    const phoneOnly = await registerPerson(ctx.ledger, ['phone', 'customer_number']);
    const conversation = newConversation();
    await h.codes.send(await h.claim('customer_number', phoneOnly.customerNumber), conversation);
    assert.equal(h.sentTo(phoneOnly.phone).length, 1, 'no email on file: the phone');
    assert.equal((await h.codes.check(h.latestCode(phoneOnly.phone), conversation, 'by-sms')).status, 'verified');
  });

  it('a transport that is down: unavailable, nothing pending, nothing recorded, no limit used up, and no address in the logs', async () => {
    const person = await registerPerson(ctx.ledger);
    h.transports.down = true;
    const conversation = newConversation();
    for (let i = 0; i < 4; i++) assert.deepEqual(await h.codes.send(await h.claim('email', person.email), conversation), { status: 'unavailable' });
    assert.deepEqual(await h.codes.send(await h.claim('phone', person.phone), conversation), { status: 'unavailable' });
    assert.deepEqual(await h.codes.check('123456', conversation, 'while-down'), { status: 'none' });
    assert.equal(await verificationCount(ctx.ledger, person.subject.id), 0);
    assert.equal(h.outbox.list().length, 0);
    const logs = h.logs.text;
    assert.match(logs, /one-time code not sent: the transport failed/);
    assert.match(logs, /"reason":"ECONNREFUSED"/);
    for (const secret of [person.email, person.phone, person.phone.slice(3)]) assert.ok(!logs.includes(secret), `log leaked "${secret}"`);

    // Back up: the failed attempts used up none of the 3 codes an hour.
    h.transports.down = false;
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await h.codes.send(await h.claim('email', person.email), newConversation())).status);
    assert.deepEqual(statuses, ['sent', 'sent', 'sent']);
  });
});
