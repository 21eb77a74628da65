import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { availableMenu } from '../../dialogs/menu';
import { TEAMS_MAX_SUGGESTED_ACTIONS } from '../../src/channels/teams/action-presentation';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { Translations, Translator } from '../../src/i18n/translator';
import { eventually } from '../support/hang-guard';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { RunningApp } from '../support/test-app';
import { ConsentStack, sentencePattern, startConsentStack } from '../consent-bot/consent-stack';
import { emailsTo, newCodeTo } from './dev-outbox';
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
  let stack: ConsentStack;
  let running: RunningApp;
  let playground: PlaygroundProcess;
  let browser: Browser;
  let page: Page;
  let en: Translator;
  let it_: Translator;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    const translations = await Translations.load();
    en = translations.for('en');
    it_ = translations.for('it');
    // The whole bot with its demo customers, its ledger in a PostgreSQL schema of its own (removed after).
    stack = await startConsentStack();
    running = stack.running;
    playground = await PlaygroundProcess.start(`${running.baseUrl}/api/messages`);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(playground.url);
  });
  after(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await browser?.close();
    await playground?.stop();
    await stack?.close();
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
  /** `read()` once it gives something: the recording is written as each HTTP exchange ends, so it may lag the page (a hang guard, not a speed check). */
  async function until<T>(read: () => T | undefined, what = 'the exchange in the playground\'s recording'): Promise<T> {
    let value: T | undefined;
    await eventually(() => (value = read()) !== undefined, what, BROWSER_WAIT_MS);
    return value as T;
  }
  /**
   * The message the playground sent in the conversation that `isMine` picks (the last such), and the
   * bot's replies to it (by `replyToId`), read from the recording.
   */
  async function exchange(conversationId: string, isMine: (body: Body) => boolean): Promise<{ sent: Body; replies: Body[] }> {
    const sent = await until(() => recorded(conversationId, TO_BOT).filter(isMine).at(-1));
    const replies = await until(() => {
      const found = recorded(conversationId, FROM_BOT).filter((body) => body.replyToId === sent.id);
      return found.length > 0 ? found : undefined;
    });
    return { sent, replies };
  }

  it('personal chat: the welcome and the menu, every option on a card, never more than three suggested actions', async () => {
    await shown(en.t('bot.welcome'));
    await type('help');
    await shown(en.t('help.intro'));
    const [help] = (await exchange(PERSONAL, (body) => body.text === 'help')).replies;
    assert.deepEqual(
      cardActions(help).map((action) => action.title),
      availableMenu().map((entry) => en.t(entry.labelKey)),
    );
    for (const body of recorded(PERSONAL, FROM_BOT)) {
      assert.ok((body.suggestedActions?.actions ?? []).length <= TEAMS_MAX_SUGGESTED_ACTIONS, `Teams would hide options of: ${body.text}`);
    }
  });

  it('personal chat: withdraw with identity, then the consents card after verification by code', async () => {
    const maya = stack.demo.maya;
    await type('Stop texting me offers');
    await shown(en.t('identity.prompt'));
    await type(maya.email);
    const question = en.t('consent.confirm.withdraw', { scope: 'offers and promotions by SMS' });
    await shown(question);
    const yesNo = await until(() => recorded(PERSONAL, FROM_BOT).find((body) => body.text === question));
    assert.equal((yesNo.suggestedActions?.actions ?? []).length, 2, 'yes and no: suggested actions, as Teams shows up to three');
    await page.getByRole('button', { name: en.t('consent.confirm.yes'), exact: true }).last().click();
    await page.getByText(sentencePattern(en, 'consent.done.withdrawn', { time: undefined, scope: 'offers and promotions by SMS' }, false)).last().waitFor({ timeout: BROWSER_WAIT_MS });

    const mailsBefore = (await emailsTo(stack.baseUrl, maya.email)).length;
    await type(en.t('menu.consentCheck'));
    await shown(en.t('identityCode.sent.email', { masked: maya.masked, count: 10 }));
    const code = await newCodeTo(stack.baseUrl, maya.email, mailsBefore);
    await type(code);
    await shown(en.t('identityCode.verified'));
    await page.locator('.ac-adaptiveCard').filter({ hasText: en.t('consent.overview.title') }).last().waitFor({ timeout: BROWSER_WAIT_MS });
    for (const body of recorded(PERSONAL, FROM_BOT)) {
      assert.ok((body.suggestedActions?.actions ?? []).length <= TEAMS_MAX_SUGGESTED_ACTIONS, `Teams would hide options of: ${body.text}`);
    }
  });

  it('group chat: a message that is only "@Privacy Assistant" greets with the menu', async () => {
    await page.locator('[role=treeitem][aria-label="Group Chat"]').click();
    await shown(en.t('bot.welcome'));
    await mentionBot();
    const { sent, replies } = await exchange(GROUP, (body) => body.text === '<at>Privacy Assistant</at>');
    const [answer] = replies;
    assert.ok((sent.entities as { type: string }[] | undefined)?.some((entity) => entity.type === 'mention'), 'the playground sent a mention');
    assert.ok(answer.text?.startsWith(en.t('bot.welcome')), answer.text);
    assert.notEqual(answer.text, en.t('bot.nonText'));
  });

  it('group chat: @mention, then "Check my consents" on the card → a button that opens the private chat', async () => {
    await page.locator('.ac-adaptiveCard button', { hasText: en.t('menu.consentCheck') }).last().click();
    await shown(en.t('assurance.sharedConversation'));
    const { sent, replies } = await exchange(GROUP, (body) => JSON.stringify(body.value) === JSON.stringify({ menu: 'consent.check' }));
    const [answer] = replies;
    assert.equal(answer.text, en.t('assurance.sharedConversation'));
    assert.deepEqual(cardActions(answer), [{ type: 'Action.OpenUrl', title: en.t('teams.openPrivateChat'), url: `https://teams.microsoft.com/l/chat/0/0?users=28:${BOT_APP_ID}` }]);
    assert.equal(sent.text, undefined, 'the card submitted its data, no text');
  });

  it("group chat: another member's answer does not answer Alex's open question", async () => {
    const languages = SHIPPED_LOCALES.map((locale) => en.t(`languageName.${locale}`)).join(', ');
    await mentionBot(en.t('menu.language'));
    const [question] = (await exchange(GROUP, (body) => body.text === `<at>Privacy Assistant</at> ${en.t('menu.language')}`)).replies;
    assert.equal(question.text, en.t('language.prompt', { languages }));
    // Megan, in a playground of her own (a second member of the same group chat), answers it.
    const megan = await PlaygroundProcess.start(`${running.baseUrl}/api/messages`, { id: 'user-id-1', name: 'Megan Bowen' });
    const meganPage = await browser.newPage();
    try {
      await meganPage.goto(megan.url);
      await meganPage.locator('[role=treeitem][aria-label="Group Chat"]').click();
      await meganPage.getByText(textPattern(en.t('bot.welcome'))).last().waitFor({ timeout: BROWSER_WAIT_MS });
      const meganBefore = megan.events().filter((event) => event.direction === FROM_BOT && event.conversationId === GROUP && event.activityName === 'message').length;
      const box = meganPage.locator('[role=textbox][data-lexical-editor=true]');
      await box.click();
      await meganPage.keyboard.type('@Priv');
      await meganPage.locator('#typeahead-menu [role=menuitem]', { hasText: 'Privacy Assistant' }).click();
      await meganPage.keyboard.type(` ${en.t('languageName.it')}`);
      await meganPage.locator('button[aria-label="Send Message"]').click();
      const meganEvents = (direction: string): Body[] => megan.events().filter((event) => event.direction === direction && event.conversationId === GROUP && event.activityName === 'message').map((event) => event.request.body);
      // Her "Italiano" is her own choice, not an answer to Alex's question: the bot speaks Italian to her.
      const meganReply = await until(() => meganEvents(FROM_BOT)[meganBefore]);
      assert.ok(meganReply.text?.startsWith(it_.t('language.changed')), `Megan chose Italian for herself: ${meganReply.text}`);
      const meganSent = await until(() => meganEvents(TO_BOT).find((body) => body.text?.includes(en.t('languageName.it'))));
      assert.equal((meganSent.from as { id?: string } | undefined)?.id, 'user-id-1', 'the answer came from Megan');
      assert.equal((meganSent.conversation as { id?: string } | undefined)?.id, GROUP, 'in the same group chat');
    } finally {
      await meganPage.close();
      await megan.stop();
    }
    // Alex's question is still open: his "help" reminds him of it and asks it again.
    await mentionBot('help');
    await shown(en.t('help.resume'));
    const help = (await exchange(GROUP, (body) => body.text === '<at>Privacy Assistant</at> help')).replies;
    assert.ok(help.some((body) => body.text?.includes(en.t('help.resume'))), JSON.stringify(help.map((body) => body.text)));
  });

  it('HEAD /api/messages on page load: no error logged on the bot side', () => {
    const probes = running.logs.lines.filter((line) => line.includes('HEAD probe'));
    assert.ok(probes.length > 0, 'the playground probed the endpoint');
    assert.ok(!running.logs.lines.some((line) => /"level":"(error|fatal)"/.test(line)), running.logs.text);
  });
});
