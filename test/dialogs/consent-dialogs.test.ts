import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Activity } from 'botbuilder';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translator } from '../../src/i18n/translator';
import { IntentName } from '../../src/nlu/intents';
import { ledgerFootprint } from '../ledger/support/ledger-footprint';
import { keyword } from './dialog-harness';
import { PUBLIC_BASE_URL, TestCustomer, consentConversation, heldBy, newEvents, useConsentWorld, registerCustomer } from './consent-support';
import { matches } from './reply-matches';

/** One withdrawal or gift told as a table of turns: what the customer says, what they must read back. */
interface ChangeCase {
  readonly name: string;
  readonly locale: ShippedLocale;
  /** Session already matched to the customer; anonymous when absent (the gate asks who they are). */
  readonly held?: 'identified' | 'verified';
  /** `{email}` stands for the customer's address. */
  readonly turns: readonly { say: string; intent?: IntentName; expect: readonly (string | RegExp)[] }[];
  /** Exactly the ledger events the conversation must add, in order. */
  readonly recorded: readonly [purposeId: string, channel: string, state: string][];
}

const DONE_WITHDRAWN: Record<ShippedLocale, RegExp> = {
  en: /^Done\. From .+ you no longer receive (.+)\.\n\nYour consent receipt, reference ([0-9a-f-]{36}), is here: (https:\/\/privacy\.example\.com\/receipts\/[A-Za-z0-9_-]{43,})/,
  it: /^Fatto\. Dal .+ non riceve più (.+)\.\n\nLa sua ricevuta di consenso, riferimento ([0-9a-f-]{36}), è qui: (https:\/\/privacy\.example\.com\/receipts\/[A-Za-z0-9_-]{43,})/,
};
const DONE_GIVEN: Record<ShippedLocale, RegExp> = {
  en: /^Done\. From .+ you've agreed to receive (.+)\. To withdraw it, just tell me\.\n\nYour consent receipt, reference [0-9a-f-]{36}, is here: https:\/\/privacy\.example\.com\/receipts\//,
  it: /^Fatto\. Dal .+ ha acconsentito a ricevere (.+)\. Per revocarlo, basta dirmelo\.\n\nLa sua ricevuta di consenso, riferimento [0-9a-f-]{36}, è qui: https:\/\/privacy\.example\.com\/receipts\//,
};

const CASES: readonly ChangeCase[] = [
  {
    name: 'names purpose and channel, anonymous: three turns from the first message to the confirmation',
    locale: 'en',
    turns: [
      { say: 'Stop texting me offers', intent: 'consent.revoke', expect: ['To find your records, please tell me the email address, customer number or phone number you use with us.'] },
      { say: '{email}', expect: ["Thank you, I've noted c***@example.com.", 'Stop offers and promotions by SMS?'] },
      { say: 'yes', expect: [DONE_WITHDRAWN.en] },
    ],
    recorded: [['marketing_offers', 'sms', 'withdrawn']],
  },
  {
    name: 'names purpose and channel, anonymous (it)',
    locale: 'it',
    turns: [
      { say: 'Non mandatemi più offerte via SMS', intent: 'consent.revoke', expect: [/^Per trovare i suoi dati/] },
      { say: '{email}', expect: [/c\*\*\*@example\.com/, 'Interrompo offerte e promozioni via SMS?'] },
      { say: 'sì', expect: [DONE_WITHDRAWN.it] },
    ],
    recorded: [['marketing_offers', 'sms', 'withdrawn']],
  },
  {
    name: 'names nothing: asks which consent; a one-channel purpose needs no channel question',
    locale: 'en',
    held: 'identified',
    turns: [
      { say: 'I withdraw my consent', intent: 'consent.revoke', expect: ['Which consent would you like to withdraw?'] },
      { say: 'Newsletter', expect: ['Stop newsletter by email?'] },
      { say: 'yes please', expect: [DONE_WITHDRAWN.en] },
    ],
    recorded: [['newsletter', 'email', 'withdrawn']],
  },
  {
    name: 'names the purpose only: asks the channel among the purpose’s channels; verified, so "keep" names what stays',
    locale: 'en',
    held: 'verified',
    turns: [
      { say: 'stop sending me offers', intent: 'consent.revoke', expect: ['By which channel? Offers and promotions can reach you by email, SMS, phone, post, and push notifications.'] },
      { say: 'SMS', expect: ['Stop offers and promotions by SMS; keep email?'] },
      { say: 'yes', expect: [DONE_WITHDRAWN.en] },
    ],
    recorded: [['marketing_offers', 'sms', 'withdrawn']],
  },
  {
    name: 'names the purpose only (it, verified): the channel answered with its number',
    locale: 'it',
    held: 'verified',
    turns: [
      { say: 'basta offerte', intent: 'consent.revoke', expect: [/^Su quale canale\? Offerte e promozioni può raggiungerla via email, SMS, telefono, posta e notifiche push\.$/] },
      { say: '1', expect: ['Interrompo offerte e promozioni via email e mantengo SMS?'] },
      { say: 'sì', expect: [DONE_WITHDRAWN.it] },
    ],
    recorded: [['marketing_offers', 'email', 'withdrawn']],
  },
  {
    name: 'one purpose on all channels: only the channels not already withdrawn are recorded',
    locale: 'en',
    held: 'identified',
    turns: [
      { say: 'stop all offers on all channels', intent: 'consent.revoke', expect: ['Stop offers and promotions by email, SMS, phone, post, and push notifications?'] },
      { say: 'yes', expect: [DONE_WITHDRAWN.en] },
    ],
    recorded: [
      ['marketing_offers', 'email', 'withdrawn'],
      ['marketing_offers', 'sms', 'withdrawn'],
      ['marketing_offers', 'phone', 'withdrawn'],
      ['marketing_offers', 'post', 'withdrawn'],
      ['marketing_offers', 'push', 'withdrawn'],
    ],
  },
  {
    name: '"stop everything" is ambiguous: the whole scope is spelled out and confirmed first',
    locale: 'en',
    held: 'identified',
    turns: [
      { say: 'stop everything', intent: 'consent.revoke', expect: [/^Just to be sure, this covers every marketing message from us\. Stop newsletter by email, offers and promotions by email, SMS, phone, post, and push notifications, personalised recommendations by email and messages in the app, and offers from our partners by email, SMS, phone, and post\?$/] },
      { say: 'yes', expect: [DONE_WITHDRAWN.en] },
    ],
    recorded: [
      ['newsletter', 'email', 'withdrawn'],
      ['marketing_offers', 'email', 'withdrawn'],
      ['marketing_offers', 'sms', 'withdrawn'],
      ['marketing_offers', 'phone', 'withdrawn'],
      ['marketing_offers', 'post', 'withdrawn'],
      ['marketing_offers', 'push', 'withdrawn'],
      ['profiling', 'email', 'withdrawn'],
      ['profiling', 'in_app', 'withdrawn'],
      ['partner_sharing', 'email', 'withdrawn'],
      ['partner_sharing', 'sms', 'withdrawn'],
      ['partner_sharing', 'phone', 'withdrawn'],
      ['partner_sharing', 'post', 'withdrawn'],
    ],
  },
  {
    name: '"no" at the confirmation records nothing',
    locale: 'en',
    held: 'identified',
    turns: [
      { say: 'Stop texting me offers', intent: 'consent.revoke', expect: ['Stop offers and promotions by SMS?'] },
      { say: 'no', expect: ["OK, I haven't changed anything."] },
    ],
    recorded: [],
  },
  {
    name: 'an answer that is neither yes nor no is asked again, and records nothing yet',
    locale: 'it',
    held: 'identified',
    turns: [
      { say: 'Non mandatemi più offerte via SMS', intent: 'consent.revoke', expect: ['Interrompo offerte e promozioni via SMS?'] },
      { say: 'boh, vediamo', expect: [/^Risponda sì o no/] },
      { say: 'no grazie', expect: ['Va bene, non ho modificato nulla.'] },
    ],
    recorded: [],
  },
  {
    name: 'give (verified): the notice is shown before the question, and the gift is recorded with it',
    locale: 'en',
    held: 'verified',
    turns: [
      { say: 'send me personalised recommendations by email', intent: 'consent.give', expect: [/^Personalised recommendations: Using your purchases and browsing to tailor what we show you\. How we use your data for it is explained in our privacy notice \(version 2026-03\): https:\/\/example\.com\/privacy\/notice#profiling\n\nDo you agree to receive personalised recommendations by email\?/] },
      { say: 'yes', expect: [DONE_GIVEN.en] },
    ],
    recorded: [['profiling', 'email', 'given']],
  },
  {
    name: 'give (it, verified): asks the purpose, then the channel, then shows the notice',
    locale: 'it',
    held: 'verified',
    turns: [
      { say: 'vorrei dare un consenso', intent: 'consent.give', expect: ['Quale di questi desidera ricevere?'] },
      { say: 'Offerte dei partner', expect: [/^Su quale canale\?/] },
      { say: 'posta', expect: [/informativa privacy \(versione 2026-03\): https:\/\/example\.com\/privacy\/notice#partners\n\nAcconsente a ricevere offerte dei partner via posta\?/] },
      { say: 'certo', expect: [DONE_GIVEN.it] },
    ],
    recorded: [['partner_sharing', 'post', 'given']],
  },
  {
    name: 'already withdrawn (verified): nothing to change, nothing recorded',
    locale: 'en',
    held: 'verified',
    turns: [
      { say: 'stop calling me with offers', intent: 'consent.revoke', expect: [/^Stop offers and promotions by phone; keep email and SMS\?$/] },
      { say: 'yes', expect: [DONE_WITHDRAWN.en] },
      { say: 'stop calling me with offers', intent: 'consent.revoke', expect: ["You've already withdrawn offers and promotions by phone, so there's nothing to change."] },
    ],
    recorded: [['marketing_offers', 'phone', 'withdrawn']],
  },
  {
    name: 'identified only: the questions never reveal the current state, and withdrawing again is recorded again',
    locale: 'en',
    held: 'identified',
    turns: [
      { say: 'stop calling me with offers', intent: 'consent.revoke', expect: ['Stop offers and promotions by phone?'] },
      { say: 'yes', expect: [DONE_WITHDRAWN.en] },
      { say: 'stop calling me with offers', intent: 'consent.revoke', expect: ['Stop offers and promotions by phone?'] },
      { say: 'yes', expect: [DONE_WITHDRAWN.en] },
    ],
    recorded: [
      ['marketing_offers', 'phone', 'withdrawn'],
      ['marketing_offers', 'phone', 'withdrawn'],
    ],
  },
  {
    name: 'service messages rest on the contract, not on consent: explained, nothing recorded',
    locale: 'en',
    held: 'identified',
    turns: [{ say: 'stop the service messages', intent: 'consent.revoke', expect: [/^Service messages: we don't send these on the basis of your consent/] }],
    recorded: [],
  },
];

const CHECK_EN = 'What did I agree to?';

describe('consent dialogs', function () {
  this.timeout(60_000);
  const world = useConsentWorld();

  describe('withdraw and give, as tables of turns; the ledger holds exactly the expected events', () => {
    for (const c of CASES) {
      it(`${c.locale}: ${c.name}`, async () => {
        const customer = await registerCustomer(world);
        const ledgerBefore = await ledgerFootprint(world.ledger);
        const intents = Object.fromEntries(c.turns.filter((turn) => turn.intent).map((turn) => [turn.say, turn.intent as IntentName]));
        const conversation = consentConversation(world, c.locale, { intents, held: c.held ? heldBy(customer, c.held) : undefined });
        for (const [index, turn] of c.turns.entries()) {
          const replies = await conversation.say(turn.say.replace('{email}', customer.email));
          matches(replies, turn.expect, `turn ${index + 1} "${turn.say}"`);
        }
        const events = await newEvents(world, customer);
        assert.deepEqual(
          events.map((e) => [e.purposeId, e.channel, e.state]),
          c.recorded,
        );
        if (c.recorded.length === 0) assert.deepEqual(await ledgerFootprint(world.ledger), ledgerBefore, 'no receipt, outbox row or audit entry either');
        for (const event of events) {
          assert.equal(event.collectionMethod, 'web_chat');
          assert.equal(event.language, c.locale);
          assert.equal(event.actor, `customer:${customer.subjectId}`);
          assert.equal(event.noticeVersion, '2026-03');
          assert.match(event.conversationId ?? '', /^consent-test-/);
          assert.equal(typeof event.evidence.activityId, 'string');
        }
      });
    }
  });

  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: an address that matches nobody is noted like any other, then nothing can change and nothing is recorded`, async () => {
      const t = world.dialogs.translations.for(locale);
      const stop = locale === 'en' ? 'Stop texting me offers' : 'Non mandatemi più offerte via SMS';
      const conversation = consentConversation(world, locale, { intents: { [stop]: 'consent.revoke' } });
      const ledgerBefore = await ledgerFootprint(world.ledger);
      await conversation.say(stop);
      const replies = await conversation.say('nobody.on.file@example.com');
      assert.deepEqual(replies, [t.t('identity.noted', { identifier: 'n***@example.com' }), t.t('consent.notMatched')]);
      // A "yes" now answers no question.
      await conversation.say(t.t('consent.confirm.yes'));
      assert.deepEqual(await ledgerFootprint(world.ledger), ledgerBefore, 'no consent event, receipt, outbox row, audit entry or verification');
    });
  }

  it('withdrawing takes no more turns than giving did when the message names purpose and channel (at most 3 from anonymous, where giving cannot even start)', async () => {
    const turnsFor = async (utterance: string, intent: IntentName, held?: 'verified'): Promise<number> => {
      const customer = await registerCustomer(world);
      const conversation = consentConversation(world, 'en', { intents: { [utterance]: intent }, held: held ? heldBy(customer, held) : undefined });
      await conversation.say(utterance);
      if (!held) await conversation.say(customer.email);
      const replies = await conversation.say('yes');
      assert.match(replies[0], /^Done\./);
      return conversation.turns;
    };
    const give = await turnsFor('send me offers by post', 'consent.give', 'verified');
    const withdraw = await turnsFor('stop sending me offers by post', 'consent.revoke', 'verified');
    assert.ok(withdraw <= give, `withdraw took ${withdraw} turns, give ${give}`);
    assert.ok((await turnsFor('stop sending me offers by post', 'consent.revoke')) <= 3, 'from anonymous, withdrawing takes at most 3 turns');
  });

  for (const locale of SHIPPED_LOCALES) {
    describe(`cancel midway records nothing (${locale})`, () => {
      let t: Translator;
      before(() => {
        t = world.dialogs.translations.for(locale);
      });
      const stops: Record<ShippedLocale, string> = { en: 'Stop texting me offers', it: 'Non mandatemi più offerte via SMS' };

      it('at the identity question', async () => {
        const customer = await registerCustomer(world);
        const ledgerBefore = await ledgerFootprint(world.ledger);
        const conversation = consentConversation(world, locale, { intents: { [stops[locale]]: 'consent.revoke' } });
        await conversation.say(stops[locale]);
        const replies = await conversation.say(keyword(world.dialogs, locale, 'cancel'));
        assert.ok(replies[0].startsWith(t.t('cancel.done')), replies[0]);
        assert.deepEqual(await newEvents(world, customer), []);
        assert.deepEqual(await ledgerFootprint(world.ledger), ledgerBefore);
      });

      it('at the channel question', async () => {
        const customer = await registerCustomer(world);
        const ask: Record<ShippedLocale, string> = { en: 'stop sending me offers', it: 'basta offerte' };
        const ledgerBefore = await ledgerFootprint(world.ledger);
        const conversation = consentConversation(world, locale, { intents: { [ask[locale]]: 'consent.revoke' }, held: heldBy(customer, 'identified') });
        await conversation.say(ask[locale]);
        const replies = await conversation.say(keyword(world.dialogs, locale, 'cancel'));
        assert.ok(replies[0].startsWith(t.t('cancel.done')), replies[0]);
        assert.deepEqual(await newEvents(world, customer), []);
        assert.deepEqual(await ledgerFootprint(world.ledger), ledgerBefore);
      });

      it('at the confirmation', async () => {
        const customer = await registerCustomer(world);
        const ledgerBefore = await ledgerFootprint(world.ledger);
        const conversation = consentConversation(world, locale, { intents: { [stops[locale]]: 'consent.revoke' }, held: heldBy(customer, 'identified') });
        await conversation.say(stops[locale]);
        const replies = await conversation.say(keyword(world.dialogs, locale, 'cancel'));
        assert.ok(replies[0].startsWith(t.t('cancel.done')), replies[0]);
        assert.deepEqual(await newEvents(world, customer), []);
        assert.deepEqual(await ledgerFootprint(world.ledger), ledgerBefore);
      });
    });
  }

  describe('check and history, behind the verification gate', () => {
    const CHECK: Record<ShippedLocale, string> = { en: 'What did I agree to?', it: 'A cosa ho dato il consenso?' };

    for (const locale of SHIPPED_LOCALES) {
      it(`${locale}: an identified (not verified) customer is queued for a person first, and sees nothing yet`, async () => {
        const customer = await registerCustomer(world);
        const t = world.dialogs.translations.for(locale);
        const conversation = consentConversation(world, locale, { intents: { [CHECK[locale]]: 'consent.check' } });
        assert.deepEqual(await conversation.say(CHECK[locale]), [t.t('identity.prompt')]);
        assert.deepEqual(await conversation.say(customer.email), [t.t('identity.noted', { identifier: customer.masked }), t.t('handoff.queuedForVerification', { position: 1 })]);
        const [ticket] = await conversation.hub.queue();
        assert.equal(ticket.pendingAction, 'consent.view');
      });
    }

    it('en: a verified customer sees every purpose and channel, with when, where and which notice, in their time zone (card with text fallback)', async () => {
      const customer = await registerCustomer(world);
      const conversation = consentConversation(world, 'en', { intents: { [CHECK.en]: 'consent.check' }, held: heldBy(customer, 'verified'), localTimezone: 'Europe/London' });
      const [reply] = await conversation.sayForActivities(CHECK.en);
      const card = reply.attachments?.[0];
      assert.equal(card?.contentType, 'application/vnd.microsoft.card.adaptive');
      const content = card?.content as { fallbackText: string; body: { type: string; facts?: { title: string; value: string }[] }[] };
      const text = content.fallbackText;
      assert.match(text, /^Here's what you've agreed to, per purpose and channel \(times in Europe\/London\):/);
      assert.ok(text.includes('**Offers and promotions**\n- Email: agreed (since March 15, 2026 at 10:30 AM GMT, recorded in our systems, privacy notice version 2026-03)\n- SMS: agreed (since March 15, 2026 at 10:30 AM GMT'), text);
      assert.ok(text.includes('\n- Post: never asked\n'), text);
      assert.ok(!text.includes('Service messages'), 'contract-based purposes are not consents');
      assert.ok(reply.suggestedActions?.actions.some((action) => action.title === 'Withdraw a consent'), 'what to do next is one click away');
      const factSets = content.body.filter((block) => block.type === 'FactSet');
      assert.equal(factSets.length, 4, 'one fact set per consent-based purpose');
    });

    it('it: after a withdrawal in chat the overview says when and where it happened', async () => {
      const customer = await registerCustomer(world);
      const stop = 'Non mandatemi più offerte via SMS';
      const conversation = consentConversation(world, 'it', { intents: { [stop]: 'consent.revoke', [CHECK.it]: 'consent.check' }, held: heldBy(customer, 'verified'), localTimezone: 'Europe/Rome' });
      await conversation.say(stop);
      await conversation.say('sì');
      const [overview] = await conversation.say(CHECK.it);
      assert.match(overview, /SMS: consenso revocato \(dal .+, nella chat del sito, informativa privacy versione 2026-03\)/);
      assert.match(overview, /Email: consenso dato \(dal 15 marzo 2026 alle ore 11:30 CET, registrato nei nostri sistemi/i);
    });

    it('en: "when did I agree to the newsletter?" gets that consent’s history', async () => {
      const customer = await registerCustomer(world);
      const when = 'When did I agree to the newsletter?';
      const conversation = consentConversation(world, 'en', { intents: { [when]: 'consent.check' }, held: heldBy(customer, 'verified'), localTimezone: 'America/New_York' });
      const [history] = await conversation.say(when);
      assert.equal(history, "Here's every choice on record about Newsletter (times in America/New_York):\n\n- March 15, 2026 at 6:30 AM EDT: agreed for email, recorded in our systems, privacy notice version 2026-03");
    });

    it('it: the history of a purpose never asked says so', async () => {
      const customer = await registerCustomer(world);
      const when = 'Quando ho acconsentito alla profilazione?';
      const conversation = consentConversation(world, 'it', { intents: { [when]: 'consent.check' }, held: heldBy(customer, 'verified') });
      assert.deepEqual(await conversation.say(when), ['Non risulta alcuna scelta registrata per Consigli personalizzati: non le è mai stato chiesto.']);
    });
  });

  it('Teams: a signed-in user whose account is linked sees the card at once, and a withdrawal there is recorded as collected in Teams', async () => {
    const aad = randomUUID();
    const customer = await registerCustomer(world, aad);
    const stop = 'Stop texting me offers';
    const conversation = consentConversation(world, 'en', { intents: { [CHECK_EN]: 'consent.check', [stop]: 'consent.revoke' }, teamsUser: aad });
    const [overview] = await conversation.sayForActivities(CHECK_EN);
    assert.equal(overview.attachments?.[0]?.contentType, 'application/vnd.microsoft.card.adaptive', 'verified by the channel: no question asked');
    assert.deepEqual(await conversation.say(stop), ['Stop offers and promotions by SMS; keep email?']);
    assert.match((await conversation.say('yes'))[0], DONE_WITHDRAWN.en);
    const events = await newEvents(world, customer);
    assert.deepEqual(
      events.map((e) => [e.purposeId, e.channel, e.state, e.collectionMethod]),
      [['marketing_offers', 'sms', 'withdrawn', 'teams']],
    );
    assert.match(events[0].conversationId ?? '', /^a:personal-/);
  });

  it('the confirmation links a receipt that is stored, signed and names the change', async () => {
    const customer = await registerCustomer(world);
    const conversation = consentConversation(world, 'en', { intents: { 'Stop texting me offers': 'consent.revoke' }, held: heldBy(customer, 'identified') });
    await conversation.say('Stop texting me offers');
    const [done] = await conversation.say('yes');
    const url = DONE_WITHDRAWN.en.exec(done)?.[3] ?? '';
    assert.ok(url.startsWith(`${PUBLIC_BASE_URL}/receipts/`), done);
    const stored = await world.receipts.findByToken(url.slice(`${PUBLIC_BASE_URL}/receipts/`.length));
    assert.ok(stored, 'the link finds the receipt');
    assert.equal(stored.receiptId, DONE_WITHDRAWN.en.exec(done)?.[2]);
    assert.equal(stored.subjectId, customer.subjectId);
  });

  it('the confirmation question offers Yes and No as buttons', async () => {
    const customer = await registerCustomer(world);
    const conversation = consentConversation(world, 'en', { intents: { 'Stop texting me offers': 'consent.revoke' }, held: heldBy(customer, 'identified') });
    const replies: Partial<Activity>[] = await conversation.sayForActivities('Stop texting me offers');
    assert.deepEqual(
      replies[0].suggestedActions?.actions.map((a) => a.title),
      ['Yes', 'No'],
    );
  });
});
