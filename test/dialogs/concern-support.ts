import { ConversationState } from 'botbuilder';
import { SessionAssurance } from '../../src/bot/session-types';
import { ShippedLocale } from '../../src/i18n/shipped-locales';
import { IntentName } from '../../src/nlu/intents';
import { LogCapture } from '../support/test-app';
import type { ConsentWorld } from './consent-support';
import { CustomerConversation, customerConversation, customerParts } from './customer-conversation';
import { ACTIVITY_LOCALE } from './dialog-harness';
import { CONCERN_CLOCK, FakeConcerns } from './fake-concerns';
import { FeatureConversation } from './feature-conversation';
import { featureDialogs } from './feature-dialogs';

let conversations = 0;

/**
 * The real main dialog, gate, identity (against the ledger) and handoff, the report dialog over
 * `concerns` (an in-memory fake) on the fake's clock, a fake classifier. The customer's client
 * says they are in Rome unless told otherwise.
 */
export function concernConversation(
  world: ConsentWorld,
  locale: ShippedLocale,
  options: {
    concerns: FakeConcerns;
    intents?: Readonly<Record<string, IntentName>>;
    held?: SessionAssurance;
    /** @default 'Europe/Rome' ('' for a client that names none) */
    localTimezone?: string;
    logs?: LogCapture;
    /** Keeps the dialog stack where the test can snapshot and restore it (a redelivery racing the first delivery). */
    conversationState?: ConversationState;
    /** A group conversation (shared: no personal data asked there). */
    group?: boolean;
  },
): CustomerConversation {
  conversations += 1;
  const { menu, hub, identity } = customerParts(world);
  const intents = options.intents ?? {};
  const feature = featureDialogs({ identity, hub, menu, consents: world.consents, concerns: options.concerns, logs: options.logs, concernNow: () => CONCERN_CLOCK });
  feature.assuranceState.value = options.held;
  const zone = options.localTimezone ?? 'Europe/Rome';
  const conversation = new FeatureConversation(world.dialogs, {
    activityLocale: ACTIVITY_LOCALE[locale],
    dialogs: feature.dialogs,
    menu,
    intents,
    conversationState: options.conversationState,
    activity: {
      conversation: { id: `concern-test-${process.pid}-${conversations}`, isGroup: options.group === true, conversationType: options.group ? 'groupChat' : 'personal', name: '' },
      ...(zone ? { localTimezone: zone } : {}),
    },
  });
  return customerConversation(conversation, feature, hub);
}
