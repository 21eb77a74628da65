import { ConversationState } from 'botbuilder';
import { CASE_REFERENCE_ROUTE } from '../../dialogs/case-status-dialog';
import { SessionAssurance } from '../../src/bot/session-types';
import { ShippedLocale } from '../../src/i18n/shipped-locales';
import { IntentName } from '../../src/nlu/intents';
import type { OneTimeCodes } from '../../src/privacy/identity/one-time-code-types';
import { LogCapture } from '../support/test-app';
import type { ConsentWorld } from './consent-support';
import { CustomerConversation, customerConversation, customerParts } from './customer-conversation';
import { ACTIVITY_LOCALE, FakeRecognizer } from './dialog-harness';
import { ACCESS_CLOCK, FakeAccessRequests } from './fake-access-requests';
import { FeatureConversation } from './feature-conversation';
import { featureDialogs } from './feature-dialogs';

let conversations = 0;

/**
 * The real main dialog (with the reference route the app adds), the real gate and identity against
 * the ledger, the access dialogs over `access` (an in-memory fake) on the fake's clock, a fake classifier.
 */
export function accessConversation(
  world: ConsentWorld,
  locale: ShippedLocale,
  options: {
    access: FakeAccessRequests;
    intents?: Readonly<Record<string, IntentName>>;
    held?: SessionAssurance;
    localTimezone?: string;
    codes?: OneTimeCodes;
    logs?: LogCapture;
    /** Keeps the dialog stack where the test can snapshot and restore it (a redelivery racing the first delivery). */
    conversationState?: ConversationState;
  },
): CustomerConversation {
  conversations += 1;
  const { menu, hub, identity } = customerParts(world);
  const intents = options.intents ?? {};
  const feature = featureDialogs({ identity, hub, menu, consents: world.consents, access: options.access, logs: options.logs, accessNow: () => ACCESS_CLOCK, ...(options.codes ? { codes: options.codes, codeIntents: new FakeRecognizer(intents) } : {}) });
  feature.assuranceState.value = options.held;
  const conversation = new FeatureConversation(world.dialogs, {
    activityLocale: ACTIVITY_LOCALE[locale],
    dialogs: feature.dialogs,
    menu,
    intents,
    textRoutes: [CASE_REFERENCE_ROUTE],
    conversationState: options.conversationState,
    activity: {
      conversation: { id: `access-test-${process.pid}-${conversations}`, isGroup: false, conversationType: 'personal', name: '' },
      ...(options.localTimezone ? { localTimezone: options.localTimezone } : {}),
    },
  });
  return customerConversation(conversation, feature, hub);
}
