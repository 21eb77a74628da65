import assert from 'node:assert/strict';

/** A policy as the browser reads it: directive name (lower case) → its sources, in order. */
export type PolicyDirectives = ReadonlyMap<string, readonly string[]>;

/**
 * What a page's policy must be, whole: every directive and every source. A RegExp stands for a
 * source that changes per response (a nonce) and must match that one source entirely.
 */
export type ExpectedPolicy = Readonly<Record<string, readonly (string | RegExp)[]>>;

/** A style or script nonce as our pages mint them: 16 random bytes in base64. */
export const NONCE_SOURCE = /^'nonce-[A-Za-z0-9+/]{22}=='$/;

/**
 * Parses a Content-Security-Policy header into its directives. A repeated directive fails the
 * test: browsers ignore every copy after the first, so a second one is a policy bug, not a
 * stricter rule.
 */
export function parseContentSecurityPolicy(header: string | null): PolicyDirectives {
  assert.ok(header, 'the response has a Content-Security-Policy header');
  const directives = new Map<string, readonly string[]>();
  for (const part of header.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/).filter(Boolean);
    if (name === undefined) continue;
    const key = name.toLowerCase();
    assert.ok(!directives.has(key), `the directive ${key} appears twice in: ${header}`);
    directives.set(key, sources);
  }
  return directives;
}

/**
 * Asserts the header is exactly the expected policy: no directive missing, none added, and each
 * directive's sources the expected ones in the expected order (a RegExp matching its one source).
 * Returns the parsed policy, so a caller can read a nonce from it.
 */
export function assertContentSecurityPolicy(header: string | null, expected: ExpectedPolicy): PolicyDirectives {
  const actual = parseContentSecurityPolicy(header);
  assert.deepEqual([...actual.keys()].sort(), Object.keys(expected).sort(), `the policy has exactly the expected directives: ${header}`);
  for (const [name, sources] of Object.entries(expected)) {
    const got = actual.get(name) ?? [];
    const shown = `${name}: got ${got.join(' ') || '(nothing)'}, expected ${sources.map(String).join(' ')}`;
    assert.equal(got.length, sources.length, shown);
    sources.forEach((source, i) => {
      if (typeof source === 'string') assert.equal(got[i], source, shown);
      else assert.match(got[i], source, shown);
    });
  }
  return actual;
}
