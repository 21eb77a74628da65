import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { dataQuestion, receivedText } from '../../dialogs/concern-presentation';
import { loadDpoAlertConfig } from '../../src/config/dpo-alert-config';
import type { Translator } from '../../src/i18n/translator';
import { verifyWebhookSignature } from '../../src/integrations/consent-webhook/webhook-signature';
import type { DataCategory } from '../../src/privacy/access/access-types';
import { openAccessRequests } from '../../src/privacy/access/create-access-requests';
import { openConcerns } from '../../src/privacy/concerns/create-concerns';
import type { ConcernService } from '../../src/privacy/concerns/concern-service';
import type { DpoAlertPayload } from '../../src/ledger/webhooks/dpo-alert-payload';
import { addTestAgents } from '../agent/agent-harness';
import { addSmsCustomer, sentencePattern } from '../consent-bot/consent-stack';
import { ReceivedPost, WebhookReceiver } from '../integrations/consent-webhook/webhook-receiver';
import { eventually } from '../support/hang-guard';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { assertAccessible, assertHealthy, openConsole, signInByKeyboard, WAIT_MS } from './agent-console-page';
import { useConsentBrowser } from './consent-browser';
import { emailsTo } from './dev-outbox';
import { assertNothingFailed, openWebChat, see, seeMessage, send, transcript } from './web-chat-page';

/** The DPO alert's webhook and email, sent by the bot's background workers. Only a hang guard. */
const BACKGROUND_WAIT_MS = 60_000;
/** How often the test looks again at state that announces nothing (the outbox). */
const LOOK_AGAIN_MS = 100;
const DPO_EMAIL = 'dpo.alerts@example.com';
const DPO_SECRET = 'concern-e2e-dpo-webhook-secret-0123456789abcdef';
const CONCERN_REFERENCE = /CNC-\d{4}-[0-9A-HJKMNP-TV-Z]{6}-[0-9A-HJKMNP-TV-Z]/;

/** What the customer types: none of it may leave in the DPO alert. */
const DESCRIPTION = 'My email address and my order history showed up on a list of leaked accounts that a friend sent me.';
const DATA_WORDS = 'my email address and my orders';

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** "71 h 59 min left" → minutes. */
function minutesLeft(text: string): number {
  const match = /^(\d+) h (\d\d) min left$/.exec(text);
  assert.ok(match, `a countdown in words: "${text}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * "I think my data was leaked", the whole way, on the shipped stack (PostgreSQL ledger, the bot's
 * background workers): a customer reports a suspected breach in Web Chat, answering one question at
 * a time, and gets the reference, the urgency and the offer of a person; the DPO is alerted at once
 * by a signed webhook (to a local receiver) and an email (the development outbox), neither carrying
 * the customer's words; a supervisor signs in to the agent console, sees the report highlighted as a
 * breach suspect in Concerns, confirms it, and the Incidents view counts down the GDPR's 72 hours.
 */
describe('a suspected breach reported in Web Chat, alerted to the DPO, confirmed in the console (Chromium, end to end)', function () {
  this.timeout(300_000);
  // Filled before the stack starts (this hook runs before useConsentBrowser's, which reads the object then).
  const env: Record<string, string> = { DPO_EMAIL, DPO_WEBHOOK_SECRET: DPO_SECRET };
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await WebhookReceiver.reserve();
    await receiver.answer(200);
    env.DPO_WEBHOOK_URL = receiver.url;
  });
  const suite = useConsentBrowser(env);
  const consoleContexts: BrowserContext[] = [];
  let concerns: ConcernService;
  let categories: readonly DataCategory[];

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await addTestAgents(suite.stack.ledger);
    // The test's own reading of what the bot recorded (same database and schema).
    concerns = await openConcerns(suite.stack.ledger, { dpoAlert: loadDpoAlertConfig(env) });
    categories = openAccessRequests(suite.stack.ledger).categories;
  });

  afterEach(async () => {
    await Promise.all(consoleContexts.splice(0).map((context) => context.close()));
  });

  after(async () => {
    await receiver?.close();
  });

  /** The reference in the confirmation, as the customer reads it in the transcript. */
  async function referenceShown(page: Page, t: Translator): Promise<string> {
    const said = sentencePattern(t, 'concern.received', { reference: undefined }, false);
    await see(page, said);
    const text = await transcript(page).getByText(said).first().innerText();
    const reference = CONCERN_REFERENCE.exec(text)?.[0];
    assert.ok(reference, `a reference in "${text}"`);
    return reference;
  }

  /** The confirmation of a suspected breach: the reference, what happens next, urgent, and a person offered. */
  async function seeBreachConfirmation(page: Page, t: Translator, route: 'contact' | 'none'): Promise<string> {
    const reference = await referenceShown(page, t);
    await seeMessage(page, `${receivedText(reference, route, true, t)} ${t.t('concern.breach.offer')}`);
    for (const button of [t.t('concern.breach.yes'), t.t('concern.breach.no')]) {
      await page.getByRole('button', { name: button, exact: true }).last().waitFor({ state: 'visible', timeout: WAIT_MS });
    }
    return reference;
  }

  it('en: "I think my data was leaked" → what happened, "yesterday", which data, a reply wanted at an address; the reference and a person offered; the DPO alerted by signed webhook and email without the customer’s words; a supervisor confirms the breach and sees the 72-hour GDPR countdown', async () => {
    const { stack } = suite;
    const t = suite.translations.for('en');
    const who = await addSmsCustomer(stack, 'breach.reporter');
    const customer = await suite.newPage({ locale: 'en-GB', timezoneId: 'Europe/London' });
    const chat = customer.page;

    await openWebChat(chat, stack.baseUrl, t.t('bot.welcome'));
    await send(chat, 'I think my data was leaked');
    await seeMessage(chat, `${t.t('concern.intro')}\n\n${t.t('concern.ask.description')}`);
    await send(chat, DESCRIPTION);
    await see(chat, t.t('concern.ask.when'));
    await send(chat, 'yesterday');
    await see(chat, dataQuestion(categories, t));
    await send(chat, DATA_WORDS);
    await see(chat, t.t('concern.ask.reply'));
    await send(chat, t.t('concern.reply.yes'));
    await see(chat, t.t('concern.ask.contact'));
    await send(chat, who.email);
    const reference = await seeBreachConfirmation(chat, t, 'contact');
    await assertAccessible(chat, 'Web Chat after the report');
    await send(chat, t.t('concern.breach.no'));
    await see(chat, t.t('concern.breach.declined'));
    await assertNothingFailed(chat, customer.problems);

    // What the ledger holds: the report as the customer gave it, a breach suspect of theirs, its DPO alert queued.
    const reported = await concerns.find(reference);
    assert.ok(reported, `the ledger has ${reference}`);
    assert.deepEqual([reported.topic, reported.suspectedBreach, reported.state, reported.subjectId, reported.channel], ['breach', true, 'reported', who.subjectId, 'webchat']);
    assert.equal(reported.occurred?.phrase, 'yesterday');
    assert.ok(reported.occurred?.at && reported.occurred.at.getTime() < reported.reportedAt.getTime(), 'yesterday is before the report');
    assert.equal(reported.dataPhrase, DATA_WORDS);

    // The DPO's webhook: one signed delivery about this report, with the facts and none of the customer's words.
    const about = (post: ReceivedPost): boolean => (JSON.parse(post.body) as DpoAlertPayload).concern?.reference === reference;
    await eventually(
      async () => {
        await pause(LOOK_AGAIN_MS);
        return receiver.accepted.some(about);
      },
      'the DPO alert webhook delivery',
      BACKGROUND_WAIT_MS,
    );
    const deliveries = receiver.accepted.filter(about);
    assert.equal(deliveries.length, 1, 'delivered once');
    const [post] = deliveries;
    assert.ok(
      verifyWebhookSignature(DPO_SECRET, { id: String(post.headers['webhook-id']), timestamp: String(post.headers['webhook-timestamp']), signature: String(post.headers['webhook-signature']), body: post.body }),
      'Webhook-Signature verifies with DPO_WEBHOOK_SECRET over the raw body',
    );
    const payload = JSON.parse(post.body) as DpoAlertPayload;
    assert.deepEqual([payload.type, payload.event, payload.id, payload.concern.topic, payload.concern.regimes, payload.incident], ['dpo.alert', 'breach.suspected', String(post.headers['webhook-id']), 'breach', ['gdpr'], null]);
    assert.equal(payload.concern.reportedAt, reported.reportedAt.toISOString());
    assert.equal(payload.concern.occurredAt, reported.occurred.at.toISOString());
    for (const words of [DESCRIPTION, 'leaked accounts', DATA_WORDS, 'yesterday', who.email, '@']) assert.ok(!post.body.includes(words), `the webhook does not carry "${words}": ${post.body}`);

    // …and the DPO's email, saying the same, and neither the customer's words nor their address.
    let mail: { subject?: string; text: string } | undefined;
    await eventually(
      async () => {
        await pause(LOOK_AGAIN_MS);
        mail = (await emailsTo(stack.baseUrl, DPO_EMAIL)).find((entry) => entry.subject === t.t('concernMail.dpoAlert.suspected.subject', { reference }));
        return mail !== undefined;
      },
      'the DPO alert email in the development outbox',
      BACKGROUND_WAIT_MS,
    );
    assert.ok(mail);
    assert.equal((await emailsTo(stack.baseUrl, DPO_EMAIL)).filter((entry) => entry.text.includes(reference)).length, 1, 'one email about the report');
    assert.match(mail.text, new RegExp(`Reference: ${reference}\\nAbout: ${t.t('concernMail.topics.breach')}\\n`));
    assert.match(mail.text, /\nRegimes: .*GDPR/i);
    for (const words of [DESCRIPTION, 'leaked accounts', DATA_WORDS, 'yesterday', who.email]) assert.ok(!mail.text.includes(words), `the email does not carry "${words}"`);
    await eventually(async () => (await concerns.find(reference))?.dpoAlert?.email === 'sent', 'the email marked sent in the ledger', BACKGROUND_WAIT_MS);
    assert.deepEqual((await concerns.find(reference))?.dpoAlert, { webhook: 'delivered', email: 'sent' });

    // A supervisor signs in, opens Concerns: the report is listed, marked as a breach suspect in words and colour.
    const desk = await openConsole(suite.browser, stack.baseUrl, consoleContexts);
    const { page } = desk;
    await signInByKeyboard(page, 'sara');
    await page.getByRole('button', { name: 'Concerns', exact: true }).click();
    const row = page.locator(`#concerns tr[data-reference="${reference}"]`);
    await row.waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.match(await row.innerText(), /Suspected breach[\s\S]*A suspected breach of their data[\s\S]*New[\s\S]*webhook delivered · email sent/);
    const edge = (await page.evaluate(`getComputedStyle(document.querySelector('#concerns tr[data-reference="${reference}"] td')).boxShadow`)) as string;
    assert.notEqual(edge, 'none', 'the suspect row is highlighted in colour too');
    await assertAccessible(page, 'the Concerns list');

    await page.getByRole('button', { name: `Open concern ${reference}` }).click();
    await page.getByRole('heading', { name: `Concern ${reference}` }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.locator('#concern-description').innerText(), DESCRIPTION, 'the privacy team reads the customer’s words');
    const facts = await page.locator('#concern-facts').innerText();
    assert.match(facts, /When it happened\s+.+ — the customer said “yesterday”/);
    assert.match(facts, new RegExp(`Which data\\s+.*the customer said “${DATA_WORDS}”`));
    assert.match(facts, new RegExp(`Contact for the reply\\s+${who.email.replace(/\./g, '\\.')}`));
    await assertAccessible(page, 'the report open');

    // Confirmed as a breach, aware now: the incident opens in the Incidents view with the GDPR's 72 hours running.
    await page.getByRole('button', { name: 'Confirm the breach' }).click();
    await page.getByRole('heading', { name: /^Incident INC-/ }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.getByRole('button', { name: 'Incidents', exact: true }).getAttribute('aria-pressed'), 'true');
    const incidentReference = (await concerns.find(reference))?.incidentReference;
    assert.ok(incidentReference, 'the report belongs to an incident');
    const incident = await concerns.incident(incidentReference);
    assert.ok(incident);
    assert.deepEqual(incident.regimes, ['gdpr']);
    assert.equal(incident.clocks[0].dueAt?.getTime(), incident.awarenessAt.getTime() + 72 * 3600_000, 'due 72 hours from awareness');

    const clocks = page.locator('#incident-clocks .clock');
    assert.deepEqual(await clocks.locator('.regime').allInnerTexts(), ['GDPR']);
    assert.deepEqual(await clocks.locator('.badge').allInnerTexts(), ['Running']);
    const left = minutesLeft(await clocks.first().locator('.countdown').innerText());
    assert.ok(left > 70 * 60 && left <= 72 * 60, `about 72 hours left: ${left} min`);
    assert.match(await clocks.first().locator('.due').innerText(), /^due .+ · 72 hours from awareness$/);
    const listed = page.locator(`#incidents li[data-reference="${incidentReference}"]`);
    await listed.waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.match(await listed.innerText(), /GDPR\s+Running\s+(7[01]|72) h \d\d min left/);
    await assertAccessible(page, 'the incident after the confirmation');
    await assertHealthy(desk);
    // The customer's words and address stay out of the bot's log.
    const logs = stack.running.logs.text;
    for (const words of [DESCRIPTION, DATA_WORDS, who.email]) assert.ok(!logs.includes(words), `not logged: "${words}"`);
  });

  it('it: "voglio segnalare un problema sulla privacy" → what it is about (a suspected breach), what happened, "ieri sera", which data, no reply: the reference and a person offered, in Italian', async () => {
    const { stack } = suite;
    const t = suite.translations.for('it');
    const customer = await suite.newPage({ locale: 'it-IT', timezoneId: 'Europe/Rome' });
    const chat = customer.page;

    await openWebChat(chat, stack.baseUrl, t.t('bot.welcome'));
    await send(chat, 'voglio segnalare un problema sulla privacy');
    await seeMessage(chat, `${t.t('concern.intro')}\n\n${t.t('concern.ask.topic')}`);
    await send(chat, t.t('concern.topic.breach'));
    await see(chat, t.t('concern.ask.description'));
    await send(chat, 'Ho ricevuto per posta la fattura di un altro cliente, con il suo indirizzo e i suoi acquisti.');
    await see(chat, t.t('concern.ask.when'));
    await send(chat, 'ieri sera');
    await see(chat, dataQuestion(categories, t));
    await send(chat, t.t('concern.notSure'));
    await see(chat, t.t('concern.ask.reply'));
    await send(chat, t.t('concern.reply.no'));
    const reference = await seeBreachConfirmation(chat, t, 'none');
    await assertAccessible(chat, 'Web Chat after the Italian report');
    await assertNothingFailed(chat, customer.problems);

    const reported = await concerns.find(reference);
    assert.ok(reported, `the ledger has ${reference}`);
    assert.deepEqual([reported.topic, reported.suspectedBreach, reported.subjectId, reported.locale, reported.timeZone], ['breach', true, null, 'it', 'Europe/Rome']);
    assert.equal(reported.occurred?.phrase, 'ieri sera');
  });
});
