import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { Translator } from '../../src/i18n/translator';
import type { AccessRequestService } from '../../src/privacy/access/access-request-service';
import { AccessCase, RECORD_CATEGORY_KEY } from '../../src/privacy/access/access-types';
import { openAccessRequests } from '../../src/privacy/access/create-access-requests';
import { computeRequestDeadlines, formatDateInZone, formatInZone } from '../../src/privacy/clocks/deadlines';
import { addTestAgents, PASSWORDS } from '../agent/agent-harness';
import { SmsCustomer } from '../consent-bot/consent-stack';
import { assertAccessible } from '../support/axe';
import { eventually } from '../support/hang-guard';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { readZipEntries } from '../support/zip-entries';
import { BROWSER_WAIT_MS } from './chromium';
import { useConsentBrowser } from './consent-browser';
import { emailsTo, verifyByEmailCode } from './dev-outbox';
import { assertNothingFailed, openWebChat, see, seeMessage, send, transcript } from './web-chat-page';

/**
 * Background work a step waits for: the source jobs (the demo CRM's help desk posts its tickets back
 * a few seconds after it was asked), the copy's assembly, the notices. Only a hang guard.
 */
const BACKGROUND_WAIT_MS = 120_000;
/** How often the test looks again at state that announces nothing (the ledger, the outbox). */
const LOOK_AGAIN_MS = 100;

const REFERENCE = /PRV-\d{4}-[0-9A-HJKMNP-TV-Z]{6}-[0-9A-HJKMNP-TV-Z]/;
/** The sources of config/data-sources.json: the ledger, and the demo CRM answering now and later. */
const SOURCES = ['ledger', 'demo-crm', 'demo-crm-support'];

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The text of the paragraph holding `{{placeholder}}`, up to it (a link or a size, shown apart or varying). */
function textBefore(t: Translator, key: string, vars: Record<string, unknown>, placeholder: string): string {
  const marker = '\u0000MARK\u0000';
  const text = t.t(key, { ...vars, [placeholder]: marker });
  return text.slice(0, text.indexOf(marker)).split('\n\n').pop()!.trim();
}

/**
 * "A copy of my data", the whole way, with the shipped data sources (the ledger and the fictitious
 * demo CRM the bot serves at /dev/demo-crm, one part answering at once, the other posting later):
 * a demo customer asks in Web Chat and verifies by a code from their email; once every source has
 * answered, the privacy team sees the case awaiting review in the agent console, previews the
 * report and releases it; the customer's open chat and their email get the link; the download page
 * passes axe and gives the ZIP; "where is my request?" then says it is completed.
 */
describe('a copy of my data: asked in Web Chat, released in the console, downloaded (Chromium, end to end)', function () {
  this.timeout(300_000);
  const suite = useConsentBrowser({ DATA_COPY_REVIEW: 'required' });
  let access: AccessRequestService;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await addTestAgents(suite.stack.ledger, { privacyTeam: true });
    // The test's own reading of the cases the bot opens (same database and schema).
    access = openAccessRequests(suite.stack.ledger);
  });

  /** The customer's one access case, once the ledger has it. */
  async function onlyCaseOf(who: SmsCustomer): Promise<AccessCase> {
    const cases = await access.casesOf(who.subjectId);
    assert.equal(cases.length, 1, `one access case for the customer: ${cases.map((c) => c.reference).join(', ')}`);
    return cases[0];
  }

  /** Asks for a copy, verifies by code, says yes; checks both messages against the case the ledger opened. */
  async function askForCopy(page: Page, t: Translator, who: SmsCustomer, ask: string, yes: string, zone: string): Promise<AccessCase> {
    const { stack } = suite;
    await openWebChat(page, stack.baseUrl, t.t('bot.welcome'));
    await send(page, ask);
    await see(page, t.t('identity.prompt'));
    const beforeConfirmation = new Date();
    await verifyByEmailCode(page, stack.baseUrl, t, who);

    const scope = t.t('access.scope.all');
    // The confirmation's first paragraph (the deadline is checked against the case below).
    await see(page, t.t('access.confirm.ask', { scope, deadline: '' }).split('\n\n')[0]);
    const afterConfirmation = new Date();
    assert.deepEqual(await access.casesOf(who.subjectId), [], 'nothing is requested before the customer says yes');
    await send(page, yes);
    await see(page, textBefore(t, 'access.received', { received: '', deadline: '' }, 'reference'));

    const opened = await onlyCaseOf(who);
    assert.match(opened.reference, REFERENCE);
    assert.deepEqual([opened.locale, opened.timeZone, opened.categories], [t.locale, zone, null]);
    const deadlineFrom = (receivedAt: Date): string =>
      t.t(`access.deadline.${opened.regime}`, { date: formatDateInZone(computeRequestDeadlines({ regime: opened.regime, type: 'access', receivedAt }).due, zone, t.locale) });
    const deadline = t.t(`access.deadline.${opened.regime}`, { date: formatDateInZone(opened.effectiveDueAt, zone, t.locale) });
    // Both messages as the customer reads them: the deadline in the regime's words and their zone, then the reference.
    // The confirmation counted from the moment it was shown (between these two instants: one of their deadlines,
    // should a midnight fall between them), the "done" from the case's receipt.
    const shown = [...new Set([deadlineFrom(beforeConfirmation), deadlineFrom(afterConfirmation)])];
    await Promise.any(shown.map((candidate) => seeMessage(page, t.t('access.confirm.ask', { scope, deadline: candidate }))));
    await seeMessage(page, t.t('access.received', { reference: opened.reference, received: formatInZone(opened.receivedAt, zone, t.locale), deadline }));
    return opened;
  }

  it('en: asks, verifies by code, says yes; the privacy team releases once every source answered; the link arrives in the chat and by email; the ZIP holds the ledger and the demo CRM; "where is my request?" says completed', async () => {
    const { stack } = suite;
    const t = suite.translations.for('en');
    const who = stack.demo.maya;
    const zone = 'America/Los_Angeles';
    const customer = await suite.newPage({ locale: 'en-US', timezoneId: zone, acceptDownloads: true });
    const chat = customer.page;

    const opened = await askForCopy(chat, t, who, 'I want a copy of my data', 'yes', zone);
    const { reference } = opened;

    // The privacy team signs in; the console opens on the Requests view, the case listed.
    const team = await suite.newPage({ locale: 'en-US' });
    const desk = team.page;
    assert.equal((await desk.goto(`${stack.baseUrl}/agent`, { waitUntil: 'load' }))?.status(), 200);
    await desk.getByLabel('Username').fill('pia');
    await desk.getByLabel('Password').fill(PASSWORDS.pia);
    await desk.getByLabel('Password').press('Enter');
    await desk.getByRole('heading', { name: 'Access requests' }).waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
    const row = desk.locator(`#requests tr[data-reference="${reference}"]`);
    await row.waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });

    // Every source answers, the help desk a few seconds later, then the copy is assembled for review.
    await eventually(
      async () => {
        await pause(LOOK_AGAIN_MS);
        return (await onlyCaseOf(who)).status === 'awaiting_review';
      },
      'every source answering and the copy being assembled (the case awaiting review)',
      BACKGROUND_WAIT_MS,
    );
    await desk.getByRole('button', { name: 'Show', exact: true }).click();
    await row.getByText('awaiting review', { exact: true }).waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
    assert.deepEqual((await row.locator('.sources-cell li').allInnerTexts()).sort(), SOURCES.map((id) => `${id}: done`).sort());

    await row.getByRole('button', { name: `Open request ${reference}` }).click();
    await desk.getByRole('heading', { name: `Request ${reference}` }).waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
    assert.match(await desk.locator('#request-facts').innerText(), /Status\s+awaiting review/);
    const sourceRows = await desk.locator('#request-sources tr').allInnerTexts();
    assert.deepEqual(sourceRows.map((text) => text.split('\t').slice(0, 2)).sort(), SOURCES.map((id) => [id, 'done']).sort());
    for (const text of sourceRows) assert.ok(Number(text.split('\t')[3]) > 0, `each source gave records: ${text}`);

    // The report as the customer will get it, with what the demo CRM holds about them.
    await desk.getByRole('button', { name: 'Show the report' }).click();
    const report = desk.frameLocator('#preview');
    await report.getByRole('heading', { level: 1, name: t.t('copy.report.title') }).waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
    await report.getByText(reference).first().waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
    await report.getByRole('cell', { name: 'Maya Chen', exact: true }).first().waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });

    await desk.getByRole('button', { name: 'Release the copy' }).click();
    await desk.getByText('Released: the customer is sent the download link.').waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
    assert.match(await desk.locator('#request-facts').innerText(), /Status\s+fulfilled/);

    // The customer's chat, still open, is told, with the link.
    const anchor = transcript(chat).locator(`a[href^="${stack.baseUrl}/copies/"]`);
    await anchor.first().waitFor({ state: 'visible', timeout: BACKGROUND_WAIT_MS });
    // The sentence before the link reads the same in both plural forms (the count of downloads comes after it).
    await see(chat, textBefore(t, 'access.notice.ready.chat', { reference, count: 2 }, 'link'));
    assert.equal(await anchor.count(), 1, 'one download link in the chat');
    const link = (await anchor.getAttribute('href')) ?? '';
    assert.match(link, /\/copies\/[A-Za-z0-9_-]{43}$/, 'the link carries a 256-bit token');
    const released = await onlyCaseOf(who);
    assert.ok(released.copy, 'the copy is on the case');
    const ready = t.t('access.notice.ready.chat', { reference, link, expires: formatDateInZone(released.copy.expiresAt, zone, 'en'), count: released.copy.maxDownloads });
    await see(chat, ready.split('\n\n')[1]);

    // …and at the contact on file: an email with the same link.
    let notice: string | undefined;
    await eventually(
      async () => {
        await pause(LOOK_AGAIN_MS);
        notice = (await emailsTo(stack.baseUrl, who.email)).find((mail) => mail.subject === t.t('access.notice.ready.subject', { reference }))?.text;
        return notice !== undefined;
      },
      'the "copy ready" email in the development outbox',
      BACKGROUND_WAIT_MS,
    );
    assert.ok(notice?.includes(link), `the email carries the same link: ${notice}`);

    // The customer follows the link: the page passes axe; Download saves the ZIP.
    const page = await chat.context().newPage();
    assert.equal((await page.goto(link, { waitUntil: 'load' }))?.status(), 200);
    await page.getByRole('heading', { level: 1, name: t.t('copy.page.title') }).waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
    await page.getByText(t.t('copy.page.lead', { reference, size: '' }).split(':')[0]).waitFor({ state: 'visible', timeout: BROWSER_WAIT_MS });
    await assertAccessible(page, 'the download page');
    const downloadButton = page.getByRole('button', { name: textBefore(t, 'copy.page.download', {}, 'size') });
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: BROWSER_WAIT_MS }), downloadButton.click()]);
    assert.match(download.suggestedFilename(), /^data-copy-[A-Z0-9-]+\.zip$/);

    const entries = await readZipEntries(readFileSync(await download.path()));
    assert.deepEqual(entries.map((entry) => entry.name).sort(), ['README.txt', 'data.json', 'report.html']);
    const data = JSON.parse(entries.find((entry) => entry.name === 'data.json')!.data.toString('utf8')) as {
      schema: string;
      reference: string;
      sources: { id: string; records: Record<string, unknown>[]; recordCount: number }[];
    };
    assert.deepEqual([data.schema, data.reference], ['psb-data-copy/1', reference]);
    assert.deepEqual(data.sources.map((source) => source.id).sort(), [...SOURCES].sort());
    const recordsOf = (id: string): Record<string, unknown>[] => data.sources.find((source) => source.id === id)!.records;
    const categoriesOf = (id: string): string[] => [...new Set(recordsOf(id).map((record) => String(record[RECORD_CATEGORY_KEY])))].sort();
    assert.ok(categoriesOf('ledger').includes('consents'), `the ledger's consents: ${categoriesOf('ledger').join(', ')}`);
    assert.deepEqual(categoriesOf('demo-crm'), ['contact', 'orders']);
    assert.equal(recordsOf('demo-crm').find((record) => record[RECORD_CATEGORY_KEY] === 'contact')?.email, who.email);
    assert.deepEqual(categoriesOf('demo-crm-support'), ['support'], 'the tickets the help desk posted later');
    const html = entries.find((entry) => entry.name === 'report.html')!.data.toString('utf8');
    assert.ok(html.includes(reference) && html.includes(t.t('copy.report.title')), 'report.html names the request');
    await page.close();

    // Back in the chat: the request is completed.
    await send(chat, 'where is my request?');
    await see(chat, `${reference}: ${t.t('access.type.access')}`);
    await see(chat, t.t('access.caseStatus.status', { status: t.t('access.status.fulfilled') }));
    await assertNothingFailed(chat, customer.problems);
    assert.deepEqual(team.problems, []);
  });

  it('it: "Voglio una copia dei miei dati", verifies by code, says sì: the deadline in Italian and in Rome time, then the reference', async () => {
    const t = suite.translations.for('it');
    const who = suite.stack.demo.giulia;
    const zone = 'Europe/Rome';
    const customer = await suite.newPage({ locale: 'it-IT', timezoneId: zone });
    const opened = await askForCopy(customer.page, t, who, 'Voglio una copia dei miei dati', 'sì', zone);
    assert.equal(opened.regime, 'gdpr');
    await assertNothingFailed(customer.page, customer.problems);
  });
});
