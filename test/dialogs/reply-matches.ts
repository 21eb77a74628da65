import assert from 'node:assert/strict';

/** The replies are exactly the expected ones, in order: a string to the letter, a pattern by match. */
export function matches(actual: readonly string[], expected: readonly (string | RegExp)[], where: string): void {
  assert.equal(actual.length, expected.length, `${where}: ${JSON.stringify(actual)}`);
  expected.forEach((want, i) => {
    if (typeof want === 'string') assert.equal(actual[i], want, where);
    else assert.match(actual[i], want, where);
  });
}
