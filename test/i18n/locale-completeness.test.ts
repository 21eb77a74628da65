import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { readConsoleCatalog } from '../../src/i18n/console-texts';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { MessageCatalog, readMessageCatalog } from '../../src/i18n/translator';
import { PROJECT_ROOT } from '../../src/paths';

/** i18next plural suffixes: `items_one` and `items_other` are forms of one key `items`. */
const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;
const PLACEHOLDER = /\{\{\s*([\w.]+)\s*(?:,[^}]*)?\}\}/g;

type Leaf = string | readonly string[];

/** Every leaf of a catalog by dotted path; values that are neither text nor a list of texts are reported. */
function leaves(catalog: MessageCatalog, problems: string[], where: string, prefix = ''): Map<string, Leaf> {
  const found = new Map<string, Leaf>();
  for (const [name, value] of Object.entries(catalog)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'))) {
      found.set(key, value);
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [inner, leaf] of leaves(value as MessageCatalog, problems, where, key)) found.set(inner, leaf);
    } else {
      problems.push(`${where}: "${key}" must be a text or a list of texts`);
    }
  }
  return found;
}

function placeholders(leaf: Leaf): string[] {
  const texts = typeof leaf === 'string' ? [leaf] : leaf;
  return [...new Set(texts.flatMap((text) => [...text.matchAll(PLACEHOLDER)].map((m) => m[1])))].sort();
}

/**
 * What keeps the shipped languages from being equivalent: a key missing in one, an empty text,
 * or placeholders that differ between languages. Plural forms count as one key (languages have
 * different forms) and must include `_other`; `{{count}}` may be left out of a singular form.
 */
function catalogProblems(catalogs: Readonly<Record<string, MessageCatalog>>): string[] {
  const problems: string[] = [];
  const grouped = new Map<string, Map<string, Leaf[]>>(); // locale → base key → forms
  for (const [locale, catalog] of Object.entries(catalogs)) {
    const byBase = new Map<string, Leaf[]>();
    const flat = leaves(catalog, problems, locale);
    for (const [key, leaf] of flat) {
      const empty = typeof leaf === 'string' ? leaf.trim() === '' : leaf.length === 0 || leaf.some((item) => item.trim() === '');
      if (empty) problems.push(`${locale}: "${key}" is empty`);
      const base = key.replace(PLURAL_SUFFIX, '');
      byBase.set(base, [...(byBase.get(base) ?? []), leaf]);
      if (base !== key && !flat.has(`${base}_other`)) problems.push(`${locale}: plural "${base}" has no "${base}_other" form`);
    }
    grouped.set(locale, byBase);
  }
  const allKeys = new Set([...grouped.values()].flatMap((byBase) => [...byBase.keys()]));
  for (const key of [...allKeys].sort()) {
    const signatures = new Map<string, string>();
    for (const [locale, byBase] of grouped) {
      const forms = byBase.get(key);
      if (!forms) {
        problems.push(`${locale}: "${key}" is missing`);
        continue;
      }
      const names = [...new Set(forms.flatMap(placeholders))].filter((name) => name !== 'count' || forms.length === 1).sort();
      signatures.set(locale, names.map((name) => `{{${name}}}`).join(' ') || '(none)');
    }
    if (new Set(signatures.values()).size > 1) {
      problems.push(`"${key}": placeholders differ: ${[...signatures].map(([locale, sig]) => `${locale} ${sig}`).join(' / ')}`);
    }
  }
  return problems;
}

/**
 * Keys in TypeScript source: literals passed to `t('…')` / `t("…")`, and any `'bot.…'` literal
 * (the bot's own messages are often picked from a table, e.g. by error code, before `t`).
 */
function translationKeysUsed(source: string): string[] {
  const called = [...source.matchAll(/\bt\(\s*(['"])([^'"\s]+)\1/g)].map((m) => m[2]);
  const botKeys = [...source.matchAll(/(['"])(bot\.[\w.]+)\1/g)].map((m) => m[2]);
  return [...new Set([...called, ...botKeys])];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** True when `key` names a node of the catalog, or a plural key whose `_other` form is there (`t('a.b', { count })` reads `a.b_other`…). */
function hasNode(catalog: MessageCatalog, key: string): boolean {
  let node: unknown = catalog;
  const parts = key.split('.');
  for (const [index, part] of parts.entries()) {
    const last = index === parts.length - 1;
    if (typeof node !== 'object' || node === null) return false;
    if (!(part in node)) return last && `${part}_other` in node;
    node = (node as Record<string, unknown>)[part];
  }
  return true;
}

describe('locale catalogs', () => {
  const catalogs: Record<string, MessageCatalog> = {};
  before(() => {
    for (const locale of SHIPPED_LOCALES) catalogs[locale] = readMessageCatalog(locale);
  });

  it('every shipped language has every key, no empty text, the same placeholders', () => {
    assert.deepEqual(catalogProblems(catalogs), []);
  });

  it('names every shipped language in every shipped language', () => {
    for (const locale of SHIPPED_LOCALES) {
      for (const named of SHIPPED_LOCALES) {
        assert.ok(hasNode(catalogs[locale], `languageName.${named}`), `${locale}: languageName.${named}`);
        assert.ok(hasNode(catalogs[locale], `language.words.${named}`), `${locale}: language.words.${named}`);
      }
    }
  });

  it('every t("…") key (and \'bot.…\' literal) used in dialogs/ and src/ exists in English', () => {
    const files = [...sourceFiles(path.join(PROJECT_ROOT, 'dialogs')), ...sourceFiles(path.join(PROJECT_ROOT, 'src'))];
    const missing: string[] = [];
    let used = 0;
    for (const file of files) {
      for (const key of translationKeysUsed(readFileSync(file, 'utf8'))) {
        used += 1;
        if (!hasNode(catalogs.en, key)) missing.push(`${path.relative(PROJECT_ROOT, file)}: ${key}`);
      }
    }
    assert.ok(used > 10, `found only ${used} t() calls: is the pattern still right?`);
    assert.deepEqual(missing, []);
  });
});

/**
 * The console keys the agent console's page and scripts name: `{{key}}` in `web/agent/index.html`
 * (`{{@…}}` are not texts), literals passed to `t('…')`, `kit.t('…')`, `kit.has('…')` and
 * `compose(node, '…')`; and the groups `word('group', code)` picks a code's words from, which must
 * be objects. Keys built at run time (`'errors.' + code`) are the groups' business.
 */
function consoleKeysUsed(html: string, scripts: readonly string[]): { keys: string[]; groups: string[] } {
  const keys = [...html.matchAll(/\{\{([\w.-]+)\}\}/g)].map((m) => m[1]);
  const groups: string[] = [];
  for (const source of scripts) {
    keys.push(...[...source.matchAll(/\b(?:t|kit\.t|kit\.has)\(\s*'([\w.-]+)'\s*[,)]/g)].map((m) => m[1]));
    keys.push(...[...source.matchAll(/\bcompose\([^\n]*?,\s*'([\w.-]+)'\s*,\s*\{/g)].map((m) => m[1]));
    groups.push(...[...source.matchAll(/\bword\(\s*'([\w.-]+)'/g)].map((m) => m[1]));
  }
  return { keys: [...new Set(keys)], groups: [...new Set(groups)] };
}

function nodeAt(catalog: MessageCatalog, key: string): unknown {
  let node: unknown = catalog;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null || !(part in node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

describe('agent console catalogs (console.json)', () => {
  const catalogs: Record<string, MessageCatalog> = {};
  before(() => {
    for (const locale of SHIPPED_LOCALES) catalogs[locale] = readConsoleCatalog(locale);
  });

  it('every shipped language has every key, no empty text, the same placeholders', () => {
    assert.deepEqual(catalogProblems(catalogs), []);
  });

  it('each catalog names its own language, as the switcher shows it', () => {
    for (const locale of SHIPPED_LOCALES) assert.equal(typeof catalogs[locale].languageName, 'string', locale);
    const names = SHIPPED_LOCALES.map((locale) => catalogs[locale].languageName);
    assert.equal(new Set(names).size, names.length, `two languages share a name: ${names.join(', ')}`);
  });

  it('every key the console page and its scripts name exists in English', () => {
    const dir = path.join(PROJECT_ROOT, 'web', 'agent');
    const scripts = readdirSync(dir)
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(path.join(dir, file), 'utf8'));
    const { keys, groups } = consoleKeysUsed(readFileSync(path.join(dir, 'index.html'), 'utf8'), scripts);
    assert.ok(keys.length > 100, `found only ${keys.length} console keys: is the pattern still right?`);
    assert.deepEqual(
      keys.filter((key) => !hasNode(catalogs.en, key)),
      [],
    );
    assert.deepEqual(
      groups.filter((group) => {
        const node = nodeAt(catalogs.en, group);
        return typeof node !== 'object' || node === null;
      }),
      [],
    );
  });
});

describe('the catalog checker itself', () => {
  it('passes equivalent catalogs, with plural forms differing by language', () => {
    const en = { a: 'Hi {{name}}', files: { n_one: 'one file', n_other: '{{count}} files' }, l: ['x'] };
    const pl = { a: 'Cześć {{name}}', files: { n_one: 'jeden plik', n_few: '{{count}} pliki', n_many: '{{count}} plików', n_other: '{{count}} pliku' }, l: ['y', 'z'] };
    assert.deepEqual(catalogProblems({ en, pl }), []);
  });

  it('reports a missing key, an empty text, differing placeholders, a bad value and a plural without _other', () => {
    const en = { a: 'Hi {{name}}', b: { c: 'x' }, d: '', e: ['ok'], f_one: 'one' };
    const it = { a: 'Ciao {{nome}}', d: 'pieno', e: [''], g: 3, f_one: 'uno', f_other: 'tanti' };
    const problems = catalogProblems({ en, it });
    const expected = [
      'it: "b.c" is missing',
      'en: "d" is empty',
      'it: "e" is empty',
      '"a": placeholders differ: en {{name}} / it {{nome}}',
      'it: "g" must be a text or a list of texts',
      'en: plural "f" has no "f_other" form',
    ];
    for (const problem of expected) assert.ok(problems.includes(problem), `expected "${problem}" in ${JSON.stringify(problems)}`);
  });

  it('finds the console keys of the page and its scripts, not dynamic ones', () => {
    const html = '<html lang="{{@lang}}"><h1>{{page.heading}}</h1></html>';
    const script = `t('a.b'); kit.t("no"); kit.has('c', x); kit.compose(el('span', 'muted'), 'd.e', {}); t('x.' + y); word('roles', role)`;
    assert.deepEqual(consoleKeysUsed(html, [script]), { keys: ['page.heading', 'a.b', 'c', 'd.e'], groups: ['roles'] });
  });

  it('finds t() key literals and bot.… literals, not dynamic keys', () => {
    const source = `x.t('menu.prompt'); t("menu.help", { a }); t(\`languageName.\${l}\`); format('help.no'); list('a.b'); { X: 'bot.busy' }`;
    assert.deepEqual(translationKeysUsed(source), ['menu.prompt', 'menu.help', 'bot.busy']);
  });
});
