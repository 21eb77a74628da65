import { Activity } from 'botbuilder';
import { isTimeZone } from '../privacy/clocks/calendar';

/**
 * The customer's IANA time zone, as their client tells it: Web Chat sets `localTimezone` on each
 * activity, Teams sends a `clientInfo` entity. `fallback` (UTC unless given, e.g. the regime's zone)
 * when neither names a zone we know.
 */
export function customerTimeZone(activity: Partial<Activity>, fallback = 'UTC'): string {
  if (isTimeZone(activity.localTimezone)) return activity.localTimezone;
  const clientInfo = activity.entities?.find((entity) => entity.type === 'clientInfo') as { timezone?: unknown } | undefined;
  if (isTimeZone(clientInfo?.timezone)) return clientInfo.timezone;
  return fallback;
}
