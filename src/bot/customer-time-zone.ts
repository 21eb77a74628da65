import { Activity, TurnContext } from 'botbuilder';
import { isTimeZone } from '../privacy/clocks/calendar';
import type { SessionProperty } from '../turn/session-property';

const ZONE_KEY = Symbol('psb.customerTimeZone');

/**
 * The IANA time zone this activity's client tells: Web Chat sets `localTimezone` on each activity,
 * Teams sends a `clientInfo` entity. Undefined when neither names a zone we know (a proactive turn,
 * an HTTP client).
 */
export function zoneToldBy(activity: Partial<Activity>): string | undefined {
  if (isTimeZone(activity.localTimezone)) return activity.localTimezone;
  const clientInfo = activity.entities?.find((entity) => entity.type === 'clientInfo') as { timezone?: unknown } | undefined;
  return isTimeZone(clientInfo?.timezone) ? clientInfo.timezone : undefined;
}

/**
 * Settles the customer's zone for this turn, before any dialog runs: the one the conversation
 * remembers, else the one this activity tells (then remembered). The first zone known is the
 * customer's for every later message, so a card sent in a turn that tells none (the proactive turn
 * after a person verified them) and the next reply say times in the same zone.
 */
export async function settleCustomerTimeZone(context: TurnContext, remembered: SessionProperty<string>): Promise<void> {
  const known = await remembered.get(context);
  if (isTimeZone(known)) {
    context.turnState.set(ZONE_KEY, known);
    return;
  }
  const told = zoneToldBy(context.activity);
  if (told === undefined) return;
  await remembered.set(context, told);
  context.turnState.set(ZONE_KEY, told);
}

/**
 * The customer's IANA time zone in this turn: the one settled for the conversation, else what this
 * activity tells, else `fallback` (UTC unless given, e.g. the regime's zone).
 */
export function customerTimeZone(context: TurnContext, fallback = 'UTC'): string {
  const settled = context.turnState.get(ZONE_KEY) as string | undefined;
  return settled ?? zoneToldBy(context.activity) ?? fallback;
}
