import assert from 'node:assert/strict';
import { Translations } from '../../../src/i18n/translator';
import { IncidentSubjectNotices } from '../../../src/ledger/concerns/incident-subject-notices';
import { Ledger, openLedger } from '../../../src/ledger/ledger';
import { IncidentNoticeSender } from '../../../src/privacy/concerns/incident-notice-sender';
import { HEAVY_HOOK_TIMEOUT_MS } from '../../support/hook-timeouts';
import { RecordingContactMessenger } from '../../support/recording-contact-messenger';
import { LogCapture } from '../../support/test-app';
import { FakeClock } from '../../ledger/support/ledger-backends';
import { DPO_CONTACT, LedgerIncidentReads, NOTICE_EN, NOTICE_IT, SeededIncident, affect, publish, seedIncident } from './incident-support';

/**
 * The Art. 34 notices of incident mode, over the real ledger (the incident records, the outbox
 * `incident_subject_notice` and its claim, which finds a subject's latest conversation) with a
 * recording contact messenger and a recording chat.
 */

const CONTROLLER = 'Example Shop S.p.A.';

/** A chat that records what it was told, or fails as a conversation that is gone. */
class RecordingChat {
  readonly told: { conversation: Record<string, unknown>; text: string }[] = [];
  failing = false;

  async tell(conversation: Record<string, unknown>, text: string): Promise<void> {
    if (this.failing) throw Object.assign(new Error('conversation not found'), { code: 'ConversationNotFound' });
    this.told.push({ conversation, text });
  }
}

/** What a transport that is down rejects with (the kind only: no address). */
const TRANSPORT_DOWN = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ECONNREFUSED' });

describe('Art. 34 notices to the people an incident affected', function () {
  const clock = new FakeClock();
  let ledger: Ledger;
  let translations: Translations;
  let customers = 0;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    ledger = await openLedger({ ledgerDir: 'memory://', hashKey: 'incident-notice-test-key-0123456789', now: clock.now });
    translations = await Translations.load();
  });
  after(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await ledger?.close();
  });

  interface World {
    readonly sender: IncidentNoticeSender;
    readonly outbox: IncidentSubjectNotices;
    readonly messenger: RecordingContactMessenger;
    readonly chat: RecordingChat;
    readonly logs: LogCapture;
  }

  function world(): World {
    const outbox = new IncidentSubjectNotices(ledger.db, clock.now);
    const messenger = new RecordingContactMessenger(ledger.subjects);
    const chat = new RecordingChat();
    const logs = new LogCapture();
    const sender = new IncidentNoticeSender({
      notices: outbox,
      incidents: new LedgerIncidentReads(ledger),
      messenger,
      conversations: chat,
      translations,
      defaultLocale: 'en',
      controllerName: CONTROLLER,
      logger: logs.logger,
      now: clock.now,
      random: () => 1,
    });
    return { sender, outbox, messenger, chat, logs };
  }

  /** A customer on file with an email; `conversation`: they once asked for a copy of their data in this chat. */
  async function customer(preferredLocale: 'en' | 'it' | undefined, conversation?: Record<string, unknown>): Promise<{ subjectId: string; email: string }> {
    customers += 1;
    const email = `affected.${customers}.${process.pid}@example.com`;
    const subject = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: email }], regime: 'gdpr', ...(preferredLocale ? { preferredLocale } : {}) }, { actor: 'system:test', reason: 'test customer' });
    if (conversation) {
      await ledger.requests.open({ subjectId: subject.id, type: 'access', regime: 'gdpr', channel: 'webchat', conversation, locale: preferredLocale ?? 'en' }, { actor: `customer:${subject.id}`, reason: 'test request' });
    }
    return { subjectId: subject.id, email };
  }

  async function countsOf(outbox: IncidentSubjectNotices, incident: SeededIncident) {
    return outbox.counts(incident.id);
  }

  it('tells each affected person once: by email in their language with the DPO contact, and in their chat when one is known', async () => {
    const w = world();
    const giulia = await customer('it', { route: 'directline', conversation: 'giulia-chat' });
    const oliver = await customer('en');
    const incident = await seedIncident(ledger, { texts: { en: NOTICE_EN, it: NOTICE_IT }, published: true, at: clock.now() });
    await affect(ledger, w.outbox, incident, [giulia.subjectId, oliver.subjectId], clock.now());

    assert.equal(await w.sender.runDue(), 2);

    const toGiulia = w.messenger.to(giulia.subjectId);
    assert.equal(toGiulia.length, 1);
    assert.equal(toGiulia[0].to, giulia.email);
    assert.equal(toGiulia[0].message.subject, 'Importante: un incidente di sicurezza che riguarda i suoi dati personali');
    assert.equal(
      toGiulia[0].message.text,
      [
        'Gentile cliente,',
        'le scriviamo per informarla di un incidente di sicurezza che riguarda i suoi dati personali. Ecco cosa è successo e cosa le consigliamo.',
        `Cosa è successo\n${NOTICE_IT.whatHappened}\n\nQuali dati sono coinvolti\n${NOTICE_IT.whatData}\n\nCosa stiamo facendo\n${NOTICE_IT.whatWeDo}\n\nCosa le consigliamo di fare\n${NOTICE_IT.whatYouShouldDo}`,
        `Per qualsiasi domanda può contattare il nostro responsabile della protezione dei dati: ${DPO_CONTACT}`,
        'Ci scusiamo molto per quanto accaduto. In qualsiasi momento può chiedere informazioni anche al nostro assistente per la privacy in chat.',
        CONTROLLER,
      ].join('\n\n'),
    );
    assert.deepEqual(
      w.chat.told.map((told) => told.conversation),
      [{ route: 'directline', conversation: 'giulia-chat' }],
      'only Giulia has a known conversation',
    );
    assert.ok(w.chat.told[0].text.startsWith('Importante: un incidente di sicurezza riguarda i suoi dati personali.'), w.chat.told[0].text);
    assert.ok(w.chat.told[0].text.includes(`**Cosa le consigliamo di fare**\n${NOTICE_IT.whatYouShouldDo}`), w.chat.told[0].text);

    const toOliver = w.messenger.to(oliver.subjectId);
    assert.equal(toOliver.length, 1);
    assert.equal(toOliver[0].message.subject, 'Important: a security incident affecting your personal data');
    assert.ok(toOliver[0].message.text.includes(`What you should do\n${NOTICE_EN.whatYouShouldDo}`));

    assert.equal(await w.sender.runDue(), 0, 'nothing is sent twice');
    assert.equal(w.messenger.sent.length, 2);
    assert.equal(w.chat.told.length, 1);
    assert.deepEqual(await countsOf(w.outbox, incident), { pending: 0, sent: 2, retrying: 0 });
    assert.ok(!w.logs.text.includes(giulia.email) && !w.logs.text.includes(oliver.email), 'no address in the logs');
  });

  it('retries the email while the mail transport is down, and says it in the chat only once', async () => {
    const w = world();
    const anna = await customer('en', { route: 'directline', conversation: 'anna-chat' });
    const incident = await seedIncident(ledger, { texts: { en: NOTICE_EN }, published: true, at: clock.now() });
    await affect(ledger, w.outbox, incident, [anna.subjectId], clock.now());
    w.messenger.failing = TRANSPORT_DOWN;

    assert.equal(await w.sender.runDue(), 0);
    assert.equal(w.chat.told.length, 1, 'the chat heard it at the first attempt');
    assert.deepEqual(await countsOf(w.outbox, incident), { pending: 1, sent: 0, retrying: 1 });
    assert.equal(await w.sender.runDue(), 0, 'not due again before its retry time');
    assert.equal(w.messenger.calls, 1);

    clock.advance(60_000);
    assert.equal(await w.sender.runDue(), 0, 'still down');
    assert.equal(w.messenger.calls, 2);
    assert.equal(w.chat.told.length, 1, 'the chat is not told again');

    w.messenger.failing = undefined;
    clock.advance(60_000);
    assert.equal(await w.sender.runDue(), 1);
    assert.equal(w.messenger.to(anna.subjectId).length, 1);
    assert.equal(w.chat.told.length, 1);
    clock.advance(60 * 60_000);
    assert.equal(await w.sender.runDue(), 0);
    assert.deepEqual(await countsOf(w.outbox, incident), { pending: 0, sent: 1, retrying: 0 });
    assert.match(w.logs.text, /"error":"ECONNREFUSED"/);
  });

  it('sends nothing before the notice is published, then each notice once', async () => {
    const w = world();
    const marco = await customer('it');
    const incident = await seedIncident(ledger, { texts: { it: NOTICE_IT }, published: false, at: clock.now() });
    await affect(ledger, w.outbox, incident, [marco.subjectId], clock.now());
    assert.equal(await w.sender.runDue(), 0);
    assert.equal(w.messenger.calls, 0);

    await publish(ledger, incident, clock.now());
    assert.equal(await w.sender.runDue(), 1);
    assert.equal(w.messenger.to(marco.subjectId)[0].message.subject, 'Importante: un incidente di sicurezza che riguarda i suoi dati personali');
  });

  it('a notice missing the person’s language comes in the default language, with a note in theirs', async () => {
    const w = world();
    const lucia = await customer('it');
    const incident = await seedIncident(ledger, { texts: { en: NOTICE_EN }, published: true, at: clock.now() });
    await affect(ledger, w.outbox, incident, [lucia.subjectId], clock.now());
    assert.equal(await w.sender.runDue(), 1);
    const text = w.messenger.to(lucia.subjectId)[0].message.text;
    assert.ok(text.includes("Questo avviso non è ancora disponibile nella sua lingua: glielo mostro nella lingua in cui l'abbiamo pubblicato (English)."), text);
    assert.ok(text.includes(`Cosa è successo\n${NOTICE_EN.whatHappened}`), text);
  });

  it('a conversation that is gone: the contact on file is told all the same', async () => {
    const w = world();
    const paul = await customer('en', { route: 'directline', conversation: 'expired-chat' });
    const incident = await seedIncident(ledger, { texts: { en: NOTICE_EN }, published: true, at: clock.now() });
    await affect(ledger, w.outbox, incident, [paul.subjectId], clock.now());
    w.chat.failing = true;
    assert.equal(await w.sender.runDue(), 1);
    assert.equal(w.messenger.to(paul.subjectId).length, 1);
    assert.deepEqual(await countsOf(w.outbox, incident), { pending: 0, sent: 1, retrying: 0 });
  });
});
