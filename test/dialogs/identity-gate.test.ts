import assert from 'node:assert/strict';
import { Activity, Middleware } from 'botbuilder';
import { MENU_REGISTRY, availableMenu } from '../../dialogs/menu';
import { HandoffClosure } from '../../src/bot/handoff-closure';
import { SessionAssurance } from '../../src/bot/session-types';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import { SHIPPED_LOCALES, ShippedLocale } from '../../src/i18n/shipped-locales';
import { Translator } from '../../src/i18n/translator';
import type { Ledger } from '../../src/ledger/ledger';
import { Assurance, POLICY_ACTIONS, PolicyAction, loadAssurancePolicy, satisfies } from '../../src/privacy/assurance/assurance-policy';
import type { IdentityService } from '../../src/privacy/identity/identity-service';
import type { OneTimeCodes } from '../../src/privacy/identity/one-time-code-types';
import { openCodeWorld, verificationRows } from './code-support';
import { GatedProbeDialog, PROBE_DIALOG_ID, probeSays } from '../handoff-bot/handoff-support';
import { ACTIVITY_LOCALE, DialogWorld, keyword, loadWorld } from './dialog-harness';
import { FeatureConversation } from './feature-conversation';
import { FeatureDialogs, featureDialogs } from './feature-dialogs';
import { channelAuthenticated, teamsActivity } from './teams-sender';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { ledgerWithOneCustomer } from './identity-support';

const ASK = '<needs a level>';
const KNOWN_EMAIL = 'giulia.rossi@example.com';
const UNKNOWN_EMAIL = 'gianni.verdi@example.com';
const MASKED = 'g***@example.com';
const AAD_LINKED = '5f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const AAD_UNLINKED = '00000000-1111-4222-8333-444444444444';
const MENU = availableMenu(MENU_REGISTRY.map((entry) => (entry.id === 'consent.check' ? { ...entry, dialogId: PROBE_DIALOG_ID, available: true } : entry)));
const policy = loadAssurancePolicy();

describe('assurance gate', function () {
  this.timeout(30_000);
  let world: DialogWorld;
  let ledger: Ledger;
  let identity: IdentityService;
  let subjectId: string;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    world = await loadWorld();
    ({ ledger, identity, subjectId } = await ledgerWithOneCustomer('identity-gate', [
      { kind: 'email', value: KNOWN_EMAIL },
      { kind: 'aad_object_id', value: AAD_LINKED },
    ]));
  });

  after(async () => {
    await ledger?.close();
  });

  interface Setup {
    readonly feature: FeatureDialogs;
    readonly hub: MemoryHandoffHub;
    readonly conversation: FeatureConversation;
  }

  function setup(locale: ShippedLocale, action: PolicyAction, extra: { held?: SessionAssurance; channelId?: string; activity?: Partial<Activity>; middleware?: Middleware[]; codes?: OneTimeCodes } = {}): Setup {
    const hub = new MemoryHandoffHub({ timeoutSeconds: 300 });
    const feature = featureDialogs({ identity, hub, menu: MENU, ...(extra.codes ? { codes: extra.codes } : {}) });
    feature.assuranceState.value = extra.held;
    const conversation = new FeatureConversation(world, {
      activityLocale: ACTIVITY_LOCALE[locale],
      dialogs: [...feature.dialogs, new GatedProbeDialog(feature.gate, action)],
      menu: MENU,
      intents: { [ASK]: 'consent.check' },
      ...(extra.channelId ? { channelId: extra.channelId } : {}),
      ...(extra.activity ? { activity: extra.activity } : {}),
      ...(extra.middleware ? { middleware: extra.middleware } : {}),
    });
    return { feature, hub, conversation };
  }

  const closure = (s: Setup, outcome: Partial<HandoffClosure>): Partial<Activity> => ({
    type: 'event',
    name: 'handoff.closed',
    value: { ticketId: s.feature.handoffState.value?.ticketId, status: 'completed', verification: 'none', ...outcome },
  });

  describe('follows the policy file for every action', () => {
    for (const action of POLICY_ACTIONS) {
      for (const held of ['identified', 'verified'] as const) {
        it(`${action} (needs ${policy.required(action)}) with a session already ${held}`, async () => {
          const s = setup('en', action, { held: { level: held, claim: { kind: 'email', masked: MASKED, subjectId: 'subject-1' } } });
          const replies = await s.conversation.say(ASK);
          if (satisfies(held, policy.required(action))) assert.deepEqual(replies, [probeSays({ granted: true, level: held })]);
          else assert.equal(replies[0], world.translations.for('en').t('handoff.queuedForVerification', { position: 1 }));
        });
      }
      it(`${action} (needs ${policy.required(action)}) for an anonymous customer`, async () => {
        const s = setup('en', action);
        const replies = await s.conversation.say(ASK);
        const needed: Assurance = policy.required(action);
        assert.deepEqual(replies, needed === 'anonymous' ? [probeSays({ granted: true, level: 'anonymous' })] : [world.translations.for('en').t('identity.prompt')]);
      });
    }
  });

  for (const locale of SHIPPED_LOCALES) {
    describe(`in ${locale}`, () => {
      let t: Translator;
      before(() => {
        t = world.translations.for(locale);
      });
      const menuEnd = (text: string): boolean => MENU.every((entry) => text.includes(t.t(entry.labelKey)));

      it('needs identified (withdraw consent): an address on file lets the customer through', async () => {
        const s = setup(locale, 'consent.withdraw');
        assert.deepEqual(await s.conversation.say(ASK), [t.t('identity.prompt')]);
        assert.deepEqual(await s.conversation.say(KNOWN_EMAIL), [t.t('identity.noted', { identifier: MASKED }), probeSays({ granted: true, level: 'identified' })]);
      });

      it('needs identified: an address not on file gets the same sentence, no access and no handoff', async () => {
        const s = setup(locale, 'consent.withdraw');
        await s.conversation.say(ASK);
        assert.deepEqual(await s.conversation.say(UNKNOWN_EMAIL), [t.t('identity.noted', { identifier: MASKED }), probeSays({ granted: false, level: 'anonymous' })]);
        assert.deepEqual(await s.hub.queue(), []);
      });

      it('needs verified: identifies, queues a verification, and resumes the waiting dialog once the agent verified', async () => {
        const s = setup(locale, 'consent.view');
        await s.conversation.say(ASK);
        assert.deepEqual(await s.conversation.say(KNOWN_EMAIL), [t.t('identity.noted', { identifier: MASKED }), t.t('handoff.queuedForVerification', { position: 1 })]);
        const [ticket] = await s.hub.queue();
        assert.deepEqual([ticket.reason, ticket.pendingAction, ticket.locale, ticket.claimedIdentity], ['verification', 'consent.view', locale, { kind: 'email', masked: MASKED, subjectId }]);
        assert.deepEqual(await s.conversation.send(closure(s, { ticketId: 'another-ticket', verification: 'verified', method: 'agent_check' })), [], 'news of another ticket is not ours');
        assert.deepEqual(await s.conversation.send(closure(s, { verification: 'verified', method: 'document' })), [t.t('handoff.closed.verifiedContinue'), probeSays({ granted: true, level: 'verified' })]);
        assert.deepEqual(s.feature.assuranceState.value, { level: 'verified', method: 'document', claim: { kind: 'email', masked: MASKED, subjectId } });
        assert.equal(s.feature.handoffState.value, undefined, 'the bot holds the conversation again');
        assert.deepEqual(await s.conversation.say(ASK), [probeSays({ granted: true, level: 'verified' })], 'verified for the rest of the session');
      });

      it('needs verified, the agent could not verify: polite next steps with the menu, and no access', async () => {
        const s = setup(locale, 'data.copy');
        await s.conversation.say(ASK);
        await s.conversation.say(KNOWN_EMAIL);
        const replies = await s.conversation.send(closure(s, { verification: 'failed', method: 'knowledge' }));
        assert.equal(replies.length, 2);
        assert.ok(replies[0].startsWith(t.t('handoff.closed.failed')) && menuEnd(replies[0]), replies[0]);
        assert.equal(replies[1], probeSays({ granted: false, level: 'identified' }));
      });

      it('needs verified, nobody claimed in time: "try later, nothing lost", and no access', async () => {
        const s = setup(locale, 'consent.history');
        await s.conversation.say(ASK);
        await s.conversation.say(UNKNOWN_EMAIL);
        const replies = await s.conversation.send(closure(s, { status: 'timed_out' }));
        assert.ok(replies[0].startsWith(t.t('handoff.closed.timedOut')) && menuEnd(replies[0]), replies[0]);
        assert.equal(replies[1], probeSays({ granted: false, level: 'anonymous' }));
      });

      it('cancel at the identity prompt of the gate: stopped, nothing queued', async () => {
        const s = setup(locale, 'consent.view');
        await s.conversation.say(ASK);
        const replies = await s.conversation.say(keyword(world, locale, 'cancel'));
        assert.ok(replies[0].startsWith(t.t('cancel.done')), replies[0]);
        assert.deepEqual(await s.hub.queue(), []);
      });

      it('cancel while waiting for the agent withdraws the ticket', async () => {
        const s = setup(locale, 'consent.view');
        await s.conversation.say(ASK);
        await s.conversation.say(KNOWN_EMAIL);
        const ticketId = s.feature.handoffState.value?.ticketId ?? '';
        const replies = await s.conversation.say(keyword(world, locale, 'cancel'));
        assert.ok(replies[0].startsWith(t.t('cancel.done')), replies[0]);
        assert.equal((await s.hub.get(ticketId))?.status, 'cancelled');
        assert.equal(s.feature.handoffState.value, undefined);
      });

      it('a signed-in Teams user in a 1:1 chat whose account is linked counts as verified; recorded in the ledger once per session', async () => {
        const s = setup(locale, 'consent.view', { channelId: 'msteams', activity: teamsActivity(AAD_LINKED, 'personal'), middleware: [channelAuthenticated] });
        const before = (await ledger.verifications.forSubject(subjectId)).length;
        assert.deepEqual(await s.conversation.say(ASK), [probeSays({ granted: true, level: 'verified' })]);
        assert.deepEqual(await s.conversation.say(ASK), [probeSays({ granted: true, level: 'verified' })]);
        const recorded = (await ledger.verifications.forSubject(subjectId)).slice(before);
        assert.deepEqual(
          recorded.map((v) => [v.method, v.level, v.outcome, v.agent]),
          [['channel_authenticated', 'verified', 'verified', undefined]],
        );
        assert.deepEqual(s.feature.assuranceState.value?.claim, { kind: 'aad_object_id', masked: '5f***4d', subjectId });
      });

      it('Teams: not in a group chat (personal data stays out of shared conversations), even when signed in and linked', async () => {
        const s = setup(locale, 'consent.view', { channelId: 'msteams', activity: teamsActivity(AAD_LINKED, 'groupChat'), middleware: [channelAuthenticated] });
        const replies = await s.conversation.say(ASK);
        assert.ok(replies[0].startsWith(t.t('assurance.sharedConversation')), replies[0]);
        assert.equal(replies[1], probeSays({ granted: false, level: 'anonymous' }));
      });

      it('Teams: without a validated channel token, or with an account linked to nobody, the customer is asked who they are', async () => {
        for (const [aad, middleware] of [
          [AAD_LINKED, []],
          [AAD_UNLINKED, [channelAuthenticated]],
        ] as const) {
          const s = setup(locale, 'consent.view', { channelId: 'msteams', activity: teamsActivity(aad, 'personal'), middleware: [...middleware] });
          assert.deepEqual(await s.conversation.say(ASK), [t.t('identity.prompt')], aad);
        }
      });
    });
  }

  describe('with one-time codes: the first way to verified, a person the choice', () => {
    let chats = 0;
    /** A conversation of its own: activity ids restart with every test client, and a code is bound to its conversation. */
    const ownChat = (): Partial<Activity> => {
      chats += 1;
      return { conversation: { id: `gate-code-${process.pid}-${chats}`, isGroup: false, conversationType: 'personal', name: '' } };
    };
    for (const action of POLICY_ACTIONS.filter((candidate) => policy.required(candidate) === 'verified')) {
      it(`${action}: an identified customer gets a code to the contact on file, not the queue; the right code lets the waiting dialog through`, async () => {
        const t = world.translations.for('en');
        const codes = openCodeWorld(ledger, world.translations);
        const s = setup('en', action, { held: { level: 'identified', method: 'claimed_identifier', claim: { kind: 'email', masked: MASKED, subjectId } }, codes: codes.codes, activity: ownChat() });
        const before = await verificationRows(ledger, subjectId);
        assert.deepEqual(await s.conversation.say(ASK), [t.t('identityCode.sent.email', { masked: MASKED, count: 10 })]);
        assert.deepEqual(await s.hub.queue(), [], 'nobody queued');
        assert.deepEqual(await s.conversation.say(codes.latestCodeFor(KNOWN_EMAIL)), [t.t('identityCode.verified'), probeSays({ granted: true, level: 'verified' })]);
        assert.deepEqual((await verificationRows(ledger, subjectId)).slice(before.length), [['one_time_code', 'verified', 'verified', 'test']]);
        assert.deepEqual(await s.conversation.say(ASK), [probeSays({ granted: true, level: 'verified' })], 'verified for the rest of the session');
      });
    }

    it('an action that needs only identified sends no code', async () => {
      const codes = openCodeWorld(ledger, world.translations);
      const s = setup('en', 'consent.withdraw', { codes: codes.codes, activity: ownChat() });
      await s.conversation.say(ASK);
      assert.deepEqual(await s.conversation.say(KNOWN_EMAIL), [world.translations.for('en').t('identity.noted', { identifier: MASKED }), probeSays({ granted: true, level: 'identified' })]);
      assert.deepEqual(codes.outbox.list(), []);
    });

    it('Teams group chat: today’s rule (not here, in private), and no code sent', async () => {
      const codes = openCodeWorld(ledger, world.translations);
      const s = setup('en', 'consent.view', { channelId: 'msteams', activity: teamsActivity(AAD_LINKED, 'groupChat'), middleware: [channelAuthenticated], codes: codes.codes });
      const replies = await s.conversation.say(ASK);
      assert.ok(replies[0].startsWith(world.translations.for('en').t('assurance.sharedConversation')), replies[0]);
      assert.equal(replies[1], probeSays({ granted: false, level: 'anonymous' }));
      assert.deepEqual(codes.outbox.list(), []);
    });

    it('Teams 1:1 with a linked account: verified by the channel, no code needed', async () => {
      const codes = openCodeWorld(ledger, world.translations);
      const s = setup('it', 'consent.view', { channelId: 'msteams', activity: teamsActivity(AAD_LINKED, 'personal'), middleware: [channelAuthenticated], codes: codes.codes });
      assert.deepEqual(await s.conversation.say(ASK), [probeSays({ granted: true, level: 'verified' })]);
      assert.deepEqual(codes.outbox.list(), []);
    });
  });
});
