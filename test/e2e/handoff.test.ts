import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Translations, Translator } from '../../src/i18n/translator';
import { openLedger } from '../../src/ledger/ledger';
import { DEVELOPMENT_HASH_KEY } from '../../src/ledger/ledger-config';
import { addTestAgents, PASSWORDS } from '../agent/agent-harness';
import { conversationIdOf, eventually, GatedProbeDialog, probeMenu, probeSays } from '../handoff-bot/handoff-support';
import { assertAccessible } from '../support/axe';
import { RunningApp, startTestApp } from '../support/test-app';
import { launchChromium, textPattern } from './chromium';

const WAIT_MS = 15_000;

/**
 * The whole handoff in two browsers: a customer in Web Chat (our Direct Line) asks for a person;
 * an agent signed in to the console sees the request, claims it, says Hello; the customer sees it
 * and answers; the agent sees the answer and marks the customer verified; the customer's waiting
 * dialog resumes — and the session is verified from then on.
 */
describe('Handoff in Chromium: Web Chat customer and agent console (end to end)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let running: RunningApp;
  let dir: string;
  let en: Translator;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  before(async () => {
    browser = await launchChromium();
    en = (await Translations.load()).for('en');
    dir = mkdtempSync(path.join(tmpdir(), 'handoff-e2e-'));
    const ledger = await openLedger({ ledgerDir: path.join(dir, 'ledger'), hashKey: DEVELOPMENT_HASH_KEY });
    await addTestAgents(ledger);
    await ledger.close();
    running = await startTestApp({ LEDGER_DIR: path.join(dir, 'ledger') }, { dialogs: (gate) => [new GatedProbeDialog(gate)], menu: probeMenu() });
  });

  after(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function newPage(url: string, locale: string): Promise<Page> {
    const context = await browser.newContext({ locale });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    const response = await page.goto(url, { waitUntil: 'load' });
    assert.equal(response?.status(), 200);
    return page;
  }

  const seeInChat = (page: Page, text: string) => page.locator('.webchat__basic-transcript').getByText(textPattern(text)).first().waitFor({ state: 'visible', timeout: WAIT_MS });


  async function sendInChat(page: Page, text: string): Promise<void> {
    const input = page.locator('[data-id="webchat-sendbox-input"]');
    await input.fill(text);
    await input.press('Enter');
  }

  it('asks for a person, talks with the agent, is verified, and the bot carries on', async () => {
    const customer = await newPage(`${running.baseUrl}/`, 'en-US');
    await seeInChat(customer, en.t('bot.welcome'));

    const agent = await newPage(`${running.baseUrl}/agent`, 'en-US');
    await agent.getByLabel('Username').fill('alice');
    await agent.getByLabel('Password').fill(PASSWORDS.alice);
    await agent.getByLabel('Password').press('Enter');
    await agent.getByRole('heading', { name: 'Waiting customers' }).waitFor({ state: 'visible', timeout: WAIT_MS });

    await sendInChat(customer, en.t('menu.agent'));
    await seeInChat(customer, en.t('handoff.queued', { position: 1 }));
    let ticketId = '';
    await eventually(async () => {
      ticketId = (await running.app.handoff.hub.queue()).find((ticket) => conversationIdOf(ticket) !== undefined)?.id ?? '';
      return ticketId !== '';
    }, 'the queued ticket');

    // The agent's queue updates by itself; the request is there, with its reason.
    const item = agent.locator(`#queue li[data-ticket="${ticketId}"]`);
    await item.waitFor({ state: 'visible', timeout: WAIT_MS });
    await item.getByRole('button', { name: /^Claim/ }).click();
    await seeInChat(customer, en.t('handoff.agentJoined'));
    // The redacted last lines are the agent's context.
    await agent.locator('#transcript li.from-customer', { hasText: en.t('menu.agent') }).waitFor({ state: 'visible', timeout: WAIT_MS });

    await agent.locator('#message').fill('Hello');
    await agent.locator('#message').press('Enter');
    await seeInChat(customer, en.t('handoff.agentMessage', { text: 'Hello' }));
    // The agent's message arrives unasked (proactive): Web Chat's polite live region reads it out like the bot's own.
    await customer
      .locator('.webchat__live-region-transcript', { hasText: textPattern(en.t('handoff.agentMessage', { text: 'Hello' })) })
      .waitFor({ state: 'attached', timeout: WAIT_MS });
    assert.equal(await customer.locator('.webchat__live-region-transcript').getAttribute('aria-live'), 'polite');
    await assertAccessible(customer, 'Web Chat during a handoff');
    await assertAccessible(agent, 'the console in a live conversation');

    // Typed during the live handoff: the agent reads it as typed (kept redacted), to compare it with the record.
    await sendInChat(customer, 'Hi, my number is +39 347 123 4567');
    const typed = agent.locator('#transcript li.from-customer', { hasText: 'Hi, my number is +39 347 123 4567' });
    await typed.waitFor({ state: 'visible', timeout: WAIT_MS });
    await typed.getByText('As typed, live only').waitFor({ state: 'visible', timeout: WAIT_MS });

    await agent.getByRole('button', { name: 'Verified', exact: true }).click();
    await agent.getByText(/Conversation closed: verified/).waitFor({ state: 'visible', timeout: WAIT_MS });
    // Closed: the page forgets the typed text and shows the line as kept.
    await agent.locator('#transcript li.from-customer', { hasText: 'Hi, my number is [phone]' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.ok(!(await agent.locator('#transcript').innerText()).includes('347'), 'no typed number left on the page');

    // The waiting dialog resumed: the bot says so and offers its menu again.
    await seeInChat(customer, en.t('handoff.closed.verified'));
    // Verified for the rest of the session: what needs a verified identity now goes straight through.
    await sendInChat(customer, en.t('menu.consentCheck'));
    await seeInChat(customer, probeSays({ granted: true, level: 'verified' }));
    assert.deepEqual(problems, []);
  });
});
