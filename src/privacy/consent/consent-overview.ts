import type { CollectionMethod, ConsentEvent, ConsentState, CurrentConsent } from '../../ledger/consent/consent-types';
import type { Channel, PurposeCatalog } from '../../ledger/purposes/purpose-catalog';
import { consentPurposes } from './consent-scope';

/** One channel of one purpose as the customer sees it. `never_asked`: no event on record. */
export interface ChannelConsentView {
  readonly channel: Channel;
  readonly state: ConsentState | 'never_asked';
  /** When the current state took effect, how, and under which notice (absent when never asked). */
  readonly since?: Date;
  readonly collectionMethod?: CollectionMethod;
  readonly noticeVersion?: string;
}

export interface PurposeConsentView {
  readonly purposeId: string;
  readonly channels: readonly ChannelConsentView[];
}

/**
 * Every consent-based purpose with each of its channels: the current state and the event that set
 * it (when, where, which notice). Purposes on another legal basis are not consents to show.
 */
export function consentOverview(catalog: PurposeCatalog, current: readonly CurrentConsent[], events: readonly ConsentEvent[]): PurposeConsentView[] {
  const byId = new Map(events.map((event) => [event.id, event]));
  return consentPurposes(catalog).map((purpose) => ({
    purposeId: purpose.id,
    channels: purpose.channels.map((channel): ChannelConsentView => {
      const state = current.find((entry) => entry.purposeId === purpose.id && entry.channel === channel);
      if (!state) return { channel, state: 'never_asked' };
      const event = byId.get(state.eventId);
      return { channel, state: state.state, since: state.since, collectionMethod: event?.collectionMethod, noticeVersion: event?.noticeVersion };
    }),
  }));
}
