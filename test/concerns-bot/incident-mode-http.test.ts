import assert from 'node:assert/strict';
import type { Activity } from 'botbuilder';
import { ProactiveCustomerChannel } from '../../src/bot/proactive-customer-channel';
import type { ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translations, Translator } from '../../src/i18n/translator';
import { IncidentSubjectNotices } from '../../src/ledger/concerns/incident-subject-notices';
import type { ConcernService } from '../../src/privacy/concerns/concern-service';
import type { Incident, IncidentNoticeText } from '../../src/privacy/concerns/concern-types';
import { openConcerns } from '../../src/privacy/concerns/create-concerns';
import { IncidentNoticeSender } from '../../src/privacy/concerns/incident-notice-sender';
import { loadController } from '../../src/privacy/receipts/controller';
import { ConnectorStub } from '../channels/teams/connector-stub';
import { ConsentStack, SmsCustomer, startConsentStack } from '../consent-bot/consent-stack';
import { ACTIVITY_LOCALE } from '../dialogs/dialog-harness';
import { emailsTo, newCodeTo } from '../e2e/dev-outbox';
import { HttpCustomer } from '../handoff-bot/handoff-support';
import { NOTICE_EN, NOTICE_IT } from '../privacy/concerns/incident-support';
import { eventually } from '../support/hang-guard';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { LogCapture, PostResult, uniqueConversationId } from '../support/test-app';
import { welcomeText } from '../../dialogs/welcome';

/** The privacy team's actions, as the console's service calls record them. */
const TEAM = { actor: 'agent:privacy-test', reason: 'privacy team working the incident' };
/** A notice published or withdrawn reaches the bot within its cache's life (5 s) plus a ledger read; the background sender polls every 5 s. Only hang guards. */
const NOTICE_SEEN_MS = 60_000;
const LOOK_AGAIN_MS = 250;
const CONCERN_REFERENCE = /CNC-\d{4}-[0-9A-HJKMNP-TV-Z]{6}-[0-9A-HJKMNP-TV-Z]/;
const SECTIONS = ['whatHappened', 'whatData', 'whatWeDo', 'whatYouShouldDo'] as const;
/** What Giulia writes in her report: it stays in the ledger, sealed. */
const GIULIA_WORDS = 'Ho ricevuto una email con i dati di un altro cliente, e lui ha ricevuto i miei.';

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const texts = (activities: readonly Partial<Activity>[]): string[] => activities.map((activity) => activity.text ?? '');
/** The buttons under the last reply. */
const buttonsOf = (answer: PostResult): (string | undefined)[] | undefined => answer.replies.at(-1)?.suggestedActions?.actions.map((action) => action.title);
/** What the bot said after the welcome it gives at the start of a conversation. */
const afterWelcome = (answer: PostResult, t: Translator): string[] => (answer.texts[0] === welcomeText(t) ? answer.texts.slice(1) : answer.texts);

/** The notice as the chat shows it: the lead, each part under its bold heading, the way on. */
function noticeAnswer(t: Translator, notice: IncidentNoticeText, fallbackLanguage?: string): string {
  return [
    ...(fallbackLanguage ? [t.t('incident.notice.fallbackNote', { language: fallbackLanguage })] : []),
    t.t('incident.notice.lead'),
    ...SECTIONS.map((part) => `**${t.t(`incident.notice.heading.${part}`)}**\n${notice[part]}`),
    t.t('incident.notice.closing', { affected: t.t('incident.suggest.affected'), person: t.t('menu.agent') }),
  ].join('\n\n');
}

/** Nothing in these replies says whether anyone was affected, nor tells the notice's advice. */
function assertRevealsNothing(answer: PostResult, translations: Translations): void {
  for (const locale of ['en', 'it'] as const) {
    const t = translations.for(locale);
    for (const text of answer.texts) {
      assert.ok(!text.includes(t.t('incident.affected.yes')) && !text.includes(t.t('incident.affected.no')), `nothing about being affected: ${JSON.stringify(answer.texts)}`);
    }
  }
}

/**
 * Incident mode end to end over /api/messages, against the real app and its PostgreSQL ledger: a
 * breach reported in chat (Giulia, in Italian, who thereby leaves a conversation the bot can reach)
 * is confirmed as an incident by the privacy team through the concern service, its notice is
 * written in English and Italian and the affected customers are imported from a CSV. While no notice
 * is published, "what happened?" takes the normal flow and no Art. 34 notice leaves; once it is
 * published, questions about the incident are answered from it first, "was my data affected?" asks
 * who the customer is and says yes or no only to the verified person, and each affected customer is
 * sent the Art. 34 notice once — by email, and in the chat where a conversation of theirs is known.
 */
describe('incident mode over /api/messages (bot, PostgreSQL ledger, notice, affected customers, Art. 34 notices)', function () {
  this.timeout(120_000);
  let stack: ConsentStack;
  let connector: ConnectorStub;
  let translations: Translations;
  let concerns: ConcernService;
  let subjectNotices: IncidentSubjectNotices;
  /** A second instance's Art. 34 sender, wired as app.ts wires the bot's own (which runs too). */
  let sender: IncidentNoticeSender;
  let incident: Incident;
  /** Giulia's conversation, in which she reported the breach. */
  let giuliaConversation: string;
  const tr = (locale: ShippedLocale): Translator => translations.for(locale);
  const customer = (locale: ShippedLocale, label: string): HttpCustomer => new HttpCustomer(stack.baseUrl, connector, uniqueConversationId(`incident-${label}`), ACTIVITY_LOCALE[locale]);

  /** Giulia reports a suspected breach in Italian and wants a reply at her address; answers the reference. */
  async function giuliaReports(giulia: SmsCustomer): Promise<string> {
    const t = tr('it');
    const c = customer('it', 'giulia-report');
    giuliaConversation = c.conversationId;
    assert.equal((await c.say('voglio segnalare un problema sulla privacy')).texts.at(-1), `${t.t('concern.intro')}\n\n${t.t('concern.ask.topic')}`);
    assert.equal((await c.say(t.t('concern.topic.breach'))).texts.at(-1), t.t('concern.ask.description'));
    assert.equal((await c.say(GIULIA_WORDS)).texts.at(-1), t.t('concern.ask.when'));
    await c.say('ieri sera');
    assert.equal((await c.say(t.t('concern.notSure'))).texts.at(-1), t.t('concern.ask.reply'));
    assert.equal((await c.say(t.t('concern.reply.yes'))).texts.at(-1), t.t('concern.ask.contact'));
    const confirmed = await c.say(giulia.email);
    const reference = CONCERN_REFERENCE.exec(confirmed.texts.join('\n'))?.[0];
    assert.ok(reference, `a reference in ${JSON.stringify(confirmed.texts)}`);
    assert.equal((await c.say(t.t('concern.breach.no'))).texts.at(-1), t.t('concern.breach.declined'));
    return reference;
  }

  before(async function () {
    this.timeout(2 * HEAVY_HOOK_TIMEOUT_MS);
    translations = await Translations.load();
    connector = await ConnectorStub.start();
    stack = await startConsentStack();
    concerns = await openConcerns(stack.ledger);
    subjectNotices = new IncidentSubjectNotices(stack.ledger.db);
    const channel = stack.running.app.handoff.customerChannel;
    assert.ok(channel instanceof ProactiveCustomerChannel, 'the app reaches conversations through the proactive channel');
    sender = new IncidentNoticeSender({
      notices: subjectNotices,
      incidents: concerns,
      messenger: stack.running.app.identityCodes.messenger,
      conversations: channel,
      translations,
      defaultLocale: 'en',
      controllerName: loadController().name,
      logger: new LogCapture().logger,
    });

    for (const [locale, question] of QUESTIONS) answeredWithoutIncident.set(locale, await customer(locale, 'before-incident').say(question));
    const { giulia, maya } = stack.demo;
    const reported = await giuliaReports(giulia);
    // The privacy team confirms it as a breach, writes the notice in both languages and imports who is affected: Giulia and Maya, not Oliver.
    incident = await concerns.confirmBreach(reported, { title: 'Order system access' }, TEAM);
    await concerns.setNotice(incident.reference, { en: NOTICE_EN, it: NOTICE_IT }, TEAM);
    const imported = await concerns.importAffected(incident.reference, `email\n${giulia.email}\n${maya.email.toUpperCase()}\n`, TEAM, { source: 'affected.csv' });
    assert.deepEqual(imported, { imported: 2, alreadyAffected: 0 });
  });

  after(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    await stack?.close();
    await connector?.close();
  });

  /** The Art. 34 emails (by their subject in either language) in the development outbox to this customer. */
  async function art34Emails(who: SmsCustomer): Promise<{ subject?: string; text: string }[]> {
    const subjects = [tr('en').t('incident.art34.subject'), tr('it').t('incident.art34.subject')];
    return (await emailsTo(stack.baseUrl, who.email)).filter((mail) => subjects.includes(mail.subject ?? ''));
  }

  /**
   * Asks `question` in new conversations until the answer is as `wanted` says (the bot's notice cache
   * has seen the team's change), then answers that reply.
   */
  async function untilAnswered(locale: ShippedLocale, question: string, wanted: (answer: PostResult) => boolean, what: string): Promise<PostResult> {
    let answer: PostResult | undefined;
    await eventually(
      async () => {
        answer = await customer(locale, 'notice').say(question);
        if (wanted(answer)) return true;
        await pause(LOOK_AGAIN_MS);
        return false;
      },
      `the bot answering "${question}" ${what}`,
      NOTICE_SEEN_MS,
    );
    assert.ok(answer);
    return answer;
  }

  /**
   * The normal flow: no part of any notice, and word for word (buttons included) what the bot
   * answered the same question before there was any incident — whatever the classifier makes of it
   * (a question back, help, or "not understood" with the menu).
   */
  function assertNormalFlow(answer: PostResult, t: Translator, before: PostResult | undefined): void {
    assert.ok(before, 'the answer before any incident was recorded');
    assert.equal(afterWelcome(answer, t).length, 1, JSON.stringify(answer.texts));
    for (const text of answer.texts) {
      assert.ok(!text.includes(t.t('incident.notice.lead')), `not from the notice: ${JSON.stringify(answer.texts)}`);
      for (const notice of [NOTICE_EN, NOTICE_IT]) for (const part of SECTIONS) assert.ok(!text.includes(notice[part]), `no part of the notice: ${text}`);
    }
    assert.deepEqual(afterWelcome(answer, t), afterWelcome(before, t), 'the answer it had before the incident');
    assert.deepEqual(buttonsOf(answer), buttonsOf(before), `the normal flow's buttons: ${JSON.stringify(answer.texts)}`);
  }

  const QUESTIONS = [
    ['en', 'what happened?'],
    ['it', 'cosa è successo?'],
  ] as const;
  /** Each question's answer in a new conversation before any incident (recorded first thing). */
  const answeredWithoutIncident = new Map<ShippedLocale, PostResult>();

  /** Over HTTP, as verifyByEmailCode does in Web Chat: types the address (nothing revealed yet), then the code the development outbox got; answers the reply to the code. */
  async function verifyOverHttp(c: HttpCustomer, t: Translator, who: SmsCustomer): Promise<PostResult> {
    const mailsBefore = (await emailsTo(stack.baseUrl, who.email)).length;
    const sent = await c.say(who.email);
    assert.deepEqual(sent.texts, [t.t('identity.noted', { identifier: who.masked }), t.t('identityCode.sent.email', { masked: who.masked, count: 10 })]);
    assertRevealsNothing(sent, translations);
    return c.say(await newCodeTo(stack.baseUrl, who.email, mailsBefore));
  }

  it('with the notice written but not published, "what happened?" takes the normal flow, and no Art. 34 notice leaves', async () => {
    for (const [locale, question] of QUESTIONS) assertNormalFlow(await customer(locale, 'unpublished').say(question), tr(locale), answeredWithoutIncident.get(locale));
    assert.equal(await sender.runDue(), 0, 'a notice nobody may read yet is not sent');
    assert.deepEqual(await subjectNotices.counts(incident.id), { pending: 2, sent: 0, retrying: 0 });
    for (const who of [stack.demo.giulia, stack.demo.maya]) assert.deepEqual(await art34Emails(who), []);
  });

  it('published: the Art. 34 notices go once to each affected customer (two passes of a second sender besides the bot’s own): by email in their language, and in Giulia’s chat, where she reported the breach', async () => {
    await concerns.publishNotice(incident.reference, TEAM);
    const first = await sender.runDue();
    const second = await sender.runDue();
    assert.ok(first <= 2, `at most one notice each: ${first}`);
    assert.equal(second, 0, 'a second pass sends nothing more');
    await eventually(async () => {
      const counts = await subjectNotices.counts(incident.id);
      if (counts.pending === 0) return true;
      await pause(LOOK_AGAIN_MS);
      return false;
    }, 'every Art. 34 notice sent', NOTICE_SEEN_MS);
    assert.deepEqual(await subjectNotices.counts(incident.id), { pending: 0, sent: 2, retrying: 0 });
    assert.equal(await sender.runDue(), 0, 'nothing is sent again once all are sent');

    const { giulia, maya, oliver } = stack.demo;
    const [toGiulia, ...moreToGiulia] = await art34Emails(giulia);
    assert.deepEqual(moreToGiulia, [], 'one email to Giulia');
    assert.equal(toGiulia.subject, tr('it').t('incident.art34.subject'));
    for (const part of SECTIONS) assert.ok(toGiulia.text.includes(NOTICE_IT[part]), `the Italian notice: ${toGiulia.text}`);
    const [toMaya, ...moreToMaya] = await art34Emails(maya);
    assert.deepEqual(moreToMaya, [], 'one email to Maya');
    assert.equal(toMaya.subject, tr('en').t('incident.art34.subject'));
    for (const part of SECTIONS) assert.ok(toMaya.text.includes(NOTICE_EN[part]), `the English notice: ${toMaya.text}`);
    assert.deepEqual(await art34Emails(oliver), [], 'nothing to a customer who was not affected');

    // Giulia's conversation is known (she reported there): told once, in Italian. Maya has none: email only.
    const told = texts(connector.messagesFor(giuliaConversation)).filter((text) => text.startsWith(tr('it').t('incident.art34.chatLead')));
    assert.equal(told.length, 1, `told once in the chat: ${JSON.stringify(told)}`);
    assert.ok(told[0].includes(NOTICE_IT.whatYouShouldDo) && told[0].endsWith(tr('it').t('incident.art34.chatClosing')), told[0]);
  });

  it('"what happened?" is answered from the notice first, in English and in Italian, with "Was my data affected?" offered', async () => {
    const en = tr('en');
    const answered = await untilAnswered('en', 'what happened?', (answer) => answer.texts.at(-1) === noticeAnswer(en, NOTICE_EN), 'from the notice');
    assert.deepEqual(afterWelcome(answered, en), [noticeAnswer(en, NOTICE_EN)]);
    assert.equal(answered.replies.at(-1)?.suggestedActions?.actions[0]?.title, en.t('incident.suggest.affected'));

    const it = tr('it');
    const risposta = await customer('it', 'notice-it').say('cosa è successo?');
    assert.deepEqual(afterWelcome(risposta, it), [noticeAnswer(it, NOTICE_IT)]);
    assert.equal(risposta.replies.at(-1)?.suggestedActions?.actions[0]?.title, it.t('incident.suggest.affected'));
    // Named with the incident, a longer question is about it too.
    assert.deepEqual(afterWelcome(await customer('en', 'notice-topic').say('what should I do about the data breach?'), en), [noticeAnswer(en, NOTICE_EN)]);
  });

  it('"was my data affected?" asks an unverified customer who they are and reveals nothing; verified by a code, Maya (affected) hears yes with what to do, Oliver (not affected) hears no', async () => {
    const t = tr('en');
    const { maya, oliver } = stack.demo;
    for (const [who, affected] of [[maya, true], [oliver, false]] as const) {
      const c = customer('en', 'affected');
      const asked = await c.say('Was my data affected?');
      assert.deepEqual(afterWelcome(asked, t), [t.t('incident.affected.intro'), t.t('identity.prompt')]);
      assertRevealsNothing(asked, translations);
      const verified = await verifyOverHttp(c, t, who);
      assert.equal(verified.texts[0], t.t('identityCode.verified'), JSON.stringify(verified.texts));
      const closing = t.t('incident.affected.person', { person: t.t('menu.agent') });
      const expected = affected
        ? [t.t('incident.affected.yes'), `**${t.t('incident.notice.heading.whatYouShouldDo')}**\n${NOTICE_EN.whatYouShouldDo}`, closing].join('\n\n')
        : [t.t('incident.affected.no'), closing].join('\n\n');
      assert.deepEqual(verified.texts.slice(1), [expected], `${affected ? 'yes' : 'no'} for the verified customer`);
    }
  });

  it('in Italian: Giulia asks "i miei dati sono stati coinvolti?", verifies by code and hears sì', async () => {
    const t = tr('it');
    const { giulia } = stack.demo;
    const c = customer('it', 'coinvolti');
    const asked = await c.say('i miei dati sono stati coinvolti?');
    assert.deepEqual(afterWelcome(asked, t), [t.t('incident.affected.intro'), t.t('identity.prompt')]);
    const verified = await verifyOverHttp(c, t, giulia);
    assert.equal(verified.texts[0], t.t('identityCode.verified'));
    assert.ok(verified.texts[1]?.startsWith(t.t('incident.affected.yes')), JSON.stringify(verified.texts));
    assert.ok(verified.texts[1]?.includes(NOTICE_IT.whatYouShouldDo), 'with what to do, in Italian');
  });

  it('a language missing from the notice: an Italian customer gets the English notice, with a note saying so', async () => {
    await concerns.setNotice(incident.reference, { en: NOTICE_EN }, TEAM);
    const it = tr('it');
    const expected = noticeAnswer(it, NOTICE_EN, it.t('languageName.en'));
    const answered = await untilAnswered('it', 'cosa è successo?', (answer) => answer.texts.at(-1) === expected, 'from the English notice');
    assert.deepEqual(afterWelcome(answered, it), [expected]);
    assert.deepEqual(afterWelcome(await customer('en', 'notice-en').say('what happened?'), tr('en')), [noticeAnswer(tr('en'), NOTICE_EN)], 'English as written');

    // Nothing personal reached the bot's log on the way: not the addresses, not the words of the report.
    const logs = stack.running.logs.text;
    for (const who of [stack.demo.giulia, stack.demo.maya, stack.demo.oliver]) assert.ok(!logs.includes(who.email), 'no email address in the log');
    assert.ok(!logs.includes(GIULIA_WORDS), 'not the words of the report');
  });

  it('withdrawn: "what happened?" takes the normal flow again', async () => {
    await concerns.withdrawNotice(incident.reference, TEAM);
    for (const [locale, question] of QUESTIONS) {
      const t = tr(locale);
      const answer = await untilAnswered(locale, question, (reply) => !reply.texts.some((text) => text.includes(t.t('incident.notice.lead'))), 'without the notice');
      assertNormalFlow(answer, t, answeredWithoutIncident.get(locale));
    }
  });
});
