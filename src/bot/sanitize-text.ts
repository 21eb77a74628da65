/**
 * Control characters other than tab and newline (NUL, escape sequences, bidi overrides, zero-width
 * joiners used to smuggle text) are removed before anything reads a customer's message.
 */
const UNWANTED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

export function sanitizeText(text: string): string {
  return text.replace(UNWANTED, '').replace(/\r\n?/g, '\n').trim();
}

export type MessageTextCheck =
  | { readonly kind: 'ok'; readonly text: string }
  | { readonly kind: 'empty' }
  | { readonly kind: 'tooLong'; readonly max: number };

/** What the bot may read of a message: the cleaned text, or why it will not read it. */
export function checkMessageText(raw: unknown, maxChars: number): MessageTextCheck {
  if (typeof raw !== 'string') return { kind: 'empty' };
  // Count code points on the raw text first, so a 100 KB message is refused without more work.
  if (raw.length > maxChars * 2) return { kind: 'tooLong', max: maxChars };
  const text = sanitizeText(raw);
  if (text === '') return { kind: 'empty' };
  if ([...text].length > maxChars) return { kind: 'tooLong', max: maxChars };
  return { kind: 'ok', text };
}
