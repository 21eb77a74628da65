import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Activity } from 'botbuilder';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translations, Translator } from '../../src/i18n/translator';
import { openLedger } from '../../src/ledger/ledger';
import { DEVELOPMENT_HASH_KEY } from '../../src/ledger/ledger-config';
import { ConnectorStub } from '../channels/teams/connector-stub';
import { ACTIVITY_LOCALE } from '../dialogs/dialog-harness';
import { RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';
import { GatedProbeDialog, HttpCustomer, probeMenu, probeSays } from './handoff-support';
import { welcomeText } from '../../dialogs/welcome';

/**
 * A customer on file per language: each asks for a code once, and a subject gets only a few codes an
 * hour (`maxCodesPerSubject`), so one subject shared by seven languages would be refused from the fourth.
 */
const knownEmail = (locale: ShippedLocale): string => `giulia.rossi.${locale}@example.com`;
const HANDOFF_TIMEOUT_SECONDS = 300;
const MASKED_KNOWN = 'g***@example.com';

/** Texts of activities, for messages. */
const texts = (activities: Partial<Activity>[]): string[] => activities.map((activity) => activity.text ?? '');
const includesAll = (text: string, parts: string[]): boolean => parts.every((part) => text.includes(part));

describe('handoff to a person through /api/messages (built-in hub, in-process)', function () {
  this.timeout(60_000);
  let dir: string;
  let running: RunningApp;
  let connector: ConnectorStub;
  let translations: Translations;
  const subjectIds = new Map<ShippedLocale, string>();
  /** The handoff queue's clock: the wall clock moved forward by this much, so a test makes a ticket stale without waiting. */
  let handoffClockOffsetMs = 0;
  const handoffClock = (): Date => new Date(Date.now() + handoffClockOffsetMs);

  before(async () => {
    translations = await Translations.load();
    dir = mkdtempSync(path.join(tmpdir(), 'handoff-http-'));
    const ledger = await openLedger({ ledgerDir: path.join(dir, 'ledger'), hashKey: DEVELOPMENT_HASH_KEY });
    for (const locale of SHIPPED_LOCALES) {
      const registered = await ledger.subjects.register({ identifiers: [{ kind: 'email', value: knownEmail(locale) }], regime: 'gdpr' }, { actor: 'system:test', reason: 'test subject' });
      subjectIds.set(locale, registered.id);
    }
    await ledger.close();
    connector = await ConnectorStub.start();
    running = await startTestApp({ LEDGER_DIR: path.join(dir, 'ledger'), HANDOFF_TIMEOUT_SECONDS: String(HANDOFF_TIMEOUT_SECONDS) }, { dialogs: (gate) => [new GatedProbeDialog(gate)], menu: probeMenu(), handoffClock });
    // The tests run the app's sweeper themselves (sweepOnce), so no background sweep races them.
    await running.app.handoff.sweeper.stop();
  });

  after(async () => {
    await running?.close();
    await connector?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const hub = () => running.app.handoff.hub;
  const channel = () => running.app.handoff.customerChannel;
  const customer = (locale: ShippedLocale): HttpCustomer => new HttpCustomer(running.baseUrl, connector, uniqueConversationId(`handoff-${locale}`), ACTIVITY_LOCALE[locale]);
  const menuLabels = (t: Translator): string[] => probeMenu().map((entry) => t.t(entry.labelKey));

  for (const locale of SHIPPED_LOCALES) {
    describe(`in ${locale}`, () => {
      let t: Translator;
      before(() => {
        t = translations.for(locale);
      });

      it('"talk to a person" queues a ticket and tells the place in the queue; the agent gets the redacted last lines', async () => {
        const c = customer(locale);
        await c.say(`${t.t('menu.help')}`);
        await c.say(`mario.bianchi@example.org +39 347 765 4321`);
        const asked = await c.say(t.t('menu.agent'));
        assert.equal(asked.replies.length, 1, JSON.stringify(asked.texts));
        assert.equal(asked.texts[0], t.t('handoff.queued', { position: 1 }));
        assert.deepEqual(asked.replies[0].suggestedActions?.actions.map((action) => action.title), [t.t('handoff.leaveButton')]);

        const ticket = await c.ticket(hub());
        assert.equal(ticket.status, 'queued');
        assert.equal(ticket.reason, 'customer_request');
        assert.equal(ticket.locale, locale);
        assert.equal(ticket.pendingAction, undefined);
        const transcript = ticket.transcript.map((line) => `${line.from}: ${line.text}`).join('\n');
        assert.ok(transcript.includes(`customer: ${t.t('menu.agent')}`), transcript);
        assert.ok(transcript.includes('customer: [email] [phone]'), transcript);
        assert.ok(!transcript.includes('mario.bianchi') && !transcript.includes('765'), 'no email or phone number reaches the agent');
        assert.ok(transcript.includes(`bot: ${t.t('help.intro')}`), 'the bot lines are there too');
        await hub().cancel(ticket.id);
      });

      it('while waiting, messages go to the person (redacted), not to the bot; "back to the bot" leaves and the bot takes over', async () => {
        const c = customer(locale);
        await c.say(t.t('menu.agent'));
        const ticket = await c.ticket(hub());
        const help = await c.say(t.t('menu.help'));
        assert.deepEqual(help.texts, [], 'a keyword is a message for the person now, not a command');
        assert.deepEqual((await c.say('write to me at anna@example.net')).texts, []);
        const lines = (await hub().get(ticket.id))?.transcript.slice(-2).map((line) => [line.from, line.text]);
        assert.deepEqual(lines, [
          ['customer', t.t('menu.help')],
          ['customer', 'write to me at [email]'],
        ]);

        const left = await c.say(t.t('handoff.leaveButton'));
        assert.equal(left.replies.length, 1);
        assert.ok(includesAll(left.texts[0], [t.t('handoff.left'), t.t('menu.prompt'), ...menuLabels(t)]), left.texts[0]);
        assert.equal((await hub().get(ticket.id))?.status, 'cancelled');
        const after = await c.say(t.t('menu.help'));
        assert.ok(after.texts.at(-1)?.startsWith(t.t('help.intro')), 'the bot answers again');
      });

      it('"cancel" leaves the queue too, and a later closure of that ticket is not told to the customer', async () => {
        const c = customer(locale);
        await c.say(t.t('menu.agent'));
        const ticket = await c.ticket(hub());
        const cancelWord = locale === 'it' ? 'annulla' : 'cancel';
        const left = await c.say(cancelWord);
        assert.ok(left.texts[0]?.startsWith(t.t('handoff.left')), left.texts[0]);
        const closed = await hub().get(ticket.id);
        assert.ok(closed);
        c.proactive();
        await channel().handoffClosed(closed);
        assert.deepEqual(texts(c.proactive()), [], 'news of a handoff the customer left is not delivered');
      });

      it('an agent claims, writes, and hands back: the customer hears each, labelled, and gets the bot again', async () => {
        const c = customer(locale);
        await c.say(t.t('menu.agent'));
        const queued = await c.ticket(hub());
        const claimed = await hub().claim(queued.id, 'alice');
        await channel().agentJoined(claimed);
        await hub().postAgentMessage(claimed.id, 'alice', 'Hello *there*');
        await channel().deliverAgentMessage(claimed, 'alice', 'Hello *there*');
        const delivered = c.proactive();
        assert.deepEqual(texts(delivered), [t.t('handoff.agentJoined'), t.t('handoff.agentMessage', { text: 'Hello *there*' })]);
        assert.equal(delivered[1].textFormat, 'plain', 'the agent text is shown as written');

        assert.deepEqual((await c.say('grazie / thanks')).texts, []);
        assert.equal((await hub().get(claimed.id))?.transcript.at(-1)?.text, 'grazie / thanks');

        const closed = await hub().complete(claimed.id, 'alice', { verification: 'none' });
        await channel().handoffClosed(closed);
        const back = texts(c.proactive());
        assert.equal(back.length, 1);
        assert.ok(includesAll(back[0], [t.t('handoff.closed.ended'), t.t('menu.prompt')]), back[0]);
        const after = await c.say(t.t('menu.help'));
        assert.ok(after.texts.at(-1)?.startsWith(t.t('help.intro')));
      });

      it('a dialog that needs a verified identity asks who the customer is, hands off when asked to (rather than a code), and resumes where it stopped once verified', async () => {
        const c = customer(locale);
        const asked = await c.say(t.t('menu.consentCheck'));
        assert.deepEqual(asked.texts, [welcomeText(t), t.t('identity.prompt')]);
        const claimedIdentity = await c.say(knownEmail(locale));
        assert.deepEqual(claimedIdentity.texts, [t.t('identity.noted', { identifier: MASKED_KNOWN }), t.t('identityCode.sent.email', { masked: MASKED_KNOWN, count: 10 })]);
        assert.deepEqual((await c.say(t.t('menu.agent'))).texts, [t.t('handoff.queuedForVerification', { position: 1 })]);
        const ticket = await c.ticket(hub());
        assert.equal(ticket.reason, 'verification');
        assert.equal(ticket.pendingAction, 'consent.view');
        assert.deepEqual(ticket.claimedIdentity, { kind: 'email', masked: MASKED_KNOWN, subjectId: subjectIds.get(locale) });
        assert.ok(ticket.transcript.every((line) => !line.text.includes(knownEmail(locale))), 'the identifier the customer typed is redacted in the transcript');

        await hub().claim(ticket.id, 'alice');
        const closed = await hub().complete(ticket.id, 'alice', { verification: 'verified', method: 'agent_check' });
        await channel().handoffClosed(closed);
        assert.deepEqual(texts(c.proactive()), [t.t('handoff.closed.verifiedContinue'), probeSays({ granted: true, level: 'verified' })]);

        // Verified for the rest of the session: the same request now goes straight through.
        assert.deepEqual((await c.say(t.t('menu.consentCheck'))).texts, [probeSays({ granted: true, level: 'verified' })]);
        // A second delivery of the same closure changes nothing.
        await channel().handoffClosed(closed);
        assert.deepEqual(texts(c.proactive()), []);
      });

      it('verification failed: the customer is told politely what to do next, and the waiting dialog gets no access', async () => {
        const c = customer(locale);
        await c.say(t.t('menu.consentCheck'));
        await c.say('nobody.here@example.com');
        await c.say(t.t('menu.agent'));
        const ticket = await c.ticket(hub());
        assert.equal(ticket.claimedIdentity?.subjectId, undefined, 'the agent sees that the claim matched nobody');
        await hub().claim(ticket.id, 'bob');
        await channel().handoffClosed(await hub().complete(ticket.id, 'bob', { verification: 'failed', method: 'knowledge' }));
        const told = texts(c.proactive());
        assert.equal(told.length, 2, JSON.stringify(told));
        assert.ok(includesAll(told[0], [t.t('handoff.closed.failed'), ...menuLabels(t)]), told[0]);
        assert.equal(told[1], probeSays({ granted: false, level: 'anonymous' }));
      });

      it('nobody claims within HANDOFF_TIMEOUT_SECONDS: the customer hears no one is available, nothing lost, and has the bot back', async () => {
        const c = customer(locale);
        await c.say(t.t('menu.agent'));
        const ticket = await c.ticket(hub());
        // Nobody claims: the queue's clock moves past the timeout, and the app's sweeper runs.
        handoffClockOffsetMs += (HANDOFF_TIMEOUT_SECONDS + 1) * 1000;
        const timedOut = await running.app.handoff.sweeper.sweepOnce();
        assert.deepEqual(
          timedOut.map((candidate) => [candidate.id, candidate.status]),
          [[ticket.id, 'timed_out']],
        );
        const told = texts(c.proactive());
        assert.equal(told.length, 1, JSON.stringify(told));
        assert.ok(includesAll(told[0], [t.t('handoff.closed.timedOut'), ...menuLabels(t)]), told[0]);
        const after = await c.say(t.t('menu.help'));
        assert.ok(after.texts.at(-1)?.startsWith(t.t('help.intro')));
        // "Back to the bot" with nobody on the line is not a request for a person.
        const back = await c.say(t.t('handoff.leaveButton'));
        assert.ok(back.texts.at(-1)?.startsWith(t.t('handoff.alreadyBack')), back.texts.at(-1));
        await assert.rejects(c.ticket(hub()), /no open ticket/);
      });
    });
  }
});
