import assert from 'node:assert/strict';
import { Activity } from 'botbuilder';
import { Translations } from '../../src/i18n/translator';
import { formatInZone } from '../../src/privacy/clocks/deadlines';
import { ConnectorStub } from '../channels/teams/connector-stub';
import { HttpCustomer } from '../handoff-bot/handoff-support';
import { addSmsCustomer, ConsentStack, eventsOf, startConsentStack } from './consent-stack';

const LONDON = 'Europe/London';

/** What the customer reads of an activity: its text, or its card's text fallback; ICU's narrow spaces as plain ones. */
const readable = (activity: Partial<Activity>): string => ((activity.text || (activity.attachments?.[0]?.content as { fallbackText?: string } | undefined)?.fallbackText) ?? '').replace(/[\u202f\u00a0]/g, ' ');
const plain = (text: string): string => text.replace(/[\u202f\u00a0]/g, ' ');

/**
 * One time zone per customer: Web Chat tells the bot the browser's zone on every message, but the
 * proactive turn that brings the customer back after a person verified them carries none. The zone
 * first told is the conversation's from then on, so the consents card shown in that turn and the
 * replies after it say times in the same zone — London here, never UTC.
 */
describe('the customer’s time zone, remembered for the conversation (bot over HTTP, agent verification, PostgreSQL ledger)', function () {
  this.timeout(90_000);
  let stack: ConsentStack;
  let connector: ConnectorStub;
  let translations: Translations;

  before(async () => {
    translations = await Translations.load();
    connector = await ConnectorStub.start();
    stack = await startConsentStack();
  });

  after(async () => {
    await stack?.close();
    await connector?.close();
  });

  it('a London customer verified by a person: the card in the proactive turn and the next reply both say London time', async () => {
    const t = translations.for('en');
    const who = await addSmsCustomer(stack, 'zone.london');
    const { hub, customerChannel } = stack.running.app.handoff;
    const customer = new HttpCustomer(stack.baseUrl, connector, `zone-london-${process.pid}-${Date.now()}`, 'en-GB');
    const fromLondon: Partial<Activity> = { localTimezone: LONDON };

    assert.equal((await customer.say('What did I agree to?', fromLondon)).texts.at(-1), t.t('identity.prompt'));
    await customer.say(who.email, fromLondon);
    assert.deepEqual((await customer.say(t.t('menu.agent'), fromLondon)).texts, [t.t('handoff.queuedForVerification', { position: 1 })]);

    const ticket = await customer.ticket(hub);
    await hub.claim(ticket.id, 'alice');
    await customerChannel.handoffClosed(await hub.complete(ticket.id, 'alice', { verification: 'verified', method: 'agent_check' }));
    const back = customer.proactive();
    assert.equal(back[0]?.text, t.t('handoff.closed.verifiedContinue'));
    const card = back.find((activity) => activity.attachments?.[0]?.contentType === 'application/vnd.microsoft.card.adaptive');
    assert.ok(card, `the consents card came back in the proactive turn: ${JSON.stringify(back.map(readable))}`);
    const overview = readable(card);
    assert.ok(overview.startsWith(t.t('consent.overview.lead', { zone: LONDON })), overview);
    const given = (await eventsOf(stack, who.subjectId)).find((event) => event.purposeId === 'marketing_offers' && event.channel === 'sms');
    assert.ok(given);
    assert.ok(overview.includes(plain(formatInZone(given.occurredAt, LONDON, 'en'))), `the card's times are London's: ${overview}`);
    assert.ok(!overview.includes('UTC'), overview);

    // The next messages: a withdrawal, its "done" in London time too — even from a client that now names another zone.
    await customer.say('Stop texting me offers', fromLondon);
    const done = await customer.say('yes', { localTimezone: 'America/New_York' });
    const withdrawn = (await eventsOf(stack, who.subjectId)).at(-1);
    assert.ok(withdrawn && withdrawn.state === 'withdrawn');
    const said = plain(done.texts[0] ?? '');
    assert.ok(said.startsWith(`Done. From ${plain(formatInZone(withdrawn.occurredAt, LONDON, 'en'))} you no longer receive offers and promotions by SMS.`), said);
  });

  it('a conversation whose client never told a zone says UTC until one does, then keeps that one', async () => {
    const who = await addSmsCustomer(stack, 'zone.later');
    const customer = new HttpCustomer(stack.baseUrl, connector, `zone-later-${process.pid}-${Date.now()}`, 'en-GB');
    await customer.say('Stop texting me offers');
    await customer.say(who.email);
    const first = plain((await customer.say('yes')).texts[0] ?? '');
    const [sms] = (await eventsOf(stack, who.subjectId)).slice(-1);
    assert.ok(first.startsWith(`Done. From ${plain(formatInZone(sms.occurredAt, 'UTC', 'en'))}`), first);

    await customer.say('Stop emailing me offers', { localTimezone: 'Asia/Tokyo' });
    const second = plain((await customer.say('yes', { localTimezone: LONDON })).texts[0] ?? '');
    const [email] = (await eventsOf(stack, who.subjectId)).slice(-1);
    assert.equal(email.channel, 'email');
    assert.ok(second.startsWith(`Done. From ${plain(formatInZone(email.occurredAt, 'Asia/Tokyo', 'en'))}`), `${second} (the zone first told: Tokyo)`);
  });
});
