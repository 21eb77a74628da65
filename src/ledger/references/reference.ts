import { randomInt } from 'node:crypto';

/** Crockford base32: no I, L, O, U — nothing to misread on the phone. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const N = ALPHABET.length;

/** Luhn mod N check symbol: catches every single-symbol error and most adjacent swaps. */
function checkSymbol(payload: string): string {
  let factor = 2;
  let sum = 0;
  for (let i = payload.length - 1; i >= 0; i--) {
    let addend = factor * ALPHABET.indexOf(payload[i]);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / N) + (addend % N);
    sum += addend;
  }
  return ALPHABET[(N - (sum % N)) % N];
}

/**
 * A reference a customer can read out: `PRV-2026-7KQ4ZD-Q`. Six random symbols (about 10⁹
 * values per prefix and year, so not guessable in sequence) and a check symbol that catches a
 * mistyped or swapped character.
 */
export function newReference(prefix: string, at: Date): string {
  let random = '';
  for (let i = 0; i < 6; i++) random += ALPHABET[randomInt(ALPHABET.length)];
  const payload = `${at.getUTCFullYear()}${random}`;
  return `${prefix}-${at.getUTCFullYear()}-${random}-${checkSymbol(payload)}`;
}

/** Normalises what a customer typed ("prv 2026 7kq4zd q", O for 0…) and checks the check symbol. */
export function parseReference(typed: string, prefix: string): string | undefined {
  const compact = typed.toUpperCase().replace(/[\s_.-]+/g, '');
  if (!compact.startsWith(prefix)) return undefined;
  // Only what follows the prefix is read as Crockford symbols: a prefix may hold I, L or O ("INC").
  const symbols = compact.slice(prefix.length).replace(/O/g, '0').replace(/[IL]/g, '1');
  const match = new RegExp(`^(\\d{4})([${ALPHABET}]{6})([${ALPHABET}])$`).exec(symbols);
  if (!match) return undefined;
  const [, year, random, check] = match;
  if (checkSymbol(`${year}${random}`) !== check) return undefined;
  return `${prefix}-${year}-${random}-${check}`;
}
