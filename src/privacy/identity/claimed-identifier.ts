import { Culture } from '@microsoft/recognizers-text-suite';
import { LedgerError } from '../../ledger/ledger-errors';
import { normalizeIdentifier } from '../../ledger/subjects/identifiers';
import { emailModel, phoneNumberModel } from '../../nlu/recognizer-models';

/** What a customer may give to say who they are (the Teams object id comes from the channel, never typed). */
export type ClaimedIdentifierKind = 'email' | 'phone' | 'customer_number';

/** An identifier found in what the customer wrote, as written (the ledger normalises it). */
export interface ClaimedIdentifier {
  readonly kind: ClaimedIdentifierKind;
  readonly value: string;
}

/**
 * A customer number as the company prints it: a short letter prefix, an optional dash, then
 * 4–12 digits ("CUST-100001", "c100001"). Letters alone or digits alone are not one (bare
 * digits are read as a phone number).
 */
export const CUSTOMER_NUMBER_PATTERN = /(?<![\p{L}\p{N}@._-])([A-Za-z]{1,10}-?\d{4,12})(?![\p{L}\p{N}@_-])/gu;

/** The recognizers' culture for a shipped language; English rules for any other. */
const CULTURES: Readonly<Record<string, string>> = { en: Culture.English, it: Culture.Italian };

function cultureOf(locale: string): string {
  return CULTURES[locale] ?? Culture.English;
}

/**
 * The identifier in a customer's message, recognised in their language: an email address
 * first, then a customer number, then a phone number (recognizers-text; the ledger checks it
 * is a real number). Undefined when the message holds none.
 */
export function recognizeClaimedIdentifier(text: string, locale: string): ClaimedIdentifier | undefined {
  const culture = cultureOf(locale);
  const email = emailModel(culture).parse(text)[0];
  if (email) return { kind: 'email', value: String(email.resolution?.value ?? email.text) };
  const customerNumber = new RegExp(CUSTOMER_NUMBER_PATTERN.source, 'u').exec(text);
  if (customerNumber) return { kind: 'customer_number', value: customerNumber[1] };
  const phone = phoneNumberModel(culture).parse(text)[0];
  if (phone) return { kind: 'phone', value: String(phone.resolution?.value ?? phone.text) };
  return undefined;
}

/** `text` with customer numbers masked, for transcripts (emails and phones: see log/redact-text). */
export function redactCustomerNumbers(text: string): string {
  return text.replace(CUSTOMER_NUMBER_PATTERN, '[customer number]');
}

/**
 * The identifier in a message when it is a well-formed one (an email with a domain, a phone
 * number that exists, a customer number of the right shape); undefined otherwise.
 */
export function parseClaimedIdentifier(text: string, locale: string): ClaimedIdentifier | undefined {
  const found = recognizeClaimedIdentifier(text, locale);
  if (!found) return undefined;
  try {
    normalizeIdentifier(found.kind, found.value);
    return found;
  } catch (err) {
    if (err instanceof LedgerError) return undefined;
    throw err;
  }
}
