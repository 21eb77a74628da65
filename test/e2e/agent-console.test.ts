import assert from 'node:assert/strict';
import { newReference } from '../../src/ledger/references/reference';
import { AccessRuleError } from '../../src/privacy/access/access-rule-error';
import { newHandoff, RecordingCustomerChannel } from '../agent/agent-harness';
import { accessCase, failedSource, FakeAccessRequests } from '../agent/fake-access-requests';
import { assertAccessible, assertHealthy, signInByKeyboard, WAIT_MS } from './agent-console-page';
import { consoleInChromium } from './console-in-chromium';

const INJECTION = '<img src=x onerror=alert(1)><script>window.__xss = 1; alert(2)</script><b onmouseover=alert(3)>bold?</b>';
const DAY_MS = 24 * 60 * 60 * 1000;
/** A copy's report as the preview serves it: inline style (allowed), a script (must not run) and a remote image (must not load). */
const REPORT = '<!doctype html><html lang="en"><head><title>Your data</title><style>h1 { color: #0b5cad; }</style></head><body><h1>Your data</h1><p>Orders: 3</p><img src="http://198.51.100.7/pixel.png" alt=""><script>parent.__reportRan = 1; window.__reportRan = 1;</script></body></html>';

// The page alone: a console server over an in-memory hub, with a channel that records what would reach
// the customer. The whole path (Web Chat customer, the bot's own hub and proactive channel) is
// test/e2e/handoff.test.ts.
describe('Agent console page in Chromium (in-memory hub, recording customer channel)', function () {
  this.timeout(90_000);

  const channel = new RecordingCustomerChannel();
  const requests = new FakeAccessRequests(() => new Date());
  const world = consoleInChromium({ agents: { privacyTeam: true }, server: { channel, accessRequests: requests, reportPreview: { previewReport: async () => REPORT } } });
  let subjectId: string;

  before(async () => {
    const subject = await world.ledger.subjects.register(
      { identifiers: [{ kind: 'email', value: 'mario.rossi@example.com' }, { kind: 'phone', value: '+39 347 123 4567' }], regime: 'gdpr', preferredLocale: 'it' },
      { actor: 'system:test', reason: 'test subject' },
    );
    subjectId = subject.id;
  });

  afterEach(() => {
    requests.clear();
  });

  it('signs in, sees a customer queued live, claims, says Hello, sees the answer arrive live, and marks the customer verified', async () => {
    const open = await world.open();
    const { page } = open;
    await signInByKeyboard(page, 'alice');
    assert.equal(await page.locator('#views').isHidden(), true, 'an agent has no Requests view to switch to');

    // Queued after sign-in: the queue updates by itself (server-sent events), no reload.
    const { ticket } = await world.hub.enqueue(newHandoff({ claimedIdentity: { kind: 'email', masked: 'm***@example.com', subjectId } }));
    const item = page.locator(`#queue li[data-ticket="${ticket.id}"]`);
    await item.waitFor({ state: 'visible', timeout: WAIT_MS });
    const described = await item.innerText();
    assert.match(described, /Identity check/);
    assert.match(described, /Italian/);
    // The pending action and the channel in words; their codes stay in data attributes only.
    assert.match(described, /Waiting to see their consents · via the website chat/);
    assert.doesNotMatch(described, /consent\.view|webchat/);
    assert.equal(await item.getAttribute('data-pending-action'), 'consent.view');
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
    assert.equal((await world.hub.get(ticket.id))?.agent, 'alice');
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

    await world.hub.postCustomerMessage(ticket.id, 'Ciao, sono Mario');
    await page.locator('#transcript li.from-customer', { hasText: 'Ciao, sono Mario' }).waitFor({ state: 'visible', timeout: WAIT_MS });

    await page.getByLabel('Value the customer gave').fill('mario.rossi@example.com');
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByText('Matches the record.').waitFor({ state: 'visible', timeout: WAIT_MS });

    await page.getByLabel('Note (kept in the ledger)').fill('matched email and phone');
    await page.getByRole('button', { name: 'Verified', exact: true }).click();
    await page.getByText(/Conversation closed: verified/).waitFor({ state: 'visible', timeout: WAIT_MS });
    const verifications = await world.ledger.verifications.forSubject(subjectId);
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
    const open = await world.open();
    const { page } = open;
    await signInByKeyboard(page, 'bob');
    const { ticket } = await world.hub.enqueue(newHandoff({ reason: 'customer_request', locale: 'en', pendingAction: undefined, transcript: [{ from: 'customer', text: INJECTION, at: new Date().toISOString() }] }));
    const item = page.locator(`#queue li[data-ticket="${ticket.id}"]`);
    await item.getByRole('button', { name: /^Claim/ }).click();
    await page.locator('#transcript li.from-customer').first().waitFor({ state: 'visible', timeout: WAIT_MS });

    await world.hub.postCustomerMessage(ticket.id, `live ${INJECTION}`);
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
    const open = await world.open();
    const { page } = open;
    await signInByKeyboard(page, 'alice');
    const typedA = '<img src=x onerror=alert(4)> call me on +39 347 123 4567';
    const typedB = 'my email is mario.rossi@example.com';
    const a = (await world.hub.enqueue(newHandoff())).ticket;
    const b = (await world.hub.enqueue(newHandoff())).ticket;
    for (const ticket of [b, a]) {
      await page.locator(`#queue li[data-ticket="${ticket.id}"]`).getByRole('button', { name: /^Claim/ }).click();
      await page.locator(`#held li.current[data-ticket="${ticket.id}"]`).waitFor({ state: 'visible', timeout: WAIT_MS });
    }

    // B is not open: its typed line waits in the page's memory.
    await world.hub.postCustomerMessage(b.id, typedB);
    await page.locator(`#held li[data-ticket="${b.id}"] .unread`).waitFor({ state: 'visible', timeout: WAIT_MS });
    await world.hub.postCustomerMessage(a.id, typedA);
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
    await world.hub.complete(a.id, 'sara', { verification: 'none' }, true);
    await page.locator('#transcript li.from-customer .text', { hasText: '<img src=x onerror=alert(4)> call me on [phone]' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.locator('#transcript li.as-typed').count(), 0);
    assert.deepEqual(open.requested.filter((url) => new URL(url).pathname === '/x'), [], 'the <img src=x> was never loaded');
    await assertHealthy(open);
  });

  it('sends an agent back to the sign-in form when they sign out', async () => {
    const open = await world.open();
    const { page } = open;
    await signInByKeyboard(page, 'alice');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.locator('#console').isHidden(), true);
    const cookies = await page.context().cookies();
    assert.deepEqual(cookies.filter((c) => c.name === 'psb_agent_session' && c.value !== ''), []);
    await assertHealthy(open);
  });

  it('Requests view: a supervisor sees cases by urgency (colour and words), opens one with the keyboard, previews its report sandboxed, releases it; WCAG 2.1 AA clean', async () => {
    const now = new Date();
    const overdue = newReference('PRV', now);
    const soon = newReference('PRV', now);
    const review = newReference('PRV', now);
    requests.put(
      accessCase(now, { reference: review, dueInDays: 12, status: 'awaiting_review', copy: { createdAt: now, expiresAt: new Date(now.getTime() + 30 * DAY_MS), sizeBytes: 48_213, releasedAt: null, downloads: 0, maxDownloads: 5, deletedAt: null } }),
      accessCase(now, { reference: soon, dueInDays: 2, status: 'blocked', blockedReason: 'crm keeps failing', sources: [failedSource('crm', 5, 'HTTP 503')] }),
      accessCase(now, { reference: overdue, dueInDays: -1 }),
    );
    const open = await world.open();
    const { page } = open;
    await signInByKeyboard(page, 'sara');
    await assertAccessible(page, 'the customers view');

    const toRequests = page.getByRole('button', { name: 'Access requests' });
    assert.equal(await toRequests.getAttribute('aria-pressed'), 'false');
    await toRequests.focus();
    await page.keyboard.press('Enter');
    // The view opens with focus on its heading, once its list is in. WAIT_MS only guards against a hang.
    // (A selector, not a predicate string: polling one needs eval, which the page's CSP refuses.)
    await page.locator('#requests-title:focus').waitFor({ timeout: WAIT_MS });
    assert.equal(await toRequests.getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('#console').isHidden(), true);

    const rows = page.locator('#requests tr');
    await rows.first().waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => (tr as unknown as { getAttribute(name: string): string | null }).getAttribute('data-reference'))), [overdue, soon, review]);
    // Urgency in words (never colour alone), and in colour too.
    assert.deepEqual(await page.locator('#requests .badge').allInnerTexts(), ['Overdue', 'Due within 3 days', 'Later']);
    const colours = (await page.evaluate("Array.from(document.querySelectorAll('#requests .badge'), (b) => getComputedStyle(b).backgroundColor)")) as string[];
    assert.equal(new Set(colours).size, 3, `three urgencies, three colours: ${colours.join(', ')}`);
    assert.match(await rows.nth(0).innerText(), /overdue by 1 d 0 h/);
    assert.match(await rows.nth(1).innerText(), /blocked[\s\S]*crm: failed \(5 attempts, HTTP 503\)/);
    assert.match(await rows.nth(2).innerText(), /awaiting review[\s\S]*47\.1 KB · not released · 0 of 5 downloads/);
    await assertAccessible(page, 'the Requests list');

    await page.getByRole('button', { name: `Open request ${review}` }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Request ${review}` }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.evaluate('document.activeElement.id'), 'request-title');
    assert.match(await page.locator('#request-facts').innerText(), /Status\s+awaiting review/);
    assert.deepEqual(await page.locator('#request-history li').allInnerTexts(), [await page.locator('#request-history li').first().innerText()]);
    assert.match(await page.locator('#request-history li').first().innerText(), /received by customer:subject-1/);

    // The report, as the customer will get it: in a sandboxed frame, its script inert, nothing fetched.
    await page.getByRole('button', { name: 'Show the report' }).click();
    const frame = page.frameLocator('#preview');
    await frame.getByRole('heading', { name: 'Your data' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.locator('#preview').getAttribute('sandbox'), '');
    assert.equal(await page.evaluate('typeof window.__reportRan'), 'undefined', "the report's script did not run");
    assert.deepEqual(open.loaded.filter((url) => url.includes('198.51.100.7')), [], "the report's remote image was not fetched (its policy blocks it)");
    assert.ok(open.loaded.some((url) => url.endsWith(`/agent/api/requests/${review}/preview`)), 'the frame loaded the preview route');
    // What the browser refused in the frame, it says on the console: the report's remote image (its policy) and its script (the sandbox).
    const blockedInFrame = [/pixel\.png' violates the following Content Security Policy directive: "img-src data:"/, /Blocked script execution in '[^']*\/preview' because the document's frame is sandboxed/];
    for (const pattern of blockedInFrame) assert.ok(open.problems.some((p) => pattern.test(p)), `the browser blocked ${String(pattern)}: ${open.problems.join('; ')}`);
    open.problems.splice(0, open.problems.length, ...open.problems.filter((p) => !blockedInFrame.some((pattern) => pattern.test(p))));
    // Asked for by the report and refused by the browser before any connection: not a load from elsewhere.
    open.requested.splice(0, open.requested.length, ...open.requested.filter((url) => !url.includes('198.51.100.7')));
    await assertAccessible(page, 'a request open, its report shown');

    await page.getByRole('button', { name: 'Release the copy' }).click();
    await page.getByText('Released: the customer is sent the download link.').waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.match(await page.locator('#request-facts').innerText(), /Status\s+fulfilled/);
    assert.match(await page.locator('#request-history').innerText(), /fulfilled by agent:sara/);
    assert.equal(await page.getByRole('button', { name: 'Release the copy' }).isHidden(), true);
    assert.equal(await page.getByRole('button', { name: 'Refuse the request' }).isDisabled(), true, 'a closed case takes no more actions');
    assert.deepEqual(requests.calls.map((c) => [c.method, c.reference, c.context.actor]), [['release', review, 'agent:sara']]);
    // The list follows: the released case is no longer open.
    await page.locator(`#requests tr[data-reference="${review}"]`).waitFor({ state: 'detached', timeout: WAIT_MS });
    await assertAccessible(page, 'after the release');
    await assertHealthy(open);
  });

  it('Requests view for the privacy team only: extend needs a reason, then shows the new deadline; a refusal by the service is shown; a failed source runs again', async () => {
    const now = new Date();
    const working = newReference('PRV', now);
    const blocked = newReference('PRV', now);
    requests.put(
      accessCase(now, { reference: working, dueInDays: 10 }),
      accessCase(now, { reference: blocked, dueInDays: 5, status: 'blocked', blockedReason: 'crm keeps failing', sources: [failedSource('crm', 5, 'timeout')] }),
    );
    const open = await world.open();
    const { page } = open;
    await signInByKeyboard(page, 'pia', 'Access requests');
    assert.equal(await page.locator('#views').isHidden(), true, 'one view: nothing to switch');
    assert.equal(await page.locator('#console').isHidden(), true, 'no handoff queue');
    assert.deepEqual(open.requested.filter((url) => /\/agent\/api\/(queue|events)/.test(url)), [], 'the page asks for no handoff data');

    await page.getByRole('button', { name: `Open request ${working}` }).click();
    await page.getByRole('heading', { name: `Request ${working}` }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.getByRole('button', { name: 'Release the copy' }).isHidden(), true, 'no release before the copy awaits review');
    assert.match(await page.locator('#extend-hint').innerText(), /^Up to .+\. The customer is told the new date and the reason\.$/);

    const extend = page.getByRole('button', { name: 'Extend', exact: true });
    await extend.click();
    assert.equal(await page.getByRole('alert').filter({ hasText: 'Enter a reason' }).innerText(), 'Enter a reason: the customer is told it.');
    assert.equal(await page.evaluate('document.activeElement.id'), 'extend-reason', 'focus goes to the reason');
    assert.equal(requests.calls.length, 0);
    await page.keyboard.type('Five systems hold the data.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('Extended: the customer is told the new date.').waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.match(await page.locator('#request-facts').innerText(), /Extended to\s+.+ — Five systems hold the data\./);
    assert.equal(await extend.isDisabled(), true);
    assert.equal(await page.locator('#extend-hint').innerText(), 'Already extended once; the law allows one extension.');
    assert.deepEqual(requests.calls.map((c) => [c.method, c.argument, c.context.actor, c.context.reason]), [['extend', 'Five systems hold the data.', 'agent:pia', 'Five systems hold the data.']]);

    // The service refuses (the case changed meanwhile): its refusal shows on the page, in the console's words for its code.
    requests.failNext = new AccessRuleError('PSB_ACCESS_CLOSED', 'cannot refuse a case that is withdrawn');
    await page.getByLabel('Reasons (the customer is told them, and of the right to complain)').fill('The fifth identical request this month.');
    await page.getByRole('button', { name: 'Refuse the request' }).click();
    await page.getByRole('alert').filter({ hasText: 'The case is closed: it takes no more actions.' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.getByRole('button', { name: 'Refuse the request' }).isEnabled(), true, 'the action can be tried again');
    // The browser reports the refused request (409) as a console error: expected here, and the only one.
    const refused = open.problems.findIndex((p) => /status of 409/.test(p));
    assert.ok(refused >= 0, `the 409 reached the page: ${open.problems.join('; ')}`);
    open.problems.splice(refused, 1);

    await page.getByRole('button', { name: `Open request ${blocked}` }).click();
    await page.getByRole('heading', { name: `Request ${blocked}` }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.match(await page.locator('#request-facts').innerText(), /Blocked because\s+crm keeps failing/);
    await page.getByRole('button', { name: 'Run source crm again' }).click();
    await page.getByText('Source crm runs again.').waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.match(await page.locator('#request-sources').innerText(), /crm\s+pending/);
    assert.match(await page.locator('#request-facts').innerText(), /Status\s+in progress/);
    await assertAccessible(page, 'the privacy team after its actions');
    await assertHealthy(open);
  });
});
