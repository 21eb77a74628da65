import type { TurnContext } from 'botbuilder';

/**
 * Whether the customer's browser sends Global Privacy Control. The Web Chat page puts
 * `channelData: { gpc: true }` on every activity it sends when `navigator.globalPrivacyControl`
 * is true or the page request carried `Sec-GPC: 1`; anything else (other channels, the bot's own
 * conversationUpdate) reads as false.
 */
export function gpcSignal(context: TurnContext): boolean {
  const channelData: unknown = context.activity.channelData;
  return typeof channelData === 'object' && channelData !== null && (channelData as { gpc?: unknown }).gpc === true;
}

/** Whether an HTTP request carries the GPC header (`Sec-GPC: 1`). */
export function requestHasGpc(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const value = headers['sec-gpc'];
  return (Array.isArray(value) ? value[0] : value)?.trim() === '1';
}
