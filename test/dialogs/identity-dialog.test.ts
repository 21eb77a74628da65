import assert from 'node:assert/strict';
import { ComponentDialog, Dialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { DialogIds, DialogStartOptions } from '../../dialogs/dialog-ids';
import { IdentityDialog, IdentityDialogResult } from '../../dialogs/identity-dialog';
import { MENU_REGISTRY, availableMenu } from '../../dialogs/menu';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { Translator } from '../../src/i18n/translator';
import type { Ledger } from '../../src/ledger/ledger';
import type { IdentityService } from '../../src/privacy/identity/identity-service';
import { ACTIVITY_LOCALE, DialogWorld, keyword, loadWorld } from './dialog-harness';
import { FeatureConversation } from './feature-conversation';
import { featureDialogs } from './feature-dialogs';
import { HEAVY_HOOK_TIMEOUT_MS } from '../support/hook-timeouts';
import { ledgerWithOneCustomer } from './identity-support';

const PROBE = 'test.identityProbe';
const ASK = '<who am I>';
const KNOWN = { email: 'giulia.rossi@example.com', phone: '+39 347 123 4567', customerNumber: 'CUST-100001' };
/** Not on file, and masked exactly like KNOWN.email: the two answers must be identical. */
const UNKNOWN_EMAIL = 'gianni.verdi@example.com';

/** Starts the identity dialog with the message that asked, then reports its result (a test marker, not a customer sentence). */
class IdentityProbe extends ComponentDialog {
  constructor(identityDialog: Dialog) {
    super(PROBE);
    this.addDialog(identityDialog);
    this.addDialog(new WaterfallDialog(`${PROBE}.waterfall`, [this.askStep.bind(this), this.reportStep.bind(this)]));
    this.initialDialogId = `${PROBE}.waterfall`;
  }

  private async askStep(step: WaterfallStepContext<DialogStartOptions>): Promise<DialogTurnResult> {
    return step.beginDialog(DialogIds.identity, { utterance: step.options.utterance });
  }

  private async reportStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const result = step.result as IdentityDialogResult;
    await step.context.sendActivity(reported(result.level, result.claim.subjectId !== undefined));
    return step.endDialog();
  }
}

const reported = (level: string, matched: boolean): string => `identity: level=${level} matched=${matched}`;
const MENU = availableMenu(MENU_REGISTRY.map((entry) => (entry.id === 'consent.check' ? { ...entry, dialogId: PROBE, available: true } : entry)));

type Step = [says: string, replies: (t: Translator) => string[]];

interface IdentityCase {
  name: string;
  steps(t: Translator, world: DialogWorld): Step[];
  /** The session's assurance at the end: its level and whether a claim is kept. */
  expected: { level: 'anonymous' | 'identified' | undefined; masked?: string; matched?: boolean };
}

const prompt = (t: Translator): string[] => [t.t('identity.prompt')];
const noted = (masked: string, level: string, matched: boolean) => (t: Translator): string[] => [t.t('identity.noted', { identifier: masked }), reported(level, matched)];

const CASES: IdentityCase[] = [
  {
    name: 'an email on file: the customer is identified',
    steps: () => [
      [ASK, prompt],
      [KNOWN.email, noted('g***@example.com', 'identified', true)],
    ],
    expected: { level: 'identified', masked: 'g***@example.com', matched: true },
  },
  {
    name: 'an email not on file: the same answer, and the session stays anonymous (the claim kept for an agent)',
    steps: () => [
      [ASK, prompt],
      [UNKNOWN_EMAIL, noted('g***@example.com', 'anonymous', false)],
    ],
    expected: { level: 'anonymous', masked: 'g***@example.com', matched: false },
  },
  {
    name: 'an email inside a sentence, in any case',
    steps: () => [
      [ASK, prompt],
      [`it is ${KNOWN.email.toUpperCase()} thanks`, noted('g***@example.com', 'identified', true)],
    ],
    expected: { level: 'identified', masked: 'g***@example.com', matched: true },
  },
  {
    name: 'a customer number, typed in lower case',
    steps: () => [
      [ASK, prompt],
      [KNOWN.customerNumber.toLowerCase(), noted('CU***01', 'identified', true)],
    ],
    expected: { level: 'identified', masked: 'CU***01', matched: true },
  },
  {
    name: 'a phone number with its country code',
    steps: () => [
      [ASK, prompt],
      [KNOWN.phone, noted('+39******67', 'identified', true)],
    ],
    expected: { level: 'identified', masked: '+39******67', matched: true },
  },
  {
    name: 'an identifier already in the first message is not asked for again',
    steps: () => [[`${ASK} ${KNOWN.email}`, noted('g***@example.com', 'identified', true)]],
    expected: { level: 'identified', masked: 'g***@example.com', matched: true },
  },
  {
    name: 'malformed input gets a polite re-prompt, then a good answer is taken',
    steps: () => [
      [ASK, prompt],
      ['giulia.rossi@', (t) => [t.t('identity.retry')]],
      ['12', (t) => [t.t('identity.retry')]],
      [KNOWN.email, noted('g***@example.com', 'identified', true)],
    ],
    expected: { level: 'identified', masked: 'g***@example.com', matched: true },
  },
  {
    name: 'cancel at the prompt stops, stores nothing and offers the menu',
    steps: (t, world) => [
      [ASK, prompt],
      [keyword(world, t.locale, 'cancel'), (tr) => [`${tr.t('cancel.done')}\n\n${tr.t('menu.prompt')}`]],
    ],
    expected: { level: undefined },
  },
  {
    name: 'cancel after a malformed answer stops too',
    steps: (t, world) => [
      [ASK, prompt],
      ['not an identifier', (tr) => [tr.t('identity.retry')]],
      [keyword(world, t.locale, 'cancel'), (tr) => [`${tr.t('cancel.done')}\n\n${tr.t('menu.prompt')}`]],
    ],
    expected: { level: undefined },
  },
  {
    name: 'help at the prompt, then the prompt again',
    steps: (t, world) => [
      [ASK, prompt],
      [keyword(world, t.locale, 'help'), (tr) => [`${tr.t('help.intro')}`, tr.t('identity.prompt')]],
      [KNOWN.email, noted('g***@example.com', 'identified', true)],
    ],
    expected: { level: 'identified', masked: 'g***@example.com', matched: true },
  },
];

describe('identity dialog', function () {
  this.timeout(30_000);
  let world: DialogWorld;
  let ledger: Ledger;
  let identity: IdentityService;
  let subjectId: string;

  before(async function () {
    this.timeout(HEAVY_HOOK_TIMEOUT_MS);
    world = await loadWorld();
    ({ ledger, identity, subjectId } = await ledgerWithOneCustomer('identity-dialog', [
      { kind: 'email', value: KNOWN.email },
      { kind: 'phone', value: KNOWN.phone },
      { kind: 'customer_number', value: KNOWN.customerNumber },
    ]));
  });

  after(async () => {
    await ledger?.close();
  });

  for (const locale of SHIPPED_LOCALES) {
    describe(`in ${locale}`, () => {
      for (const row of CASES) {
        it(row.name, async () => {
          const t = world.translations.for(locale);
          const feature = featureDialogs({ identity, menu: MENU });
          const conversation = new FeatureConversation(world, { activityLocale: ACTIVITY_LOCALE[locale], dialogs: [...feature.dialogs, new IdentityProbe(new IdentityDialog({ identity, assurance: feature.assurance }))], menu: MENU, intents: { [ASK]: 'consent.check', [`${ASK} ${KNOWN.email}`]: 'consent.check' } });
          for (const [said, expected] of row.steps(t, world)) {
            const replies = await conversation.say(said);
            const want = expected(t);
            assert.equal(replies.length, want.length, `replies to "${said}": ${JSON.stringify(replies)}`);
            want.forEach((text, i) => assert.ok(replies[i].startsWith(text), `reply ${i} to "${said}": ${JSON.stringify(replies[i])} should start with ${JSON.stringify(text)}`));
          }
          const held = feature.assuranceState.value;
          assert.equal(held?.level, row.expected.level === 'anonymous' && !held?.claim ? undefined : row.expected.level, JSON.stringify(held));
          assert.equal(held?.claim?.masked, row.expected.masked);
          if (row.expected.matched !== undefined) assert.equal(held?.claim?.subjectId, row.expected.matched ? subjectId : undefined);
        });
      }

      it('no enumeration: a known and an unknown address get exactly the same replies', async () => {
        const answers: string[][] = [];
        for (const email of [KNOWN.email, UNKNOWN_EMAIL]) {
          const feature = featureDialogs({ identity, menu: MENU });
          const probe = new IdentityProbe(new IdentityDialog({ identity, assurance: feature.assurance }));
          const conversation = new FeatureConversation(world, { activityLocale: ACTIVITY_LOCALE[locale], dialogs: [...feature.dialogs, probe], menu: MENU, intents: { [ASK]: 'consent.check' } });
          const first = await conversation.say(ASK);
          // Everything the customer sees up to and including the identity dialog's answer (not the test marker).
          answers.push([...first, ...(await conversation.say(email)).slice(0, -1)]);
        }
        assert.deepEqual(answers[0], answers[1]);
      });
    });
  }
});
