import { Activity, ConversationState } from 'botbuilder';
import { CASE_REFERENCE_ROUTE } from '../../dialogs/case-status-dialog';
import { availableMenu } from '../../dialogs/menu';
import { SessionAssurance } from '../../src/bot/session-types';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import { ShippedLocale } from '../../src/i18n/shipped-locales';
import { IntentName } from '../../src/nlu/intents';
import { IdentityService } from '../../src/privacy/identity/identity-service';
import type { OneTimeCodes } from '../../src/privacy/identity/one-time-code-types';
import { LogCapture } from '../support/test-app';
import type { ConsentWorld } from './consent-support';
import { ACTIVITY_LOCALE, FakeRecognizer } from './dialog-harness';
import { ACCESS_CLOCK, FakeAccessRequests } from './fake-access-requests';
import { FeatureConversation } from './feature-conversation';
import { featureDialogs } from './feature-dialogs';

/** What the customer reads of a reply: its text, or its card's fallback; ICU's narrow no-break spaces as plain spaces. */
export function readable(activity: Partial<Activity>): string {
  const card = activity.attachments?.[0]?.content as { fallbackText?: string } | undefined;
  return (activity.text || card?.fallbackText || '').replace(/[\u202f\u00a0]/g, ' ');
}

export interface AccessConversation {
  /** Sends a message (with the given activity fields, e.g. its id); resolves with what the customer reads of each reply. */
  say(text: string, fields?: Partial<Activity>): Promise<string[]>;
  sayForActivities(text: string, fields?: Partial<Activity>): Promise<Partial<Activity>[]>;
  readonly hub: MemoryHandoffHub;
  /** What the session holds of who the customer is. */
  readonly assurance: SessionAssurance | undefined;
}

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
): AccessConversation {
  conversations += 1;
  const menu = availableMenu();
  const intents = options.intents ?? {};
  const hub = new MemoryHandoffHub({ timeoutSeconds: 300 });
  const identity = new IdentityService({ subjects: world.ledger.subjects, verifications: world.ledger.verifications });
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
