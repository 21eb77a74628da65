import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Activity } from 'botbuilder';
import { availableMenu } from '../../../dialogs/menu';
import { SHIPPED_LOCALES, ShippedLocale } from '../../../src/i18n/shipped-locales';
import { Translations, Translator } from '../../../src/i18n/translator';
import { postActivity, PostResult, RunningApp, startTestApp } from '../../support/test-app';
import { cardButtons } from './card-assertions';
import { ConnectorStub } from './connector-stub';
import { TEAMS_BOT, TENANT_ID, teamsActivity, TeamsActivityOptions, teamsBotInstalled, teamsConversationId, teamsPerson } from './teams-activities';
import { HEAVY_HOOK_TIMEOUT_MS } from '../../support/hook-timeouts';

type Options = Omit<TeamsActivityOptions, 'serviceUrl'>;

describe('Teams through /api/messages', () => {
  let running: RunningApp;
  let connector: ConnectorStub;
  let translations: Translations;
  let en: Translator;
  let it_: Translator;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    translations = await Translations.load();
    en = translations.for('en');
    it_ = translations.for('it');
    connector = await ConnectorStub.start();
    running = await startTestApp();
  });
  after(async () => {
    await running?.close();
    await connector?.close();
  });

  const labels = (t: Translator): string[] => availableMenu().map((entry) => t.t(entry.labelKey));
  const menuData = (): { menu: string }[] => availableMenu().map((entry) => ({ menu: entry.id }));
  const languagesList = (t: Translator): string => SHIPPED_LOCALES.map((locale: ShippedLocale) => t.t(`languageName.${locale}`)).join(', ');

  /** Posts as Teams does (replies go to the connector) and returns what the connector received for it. */
  async function send(activity: Partial<Activity>): Promise<Partial<Activity>[]> {
    const conversationId = activity.conversation?.id ?? '';
    const before = connector.messagesFor(conversationId).length;
    const result = await postActivity(running.baseUrl, activity);
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.deepEqual(result.replies, [], 'without expectReplies, replies go through the connector');
    return connector.messagesFor(conversationId).slice(before);
  }

  const teams = (options: Options): Partial<Activity> => teamsActivity({ ...options, serviceUrl: connector.serviceUrl });
  const installed = (options: Omit<Options, 'type' | 'text' | 'value'>): Partial<Activity> => teamsBotInstalled({ ...options, serviceUrl: connector.serviceUrl });

  describe('personal chat', () => {
    const joins: { name: string; activity: (conversationId: string) => Partial<Activity> }[] = [
      { name: 'Teams installs the bot (the bot alone in membersAdded)', activity: (conversationId) => installed({ conversationType: 'personal', conversationId }) },
      {
        name: 'the person is added',
        activity: (conversationId) => {
          const person = teamsPerson();
          return teams({ type: 'conversationUpdate', conversationType: 'personal', conversationId, from: person, extra: { membersAdded: [{ id: person.id, name: person.name, aadObjectId: person.aadObjectId }] } });
        },
      },
    ];
    for (const join of joins) {
      it(`welcomes with the menu as an Adaptive Card (more than Teams' three suggested actions) when ${join.name}`, async () => {
        const conversationId = teamsConversationId('personal');
        const activity = join.activity(conversationId);
        const sent = await send(activity);
        assert.equal(sent.length, 1, JSON.stringify(sent));
        assert.ok(sent[0].text?.startsWith(en.t('bot.welcome')), sent[0].text);
        assert.deepEqual(
          cardButtons(sent[0]).map((button) => [button.title, button.data]),
          labels(en).map((label, index) => [label, menuData()[index]]),
        );
        const received = connector.received.filter((entry) => entry.conversationId === conversationId);
        assert.equal(received.at(-1)?.replyToId, activity.id, 'sent as a reply to the activity, on the conversation Teams named');
        assert.equal(sent[0].conversation?.id, conversationId);
      });
    }

    it('answers in Italian when Teams says it-IT', async () => {
      const conversationId = teamsConversationId('personal');
      const sent = await send(teams({ conversationType: 'personal', conversationId, text: 'aiuto', locale: 'it-IT' }));
      assert.ok(sent.at(-1)?.text?.startsWith(it_.t('help.intro')), sent.at(-1)?.text);
      assert.deepEqual(
        cardButtons(sent.at(-1) ?? {}).map((button) => button.title),
        labels(it_),
      );
    });

    it('reads a card submit like the option typed, here too', async () => {
      const conversationId = teamsConversationId('personal');
      const sent = await send(teams({ conversationType: 'personal', conversationId, value: { menu: 'help' } }));
      assert.ok(sent.at(-1)?.text?.startsWith(en.t('help.intro')), sent.at(-1)?.text);
    });
  });

  describe('channel', () => {
    it('"<at>Privacy Bot</at> help" gets the help: the mention is removed before the text is read', async () => {
      const conversationId = teamsConversationId('channel');
      const sent = await send(teams({ conversationType: 'channel', conversationId, text: 'help', mentionBot: true }));
      const help = sent.at(-1) ?? {};
      assert.ok(help.text?.startsWith(en.t('help.intro')), help.text);
      const buttons = cardButtons(help);
      assert.ok(buttons.length > 0);
    });

    for (const conversationType of ['channel', 'groupChat'] as const) {
      it(`a message that is only "@Privacy Bot" (Teams attaches its HTML copy) in a ${conversationType} greets and shows the menu`, async () => {
        const conversationId = teamsConversationId(conversationType);
        const htmlCopy = { contentType: 'text/html', content: `<div><div><at>Privacy Bot</at>&nbsp;</div></div>` };
        const sent = await send(teams({ conversationType, conversationId, text: '', mentionBot: true, extra: { attachments: [htmlCopy] } }));
        assert.equal(sent.length, 1, JSON.stringify(sent.map((activity) => activity.text)));
        assert.ok(sent[0].text?.startsWith(en.t('bot.welcome')), sent[0].text);
        assert.notEqual(sent[0].text, en.t('bot.nonText'));
        assert.deepEqual(
          cardButtons(sent[0]).map((button) => button.title),
          labels(en),
        );
      });
    }

    it('a mention with a real file attached still says it reads only text', async () => {
      const conversationId = teamsConversationId('channel');
      const file = { contentType: 'application/vnd.microsoft.teams.file.download.info', name: 'scan.pdf', content: { downloadUrl: 'https://example.com/scan.pdf' } };
      const sent = await send(teams({ conversationType: 'channel', conversationId, text: '', mentionBot: true, extra: { attachments: [file] } }));
      assert.equal(sent.at(-1)?.text, en.t('bot.nonText'));
    });

    it('typing an option after the mention works like clicking it', async () => {
      const conversationId = teamsConversationId('channel');
      const sent = await send(teams({ conversationType: 'channel', conversationId, text: en.t('menu.language'), mentionBot: true }));
      assert.equal(sent.at(-1)?.text, en.t('language.prompt', { languages: languagesList(en) }));
    });
  });

  describe('team', () => {
    /** A team's General channel, as Teams names it when the bot is installed in the team (no thread). */
    const teamChannelId = (): string => `19:${randomUUID().replace(/-/g, '')}@thread.tacv2`;
    const teamExtra = (channelId: string, eventType: string): Partial<Activity> => ({ channelData: { tenant: { id: TENANT_ID }, team: { id: channelId, name: 'Contoso' }, channel: { id: channelId }, eventType } });

    it("welcomes the team in the bot's default language, not the installer's", async () => {
      const general = teamChannelId();
      const sent = await send(installed({ conversationType: 'channel', conversationId: general, locale: 'it-IT', extra: teamExtra(general, 'teamMemberAdded') }));
      assert.equal(sent.length, 1);
      assert.ok(sent[0].text?.startsWith(en.t('bot.welcome')), sent[0].text);
      // Its menu, more than three options, comes as a card: every button names its menu entry (what a click in any language runs).
      const buttons = (sent[0].attachments ?? []).flatMap((attachment) => ((attachment.content as { actions?: { type: string; data?: unknown }[] }).actions ?? []).filter((action) => action.type === 'Action.Submit'));
      assert.ok(buttons.length > 3, `the menu as a card: ${JSON.stringify(sent[0].attachments)}`);
      assert.deepEqual(buttons.filter((button) => !(typeof button.data === 'object' && button.data !== null && 'menu' in button.data)), [], 'every button carries its menu id, not English text');
    });

    it('welcomes once per team: a member joining later or a new thread in a channel is not welcomed again', async () => {
      const general = teamChannelId();
      await send(installed({ conversationType: 'channel', conversationId: general, extra: teamExtra(general, 'teamMemberAdded') }));
      const newcomer = teamsPerson('Carol');
      const joined = await send(teams({ type: 'conversationUpdate', conversationType: 'channel', conversationId: general, from: newcomer, extra: { ...teamExtra(general, 'teamMemberAdded'), membersAdded: [{ id: newcomer.id, name: newcomer.name, aadObjectId: newcomer.aadObjectId }] } }));
      assert.deepEqual(joined, [], 'nothing said when a member joins the team');
      const thread = `${general};messageid=${Date.now()}`;
      const answered = await send(teams({ conversationType: 'channel', conversationId: thread, text: 'help', mentionBot: true, extra: teamExtra(general, '') }));
      assert.equal(answered.length, 1, JSON.stringify(answered.map((activity) => activity.text)));
      assert.ok(answered[0].text?.startsWith(en.t('help.intro')), answered[0].text);
    });

    it('reinstalled soon after (the conversation still remembered), the bot welcomes again', async () => {
      const general = teamChannelId();
      const first = await send(installed({ conversationType: 'channel', conversationId: general, extra: teamExtra(general, 'teamMemberAdded') }));
      assert.equal(first.length, 1);
      await send(teams({ type: 'conversationUpdate', conversationType: 'channel', conversationId: general, extra: { ...teamExtra(general, 'teamMemberRemoved'), membersRemoved: [{ ...TEAMS_BOT }] } }));
      const again = await send(installed({ conversationType: 'channel', conversationId: general, extra: teamExtra(general, 'teamMemberAdded') }));
      assert.equal(again.length, 1);
      assert.ok(again[0].text?.startsWith(en.t('bot.welcome')), again[0].text);
    });

    it('reinstalled in a personal chat soon after, the bot welcomes again', async () => {
      const conversationId = teamsConversationId('personal');
      await send(installed({ conversationType: 'personal', conversationId }));
      const again = await send(installed({ conversationType: 'personal', conversationId }));
      assert.ok(again[0]?.text?.startsWith(en.t('bot.welcome')), again[0]?.text);
    });
  });

  describe('group chat', () => {
    it('the welcome menu arrives as an Adaptive Card with Action.Submit, and its text lists the options', async () => {
      const conversationId = teamsConversationId('groupChat');
      const sent = await send(installed({ conversationType: 'groupChat', conversationId }));
      assert.equal(sent.length, 1);
      const welcome = sent[0];
      assert.ok(welcome.text?.startsWith(en.t('bot.welcome')), welcome.text);
      for (const label of labels(en)) assert.ok(welcome.text?.includes(`- ${label}`), `the text lists "${label}"`);
      const buttons = cardButtons(welcome);
      assert.deepEqual(
        buttons.map((button) => button.type),
        labels(en).map(() => 'Action.Submit'),
      );
      assert.deepEqual(
        buttons.map((button) => button.title),
        labels(en),
      );
      assert.deepEqual(
        buttons.map((button) => button.data),
        menuData(),
      );
    });

    it('an Action.Submit of { menu: "language" } starts the language choice, whose options are a card too', async () => {
      const conversationId = teamsConversationId('groupChat');
      const alice = teamsPerson('Alice');
      const sent = await send(teams({ conversationType: 'groupChat', conversationId, from: alice, value: { menu: 'language' } }));
      const prompt = sent.at(-1) ?? {};
      assert.equal(prompt.text, en.t('language.prompt', { languages: languagesList(en) }));
      const buttons = cardButtons(prompt);
      assert.deepEqual(
        buttons.map((button) => button.data),
        SHIPPED_LOCALES.map((locale) => ({ choice: en.t(`languageName.${locale}`) })),
      );
      const italian = buttons.find((button) => button.title === en.t('languageName.it'));
      const chosen = await send(teams({ conversationType: 'groupChat', conversationId, from: alice, value: italian?.data }));
      const confirmation = chosen.at(-1) ?? {};
      assert.ok(confirmation.text?.startsWith(it_.t('language.changed')), confirmation.text);
      assert.deepEqual(
        cardButtons(confirmation).map((button) => [button.title, button.data]),
        labels(it_).map((label, index) => [label, menuData()[index]]),
      );
    });

    it("a member's answer does not answer another member's open question: each member's questions are their own", async () => {
      const conversationId = teamsConversationId('groupChat');
      const alice = teamsPerson('Alice');
      const bob = teamsPerson('Bob');
      const asked = await send(teams({ conversationType: 'groupChat', conversationId, from: alice, value: { menu: 'language' } }));
      assert.equal(asked.at(-1)?.text, en.t('language.prompt', { languages: languagesList(en) }));
      // Bob clicks Italian on the card Alice's question showed: his own message, not her answer.
      const bobs = await send(teams({ conversationType: 'groupChat', conversationId, from: bob, value: { choice: en.t('languageName.it') } }));
      assert.ok(bobs.at(-1)?.text?.startsWith(it_.t('language.changed')), `Bob chose Italian for himself: ${JSON.stringify(bobs.map((reply) => reply.text))}`);
      // Alice's question is still open: asked for help, she is reminded of it, and then answers it.
      const help = await send(teams({ conversationType: 'groupChat', conversationId, from: alice, text: 'help', mentionBot: true }));
      assert.ok(help.some((reply) => reply.text?.includes(en.t('help.resume'))), JSON.stringify(help.map((reply) => reply.text)));
      assert.equal(help.at(-1)?.text, en.t('language.prompt', { languages: languagesList(en) }));
      const chosen = await send(teams({ conversationType: 'groupChat', conversationId, from: alice, value: { choice: en.t('languageName.de') } }));
      assert.ok(chosen.at(-1)?.text?.startsWith(translations.for('de').t('language.changed')), chosen.at(-1)?.text);
      // Bob, meanwhile, has nothing open: his help does not speak of a question to resume.
      const bobsHelp = await send(teams({ conversationType: 'groupChat', conversationId, from: bob, text: 'help', mentionBot: true }));
      assert.ok(bobsHelp.at(-1)?.text?.startsWith(it_.t('help.intro')), `Bob's help, in his Italian: ${JSON.stringify(bobsHelp.map((reply) => reply.text))}`);
      assert.ok(!bobsHelp.some((reply) => reply.text?.includes(it_.t('help.resume')) || reply.text?.includes(en.t('help.resume'))), JSON.stringify(bobsHelp.map((reply) => reply.text)));
    });

    const privateChat = `https://teams.microsoft.com/l/chat/0/0?users=${TEAMS_BOT.id}`;
    const asksForPrivateChat: { name: string; value: { menu: string }; lead: string }[] = [
      { name: 'a person', value: { menu: 'agent.request' }, lead: 'handoff.sharedConversation' },
      { name: 'their consents', value: { menu: 'consent.check' }, lead: 'assurance.sharedConversation' },
      { name: 'a copy of their data', value: { menu: 'data.copy' }, lead: 'assurance.sharedConversation' },
    ];
    for (const row of asksForPrivateChat) {
      it(`asking for ${row.name} in a group chat answers with a button that opens the private chat with the bot, and starts nothing here`, async () => {
        const conversationId = teamsConversationId('groupChat');
        const sent = await send(teams({ conversationType: 'groupChat', conversationId, from: teamsPerson('Alice'), value: row.value }));
        const answer = sent.at(-1) ?? {};
        assert.equal(answer.text, en.t(row.lead));
        assert.deepEqual(cardButtons(answer), [{ type: 'Action.OpenUrl', title: en.t('teams.openPrivateChat'), url: privateChat }]);
        // Nothing waits in the group: the next message is a new one.
        const next = await send(teams({ conversationType: 'groupChat', conversationId, text: 'help', mentionBot: true }));
        assert.ok(next.at(-1)?.text?.startsWith(en.t('help.intro')), next.at(-1)?.text);
      });
    }

    it('welcomes in Italian, with Italian buttons, when Teams says it-IT', async () => {
      const conversationId = teamsConversationId('groupChat');
      const sent = await send(installed({ conversationType: 'groupChat', conversationId, locale: 'it-IT' }));
      assert.ok(sent[0]?.text?.startsWith(it_.t('bot.welcome')), sent[0]?.text);
      assert.deepEqual(
        cardButtons(sent[0]).map((button) => button.title),
        labels(it_),
      );
    });

    const malformed: { name: string; value: unknown }[] = [
      { name: 'an unknown menu entry', value: { menu: 'telepathy' } },
      { name: 'an entry that is not offered (a capability the bot does not have)', value: { menu: 'data.erase' } },
      { name: 'a menu id that is not text', value: { menu: 5 } },
      { name: 'an empty choice', value: { choice: '  ' } },
      { name: 'both keys at once', value: { menu: 'help', choice: 'Help' } },
      { name: 'an empty object', value: {} },
      { name: 'a bare string', value: 'language' },
      { name: 'an array', value: [{ menu: 'help' }] },
      { name: 'a number', value: 42 },
      { name: 'a deeply nested object', value: { menu: { menu: { menu: 'help' } } } },
    ];
    for (const row of malformed) {
      it(`a submitted value with ${row.name} gets the polite fallback and the options, never an error`, async () => {
        const conversationId = teamsConversationId('groupChat');
        const sent = await send(teams({ conversationType: 'groupChat', conversationId, value: row.value }));
        assert.equal(sent.length, 1, `one answer, no apology: ${JSON.stringify(sent.map((activity) => activity.text))}`);
        assert.ok(sent[0].text?.startsWith(en.t('bot.fallback')), sent[0].text);
        assert.ok(cardButtons(sent[0]).length > 0);
      });
    }

    it('an over-long choice is refused politely, like typed text', async () => {
      const conversationId = teamsConversationId('groupChat');
      const sent = await send(teams({ conversationType: 'groupChat', conversationId, value: { choice: 'x'.repeat(5000) } }));
      assert.equal(sent.at(-1)?.text, en.t('bot.tooLong', { max: 2000 }));
    });
  });

  describe('with deliveryMode expectReplies', () => {
    async function post(options: Options): Promise<PostResult> {
      const activity = teams({ ...options, expectReplies: true });
      const result = await postActivity(running.baseUrl, activity);
      assert.equal(result.status, 200);
      assert.deepEqual(connector.activitiesFor(options.conversationId), [], 'nothing goes through the connector');
      return result;
    }

    it('a channel mention gets the help as a card in the HTTP response', async () => {
      const result = await post({ conversationType: 'channel', conversationId: teamsConversationId('channel'), text: 'help', mentionBot: true });
      const help = result.replies.at(-1) ?? {};
      assert.ok(help.text?.startsWith(en.t('help.intro')), help.text);
      assert.deepEqual(
        cardButtons(help).map((button) => button.data),
        menuData(),
      );
    });

    it('an Action.Submit in a group chat starts the language choice', async () => {
      const result = await post({ conversationType: 'groupChat', conversationId: teamsConversationId('groupChat'), value: { menu: 'language' } });
      assert.equal(result.texts.at(-1), en.t('language.prompt', { languages: languagesList(en) }));
    });

    it('a malformed value gets the fallback', async () => {
      const result = await post({ conversationType: 'groupChat', conversationId: teamsConversationId('groupChat'), value: { menu: null } });
      assert.ok(result.texts.at(-1)?.startsWith(en.t('bot.fallback')));
    });

    it('personal chat in Italian: the menu (more than three options) as a card with every label', async () => {
      const result = await post({ conversationType: 'personal', conversationId: teamsConversationId('personal'), text: 'aiuto', locale: 'it-IT' });
      const help = result.replies.at(-1) ?? {};
      assert.ok(help.text?.startsWith(it_.t('help.intro')));
      assert.deepEqual(
        cardButtons(help).map((button) => button.title),
        labels(it_),
      );
    });
  });
});
