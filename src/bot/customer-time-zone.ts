import { Activity } from 'botbuilder';
import { isTimeZone } from '../privacy/clocks/calendar';

/**
 * The customer's IANA time zone, as their client tells it: Web Chat sets `localTimezone` on each
 * activity, Teams sends a `clientInfo` entity. UTC when neither names a zone we know.
 */
export function customerTimeZone(activity: Partial<Activity>): string {
  if (isTimeZone(activity.localTimezone)) return activity.localTimezone;
  const clientInfo = activity.entities?.find((entity) => entity.type === 'clientInfo') as { timezone?: unknown } | undefined;
  if (isTimeZone(clientInfo?.timezone)) return clientInfo.timezone;
  return 'UTC';
}
