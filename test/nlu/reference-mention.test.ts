import assert from 'node:assert/strict';
import { newReference } from '../../src/ledger/references/reference';
import { REQUEST_REFERENCE_PREFIX } from '../../src/ledger/requests/request-service';
import { findReference } from '../../src/nlu/reference-mention';

describe('a request reference in a customer’s message', () => {
  const reference = newReference(REQUEST_REFERENCE_PREFIX, new Date('2026-02-01T00:00:00Z'));
  const [, year, random, check] = reference.split('-');

  it('is found alone, inside a sentence, in lower case, with spaces or dots, or with no separator at all', () => {
    for (const typed of [reference, `where is ${reference}?`, `any news on ${reference.toLowerCase()} please`, `PRV ${year} ${random} ${check}`, `ref: prv.${year}.${random}.${check}.`, `PRV${year}${random}${check}`]) {
      assert.deepEqual(findReference(typed, REQUEST_REFERENCE_PREFIX), { reference, unreadable: false }, typed);
    }
  });

  it('reads O as 0 and I or L as 1, as customers type them', () => {
    let withZeroOrOne = reference;
    while (!/[01]/.test(withZeroOrOne.split('-')[2])) withZeroOrOne = newReference(REQUEST_REFERENCE_PREFIX, new Date('2026-02-01T00:00:00Z'));
    const [prefix, y, r, c] = withZeroOrOne.split('-');
    const typed = `${prefix}-${y}-${r.replace(/0/g, 'o').replace(/1/g, 'l')}-${c}`;
    assert.notEqual(typed, withZeroOrOne);
    assert.deepEqual(findReference(`status of ${typed}`, REQUEST_REFERENCE_PREFIX), { reference: withZeroOrOne, unreadable: false });
  });

  it('a mistyped symbol (the check symbol catches it) or an old-style number is unreadable, not a reference', () => {
    // Another check symbol: never right, since the check symbol of a payload is one.
    const swapped = `${REQUEST_REFERENCE_PREFIX}-${year}-${random}-${check === '2' ? '3' : '2'}`;
    assert.deepEqual(findReference(`where is ${swapped}`, REQUEST_REFERENCE_PREFIX), { unreadable: true });
    assert.deepEqual(findReference('status of PRV-2026-000123', REQUEST_REFERENCE_PREFIX), { unreadable: true });
  });

  it('text without one is neither', () => {
    for (const typed of ['where is my request?', 'I approve', 'previous order 2026', 'SPRV-2026-ABCDEF-G']) {
      assert.deepEqual(findReference(typed, REQUEST_REFERENCE_PREFIX), { unreadable: false }, typed);
    }
  });
});
