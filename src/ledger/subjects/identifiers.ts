import { createHmac } from 'node:crypto';
import { parsePhoneNumberFromString, CountryCode } from 'libphonenumber-js';
import { LedgerError } from '../ledger-errors';

export const IDENTIFIER_KINDS = ['email', 'phone', 'customer_number', 'aad_object_id'] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

/** An identifier in its one canonical form: the form that is hashed, stored and compared. */
export interface NormalizedIdentifier {
  readonly kind: IdentifierKind;
  readonly value: string;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}\.[^\s@.]{2,63}$/u;
const CUSTOMER_NUMBER = /^[A-Z0-9][A-Z0-9-]{2,31}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function malformed(kind: IdentifierKind, what: string): LedgerError {
  return new LedgerError('PSB_LEDGER_INVALID_INPUT', `malformed ${kind}: ${what}`, { field: kind });
}

/**
 * Normalises an identifier: lower-case email (with IDN domains kept as typed), E.164 phone
 * (numbers without a country prefix read in `defaultCountry`), upper-case customer number,
 * lower-case AAD object id. A value that cannot be an identifier of its kind is refused.
 */
export function normalizeIdentifier(kind: IdentifierKind, raw: string, defaultCountry: CountryCode = 'IT'): NormalizedIdentifier {
  const input = raw.normalize('NFC').trim();
  switch (kind) {
    case 'email': {
      const value = input.toLowerCase();
      if (!EMAIL.test(value)) throw malformed(kind, 'expected name@domain.tld');
      return { kind, value };
    }
    case 'phone': {
      const parsed = parsePhoneNumberFromString(input, defaultCountry);
      if (!parsed || !parsed.isValid()) throw malformed(kind, 'expected a valid phone number, e.g. +39 347 123 4567');
      return { kind, value: parsed.number };
    }
    case 'customer_number': {
      const value = input.toUpperCase().replace(/\s+/g, '');
      if (!CUSTOMER_NUMBER.test(value)) throw malformed(kind, 'expected 3–32 letters, digits or dashes');
      return { kind, value };
    }
    case 'aad_object_id': {
      const value = input.toLowerCase();
      if (!UUID.test(value)) throw malformed(kind, 'expected a GUID');
      return { kind, value };
    }
    default:
      throw new LedgerError('PSB_LEDGER_INVALID_INPUT', `unknown identifier kind "${String(kind)}" (allowed: ${IDENTIFIER_KINDS.join(', ')})`, { field: 'kind' });
  }
}

export function isIdentifierKind(value: unknown): value is IdentifierKind {
  return typeof value === 'string' && (IDENTIFIER_KINDS as readonly string[]).includes(value);
}

/**
 * The lookup key of an identifier: HMAC-SHA256 under LEDGER_HASH_KEY. Indexes hold only this,
 * so a copy of the index alone does not reveal who is in the ledger.
 */
export class IdentifierHasher {
  constructor(private readonly key: string) {
    if (key.length < 16) throw new Error('the identifier hash key must be at least 16 characters');
  }

  hash(identifier: NormalizedIdentifier): string {
    return createHmac('sha256', this.key).update(`${identifier.kind}:${identifier.value}`).digest('hex');
  }
}

/** A view of an identifier for agents and exports to third parties: enough to recognise, not to reuse. */
export function maskIdentifier(identifier: NormalizedIdentifier): string {
  const { kind, value } = identifier;
  if (kind === 'email') {
    const [local, domain] = value.split('@');
    return `${local.slice(0, 1)}***@${domain}`;
  }
  if (kind === 'phone') return `${value.slice(0, 3)}******${value.slice(-2)}`;
  return `${value.slice(0, 2)}***${value.slice(-2)}`;
}
