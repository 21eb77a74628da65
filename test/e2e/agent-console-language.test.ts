import assert from 'node:assert/strict';
import { newHandoff } from '../agent/agent-harness';
import { assertAccessible, assertHealthy, signInByKeyboard, WAIT_MS } from './agent-console-page';
import { consoleInChromium } from './console-in-chromium';

/** What the console must never show a person: the codes behind a waiting handoff's words. */
const INTERNAL_CODES = ['consent.view', 'directline', 'webchat', 'verification', 'customer_request', 'queued', 'claimed'];

function assertNoCodes(text: string, where: string): void {
  for (const code of INTERNAL_CODES) assert.ok(!text.includes(code), `${where}: "${code}" is shown: ${text}`);
}

describe('Agent console in the agent\'s language in Chromium', function () {
  this.timeout(90_000);

  const world = consoleInChromium();

  it('an Italian browser gets the console in Italian: a waiting handoff in words, no internal code on the page; WCAG 2.1 AA clean', async () => {
    const open = await world.open(undefined, 'it-IT');
    const { page } = open;
    assert.equal(await page.evaluate('document.documentElement.lang'), 'it');
    assert.equal(await page.title(), 'Console operatori privacy');
    await page.getByRole('heading', { name: 'Accedi' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    await assertAccessible(page, 'sign-in, Italian');
    await signInByKeyboard(page, 'alice', 'Clienti in attesa', 'Nome utente');
    assert.equal(await page.locator('#who-line').innerText(), 'Accesso effettuato come alice (operatore)');

    // Waiting to see their consents, from the website chat (Direct Line): said in words.
    const { ticket } = await world.hub.enqueue(newHandoff({ channelId: 'directline' }));
    const item = page.locator(`#queue li[data-ticket="${ticket.id}"]`);
    await item.waitFor({ state: 'visible', timeout: WAIT_MS });
    const described = await item.innerText();
    assert.match(described, /^Verifica dell'identità · italiano \(it\) · Vuole vedere i propri consensi · tramite la chat del sito/);
    assert.match(described, /Attesa: \d+:\d\d/);
    assert.equal(await item.getAttribute('data-pending-action'), 'consent.view', 'the code stays in the data, for scripts');
    assert.equal(await item.getAttribute('data-channel'), 'directline');
    assertNoCodes(await page.locator('body').innerText(), 'the queue');
    await assertAccessible(page, 'the queue, Italian');

    await item.getByRole('button', { name: /^Prendi in carico/ }).click();
    await page.getByText('I need to verify who you are first.').waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.match(await page.locator('#ticket-meta').innerText(), /· stato: in conversazione · operatore: alice$/);
    assert.deepEqual(
      (await page.locator('#transcript .who').allInnerTexts()).map((who) => who.split(' · ')[0]),
      ['Cliente', 'Bot'],
    );
    assert.equal(await page.locator('#claimed-identity').innerText(), 'Il cliente non ha indicato alcuna identità.');
    assertNoCodes(await page.locator('body').innerText(), 'the open conversation');

    await page.getByRole('button', { name: 'Restituisci al bot senza verifica' }).click();
    await page.getByText(/^Conversazione chiusa: restituito al bot senza verifica\. Il cliente torna al bot\.$/).waitFor({ state: 'visible', timeout: WAIT_MS });
    await assertAccessible(page, 'a closed conversation, Italian');
    await assertHealthy(open);
  });

  it('the switcher changes the language with the keyboard, keeps the agent signed in, and is remembered', async () => {
    const open = await world.open();
    const { page } = open;
    assert.equal(await page.evaluate('document.documentElement.lang'), 'en');
    await signInByKeyboard(page, 'bob');

    const italian = page.getByRole('navigation', { name: 'Console language' }).getByRole('link', { name: 'Italiano' });
    assert.equal(await italian.getAttribute('lang'), 'it', 'each language is named in its own language, marked as such');
    assert.equal(await page.getByRole('link', { name: 'English' }).getAttribute('aria-current'), 'true');
    await italian.focus();
    await Promise.all([page.waitForURL(/\/agent\?lang=it$/, { timeout: WAIT_MS }), page.keyboard.press('Enter')]);
    await page.getByRole('heading', { name: 'Clienti in attesa' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.evaluate('document.documentElement.lang'), 'it');
    assert.equal(await page.locator('#who-line').innerText(), 'Accesso effettuato come bob (operatore)', 'still signed in');
    assert.equal(await page.getByRole('navigation', { name: 'Lingua della console' }).getByRole('link', { name: 'Italiano' }).getAttribute('aria-current'), 'true');

    // Kept: the console opens in Italian again without the parameter.
    await page.goto(`${world.app.baseUrl}/agent`, { waitUntil: 'load' });
    await page.getByRole('heading', { name: 'Clienti in attesa' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    await assertAccessible(page, 'the queue after switching to Italian');

    await page.getByRole('link', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Waiting customers' }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await page.evaluate('document.documentElement.lang'), 'en');
    await assertHealthy(open);
  });
});
