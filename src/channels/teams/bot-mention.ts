import { Activity, TurnContext } from 'botbuilder';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes every @mention of the bot from the message text ("<at>Privacy Bot</at> help" → "help"),
 * so that intents are recognised on what the person wrote. Mentions of other people stay.
 *
 * `TurnContext.removeRecipientMention` removes only the first occurrence of the first mention, and
 * a mention entity without `text` would make it remove the word "undefined": Teams may split a
 * multi-word bot name into several mention entities, so every mention of the recipient is removed
 * here, by its text or, lacking one, by `<at>name</at>`.
 *
 * @returns the text left (also written back to `activity.text`).
 */
export function stripRecipientMention(activity: Partial<Activity>): string | undefined {
  const recipientId = activity.recipient?.id;
  if (typeof activity.text !== 'string' || !recipientId) return activity.text;
  const original = activity.text;
  let text = original;
  for (const mention of TurnContext.getMentions(activity)) {
    if (mention.mentioned?.id !== recipientId) continue;
    if (typeof mention.text === 'string' && mention.text !== '') {
      text = text.split(mention.text).join(' ');
    } else if (typeof mention.mentioned.name === 'string' && mention.mentioned.name !== '') {
      text = text.replace(new RegExp(`<at>\\s*${escapeRegExp(mention.mentioned.name)}\\s*</at>`, 'gi'), ' ');
    }
  }
  if (text === original) return original;
  // Teams may put a non-breaking space between split mentions; tidy the gaps the removal left.
  activity.text = text.replace(/&nbsp;/g, ' ').replace(/[ \t\u00a0]{2,}/g, ' ').trim();
  return activity.text;
}

/** Whether the message @mentions the bot (before {@link stripRecipientMention} removes it). */
export function mentionsRecipient(activity: Partial<Activity>): boolean {
  const recipientId = activity.recipient?.id;
  return recipientId !== undefined && TurnContext.getMentions(activity).some((mention) => mention.mentioned?.id === recipientId);
}

/**
 * The attachments the person sent. Teams attaches a `text/html` copy of every message's own text
 * (mentions included) to the message: that copy is not something sent, so it does not count.
 */
export function sentAttachments(activity: Partial<Activity>): NonNullable<Activity['attachments']> {
  const attachments = activity.attachments ?? [];
  return activity.channelId === 'msteams' ? attachments.filter((attachment) => attachment.contentType !== 'text/html') : attachments;
}
