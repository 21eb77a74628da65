import assert from 'node:assert/strict';
import { Activity } from 'botbuilder';
import { Translations, Translator } from '../../src/i18n/translator';
import type { ConsentEvent } from '../../src/ledger/consent/consent-types';
import { ACTIVITY_LOCALE } from '../dialogs/dialog-harness';
import { assertContentSecurityPolicy } from '../support/content-security-policy';
import { messageActivity, postActivity, PostResult, uniqueConversationId } from '../support/test-app';
import { addSmsCustomer, ConsentStack, countRows, eventsOf, openReceipt, sentencePattern, SmsCustomer, startConsentStack } from './consent-stack';

/** What `GET /dev/outbox` lists: the messages the bot "sent" with no mail server or SMS provider. */
interface OutboxEntry {
  readonly channel: 'email' | 'sms';
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly sentAt: string;
}

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const PARTNER_CHANNELS = ['email', 'sms', 'phone', 'post'];

/** A customer on an HTTP channel (expectReplies); `gpc` puts Global Privacy Control on every activity, as our Web Chat page does. */
class Customer {
  readonly conversationId: string;

  constructor(
    private readonly baseUrl: string,
    private readonly locale: 'en' | 'it',
    label: string,
    private readonly gpc = false,
  ) {
    this.conversationId = uniqueConversationId(label);
  }

  async say(text: string): Promise<PostResult> {
    const activity: Partial<Activity> = messageActivity(this.conversationId, text, { locale: ACTIVITY_LOCALE[this.locale], ...(this.gpc ? { channelData: { gpc: true } } : {}) });
    const result = await postActivity(this.baseUrl, activity);
    assert.equal(result.status, 200, `the bot answered ${result.status}: ${JSON.stringify(result.body)}`);
    return result;
  }
}

describe('consent assurance over /api/messages (bot, PostgreSQL ledger, receipts, outbox, GPC)', function () {
  this.timeout(90_000);
  let stack: ConsentStack;
  let translations: Translations;
  const tr = (locale: 'en' | 'it'): Translator => translations.for(locale);

  before(async () => {
    translations = await Translations.load();
    stack = await startConsentStack();
  });

  after(async () => {
    await stack?.close();
  });

  async function outbox(): Promise<OutboxEntry[]> {
    const response = await fetch(`${stack.baseUrl}/dev/outbox`, { headers: { accept: 'application/json' } });
    assert.equal(response.status, 200, 'the development outbox is served outside production');
    return (await response.json()) as OutboxEntry[];
  }

  const partnerEvents = (events: readonly ConsentEvent[]): ConsentEvent[] => events.filter((event) => event.purposeId === 'partner_sharing');

  it('a stranger who knows an address cannot give consent for its owner: nothing is recorded, whatever they answer', async () => {
    const victim = await addSmsCustomer(stack, 'give.victim');
    const events = (await eventsOf(stack, victim.subjectId)).length;
    const stranger = new Customer(stack.baseUrl, 'en', 'give-stranger');
    const t = tr('en');
    assert.equal((await stranger.say('send me offers from your partners by post')).texts.at(-1), t.t('identity.prompt'));
    const identified = await stranger.say(victim.email);
    assert.equal(identified.texts[0], t.t('identity.noted', { identifier: victim.masked }));
    const asked = /Do you agree to receive/;
    for (const text of [t.t('consent.confirm.yes'), 'yes', '123456']) {
      const replies = await stranger.say(text);
      assert.ok(!replies.texts.some((reply) => asked.test(reply) || reply.startsWith('Done.')), JSON.stringify(replies.texts));
    }
    assert.equal((await eventsOf(stack, victim.subjectId)).length, events, 'no consent event');
    assert.equal(await countRows(stack.ledger, 'consent_receipt', victim.subjectId), 0, 'no receipt');
  });

  it('it: an identified withdrawal — the reply names only the change, the receipt page and JSON show only it, and the notice is in the outbox for the address on file', async () => {
    const t = tr('it');
    const who: SmsCustomer = await addSmsCustomer(stack, 'notice.it', 'it');
    const customer = new Customer(stack.baseUrl, 'it', 'notice-it');
    await customer.say('Non mandatemi più offerte via SMS');
    assert.equal((await customer.say(who.email)).texts.at(-1), t.t('consent.confirm.withdraw', { scope: 'le offerte e le promozioni via SMS' }));
    const done = await customer.say(t.t('consent.confirm.yes'));
    const [doneLine, receiptLine, noticeLine, ...more] = done.texts[0].split('\n\n');
    assert.match(doneLine, sentencePattern(t, 'consent.done.withdrawn', { time: undefined, scope: 'le offerte e le promozioni via SMS' }));
    assert.equal(noticeLine, t.t('consent.done.noticeSent'));
    assert.deepEqual(more, []);
    const match = sentencePattern(t, 'consent.done.receipt', { receiptId: undefined, url: undefined }).exec(receiptLine);
    assert.ok(match, receiptLine);
    const [, reference, url] = match;

    const receipt = await openReceipt(url);
    assert.equal(receipt.consentReceiptID, reference);
    assert.equal(receipt.disclosure, 'change_only');
    assert.deepEqual(
      receipt.services.flatMap((service) => service.purposes.map((purpose) => [purpose.purposeId, purpose.channels.map((channel) => channel.channel)])),
      [['marketing_offers', ['sms']]],
    );
    const jsonByQuery = await (await fetch(`${url}?format=json`, { headers: { accept: BROWSER_ACCEPT } })).json();
    assert.deepEqual(jsonByQuery, await (await fetch(url, { headers: { accept: 'application/json' } })).json(), 'the same file, asked either way');

    const page = await fetch(url, { headers: { accept: BROWSER_ACCEPT } });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-language'), 'it');
    assertContentSecurityPolicy(page.headers.get('content-security-policy'), {
      'default-src': ["'none'"],
      'style-src': ["'self'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'object-src': ["'none'"],
      'frame-ancestors': ["'none'"],
    });
    const html = await page.text();
    assert.ok(html.includes(`<h1>${t.t('receipt.page.title')}</h1>`));
    assert.ok(html.includes(t.t('receipt.page.changeOnly')));
    assert.ok(!html.includes(t.t('receipt.page.stateHeading')) && !html.includes('Newsletter'), 'nothing of the rest of the state');
    assert.ok(html.includes(`${stack.baseUrl}/receipts/keys`) && html.includes('npm run ledger -- receipt verify'));

    const notices = (await outbox()).filter((entry) => entry.text.includes(reference));
    assert.equal(notices.length, 1, 'one notice');
    assert.deepEqual([notices[0].channel, notices[0].to, notices[0].subject], ['email', who.email, t.t('consent.withdrawalNotice.subject')]);
    assert.ok(notices[0].text.includes('le offerte e le promozioni via SMS'), notices[0].text);
    const audit = (await stack.ledger.db.query<{ details: unknown }>("SELECT details FROM audit_log WHERE action = 'consent.withdrawal_notice' AND entity_id = $1", [who.subjectId])).rows;
    assert.equal(audit.length, 1);
    assert.ok(!JSON.stringify(audit).includes(who.email), 'the audit keeps no address');
    assert.ok(!stack.running.logs.text.includes(who.email), 'no address in the logs');
  });

  it('en: "do not sell or share my personal information" is its own request: who it is for, one question, partner sharing withdrawn on every channel', async () => {
    const t = tr('en');
    const who = await addSmsCustomer(stack, 'optout.en');
    const before = (await eventsOf(stack, who.subjectId)).length;
    const customer = new Customer(stack.baseUrl, 'en', 'optout-en');
    assert.equal((await customer.say('Do not sell or share my personal information')).texts.at(-1), t.t('identity.prompt'));
    const asked = await customer.say(who.email);
    assert.deepEqual(asked.texts, [t.t('identity.noted', { identifier: who.masked }), t.t('consent.optOutSale.confirm', { channels: 'email, SMS, phone, and post' })]);
    const done = await customer.say('yes');
    assert.match(done.texts[0].split('\n\n')[0], sentencePattern(t, 'consent.optOutSale.done', { time: undefined, channels: 'email, SMS, phone, and post' }));
    const fresh = (await eventsOf(stack, who.subjectId)).slice(before);
    assert.deepEqual(
      fresh.map((event) => [event.purposeId, event.channel, event.state, event.evidence.basis, event.conversationId]),
      PARTNER_CHANNELS.map((channel) => ['partner_sharing', channel, 'withdrawn', 'sale_opt_out', customer.conversationId]),
    );
  });

  it('GPC: an identified customer’s conversation records the opt-out once, tells them, and later turns record nothing more', async () => {
    const t = tr('en');
    const who = await addSmsCustomer(stack, 'gpc.en');
    const before = (await eventsOf(stack, who.subjectId)).length;
    const customer = new Customer(stack.baseUrl, 'en', 'gpc-en', true);
    await customer.say('Stop texting me offers');
    // Identified now, and a question waits: the opt-out comes before the next answer, not after the question.
    assert.equal((await customer.say(who.email)).texts.at(-1), t.t('consent.confirm.withdraw', { scope: 'offers and promotions by SMS' }));
    const yes = await customer.say('yes');
    assert.equal(yes.texts.length, 2, JSON.stringify(yes.texts));
    const [gpcLine, receiptLine, noticeLine] = yes.texts[0].split('\n\n');
    assert.match(gpcLine, sentencePattern(t, 'consent.optOutSale.gpc', { time: undefined, channels: 'email, SMS, phone, and post' }));
    assert.match(receiptLine, sentencePattern(t, 'consent.done.receipt', { receiptId: undefined, url: undefined }));
    assert.equal(noticeLine, t.t('consent.done.noticeSent'));
    assert.match(yes.texts[1], /^Done\. From .+ you no longer receive offers and promotions by SMS\./);

    const afterFirst = (await eventsOf(stack, who.subjectId)).slice(before);
    assert.deepEqual(
      afterFirst.map((event) => [event.purposeId, event.channel, event.state, event.evidence.basis ?? null]),
      [...PARTNER_CHANNELS.map((channel) => ['partner_sharing', channel, 'withdrawn', 'gpc_signal']), ['marketing_offers', 'sms', 'withdrawn', null]],
    );
    // A second turn, and a second request that identifies nobody new: nothing more, and no second word about GPC.
    for (const text of ['help', 'I withdraw my consent', 'Newsletter', 'yes']) {
      const replies = await customer.say(text);
      assert.ok(!replies.texts.some((reply) => reply.includes('Global Privacy Control')), JSON.stringify(replies.texts));
    }
    const all = (await eventsOf(stack, who.subjectId)).slice(before);
    assert.equal(partnerEvents(all).length, PARTNER_CHANNELS.length, 'the GPC opt-out is recorded once in this conversation');
    assert.deepEqual(
      all.slice(afterFirst.length).map((event) => [event.purposeId, event.channel]),
      [['newsletter', 'email']],
      'only what the customer asked for afterwards',
    );
  });

  it('GPC and the request together: answering the opt-out question records it once, with no second GPC opt-out', async () => {
    const t = tr('it');
    const who = await addSmsCustomer(stack, 'gpc.optout.it', 'it');
    const before = (await eventsOf(stack, who.subjectId)).length;
    const customer = new Customer(stack.baseUrl, 'it', 'gpc-optout-it', true);
    await customer.say('Non vendete né condividete i miei dati personali');
    await customer.say(who.email);
    const done = await customer.say(t.t('consent.confirm.yes'));
    assert.equal(done.texts.length, 1, JSON.stringify(done.texts));
    assert.match(done.texts[0].split('\n\n')[0], sentencePattern(t, 'consent.optOutSale.done', { time: undefined, channels: 'email, SMS, telefono e posta' }));
    await customer.say('aiuto');
    assert.deepEqual(
      (await eventsOf(stack, who.subjectId)).slice(before).map((event) => [event.purposeId, event.channel, event.evidence.basis]),
      PARTNER_CHANNELS.map((channel) => ['partner_sharing', channel, 'sale_opt_out']),
    );
  });

  it('GPC from someone whose address matches nobody, or without the signal: nothing is recorded', async () => {
    const events = await countRows(stack.ledger, 'consent_event');
    const nobody = new Customer(stack.baseUrl, 'en', 'gpc-nobody', true);
    await nobody.say('Stop texting me offers');
    await nobody.say('not.on.file@example.com');
    await nobody.say('help');
    assert.equal(await countRows(stack.ledger, 'consent_event'), events);

    const who = await addSmsCustomer(stack, 'no.gpc');
    const before = (await eventsOf(stack, who.subjectId)).length;
    const plain = new Customer(stack.baseUrl, 'en', 'no-gpc');
    await plain.say('Stop texting me offers');
    await plain.say(who.email);
    await plain.say('yes');
    assert.deepEqual(partnerEvents((await eventsOf(stack, who.subjectId)).slice(before)), []);
  });
});
