/**
 * Scrubs personal data out of a string meant for logs: email addresses and phone-like digit
 * runs become placeholders. Customer free text must never be logged at all (see logger.ts);
 * this is the net under that rule, for error messages and the like that may quote input.
 */
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
// 7+ digits, optionally with a leading + and separators: phone numbers, also card and account numbers.
const PHONE = /\+?\d(?:[\s().-]*\d){6,}/g;

export function redactText(value: string): string {
  return value.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

/** Object keys whose values are customer-authored text or payloads: dropped whole. */
export const FREE_TEXT_KEYS: ReadonlySet<string> = new Set(['text', 'speak', 'value', 'body', 'attachments', 'transcript', 'utterance', 'email', 'phone', 'name']);

/** Deep copy of `value` with free-text keys censored and every string scrubbed. */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) {
    return { type: value.name, message: redactText(value.message), code: (value as { code?: unknown }).code, stack: value.stack ? redactText(value.stack) : undefined };
  }
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = FREE_TEXT_KEYS.has(key) && item !== undefined && item !== null ? '[redacted]' : redactDeep(item, depth + 1);
  }
  return out;
}
