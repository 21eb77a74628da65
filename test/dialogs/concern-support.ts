import { Activity, ConversationState } from 'botbuilder';
import { availableMenu } from '../../dialogs/menu';
import { SessionAssurance } from '../../src/bot/session-types';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import { ShippedLocale } from '../../src/i18n/shipped-locales';
import { IntentName } from '../../src/nlu/intents';
import { IdentityService } from '../../src/privacy/identity/identity-service';
import { LogCapture } from '../support/test-app';
import { readable } from './access-support';
import type { ConsentWorld } from './consent-support';
import { ACTIVITY_LOCALE } from './dialog-harness';
import { CONCERN_CLOCK, FakeConcerns } from './fake-concerns';
import { FeatureConversation } from './feature-conversation';
import { featureDialogs } from './feature-dialogs';

export interface ConcernConversation {
  /** Sends a message (with the given activity fields, e.g. its id); resolves with what the customer reads of each reply. */
  say(text: string, fields?: Partial<Activity>): Promise<string[]>;
  sayForActivities(text: string, fields?: Partial<Activity>): Promise<Partial<Activity>[]>;
  readonly hub: MemoryHandoffHub;
  /** What the session holds of who the customer is. */
  readonly assurance: SessionAssurance | undefined;
}

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
): ConcernConversation {
  conversations += 1;
  const menu = availableMenu();
  const intents = options.intents ?? {};
  const hub = new MemoryHandoffHub({ timeoutSeconds: 300 });
  const identity = new IdentityService({ subjects: world.ledger.subjects, verifications: world.ledger.verifications });
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
  const send = (text: string, fields: Partial<Activity> = {}) => conversation.sendForActivities({ type: 'message', text, ...fields });
  return {
    hub,
    get assurance() {
      return feature.assuranceState.value;
    },
    say: async (text, fields) => (await send(text, fields)).map(readable),
    sayForActivities: send,
  };
}
