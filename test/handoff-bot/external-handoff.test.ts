import assert from 'node:assert/strict';
import { Activity } from 'botbuilder';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { Translations, Translator } from '../../src/i18n/translator';
import { ACTIVITY_LOCALE } from '../dialogs/dialog-harness';
import { messageActivity, postActivity, PostResult, RunningApp, startTestApp, uniqueConversationId } from '../support/test-app';
import { GatedProbeDialog, probeMenu, probeSays } from './handoff-support';

/** Every activity of an expectReplies answer (events too, which PostResult.replies leaves out). */
function allActivities(result: PostResult): Partial<Activity>[] {
  const body = result.body;
  if (typeof body !== 'object' || body === null || !('activities' in body) || !Array.isArray(body.activities)) return [];
  return body.activities as Partial<Activity>[];
}

interface TranscriptJson {
  activities: { type: string; text: string; from: { id: string; role: string }; timestamp: string }[];
}

describe('handoff to an external agent hub (HANDOFF_MODE=external)', function () {
  this.timeout(60_000);
  let running: RunningApp;
  let translations: Translations;

  before(async () => {
    translations = await Translations.load();
    running = await startTestApp({ HANDOFF_MODE: 'external' }, { dialogs: (gate) => [new GatedProbeDialog(gate)], menu: probeMenu() });
  });

  after(async () => {
    await running?.close();
  });

  for (const locale of SHIPPED_LOCALES) {
    describe(`in ${locale}`, () => {
      let t: Translator;
      before(() => {
        t = translations.for(locale);
      });

      const conversation = () => {
        const id = uniqueConversationId(`external-${locale}`);
        const say = (text: string) => postActivity(running.baseUrl, messageActivity(id, text, { locale: ACTIVITY_LOCALE[locale] }));
        const status = (state: string) =>
          postActivity(running.baseUrl, { ...messageActivity(id, '', { locale: ACTIVITY_LOCALE[locale] }), type: 'event', name: 'handoff.status', value: { state }, text: undefined });
        return { id, say, status };
      };

      it('"talk to a person" sends handoff.initiate as EventFactory builds it, with the redacted transcript attached', async () => {
        const c = conversation();
        await c.say('my number is +39 347 765 4321, write to luca@example.org');
        const asked = await c.say(t.t('menu.agent'));
        const activities = allActivities(asked);
        assert.deepEqual(asked.texts, [t.t('handoff.external.connecting')]);
        const initiate = activities.find((activity) => activity.type === 'event');
        assert.ok(initiate, JSON.stringify(activities));
        assert.equal(initiate.name, 'handoff.initiate');
        assert.deepEqual(initiate.value, { reason: 'customer_request', locale });
        assert.equal(initiate.conversation?.id, c.id);
        assert.equal(initiate.relatesTo?.conversation.id, c.id, 'relatesTo is the conversation handed over');
        assert.equal(initiate.channelId, 'test');
        assert.equal(initiate.attachments?.length, 1);
        const [attachment] = initiate.attachments ?? [];
        assert.equal(attachment.contentType, 'application/json');
        assert.equal(attachment.name, 'Transcript');
        const transcript = attachment.content as TranscriptJson;
        const lines = transcript.activities.map((activity) => [activity.type, activity.from.role, activity.text]);
        assert.deepEqual(lines.slice(0, 1), [['message', 'user', 'my number is [phone], write to [email]']]);
        assert.deepEqual(lines.at(-1), ['message', 'user', t.t('menu.agent')]);
        assert.ok(lines.some(([, role]) => role === 'bot'), 'the bot lines are in the transcript too');
        assert.ok(!JSON.stringify(transcript).includes('luca@') && !JSON.stringify(transcript).includes('765'));
      });

      it('accepted: the customer is told; completed: control returns to the bot, with the menu', async () => {
        const c = conversation();
        await c.say(t.t('menu.agent'));
        assert.deepEqual((await c.say('hello?')).texts, [t.t('handoff.stillWaiting')], 'the bot does not act on messages while the hub has the conversation');
        assert.deepEqual((await c.status('accepted')).texts, [t.t('handoff.external.accepted')]);
        const completed = await c.status('completed');
        assert.equal(completed.texts.length, 1);
        assert.ok(completed.texts[0].startsWith(t.t('handoff.closed.ended')), completed.texts[0]);
        assert.ok(probeMenu().every((entry) => completed.texts[0].includes(t.t(entry.labelKey))));
        const after = await c.say(t.t('menu.help'));
        assert.ok(after.texts.at(-1)?.startsWith(t.t('help.intro')), 'the bot answers again');
        assert.deepEqual((await c.status('completed')).texts, [], 'a status for a handoff that is over changes nothing');
      });

      it('failed: "try later, nothing lost", and the bot is back', async () => {
        const c = conversation();
        await c.say(t.t('menu.agent'));
        const failed = await c.status('failed');
        assert.ok(failed.texts[0]?.startsWith(t.t('handoff.external.failed')), failed.texts[0]);
        assert.ok((await c.say(t.t('menu.help'))).texts.at(-1)?.startsWith(t.t('help.intro')));
      });

      it('a verification handoff names the waiting action, and the customer can go back to the bot', async () => {
        const c = conversation();
        await c.say(t.t('menu.consentCheck'));
        await c.say('gianni.verdi@example.com');
        // A person rather than the one-time code: "talk to a person" at the code prompt.
        const identified = await c.say(t.t('menu.agent'));
        const initiate = allActivities(identified).find((activity) => activity.type === 'event' && activity.name === 'handoff.initiate');
        assert.deepEqual(initiate?.value, { reason: 'verification', locale, pendingAction: 'consent.view', claimedIdentity: { kind: 'email', masked: 'g***@example.com' } });
        const left = await c.say(t.t('handoff.leaveButton'));
        assert.ok(left.texts[0]?.startsWith(t.t('handoff.left')), left.texts[0]);
        assert.deepEqual((await c.status('completed')).texts, []);
      });
    });
  }
});
