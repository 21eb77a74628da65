import assert from 'node:assert/strict';
import { newReference, parseReference } from '../../src/ledger/references/reference';

/** Crockford base32, as references use it: no I, L, O, U. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const FORMAT = /^PRV-(\d{4})-([0-9A-HJKMNP-TV-Z]{6})-([0-9A-HJKMNP-TV-Z])$/;
const AT = new Date('2026-11-29T10:00:00Z');

/** Fresh random references. */
function sample(count: number): string[] {
  return Array.from({ length: count }, () => newReference('PRV', AT));
}

/** The reference with the character at `index` of its compact form (year, random part, check) replaced. */
function substitute(reference: string, index: number, symbol: string): string {
  const [prefix, year, random, check] = reference.split('-');
  const compact = `${year}${random}${check}`;
  const changed = `${compact.slice(0, index)}${symbol}${compact.slice(index + 1)}`;
  return `${prefix}-${changed.slice(0, 4)}-${changed.slice(4, 10)}-${changed.slice(10)}`;
}

describe('references', () => {
  it('look like PRV-2026-7KQ4ZD-Q: prefix, year of the instant in UTC, six random symbols, a check symbol', () => {
    for (const reference of sample(100)) {
      assert.match(reference, FORMAT);
      assert.equal(parseReference(reference, 'PRV'), reference, 'a fresh reference parses as itself');
    }
    assert.match(newReference('PRV', new Date('2026-12-31T23:30:00Z')), /^PRV-2026-/, 'already 2027 in Rome, still 2026 in UTC');
    assert.match(newReference('CNC', new Date('2027-01-01T00:00:00Z')), /^CNC-2027-/);
  });

  it('are not guessable in sequence: 200 references, 200 different random parts', () => {
    const randoms = sample(200).map((r) => r.split('-')[2]);
    assert.equal(new Set(randoms).size, 200);
  });

  it('catch every single-character substitution with the check symbol', () => {
    let tried = 0;
    for (const reference of sample(60)) {
      for (let index = 0; index < 11; index++) {
        const original = reference.split('-').slice(1).join('')[index];
        for (const symbol of ALPHABET) {
          if (symbol === original) continue;
          const typo = substitute(reference, index, symbol);
          assert.equal(parseReference(typo, 'PRV'), undefined, `${typo} (from ${reference}) must not parse`);
          tried += 1;
        }
      }
    }
    assert.equal(tried, 60 * 11 * 31);
  });

  it('catch every swap of two adjacent different symbols, except 0 with Z (a known blind spot of Luhn mod 32)', () => {
    const blindSpot = (a: string, b: string): boolean => (a === '0' && b === 'Z') || (a === 'Z' && b === '0');
    // Every pair of symbols, at every adjacent pair of positions of the random part.
    for (let index = 4; index < 9; index++) {
      for (const a of ALPHABET) {
        for (const b of ALPHABET) {
          if (a === b || blindSpot(a, b)) continue;
          const original = findValid(substitute(substitute('PRV-2026-ABCDEF-0', index, a), index + 1, b).slice(0, -2));
          const swapped = substitute(substitute(original, index, b), index + 1, a);
          assert.equal(parseReference(swapped, 'PRV'), undefined, `${swapped} (from ${original})`);
        }
      }
    }
  });

  it('parse what a customer types: any case, spaces or no separators, O for 0, I and L for 1', () => {
    const valid = findValid('PRV-2026-7KQ4ZD');
    const [prefix, year, random, check] = valid.split('-');
    const typed = [
      valid,
      valid.toLowerCase(),
      `${prefix} ${year} ${random} ${check}`,
      `  ${prefix.toLowerCase()} ${year}  ${random.toLowerCase()} ${check.toLowerCase()} `,
      `${prefix}${year}${random}${check}`,
      `${prefix}_${year}.${random}-${check}`,
      valid.replace(/0/g, 'O'),
      valid.replace(/0/g, 'o'),
    ];
    for (const text of typed) assert.equal(parseReference(text, 'PRV'), valid, text);
    const withOne = findValid('PRV-2026-1A1B1C');
    assert.equal(parseReference(withOne.replace('-1A1B1C-', '-IAlB1C-'), 'PRV'), withOne, 'I and l read as 1');
  });

  it('refuse another prefix, a wrong length, letters in the year, symbols outside the alphabet', () => {
    const valid = findValid('PRV-2026-ABCDEF');
    const [, year, random, check] = valid.split('-');
    const refused = [`CNC-${year}-${random}-${check}`, `PRV-${year}-${random.slice(1)}-${check}`, `PRV-${year}-${random}A-${check}`, `PRV-2O2X-${random}-${check}`, `PRV-${year}-${random.slice(0, 5)}U-${check}`, `PRV-${year}-${random}`, '', 'PRV'];
    for (const text of refused) assert.equal(parseReference(text, 'PRV'), undefined, text);
  });
});

describe('references with a prefix holding I, L or O', () => {
  it('parse back an incident reference (INC-…) as made, and as a customer types it', () => {
    for (let i = 0; i < 50; i += 1) {
      const reference = newReference('INC', new Date('2026-12-07T10:00:00Z'));
      assert.equal(parseReference(reference, 'INC'), reference);
      assert.equal(parseReference(reference.toLowerCase().replace(/-/g, ' '), 'INC'), reference);
    }
    assert.equal(parseReference(newReference('PRV', new Date('2026-12-07T10:00:00Z')), 'INC'), undefined, 'another prefix');
  });
});

/** The valid reference for a payload: tries each check symbol (parseReference accepts exactly one). */
function findValid(payload: string): string {
  const found = [...ALPHABET].map((c) => `${payload}-${c}`).filter((r) => parseReference(r, 'PRV') !== undefined);
  assert.equal(found.length, 1, `exactly one check symbol fits ${payload}`);
  return found[0];
}
