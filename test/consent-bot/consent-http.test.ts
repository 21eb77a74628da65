import assert from 'node:assert/strict';
import { Activity } from 'botbuilder';
import { Translations, Translator } from '../../src/i18n/translator';
import { verifyWebhookSignature } from '../../src/integrations/consent-webhook/webhook-signature';
import { formatInZone } from '../../src/privacy/clocks/deadlines';
import { WebhookOutbox } from '../../src/ledger/webhooks/webhook-outbox';
import { ACTIVITY_LOCALE } from '../dialogs/dialog-harness';
import { eventually } from '../handoff-bot/handoff-support';
import { ledgerFootprint } from '../ledger/support/ledger-footprint';
import { ReceivedPost, WebhookReceiver } from '../integrations/consent-webhook/webhook-receiver';
import { messageActivity, postActivity, PostResult, uniqueConversationId } from '../support/test-app';
import {
  addSmsCustomer,
  assertOneChatWithdrawal,
  assertSmsOffersWithdrawnReceipt,
  ConsentStack,
  countRows,
  eventsOf,
  openReceipt,
  sentencePattern,
  SmsCustomer,
  startConsentStack,
} from './consent-stack';

const WEBHOOK_SECRET = 'consent-e2e-webhook-secret-0123456789abcdef';

/** A customer on an HTTP channel asking for the replies in the response (expectReplies). */
class Customer {
  readonly conversationId: string;
  /** The last activity sent, to send again as a channel's retry would. */
  last: Partial<Activity> | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly locale: string,
    label: string,
  ) {
    this.conversationId = uniqueConversationId(label);
  }

  async say(text: string): Promise<PostResult> {
    this.last = messageActivity(this.conversationId, text, { locale: this.locale });
    return this.post(this.last);
  }

  async post(activity: Partial<Activity>): Promise<PostResult> {
    const result = await postActivity(this.baseUrl, activity);
    assert.equal(result.status, 200, `the bot answered ${result.status}: ${JSON.stringify(result.body)}`);
    return result;
  }
}

interface Withdrawal {
  readonly customer: Customer;
  readonly done: PostResult;
  /** The id of the "yes" activity. */
  readonly yesId: string;
}

/** Parts of the "done" message: the receipt reference and link. */
function receiptOf(t: Translator, text: string): { reference: string; url: string } {
  const [, receiptLine] = text.split('\n\n');
  const match = sentencePattern(t, 'consent.done.receipt', { receiptId: undefined, url: undefined }).exec(receiptLine ?? '');
  assert.ok(match, `the receipt sentence: ${JSON.stringify(text)}`);
  return { reference: match[1], url: match[2] };
}

describe('consent self-service over /api/messages (bot, PostgreSQL ledger, receipts, webhook)', function () {
  this.timeout(60_000);
  let stack: ConsentStack;
  let receiver: WebhookReceiver;
  let translations: Translations;
  const tr = (locale: 'en' | 'it'): Translator => translations.for(locale);

  before(async () => {
    translations = await Translations.load();
    receiver = await WebhookReceiver.reserve();
    await receiver.answer(200);
    stack = await startConsentStack({ CONSENT_WEBHOOK_URL: receiver.url, CONSENT_WEBHOOK_SECRET: WEBHOOK_SECRET, CONSENT_WEBHOOK_POLL_MS: '100' });
  });

  after(async () => {
    await stack?.close();
    await receiver?.close();
  });

  /**
   * "Stop texting me offers" → the identifier → the confirmation (asserted) → "yes". Returns the
   * "done" turn; asserts every reply a customer reads on the way.
   */
  async function withdrawSmsOffers(who: SmsCustomer, locale: 'en' | 'it'): Promise<Withdrawal> {
    const t = tr(locale);
    const customer = new Customer(stack.baseUrl, ACTIVITY_LOCALE[locale], `consent-${locale}`);
    const asked = await customer.say(locale === 'en' ? 'Stop texting me offers' : 'Non mandatemi più offerte via SMS');
    assert.equal(asked.texts.at(-1), t.t('identity.prompt'), JSON.stringify(asked.texts));
    const identified = await customer.say(who.email);
    const scope = t.t('consent.scope.purposeByChannels', { purpose: locale === 'en' ? 'offers and promotions' : 'le offerte e le promozioni', channels: 'SMS' });
    assert.deepEqual(identified.texts, [t.t('identity.noted', { identifier: who.masked }), t.t('consent.confirm.withdraw', { scope })]);
    assert.deepEqual(
      identified.replies[1].suggestedActions?.actions.map((action) => action.title),
      [t.t('consent.confirm.yes'), t.t('consent.confirm.no')],
    );
    const done = await customer.say(t.t('consent.confirm.yes'));
    return { customer, done, yesId: customer.last?.id ?? '' };
  }

  it('a demo customer withdraws SMS offers in three messages; "done" names the time and links a signed receipt; the ledger holds exactly that change', async () => {
    const t = tr('en');
    const maya = stack.demo.maya;
    const before = (await eventsOf(stack, maya.subjectId)).length;
    const { customer, done, yesId } = await withdrawSmsOffers(maya, 'en');

    assert.equal(done.replies.length, 1, JSON.stringify(done.texts));
    const event = assertOneChatWithdrawal(await eventsOf(stack, maya.subjectId), before, { subjectId: maya.subjectId, conversationId: customer.conversationId, language: 'en', activityId: yesId });
    const [doneLine] = done.texts[0].split('\n\n');
    // No time zone from this client: the time is said in UTC, and it is the time the ledger recorded.
    const time = formatInZone(event.occurredAt, 'UTC', 'en');
    assert.match(doneLine, sentencePattern(t, 'consent.done.withdrawn', { time: undefined, scope: 'offers and promotions by SMS' }));
    assert.ok(doneLine.includes(time), `"${doneLine}" says ${time}`);
    assert.ok((done.replies[0].suggestedActions?.actions.length ?? 0) > 0, 'the menu follows as buttons');

    const { reference, url } = receiptOf(t, done.texts[0]);
    assert.ok(url.startsWith(`${stack.baseUrl}/receipts/`), url);
    assertSmsOffersWithdrawnReceipt(await openReceipt(url), maya, reference, event);
    assert.equal(await countRows(stack.ledger, 'consent_receipt', maya.subjectId), 1);
    // The logs keep neither the address the customer typed nor the link that opens the receipt.
    const logs = stack.running.logs.text;
    assert.ok(!logs.includes(maya.email), 'the email address is not logged');
    assert.ok(!logs.includes(url.slice(url.lastIndexOf('/') + 1)), 'the receipt link token is not logged');
  });

  it('a channel retry of the "yes" (same activity id) gets no reply at all and records nothing more', async () => {
    const oliver = stack.demo.oliver;
    const { customer, done } = await withdrawSmsOffers(oliver, 'en');
    assert.equal(done.replies.length, 1, 'the first delivery was answered');
    const events = (await eventsOf(stack, oliver.subjectId)).length;
    const ledgerBefore = await ledgerFootprint(stack.ledger);
    assert.ok(customer.last);

    // README: a redelivered activity is recognised by the turn runner and not processed again (no second reply).
    const retried = await customer.post(customer.last);
    assert.deepEqual(retried.replies, [], `the retry is answered with nothing: ${JSON.stringify(retried.texts)}`);
    assert.equal((await eventsOf(stack, oliver.subjectId)).length, events, 'no second consent event');
    assert.deepEqual(await ledgerFootprint(stack.ledger), ledgerBefore, 'no second receipt, webhook delivery or audit entry');
  });

  it('the company’s system receives one signed consent.changed delivery for the withdrawal, with no email address in it', async () => {
    const who = await addSmsCustomer(stack, 'webhook.customer');
    const { customer } = await withdrawSmsOffers(who, 'en');
    const withdrawal = (await eventsOf(stack, who.subjectId)).at(-1);
    assert.ok(withdrawal);
    const carries = (post: ReceivedPost): boolean => (JSON.parse(post.body) as { events: { eventId: string }[] }).events.some((e) => e.eventId === withdrawal.id);
    await eventually(() => receiver.accepted.some(carries), 'the webhook delivery of the withdrawal', 15_000);
    // Once the outbox has nothing pending, nothing more will be posted.
    const outbox = new WebhookOutbox(stack.ledger.db);
    await eventually(async () => (await outbox.stats()).pending === 0, 'the outbox to be drained', 15_000);

    const deliveries = receiver.accepted.filter(carries);
    assert.equal(deliveries.length, 1, 'delivered once');
    const [post] = deliveries;
    const id = String(post.headers['webhook-id']);
    assert.ok(
      verifyWebhookSignature(WEBHOOK_SECRET, { id, timestamp: String(post.headers['webhook-timestamp']), signature: String(post.headers['webhook-signature']), body: post.body }),
      'Webhook-Signature verifies with the shared secret over the raw body',
    );
    const payload = JSON.parse(post.body) as { id: string; type: string; subjectId: string; events: Record<string, unknown>[] };
    assert.equal(payload.type, 'consent.changed');
    assert.equal(payload.id, id);
    assert.equal(payload.subjectId, who.subjectId);
    assert.equal(payload.events.length, 1);
    const [event] = payload.events;
    assert.deepEqual([event.purposeId, event.channel, event.state, event.collectionMethod, event.conversationId, event.actor], ['marketing_offers', 'sms', 'withdrawn', 'web_chat', customer.conversationId, `customer:${who.subjectId}`]);
    assert.ok(!post.body.includes('@'), `no email address leaves through the webhook: ${post.body}`);
    assert.ok(!post.body.includes('evidence'), 'no evidence either');
  });

  it('a customer not on file hears that their identifier was noted and that no record matched; nothing is recorded', async () => {
    const t = tr('en');
    const ledgerBefore = await ledgerFootprint(stack.ledger);
    const customer = new Customer(stack.baseUrl, ACTIVITY_LOCALE.en, 'consent-nobody');
    await customer.say('Stop texting me offers');
    const identified = await customer.say('nobody@example.com');
    assert.deepEqual(identified.texts, [t.t('identity.noted', { identifier: 'n***@example.com' }), t.t('consent.notMatched')]);
    assert.ok((identified.replies[1].suggestedActions?.actions.length ?? 0) > 0, 'the menu follows as buttons: not a dead end');
    // A "yes" now is not an answer to any question: it records nothing.
    await customer.say(t.t('consent.confirm.yes'));
    assert.deepEqual(await ledgerFootprint(stack.ledger), ledgerBefore, 'no consent event, receipt, webhook delivery, audit entry or verification');
  });

  it('the ledger fails at the "yes": the customer gets the apology in Italian, nothing is recorded; once it is back, "sì" again completes', async () => {
    const t = tr('it');
    const giulia = stack.demo.giulia;
    const before = (await eventsOf(stack, giulia.subjectId)).length;
    const customer = new Customer(stack.baseUrl, ACTIVITY_LOCALE.it, 'consent-outage');
    await customer.say('Non mandatemi più offerte via SMS');
    const confirm = await customer.say(giulia.email);
    assert.equal(confirm.texts.at(-1), t.t('consent.confirm.withdraw', { scope: 'le offerte e le promozioni via SMS' }));

    const ledgerBefore = await ledgerFootprint(stack.ledger);
    await stack.sideQuery('ALTER TABLE consent_receipt RENAME TO consent_receipt_away');
    let failed: PostResult;
    try {
      failed = await customer.say(t.t('consent.confirm.yes'));
    } finally {
      await stack.sideQuery('ALTER TABLE consent_receipt_away RENAME TO consent_receipt');
    }
    assert.equal(failed.texts.length, 1, JSON.stringify(failed.texts));
    assert.match(failed.texts[0], sentencePattern(t, 'bot.apology', { errorId: undefined }));
    assert.equal((await eventsOf(stack, giulia.subjectId)).length, before, 'no consent event was written');
    assert.equal(await countRows(stack.ledger, 'consent_receipt', giulia.subjectId), 0);
    assert.deepEqual(await ledgerFootprint(stack.ledger), ledgerBefore, 'nothing half-written: no receipt, webhook delivery or audit entry either');

    // "Nothing has been changed, so please try again": the question still stands.
    const done = await customer.say(t.t('consent.confirm.yes'));
    assert.match(done.texts[0] ?? '', sentencePattern(t, 'consent.done.withdrawn', { time: undefined, scope: 'le offerte e le promozioni via SMS' }, false));
    assertOneChatWithdrawal(await eventsOf(stack, giulia.subjectId), before, { subjectId: giulia.subjectId, conversationId: customer.conversationId, language: 'it', activityId: customer.last?.id });
  });
});
