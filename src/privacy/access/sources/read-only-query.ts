/**
 * The start-up check of a `postgres` source's query: one SELECT (or WITH … SELECT) statement that
 * takes the subject's identifiers as `$1` and nothing else. It is a guard against mistakes, not the
 * security boundary: the run itself is a READ ONLY transaction with a statement timeout, and the
 * identifiers only ever travel as a bind parameter.
 */

/** What is wrong with `sql` as a source query, or undefined when it is acceptable. */
export function readOnlyQueryProblem(sql: string): string | undefined {
  const code = withoutLiterals(sql);
  if (typeof code !== 'string') return code.problem;
  const body = code.trim().replace(/;\s*$/, '');
  if (body.includes(';')) return 'must be a single statement (no ";" between statements)';
  if (!/^\(*\s*(select|with)\b/i.test(body)) return 'must be a SELECT or WITH … SELECT statement';
  const parameters = new Set([...body.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  if (!parameters.has(1)) return 'must use $1 (the subject\'s identifiers as JSON, e.g. $1::jsonb->>\'email\'): a query without it would read every customer';
  const others = [...parameters].filter((n) => n !== 1).sort((a, b) => a - b);
  if (others.length > 0) return `may use only $1 (the subject's identifiers); it uses ${others.map((n) => `$${n}`).join(', ')}`;
  return undefined;
}

const IDENT = /[A-Za-z0-9_$]/;

/**
 * The query with comments removed and string literals, quoted identifiers and dollar-quoted bodies
 * emptied, so that what is left is statement structure: `;`, keywords and `$n` parameters.
 */
function withoutLiterals(sql: string): string | { problem: string } {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      out += ' ';
    } else if (c === '/' && next === '*') {
      // PostgreSQL's block comments nest.
      let depth = 1;
      i += 2;
      while (i < sql.length && depth > 0) {
        const pair = sql.slice(i, i + 2);
        if (pair === '/*' || pair === '*/') {
          depth += pair === '/*' ? 1 : -1;
          i += 2;
        } else i += 1;
      }
      if (depth > 0) return { problem: 'has an unterminated /* comment' };
      out += ' ';
    } else if (c === "'") {
      const escapes = /[eE]/.test(sql[i - 1] ?? '') && !IDENT.test(sql[i - 2] ?? '');
      i += 1;
      let closed = false;
      while (i < sql.length) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") {
          closed = true;
          i += 1;
          break;
        } else i += 1;
      }
      if (!closed) return { problem: 'has an unterminated string literal' };
      out += "''";
    } else if (c === '"') {
      const end = closingQuote(sql, i + 1);
      if (end === -1) return { problem: 'has an unterminated quoted identifier' };
      i = end + 1;
      out += '""';
    } else if (c === '$' && !IDENT.test(sql[i - 1] ?? '') && /[A-Za-z_$]/.test(next ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (!tag) {
        out += c;
        i += 1;
        continue;
      }
      const end = sql.indexOf(tag[0], i + tag[0].length);
      if (end === -1) return { problem: `has an unterminated ${tag[0]} quoted string` };
      i = end + tag[0].length;
      out += "''";
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/** Index of the `"` closing a quoted identifier that starts at `from` (`""` is an escaped quote), or -1. */
function closingQuote(sql: string, from: number): number {
  let i = from;
  while (i < sql.length) {
    if (sql[i] === '"' && sql[i + 1] === '"') i += 2;
    else if (sql[i] === '"') return i;
    else i += 1;
  }
  return -1;
}
