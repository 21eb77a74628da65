import { AppError } from '../errors/app-error';

/**
 * Scrubs personal data out of a string meant for logs: email addresses and phone-like digit
 * runs become placeholders. Customer free text must never be logged at all (see logger.ts);
 * this is the net under that rule, for error messages and the like that may quote input.
 */
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
// 7+ digits, optionally with a leading + and separators: phone numbers, also card and account numbers.
// Not inside a longer token (UUIDs, hashes, ids): bounded by non-word characters on both sides, and
// not followed by a dash that goes on with a letter or digit ("12345678-728e-…" is an error id).
const PHONE = /(?<![\p{L}\p{N}_-])\+?\(?\d(?:[\s().-]*\d){6,}(?![\p{L}\p{N}_]|-[\p{L}\p{N}])/gu;

export function redactText(value: string): string {
  return value.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

/** Object keys whose values are customer-authored text or payloads: dropped whole. */
export const FREE_TEXT_KEYS: ReadonlySet<string> = new Set(['text', 'speak', 'value', 'body', 'attachments', 'transcript', 'utterance', 'email', 'phone', 'name', 'liveText']);

/**
 * Keys (compared in lower case) that hold HTTP headers or credentials: dropped whole, so an Authorization header, an
 * agent session cookie or a token never reaches a log line, whoever logs the object (restify's
 * own warnings log the request).
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['headers', 'rawheaders', 'trailers', 'rawtrailers', 'authorization', 'cookie', 'set-cookie', 'proxy-authorization', 'x-csrf-token']);

/** System error fields that help operators and carry no customer data. */
const ERROR_FACTS = ['code', 'errno', 'syscall', 'address', 'port', 'statusCode'] as const;

/**
 * Errors are logged by kind, code and stack frames. The message is kept only for our own
 * errors (AppError messages never quote customers); a foreign error's message may quote input
 * ("invalid value 'maria@…'"), so it is replaced.
 */
function redactError(error: Error, depth: number): Record<string, unknown> {
  const own = error instanceof AppError;
  const out: Record<string, unknown> = { type: error.name, message: own ? redactText(error.message) : '[redacted]' };
  for (const fact of ERROR_FACTS) {
    const value = (error as unknown as Record<string, unknown>)[fact];
    if (typeof value === 'string' || typeof value === 'number') out[fact] = typeof value === 'string' ? redactText(value) : value;
  }
  if (error.stack) out.stack = error.stack.split('\n').filter((line) => line.startsWith('    at ')).join('\n');
  if (error.cause !== undefined && depth < 4) out.cause = redactDeep(error.cause, depth + 1);
  return out;
}

/** Deep copy of `value` with free-text keys censored and every string scrubbed. */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) return redactError(value, depth);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const censored = (FREE_TEXT_KEYS.has(key) || SECRET_KEYS.has(key.toLowerCase())) && item !== undefined && item !== null;
    out[key] = censored ? '[redacted]' : redactDeep(item, depth + 1);
  }
  return out;
}
