import { Activity } from 'botbuilder';
import { availableMenu, MenuEntry } from '../../dialogs/menu';
import { SessionAssurance } from '../../src/bot/session-types';
import { MemoryHandoffHub } from '../../src/handoff/memory-handoff-hub';
import { IdentityService } from '../../src/privacy/identity/identity-service';
import type { ConsentWorld } from './consent-support';
import { FeatureConversation } from './feature-conversation';
import type { FeatureDialogs } from './feature-dialogs';

/** What the customer reads of a reply: its text, or its card's fallback; ICU's narrow no-break spaces as plain spaces. */
export function readable(activity: Partial<Activity>): string {
  const card = activity.attachments?.[0]?.content as { fallbackText?: string } | undefined;
  return (activity.text || card?.fallbackText || '').replace(/[\u202f\u00a0]/g, ' ');
}

/** A feature's conversation as its tests drive it (the access and the concern dialogs alike). */
export interface CustomerConversation {
  /** Sends a message (with the given activity fields, e.g. its id); resolves with what the customer reads of each reply. */
  say(text: string, fields?: Partial<Activity>): Promise<string[]>;
  sayForActivities(text: string, fields?: Partial<Activity>): Promise<Partial<Activity>[]>;
  readonly hub: MemoryHandoffHub;
  /** What the session holds of who the customer is. */
  readonly assurance: SessionAssurance | undefined;
}

/** What each conversation builds afresh: the menu, its own handoff hub, identity against the world's ledger. */
export function customerParts(world: ConsentWorld): { menu: readonly MenuEntry[]; hub: MemoryHandoffHub; identity: IdentityService } {
  return {
    menu: availableMenu(),
    hub: new MemoryHandoffHub({ timeoutSeconds: 300 }),
    identity: new IdentityService({ subjects: world.ledger.subjects, verifications: world.ledger.verifications }),
  };
}

/** The test's handle on `conversation`: messages in, what the customer reads out, the session's assurance. */
export function customerConversation(conversation: FeatureConversation, feature: FeatureDialogs, hub: MemoryHandoffHub): CustomerConversation {
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
