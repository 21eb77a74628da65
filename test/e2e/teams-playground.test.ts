import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { availableMenu } from '../../dialogs/menu';
import { TEAMS_MAX_SUGGESTED_ACTIONS } from '../../src/channels/teams/action-presentation';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { Translations, Translator } from '../../src/i18n/translator';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { RunningApp, startTestApp } from '../support/test-app';
import { BROWSER_WAIT_MS, launchChromium, textPattern } from './chromium';
import { FROM_BOT, PlaygroundProcess, RecordedEvent, TO_BOT } from './playground/playground-process';

/** The bot's app id in our playground config (test/e2e/playground/.m365agentsplayground.yml). */
const BOT_APP_ID = '6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7';
const PERSONAL = 'personal-chat-id';
const GROUP = 'group-chat-id';

type Body = RecordedEvent['request']['body'];
interface CardAction {
  type: string;
  title?: string;
  url?: string;
  data?: unknown;
}

function cardActions(body: Body): CardAction[] {
  return (body.attachments ?? []).filter((attachment) => attachment.contentType === 'application/vnd.microsoft.card.adaptive').flatMap((attachment) => (attachment.content as { actions?: CardAction[] }).actions ?? []);
}

/**
 * The bot in Microsoft 365 Agents Playground, Microsoft's local Teams client, driven through its web
 * page in headless Chromium — offline (no browser of its own, no telemetry). What each side sent is
 * read from the playground's events recording, not only from what the page shows.
 */
describe('Teams in Microsoft 365 Agents Playground (headless Chromium)', function () {
  this.timeout(120_000);
  let running: RunningApp;
  let playground: PlaygroundProcess;
  let browser: Browser;
  let page: Page;
  let en: Translator;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    en = (await Translations.load()).for('en');
    running = await startTestApp();
    playground = await PlaygroundProcess.start(`${running.baseUrl}/api/messages`);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(playground.url);
  });
  after(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await browser?.close();
    await playground?.stop();
    await running?.close();
  });

  const sendBox = () => page.locator('[role=textbox][data-lexical-editor=true]');
  async function type(text: string): Promise<void> {
    await sendBox().click();
    await page.keyboard.type(text);
    await page.locator('button[aria-label="Send Message"]').click();
  }
  /** "@Privacy Assistant" picked from the playground's typeahead (a real mention entity), then `text`. */
  async function mentionBot(text = ''): Promise<void> {
    await sendBox().click();
    await page.keyboard.type('@Priv');
    await page.locator('#typeahead-menu [role=menuitem]', { hasText: 'Privacy Assistant' }).click();
    if (text !== '') await page.keyboard.type(` ${text}`);
    await page.locator('button[aria-label="Send Message"]').click();
  }
  const shown = (text: string) => page.getByText(textPattern(text)).last().waitFor({ timeout: BROWSER_WAIT_MS });
  const recorded = (conversationId: string, direction: string): Body[] =>
    playground
      .events()
      .filter((event) => event.direction === direction && event.conversationId === conversationId && event.activityName === 'message')
      .map((event) => event.request.body);
  /** Waits until the bot has sent more than `count` messages to the conversation; resolves with the new ones. */
  async function botSends(conversationId: string, count: number): Promise<Body[]> {
    // Bounded by the test's timeout (a hang guard), not a speed check.
    for (;;) {
      const sent = recorded(conversationId, FROM_BOT);
      if (sent.length > count) return sent.slice(count);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('personal chat: the welcome and the menu, every option on a card, never more than three suggested actions', async () => {
    await shown(en.t('bot.welcome'));
    const before = recorded(PERSONAL, FROM_BOT).length;
    await type('help');
    await shown(en.t('help.intro'));
    const [help] = await botSends(PERSONAL, before);
    assert.deepEqual(
      cardActions(help).map((action) => action.title),
      availableMenu().map((entry) => en.t(entry.labelKey)),
    );
    for (const body of recorded(PERSONAL, FROM_BOT)) {
      assert.ok((body.suggestedActions?.actions ?? []).length <= TEAMS_MAX_SUGGESTED_ACTIONS, `Teams would hide options of: ${body.text}`);
    }
  });

  it('group chat: a message that is only "@Privacy Assistant" greets with the menu', async () => {
    await page.locator('[role=treeitem][aria-label="Group Chat"]').click();
    await shown(en.t('bot.welcome'));
    const before = recorded(GROUP, FROM_BOT).length;
    await mentionBot();
    const [answer] = await botSends(GROUP, before);
    const sent = recorded(GROUP, TO_BOT).at(-1);
    assert.ok((sent?.entities as { type: string }[] | undefined)?.some((entity) => entity.type === 'mention'), 'the playground sent a mention');
    assert.ok(answer.text?.startsWith(en.t('bot.welcome')), answer.text);
    assert.notEqual(answer.text, en.t('bot.nonText'));
  });

  it('group chat: @mention, then "Check my consents" on the card → a button that opens the private chat', async () => {
    const before = recorded(GROUP, FROM_BOT).length;
    await page.locator('.ac-adaptiveCard button', { hasText: en.t('menu.consentCheck') }).last().click();
    await shown(en.t('assurance.sharedConversation'));
    const [answer] = await botSends(GROUP, before);
    assert.equal(answer.text, en.t('assurance.sharedConversation'));
    assert.deepEqual(cardActions(answer), [{ type: 'Action.OpenUrl', title: en.t('teams.openPrivateChat'), url: `https://teams.microsoft.com/l/chat/0/0?users=28:${BOT_APP_ID}` }]);
    assert.deepEqual(recorded(GROUP, TO_BOT).at(-1)?.value, { menu: 'consent.check' }, 'the card submitted its data');
  });

  it("group chat: another member's answer does not answer Alex's open question", async () => {
    const languages = SHIPPED_LOCALES.map((locale) => en.t(`languageName.${locale}`)).join(', ');
    let before = recorded(GROUP, FROM_BOT).length;
    await mentionBot(en.t('menu.language'));
    const [question] = await botSends(GROUP, before);
    assert.equal(question.text, en.t('language.prompt', { languages }));
    // Megan, in a playground of her own (a second member of the same group chat), answers it.
    const megan = await PlaygroundProcess.start(`${running.baseUrl}/api/messages`, { id: 'user-id-1', name: 'Megan Bowen' });
    const meganPage = await browser.newPage();
    try {
      await meganPage.goto(megan.url);
      await meganPage.locator('[role=treeitem][aria-label="Group Chat"]').click();
      await meganPage.getByText(textPattern(en.t('bot.welcome'))).last().waitFor({ timeout: BROWSER_WAIT_MS });
      const meganBefore = megan.events().filter((event) => event.direction === FROM_BOT && event.conversationId === GROUP).length;
      const box = meganPage.locator('[role=textbox][data-lexical-editor=true]');
      await box.click();
      await meganPage.keyboard.type('@Priv');
      await meganPage.locator('#typeahead-menu [role=menuitem]', { hasText: 'Privacy Assistant' }).click();
      await meganPage.keyboard.type(` ${en.t('languageName.it')}`);
      await meganPage.locator('button[aria-label="Send Message"]').click();
      for (;;) {
        if (megan.events().filter((event) => event.direction === FROM_BOT && event.conversationId === GROUP).length > meganBefore) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const meganSent = megan.events().filter((event) => event.direction === TO_BOT && event.activityName === 'message').at(-1)?.request.body;
      assert.equal((meganSent?.from as { id?: string } | undefined)?.id, 'user-id-1', 'the answer came from Megan');
      assert.equal((meganSent?.conversation as { id?: string } | undefined)?.id, GROUP, 'in the same group chat');
    } finally {
      await meganPage.close();
      await megan.stop();
    }
    // Alex's question is still open: his "help" reminds him of it and asks it again.
    before = recorded(GROUP, FROM_BOT).length;
    await mentionBot('help');
    await shown(en.t('help.resume'));
    const help = await botSends(GROUP, before);
    assert.ok(help.some((body) => body.text?.includes(en.t('help.resume'))), JSON.stringify(help.map((body) => body.text)));
  });

  it('HEAD /api/messages on page load logged nothing above debug on the bot side', () => {
    const probes = running.logs.lines.filter((line) => line.includes('HEAD probe'));
    assert.ok(probes.length > 0, 'the playground probed the endpoint');
    assert.ok(!running.logs.lines.some((line) => /"level":"(error|fatal)"/.test(line)), running.logs.text);
  });
});
