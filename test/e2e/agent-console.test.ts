import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import type { Ledger } from '../../src/ledger/ledger';
import { addTestAgents, ConsoleServer, newHandoff, openTestLedger, PASSWORDS, RecordingCustomerChannel, startConsoleServer } from '../agent/agent-harness';
import { launchChromium } from './chromium';

const WAIT_MS = 10_000;
const INJECTION = '<img src=x onerror=alert(1)><script>window.__xss = 1; alert(2)</script><b onmouseover=alert(3)>bold?</b>';

/** Records CSP (and Trusted Types) violations from the first script on: the console must need nothing its policy forbids. */
const RECORD_CSP_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
  });
`;

interface OpenConsole {
  readonly page: Page;
  /** Dialogs (alert, confirm, prompt) the page opened: must stay empty. */
  readonly dialogs: string[];
  /** Console errors and uncaught page errors. */
  readonly problems: string[];
  /** Every URL the page requested. */
  readonly requested: string[];
}

// The page alone: a console server over an in-memory hub, with a channel that records what would reach
// the customer. The whole path (Web Chat customer, the bot's own hub and proactive channel) is
// test/e2e/handoff.test.ts.
describe('Agent console page in Chromium (in-memory hub, recording customer channel)', function () {
  this.timeout(90_000);

  let browser: Browser;
  let ledger: Ledger;
  let hub: MemoryHandoffHub;
  let channel: RecordingCustomerChannel;
  let app: ConsoleServer;
  let subjectId: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    browser = await launchChromium();
    ledger = await openTestLedger();
    await addTestAgents(ledger);
    const subject = await ledger.subjects.register(
      { identifiers: [{ kind: 'email', value: 'mario.rossi@example.com' }, { kind: 'phone', value: '+39 347 123 4567' }], regime: 'gdpr', preferredLocale: 'it' },
      { actor: 'system:test', reason: 'test subject' },
    );
    subjectId = subject.id;
    hub = new MemoryHandoffHub({ timeoutSeconds: 600 });
    channel = new RecordingCustomerChannel();
    app = await startConsoleServer({ ledger, hub, channel, config: { eventsKeepAliveSeconds: 5 } });
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await hub?.close();
    await ledger?.close();
  });

  async function openConsole(): Promise<OpenConsole> {
    const context = await browser.newContext({ locale: 'en-US' });
    contexts.push(context);
    await context.addInitScript({ content: RECORD_CSP_VIOLATIONS });
    const page = await context.newPage();
    const dialogs: string[] = [];
    const problems: string[] = [];
    const requested: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      // The sign-in page asks for the session first; the browser reports the expected 401 as a console error.
      if (message.type() === 'error' && !/401/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => requested.push(request.url()));
    const response = await page.goto(`${app.baseUrl}/agent`, { waitUntil: 'load' });
    assert.equal(response?.status(), 200);
    return { page, dialogs, problems, requested };
  }

  /** Signs in with the keyboard only: type, Tab, type, Enter. */
  async function signInByKeyboard(page: Page, username: string): Promise<void> {
    const user = page.getByLabel('Username');
    await user.waitFor({ state: 'visible', timeout: WAIT_MS });
    await user.focus();
    await page.keyboard.type(username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORDS[username]);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Waiting customers' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.locator('#who-name').innerText(), username);
  }

  async function assertHealthy(open: OpenConsole): Promise<void> {
    const violations = (await open.page.evaluate('window.__cspViolations')) as string[];
    assert.deepEqual(violations, [], `CSP violations: ${violations.join('; ')}`);
    assert.deepEqual(open.problems, []);
    assert.deepEqual(open.dialogs, []);
    const foreign = open.requested.filter((url) => new URL(url).host !== new URL(app.baseUrl).host);
    assert.deepEqual(foreign, [], 'the console loads nothing from elsewhere');
  }

  it('signs in, sees a customer queued live, claims, says Hello, sees the answer arrive live, and marks the customer verified', async () => {
    const open = await openConsole();
    const { page } = open;
    await signInByKeyboard(page, 'alice');

    // Queued after sign-in: the queue updates by itself (server-sent events), no reload.
    const { ticket } = await hub.enqueue(newHandoff({ claimedIdentity: { kind: 'email', masked: 'm***@example.com', subjectId } }));
    const item = page.locator(`#queue li[data-ticket="${ticket.id}"]`);
    await item.waitFor({ state: 'visible', timeout: WAIT_MS });
    const described = await item.innerText();
    assert.match(described, /Identity check/);
    assert.match(described, /Italian/);
    assert.match(described, /consent\.view/);
    const firstWait = await item.locator('.wait').innerText();
    assert.match(firstWait, /^\d+:\d\d$/);
    // The waiting time ticks on its own, every second: wait for the text to change. WAIT_MS only guards against a hang.
    await item
      .locator('.wait', { hasNotText: new RegExp(`^${firstWait}$`) })
      .waitFor({ state: 'visible', timeout: WAIT_MS })
      .catch((err: unknown) => {
        throw new Error(`hang guard: the waiting time stayed ${firstWait} for ${WAIT_MS} ms, ten times its one-second tick: it does not change (${String(err)})`);
      });
    assert.match(await item.locator('.wait').innerText(), /^\d+:\d\d$/);

    await item.getByRole('button', { name: /^Claim/ }).click();
    await page.getByText('I need to verify who you are first.').waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal((await hub.get(ticket.id))?.agent, 'alice');
    assert.deepEqual(channel.calls.filter((c) => c.ticketId === ticket.id).map((c) => c.kind), ['agentJoined']);
    // The verification panel: the claim and the record, masked.
    assert.equal(await page.locator('#claimed-identity').innerText(), 'Email: m***@example.com');
    assert.deepEqual(await page.locator('#data-points li').allInnerTexts(), ['Email: m***@example.com', 'Phone: +39******67']);
    assert.ok(!(await page.locator('body').innerText()).includes('mario.rossi'), 'no unmasked identifier on the page');

    assert.equal(await page.evaluate('document.activeElement.id'), 'message', 'after claiming, focus is in the message box');
    await page.keyboard.type('Hello');
    await page.keyboard.press('Enter');
    await page.locator('#transcript li.from-agent', { hasText: 'Hello' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.ok(channel.calls.some((c) => c.kind === 'deliverAgentMessage' && c.ticketId === ticket.id && c.text === 'Hello'));

    await hub.postCustomerMessage(ticket.id, 'Ciao, sono Mario');
    await page.locator('#transcript li.from-customer', { hasText: 'Ciao, sono Mario' }).waitFor({ state: 'visible', timeout: WAIT_MS });

    await page.getByLabel('Value the customer gave').fill('mario.rossi@example.com');
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByText('Matches the record.').waitFor({ state: 'visible', timeout: WAIT_MS });

    await page.getByLabel('Note (kept in the ledger)').fill('matched email and phone');
    await page.getByRole('button', { name: 'Verified', exact: true }).click();
    await page.getByText(/Conversation closed: verified/).waitFor({ state: 'visible', timeout: WAIT_MS });
    const verifications = await ledger.verifications.forSubject(subjectId);
    assert.deepEqual(
      verifications.map((v) => [v.method, v.level, v.outcome, v.agent, v.notes]),
      [['agent_check', 'verified', 'verified', 'alice', 'matched email and phone']],
    );
    const closed = channel.calls.find((c) => c.kind === 'handoffClosed' && c.ticketId === ticket.id);
    assert.ok(closed && closed.kind === 'handoffClosed' && closed.ticket.outcome?.verification === 'verified');
    assert.ok(await page.getByRole('button', { name: 'Verified', exact: true }).isDisabled(), 'a closed conversation takes no more actions');
    await assertHealthy(open);
  });

  it('shows a customer message with HTML and script as inert text: no element made, no dialog fired', async () => {
    const open = await openConsole();
    const { page } = open;
    await signInByKeyboard(page, 'bob');
    const { ticket } = await hub.enqueue(newHandoff({ reason: 'customer_request', locale: 'en', pendingAction: undefined, transcript: [{ from: 'customer', text: INJECTION, at: new Date().toISOString() }] }));
    const item = page.locator(`#queue li[data-ticket="${ticket.id}"]`);
    await item.getByRole('button', { name: /^Claim/ }).click();
    await page.locator('#transcript li.from-customer').first().waitFor({ state: 'visible', timeout: WAIT_MS });

    await hub.postCustomerMessage(ticket.id, `live ${INJECTION}`);
    const live = page.locator('#transcript li.from-customer', { hasText: 'live <img' });
    await live.waitFor({ state: 'visible', timeout: WAIT_MS });
    const texts = await page.locator('#transcript .text').allInnerTexts();
    assert.deepEqual(texts, [INJECTION, `live ${INJECTION}`]);
    assert.equal(await page.locator('#transcript img, #transcript script, #transcript b').count(), 0, 'the markup made no element');
    // hover() returns once the page has handled the mouse events: a handler they fired (an alert) would already be in `dialogs`.
    await live.hover();
    assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');
    assert.deepEqual(open.requested.filter((url) => new URL(url).pathname === '/x'), [], 'the <img src=x> was never loaded');
    await assertHealthy(open);
  });

  it('shows what a customer typed live (inert text), also in a conversation opened later; the kept line once it closes', async () => {
    const open = await openConsole();
    const { page } = open;
    await signInByKeyboard(page, 'alice');
    const typedA = '<img src=x onerror=alert(4)> call me on +39 347 123 4567';
    const typedB = 'my email is mario.rossi@example.com';
    const a = (await hub.enqueue(newHandoff())).ticket;
    const b = (await hub.enqueue(newHandoff())).ticket;
    for (const ticket of [b, a]) {
      await page.locator(`#queue li[data-ticket="${ticket.id}"]`).getByRole('button', { name: /^Claim/ }).click();
      await page.locator(`#held li.current[data-ticket="${ticket.id}"]`).waitFor({ state: 'visible', timeout: WAIT_MS });
    }

    // B is not open: its typed line waits in the page's memory.
    await hub.postCustomerMessage(b.id, typedB);
    await page.locator(`#held li[data-ticket="${b.id}"] .unread`).waitFor({ state: 'visible', timeout: WAIT_MS });
    await hub.postCustomerMessage(a.id, typedA);
    const liveA = page.locator('#transcript li.from-customer.as-typed');
    await liveA.waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await liveA.locator('.text').innerText(), typedA);
    assert.match(await liveA.locator('.typed-note').innerText(), /^As typed, live only/);
    assert.equal(await page.locator('#transcript img').count(), 0, 'the markup made no element');

    await page.locator(`#held li[data-ticket="${b.id}"]`).getByRole('button').click();
    await page.locator('#transcript li.from-customer.as-typed .text', { hasText: typedB }).waitFor({ state: 'visible', timeout: WAIT_MS });
    await page.getByRole('button', { name: 'Return to bot without verifying' }).click();
    await page.getByText(/Conversation closed/).waitFor({ state: 'visible', timeout: WAIT_MS });
    await page.locator('#transcript li.from-customer .text', { hasText: 'my email is [email]' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.ok(!(await page.locator('#transcript').innerText()).includes('mario.rossi'), 'closed: the typed address is gone from the page');

    // A closed by someone else (a supervisor): the open conversation falls back to the kept line too.
    await page.locator(`#held li[data-ticket="${a.id}"]`).getByRole('button').click();
    await page.locator('#transcript li.from-customer.as-typed .text', { hasText: typedA }).waitFor({ state: 'visible', timeout: WAIT_MS });
    await hub.complete(a.id, 'sara', { verification: 'none' }, true);
    await page.locator('#transcript li.from-customer .text', { hasText: '<img src=x onerror=alert(4)> call me on [phone]' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.locator('#transcript li.as-typed').count(), 0);
    assert.deepEqual(open.requested.filter((url) => new URL(url).pathname === '/x'), [], 'the <img src=x> was never loaded');
    await assertHealthy(open);
  });

  it('sends an agent back to the sign-in form when they sign out', async () => {
    const open = await openConsole();
    const { page } = open;
    await signInByKeyboard(page, 'alice');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.locator('#console').isHidden(), true);
    const cookies = await page.context().cookies();
    assert.deepEqual(cookies.filter((c) => c.name === 'psb_agent_session' && c.value !== ''), []);
    await assertHealthy(open);
  });
});
