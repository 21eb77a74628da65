import { randomUUID } from 'node:crypto';

/**
 * The id a customer quotes and the log holds beside the error: eight hex digits, never all of them
 * decimal digits, which the log's redaction would take for a phone number and hide ("[phone]").
 */
export function customerErrorId(): string {
  for (;;) {
    const id = randomUUID().slice(0, 8);
    if (/[a-f]/.test(id)) return id;
  }
}
