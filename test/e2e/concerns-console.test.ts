import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { newReference } from '../../src/ledger/references/reference';
import { newHandoff } from '../agent/agent-harness';
import { concernCase, FakeConcerns } from '../agent/fake-concerns';
import { AVVISO, NOTICE } from '../agent/incident-notice-texts';
import { assertAccessible, assertHealthy, expectProblem, signInByKeyboard, WAIT_MS } from './agent-console-page';
import { consoleInChromium } from './console-in-chromium';

const INJECTION = '<img src=x onerror=alert(1)><script>window.__xss = 1</script> my invoice went to someone else';
const HOUR_MS = 3600_000;

/** "71 h 05 min left" → minutes. */
function minutesLeft(text: string): number {
  const match = /^(\d+) h (\d\d) min left$/.exec(text);
  assert.ok(match, `a countdown in words: "${text}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Presses Enter on a control reached by focus, as a keyboard user does. */
async function pressOn(page: Page, locator: ReturnType<Page['getByRole']>): Promise<void> {
  await locator.focus();
  await page.keyboard.press('Enter');
}

// The Concerns and Incidents views and the surge role in the page, over an in-memory concern service
// with the real one's rules (test/agent/fake-concerns.ts); the API over the real service is test/agent/concern-api.test.ts.
describe('Concerns and Incidents views in Chromium (in-memory concern service)', function () {
  this.timeout(90_000);

  const concerns = new FakeConcerns(() => new Date());
  const world = consoleInChromium({ agents: { privacyTeam: true, surge: true }, server: { concerns } });

  afterEach(() => {
    concerns.clear();
  });

  it('a supervisor opens Concerns (breach suspects marked in words and colour), reads a report as inert text, confirms the breach and sees the incident countdown move each minute; keyboard only, WCAG 2.1 AA clean', async () => {
    const now = new Date();
    const suspect = newReference('CNC', now);
    const question = newReference('CNC', now);
    concerns.put(concernCase({ reference: question, reportedAt: new Date(now.getTime() - 2 * HOUR_MS), topic: 'answer', suspectedBreach: false }));
    concerns.put(concernCase({ reference: suspect, reportedAt: new Date(now.getTime() - HOUR_MS) }), INJECTION, 'mario@example.com');
    const open = await world.open((page) => page.clock.install());
    const { page } = open;
    await signInByKeyboard(page, 'sara');

    const toConcerns = page.getByRole('button', { name: 'Concerns', exact: true });
    await pressOn(page, toConcerns);
    // The view opens with focus on its heading, once its list is in (a selector: the page's CSP allows no eval).
    await page.locator('#concerns-title:focus').waitFor({ timeout: WAIT_MS });
    assert.equal(await toConcerns.getAttribute('aria-pressed'), 'true');
    const rows = page.locator('#concerns tr');
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => (tr as unknown as { getAttribute(name: string): string | null }).getAttribute('data-reference'))), [suspect, question]);
    assert.match(await rows.nth(0).innerText(), /Suspected breach[\s\S]*New[\s\S]*webhook not yet delivered \(retrying\) · email sent/);
    assert.doesNotMatch(await rows.nth(1).innerText(), /Suspected breach/);
    const edges = (await page.evaluate("Array.from(document.querySelectorAll('#concerns tr td:first-child'), (td) => getComputedStyle(td).boxShadow)")) as string[];
    assert.notEqual(edges[0], edges[1], 'the suspect is highlighted in colour too');
    await assertAccessible(page, 'the Concerns list');

    await pressOn(page, page.getByRole('button', { name: `Open concern ${suspect}` }));
    await page.getByRole('heading', { name: `Concern ${suspect}` }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.evaluate('document.activeElement.id'), 'concern-title');
    assert.equal(await page.locator('#concern-description').innerText(), INJECTION);
    assert.equal(await page.locator('#concern img, #concern script').count(), 0, 'the markup made no element');
    assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');
    const facts = await page.locator('#concern-facts').innerText();
    assert.match(facts, /DPO alert\s+webhook not yet delivered \(retrying\) · email sent/);
    assert.match(facts, /When it happened\s+.+ — the customer said “ieri sera”/);
    assert.match(facts, /Contact for the reply\s+mario@example\.com/);
    assert.deepEqual(concerns.calls.map((c) => [c.method, c.context.actor]), [['show', 'agent:sara']], 'the look went through the service, as the agent');
    await assertAccessible(page, 'a concern open');

    // Awareness later than now: the service refuses, the page says why and keeps the form.
    const awareness = page.getByLabel('Aware since (your time zone)');
    const local = (offsetMs: number) => page.evaluate((ms) => {
      const d = new Date(Date.now() + ms);
      return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    }, offsetMs);
    await awareness.fill(await local(2 * HOUR_MS));
    await page.getByLabel('Why earlier than now (needed when you change the time)').fill('the mail log');
    await pressOn(page, page.getByRole('button', { name: 'Confirm the breach' }));
    await page.getByRole('alert').filter({ hasText: 'awareness cannot be later than now' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.evaluate('document.activeElement.id'), 'awareness-at', 'focus goes to the time to correct');
    await expectProblem(open, /status of 400/);
    assert.equal(concerns.get(suspect)?.state, 'reported');

    // Two hours ago, with the reason: the clock runs from then.
    await awareness.fill(await local(-2 * HOUR_MS));
    await page.getByLabel('Title of a new incident (optional)').fill('Invoices to the wrong customers');
    await pressOn(page, page.getByRole('button', { name: 'Confirm the breach' }));
    await page.getByRole('heading', { name: /^Incident INC-.+: Invoices to the wrong customers$/ }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.evaluate('document.activeElement.id'), 'incident-title');
    assert.equal(await page.getByRole('button', { name: 'Incidents', exact: true }).getAttribute('aria-pressed'), 'true');
    const [call] = concerns.calls.filter((c) => c.method === 'confirmBreach');
    assert.equal(call.context.actor, 'agent:sara');
    assert.equal(call.context.reason, 'the mail log');

    const clocks = page.locator('#incident-clocks .clock');
    assert.deepEqual(await clocks.locator('.regime').allInnerTexts(), ['GDPR', 'PIPEDA']);
    assert.deepEqual(await clocks.locator('.badge').allInnerTexts(), ['Running', 'No fixed deadline']);
    assert.equal(await clocks.nth(1).locator('.countdown').innerText(), 'As soon as feasible');
    const before = minutesLeft(await clocks.nth(0).locator('.countdown').innerText());
    assert.ok(before > 69 * 60 && before <= 70 * 60, `about 70 hours left: ${before} min`);
    // A minute later (the page's clock, run forward), the countdown says one minute less, without a reload.
    await page.clock.runFor(60_000);
    const after = minutesLeft(await clocks.nth(0).locator('.countdown').innerText());
    assert.ok(before - after >= 1 && before - after <= 2, `a minute later: ${before} → ${after} min`);
    assert.match(await clocks.nth(0).locator('.due').innerText(), /^due .+ · 72 hours from awareness$/);
    await assertAccessible(page, 'the incident after the confirmation');
    // The page clock is a script Playwright puts into every frame: the console's empty sandboxed frames refuse it, as they should.
    open.problems.splice(0, open.problems.length, ...open.problems.filter((p) => !/Blocked script execution in 'about:blank' because the document's frame is sandboxed/.test(p)));
    await assertHealthy(open);
  });

  it('the privacy team builds the incident: a phase of the Art. 33(3) record, the draft (sandboxed page and JSON), the notice in two languages published, the affected import with its refused lines, notified', async () => {
    const now = new Date();
    const reference = newReference('INC', now);
    concerns.putIncident({ reference, awarenessAt: new Date(now.getTime() - 10 * HOUR_MS), regimes: ['gdpr'] });
    concerns.knownIdentifiers.add('anna@example.com');
    const open = await world.open();
    const { page } = open;
    await signInByKeyboard(page, 'pia', 'Concerns');
    assert.deepEqual(await page.locator('#views button:not([hidden])').allInnerTexts(), ['Concerns', 'Incidents'], 'no customers, no access requests here');
    await pressOn(page, page.getByRole('button', { name: 'Incidents', exact: true }));
    await page.locator('#incidents-title:focus').waitFor({ timeout: WAIT_MS });
    assert.match(await page.locator('#incidents li').first().innerText(), /GDPR\s+Running\s+61 h \d\d min left/);
    await pressOn(page, page.getByRole('button', { name: `Open incident ${reference}` }));
    await page.getByRole('heading', { name: new RegExp(`^Incident ${reference}`) }).waitFor({ state: 'visible', timeout: WAIT_MS });
    await assertAccessible(page, 'an incident open');

    await page.getByLabel('Nature of the breach').fill('Invoices emailed to the wrong customers');
    await page.getByLabel('People concerned (approximately)').fill('1200');
    await pressOn(page, page.getByRole('button', { name: 'Add this phase' }));
    await page.getByText('Information added as a new phase.').waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.match(await page.locator('#phases li').first().innerText(), /^Phase 1, .+ by agent:pia: Nature of the breach, People concerned \(approximately\)$/);
    assert.match(await page.locator('#record').innerText(), /Nature of the breach\s+Invoices emailed to the wrong customers/);
    assert.equal(await page.getByLabel('Nature of the breach').inputValue(), '', 'the form is ready for the next phase');

    await page.getByRole('button', { name: 'Show the draft' }).click();
    await page.frameLocator('#draft').getByRole('heading', { name: 'Notification of a personal data breach' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.locator('#draft').getAttribute('sandbox'), '');
    assert.equal(await page.evaluate('typeof window.__draftRan'), 'undefined', "the draft's script did not run");
    // The browser blocks every script in the draft's frame — its own, and those the test tools put into each frame — and says so each time.
    await expectProblem(open, /Blocked script execution in '[^']*\/draft\?lang=en' because the document's frame is sandboxed/, { all: true });
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: WAIT_MS }), page.getByRole('link', { name: 'Download the draft (JSON)' }).click()]);
    assert.equal(download.suggestedFilename(), `${reference}-notification-draft.json`);
    const json = JSON.parse(readFileSync(await download.path(), 'utf8')) as { incident: string; record: { nature: string } };
    assert.deepEqual([json.incident, json.record.nature], [reference, 'Invoices emailed to the wrong customers']);

    for (const [code, text] of [['en', NOTICE], ['it', AVVISO]] as const) {
      for (const [part, label] of [['whatHappened', 'What happened'], ['whatData', 'What data'], ['whatWeDo', 'What we are doing'], ['whatYouShouldDo', 'What customers should do']] as const) {
        await page.getByLabel(`${label} (${code})`).fill(text[part]);
      }
    }
    await pressOn(page, page.getByRole('button', { name: 'Save the notice' }));
    await page.locator('#notice-state', { hasText: 'Written in English (en), Italian (it). Not published.' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    await pressOn(page, page.getByRole('button', { name: 'Publish the notice' }));
    await page.locator('#notice-state', { hasText: /Published since .+: the bot answers from it first\./ }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.deepEqual(await concerns.publishedNotice(), { incidentReference: reference, texts: { en: NOTICE, it: AVVISO } });
    assert.equal(await page.getByRole('button', { name: 'Withdraw the notice' }).isVisible(), true);

    await page.getByLabel(/^Identifiers as CSV/).fill('email\nanna@example.com\nghost@example.com\n');
    await pressOn(page, page.getByRole('button', { name: 'Import', exact: true }));
    await page.locator('#affected-problems li', { hasText: 'Line 3: no subject has this identifier' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.match(await page.locator('#incident-error').innerText(), /Nothing was imported/);
    assert.equal(await page.locator('#affected-count').innerText(), '0 customers are listed as affected.');
    await expectProblem(open, /status of 400/);
    await page.getByLabel(/^Identifiers as CSV/).fill('email\nanna@example.com\n');
    await pressOn(page, page.getByRole('button', { name: 'Import', exact: true }));
    await page.locator('#affected-count', { hasText: '1 customer is listed as affected.' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.locator('#affected-problems li').count(), 0);

    await pressOn(page, page.getByRole('button', { name: 'Mark the authority notified' }));
    await page.getByText('Marked notified: the clocks have stopped.').waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.match(await page.locator('#incident-clocks').innerText(), /GDPR\s+Authority notified\s+Clock stopped/);
    assert.deepEqual(
      concerns.calls.map((c) => [c.method, c.context.actor]),
      ['addPhase', 'setNotice', 'publishNotice', 'importAffected', 'markNotified'].map((method) => [method, 'agent:pia']),
    );
    await assertAccessible(page, 'the incident after the team’s actions');
    await assertHealthy(open);
  });

  it('a surge agent sees the published notice and the handoffs about the incident only, claims one, and gets no identity panel; WCAG 2.1 AA clean', async () => {
    const now = new Date();
    const incident = newReference('INC', now);
    concerns.putIncident({ reference: incident, awarenessAt: now, regimes: ['gdpr'], notice: { texts: { en: NOTICE, it: AVVISO }, publishedAt: now, withdrawnAt: null } });
    const routine = (await world.hub.enqueue(newHandoff({ reason: 'customer_request', locale: 'en' }))).ticket;
    const about = (await world.hub.enqueue(newHandoff({ reason: 'incident', locale: 'it', claimedIdentity: { kind: 'email', masked: 'm***@example.com' }, transcript: [{ from: 'customer', text: 'I miei dati sono coinvolti?', at: now.toISOString() }] }))).ticket;
    const open = await world.open();
    const { page } = open;
    await signInByKeyboard(page, 'sam');
    assert.equal(await page.locator('#views').isHidden(), true, 'one view: nothing to switch');
    await page.getByRole('heading', { name: 'Published incident notice' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.match(await page.locator('#notice-parts').innerText(), new RegExp(`What happened\\s+${NOTICE.whatHappened}`));
    await page.getByLabel('Language', { exact: true }).selectOption('it');
    assert.match(await page.locator('#notice-parts').innerText(), new RegExp(`What we are doing\\s+${AVVISO.whatWeDo}`));

    const item = page.locator(`#queue li[data-ticket="${about.id}"]`);
    await item.waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.match(await item.innerText(), /Incident priority[\s\S]*About the incident · Italian \(it\)/);
    assert.equal(await page.locator(`#queue li[data-ticket="${routine.id}"]`).count(), 0, 'the other customer is not listed');
    await assertAccessible(page, 'the surge agent’s queue');

    await pressOn(page, item.getByRole('button', { name: /^Claim/ }));
    await page.getByText('I miei dati sono coinvolti?').waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.locator('#verification-card').isHidden(), true, 'no identity panel');
    assert.ok(!(await page.locator('body').innerText()).includes('m***@example.com'), 'no claimed identity shown');
    await page.keyboard.type('Le spiego cosa è successo.');
    await page.keyboard.press('Enter');
    await page.locator('#transcript li.from-agent', { hasText: 'Le spiego cosa è successo.' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    await assertAccessible(page, 'a surge agent in a conversation');
    assert.deepEqual(open.requested.filter((url) => /\/agent\/api\/(requests|concerns|incidents)/.test(url)), [], 'the page asks for nothing the role may not see');
    await assertHealthy(open);
  });
});
