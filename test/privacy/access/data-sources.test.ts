import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError, isAppError } from '../../../src/errors/app-error';
import { ErrorCode } from '../../../src/errors/codes';
import { SHIPPED_LOCALES, ShippedLocale } from '../../../src/i18n/shipped-locales';
import { PROJECT_ROOT } from '../../../src/paths';
import { DataSourceCatalog, DEFAULT_SOURCE_LIMITS, DEVELOPMENT_SOURCE_SECRET, LEDGER_CATEGORIES, loadDataSources, parseDataSources } from '../../../src/privacy/access/data-sources';
import { DEFAULT_SOURCE_JOB_CONFIG, loadSourceJobConfig } from '../../../src/privacy/access/source-job-config';
import { readOnlyQueryProblem } from '../../../src/privacy/access/sources/read-only-query';
import { ShippedText, TEST_CATEGORY_LABELS, TEST_SOURCE_LABELS } from './support/test-labels';

/** `label` without its text in `locale`. */
const without = (label: ShippedText, locale: ShippedLocale): Record<string, string> => Object.fromEntries(Object.entries(label).filter(([language]) => language !== locale));
const SECRET = 'crm-webhook-secret-0123456789abcdef012345';
const CRM_URL = 'postgres://reader@crm-db.internal:5432/crm';
const QUERY = "SELECT name, email FROM crm.customer WHERE email = $1::jsonb->>'email'";

const CATEGORIES = [
  // Synonyms may cover only some languages (a label may not).
  { id: 'contact', label: TEST_CATEGORY_LABELS.contact, synonyms: { en: ['address'], it: ['indirizzo'] } },
  { id: 'orders', label: TEST_CATEGORY_LABELS.orders },
];
const CRM = { id: 'crm', label: TEST_SOURCE_LABELS.crm, kind: 'postgres', categories: ['contact'], connectionEnv: 'CRM_DATABASE_URL', query: QUERY };
const SHOP = { id: 'shop', label: TEST_SOURCE_LABELS.shop, kind: 'http', categories: ['orders'], url: 'https://shop.internal/privacy/export', secretEnv: 'SHOP_SECRET' };
const LOYALTY: ShippedText = { en: 'Loyalty programme', it: 'Programma fedeltà', de: 'Treueprogramm', fr: 'Programme de fidélité', es: 'Programa de fidelización', pt: 'Programa de fidelidade', nl: 'Loyaliteitsprogramma' };
const ENV = { CRM_DATABASE_URL: CRM_URL, SHOP_SECRET: SECRET };

function parse(raw: unknown, env: Record<string, string> = ENV): DataSourceCatalog {
  return parseDataSources(raw, { file: 'sources.json', env });
}

/** Asserts the parse is refused with `code`, and that the message names each pattern. */
function assertRefused(raw: unknown, code: ErrorCode, patterns: readonly RegExp[], env: Record<string, string> = ENV): void {
  assert.throws(
    () => parse(raw, env),
    (err: unknown) => {
      assert.ok(isAppError(err, code), `expected ${code}, got ${String(err)}`);
      for (const pattern of patterns) assert.match((err as AppError).message, pattern);
      return true;
    },
  );
}

describe('data sources file', () => {
  it('ships the ledger and the demo CRM, with every category held by a source and labelled in every language', () => {
    const catalog = loadDataSources(undefined, {});
    assert.deepEqual(catalog.sources.map((s) => [s.id, s.kind, s.url ?? null]), [
      ['ledger', 'ledger', null],
      ['demo-crm', 'http', '/dev/demo-crm'],
      ['demo-crm-support', 'http', '/dev/demo-crm/support'],
    ]);
    assert.deepEqual(catalog.categories.map((c) => c.id), [...LEDGER_CATEGORIES, 'contact', 'orders', 'support']);
    for (const category of catalog.categories) {
      for (const locale of SHIPPED_LOCALES) {
        assert.ok(category.label[locale], `${category.id} has a ${locale} label`);
        assert.ok((category.synonyms?.[locale] ?? []).length > 0, `${category.id} has ${locale} synonyms`);
      }
    }
    const ledgerLabels = Object.fromEntries(SHIPPED_LOCALES.map((locale) => [locale, (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'locales', locale, 'messages.json'), 'utf8')) as { dataSources: { ledger: string } }).dataSources.ledger]));
    assert.equal(ledgerLabels.en, 'Privacy records');
    assert.deepEqual(catalog.byId('ledger')?.label, ledgerLabels, 'the ledger label comes from the locales, in every shipped language');
    assert.equal(catalog.credentialsOf('demo-crm').secret, DEVELOPMENT_SOURCE_SECRET, 'outside production the demo signs with the development secret');
    assert.deepEqual(catalog.sourcesFor(['orders', 'consents']).map((s) => s.id), ['ledger', 'demo-crm']);
    assert.deepEqual(catalog.sourcesFor(null).map((s) => s.id), ['ledger', 'demo-crm', 'demo-crm-support']);
  });

  it('fills in the limits a source leaves out, and adds the ledger when the file omits it', () => {
    const catalog = parse({ categories: CATEGORIES, sources: [CRM, { ...SHOP, timeoutMs: 2000, maxAttempts: 2 }] });
    assert.deepEqual(catalog.sources.map((s) => s.id), ['ledger', 'crm', 'shop']);
    assert.deepEqual(catalog.byId('ledger')?.categories, [...LEDGER_CATEGORIES]);
    const crm = catalog.byId('crm')!;
    assert.deepEqual([crm.timeoutMs, crm.maxBytes, crm.maxAttempts, crm.resultsWithinMs], [10_000, 50 * 1024 * 1024, 5, undefined]);
    const shop = catalog.byId('shop')!;
    assert.deepEqual([shop.timeoutMs, shop.maxBytes, shop.maxAttempts, shop.resultsWithinMs], [2000, DEFAULT_SOURCE_LIMITS.maxBytes, 2, 24 * 3600 * 1000]);
    assert.deepEqual(catalog.credentialsOf('crm'), { connectionString: CRM_URL });
    assert.deepEqual(catalog.credentialsOf('shop'), { secret: SECRET });
    assert.ok(!JSON.stringify(catalog.sources).includes(SECRET) && !JSON.stringify(catalog.sources).includes('crm-db.internal'), 'no secret in the configs (they are shown and logged)');
    assert.ok(Object.isFrozen(catalog.sources) && Object.isFrozen(crm));
  });

  it('lets the file relabel a ledger category and hold only some of them', () => {
    const catalog = parse({
      categories: [
        ...CATEGORIES,
        {
          id: 'consents',
          label: {
            en: 'Marketing permissions',
            it: 'Consensi al marketing',
            de: 'Marketing-Einwilligungen',
            fr: 'Consentements marketing',
            es: 'Consentimientos de marketing',
            pt: 'Autorizações de marketing',
            nl: 'Marketingtoestemmingen',
          },
        },
      ],
      sources: [{ id: 'ledger', kind: 'ledger', categories: ['identity', 'consents'] }, CRM, SHOP],
    });
    assert.deepEqual(catalog.categories.map((c) => c.id), ['identity', 'contact', 'orders', 'consents']);
    assert.equal(catalog.category('consents')?.label.en, 'Marketing permissions');
  });

  const refusals: readonly { name: string; raw: unknown; patterns: RegExp[] }[] = [
    { name: 'not an object of lists', raw: { sources: {} }, patterns: [/expected \{"categories": \[\.\.\.\], "sources": \[\.\.\.\]\}/] },
    { name: 'an unknown kind', raw: { categories: CATEGORIES, sources: [{ ...CRM, kind: 'mysql' }, SHOP] }, patterns: [/sources\[0\] \("crm"\): kind must be one of ledger, postgres, http/] },
    { name: 'a typo in a field', raw: { categories: CATEGORIES, sources: [{ ...CRM, timeout: 5 }, SHOP] }, patterns: [/sources\[0\] \("crm"\): unknown field "timeout"/] },
    // A label needs every shipped language, each missing one named.
    ...SHIPPED_LOCALES.map((locale) => ({
      name: `a source label without its "${locale}" text`,
      raw: { categories: CATEGORIES, sources: [{ ...CRM, label: without(CRM.label, locale) }, SHOP] },
      patterns: [new RegExp(`sources\\[0\\] \\("crm"\\): label\\.${locale} is required`)],
    })),
    ...SHIPPED_LOCALES.map((locale) => ({
      name: `a category label without its "${locale}" text`,
      raw: { categories: [CATEGORIES[0], { ...CATEGORIES[1], label: without(TEST_CATEGORY_LABELS.orders, locale) }], sources: [CRM, SHOP] },
      patterns: [new RegExp(`categories\\[1\\] \\("orders"\\): label\\.${locale} is required`)],
    })),
    { name: 'a label with only English and Italian', raw: { categories: CATEGORIES, sources: [{ ...CRM, label: { en: 'CRM', it: 'CRM' } }, SHOP] }, patterns: SHIPPED_LOCALES.filter((l) => l !== 'en' && l !== 'it').map((l) => new RegExp(`"crm"\\): label\\.${l} is required`)) },
    { name: 'a category nobody defines', raw: { categories: CATEGORIES, sources: [{ ...CRM, categories: ['contact', 'invoices'] }, SHOP] }, patterns: [/"crm" holds category "invoices", which categories does not define/] },
    { name: 'a category no source holds', raw: { categories: [...CATEGORIES, { id: 'loyalty', label: LOYALTY }], sources: [CRM, SHOP] }, patterns: [/categories: "loyalty" is held by no source/] },
    { name: 'a duplicate id', raw: { categories: CATEGORIES, sources: [CRM, SHOP, { ...SHOP }] }, patterns: [/sources: id "shop" appears more than once/] },
    { name: 'a second ledger', raw: { categories: CATEGORIES, sources: [{ id: 'archive', kind: 'ledger' }, CRM, SHOP] }, patterns: [/sources\[0\] \("archive"\): a ledger source must have the id "ledger"/] },
    { name: 'a ledger holding what it cannot', raw: { categories: CATEGORIES, sources: [{ id: 'ledger', kind: 'ledger', categories: ['orders'] }, CRM, SHOP] }, patterns: [/the ledger holds only identity, consents, requests, concerns, verifications \(not orders\)/] },
    { name: 'a limit out of range', raw: { categories: CATEGORIES, sources: [{ ...CRM, maxBytes: 10 }, { ...SHOP, timeoutMs: 1.5 }] }, patterns: [/"crm"\): maxBytes must be a whole number from 1024/, /"shop"\): timeoutMs must be a whole number from 100/] },
    { name: 'a connection string written in the file', raw: { categories: CATEGORIES, sources: [{ ...CRM, connectionEnv: CRM_URL }, SHOP] }, patterns: [/connectionEnv must name the environment variable/] },
    { name: 'a query that writes', raw: { categories: CATEGORIES, sources: [{ ...CRM, query: "DELETE FROM crm.customer WHERE email = $1::jsonb->>'email'" }, SHOP] }, patterns: [/"crm"\): query must be a SELECT or WITH … SELECT statement/] },
    { name: 'two statements', raw: { categories: CATEGORIES, sources: [{ ...CRM, query: `${QUERY}; DROP TABLE crm.customer` }, SHOP] }, patterns: [/query must be a single statement/] },
    { name: 'a query without the identifiers', raw: { categories: CATEGORIES, sources: [{ ...CRM, query: 'SELECT * FROM crm.customer' }, SHOP] }, patterns: [/query must use \$1 .*would read every customer/] },
    { name: 'a URL with credentials', raw: { categories: CATEGORIES, sources: [CRM, { ...SHOP, url: 'https://user:pw@shop.internal/x' }] }, patterns: [/"shop"\): url must not carry user:password@/] },
    { name: 'a path that is not the demo', raw: { categories: CATEGORIES, sources: [CRM, { ...SHOP, url: '/api/messages' }] }, patterns: [/url "\/api\/messages": a path may only name the development demo/] },
  ];
  for (const { name, raw, patterns } of refusals) {
    it(`refuses ${name}, naming the entry and the field`, () => assertRefused(raw, 'PSB_DATA_SOURCES_INVALID', [/^sources\.json is invalid:/, ...patterns]));
  }

  it('lists every problem of a file at once', () => {
    assertRefused({ categories: [{ id: 'Bad Id', label: {} }], sources: [{ ...CRM, query: 'SELECT 1' }, { ...SHOP, secretEnv: 'lower-case' }] }, 'PSB_DATA_SOURCES_INVALID', [
      /categories\[0\] \("Bad Id"\): id must be a lower-case slug/,
      /label\.en is required/,
      /"crm"\): query must use \$1/,
      /"shop"\): secretEnv must name the environment variable/,
    ]);
  });

  it('refuses a source whose variable is unset, too short or not a postgres URL, naming the variable', () => {
    const raw = { categories: CATEGORIES, sources: [CRM, SHOP] };
    assertRefused(raw, 'PSB_CONFIG_INVALID', [/^CRM_DATABASE_URL must be set: data source "crm" reads its connection string from it/], { SHOP_SECRET: SECRET });
    assertRefused(raw, 'PSB_CONFIG_INVALID', [/^CRM_DATABASE_URL must be a postgres:\/\/ URL.*got "mysql:"/], { ...ENV, CRM_DATABASE_URL: 'mysql://crm' });
    assertRefused(raw, 'PSB_CONFIG_INVALID', [/^SHOP_SECRET must be set: at least 32 characters shared with data source "shop"/], { CRM_DATABASE_URL: CRM_URL });
    assertRefused(raw, 'PSB_CONFIG_INVALID', [/^SHOP_SECRET must be at least 32 characters.*got "<5 characters>"/], { ...ENV, SHOP_SECRET: 'short' });
  });

  it('refuses the demo CRM in production with a message saying what to do, and warns of plain http', () => {
    assert.throws(
      () => loadDataSources(undefined, { NODE_ENV: 'production', DEMO_CRM_SECRET: SECRET }),
      (err: unknown) =>
        isAppError(err, 'PSB_DATA_SOURCES_INVALID') &&
        /sources\[1\] \("demo-crm"\): url "\/dev\/demo-crm" is the development demo, which the bot serves only outside production; with NODE_ENV=production point DATA_SOURCES_FILE at a file listing your own systems/.test(err.message),
    );
    assertRefused({ categories: CATEGORIES, sources: [CRM, { ...SHOP, url: 'https://bot.example.com/dev/demo-crm' }] }, 'PSB_DATA_SOURCES_INVALID', [/only outside production/], { ...ENV, NODE_ENV: 'production' });
    const catalog = parse({ categories: CATEGORIES, sources: [CRM, { ...SHOP, url: 'http://shop.internal/export' }] }, { ...ENV, NODE_ENV: 'production' });
    assert.match(catalog.warnings.join('\n'), /data source "shop" is called over plain http/);
    assert.throws(() => parse({ categories: CATEGORIES, sources: [CRM, { ...SHOP, url: '/dev/demo-crm' }] }, { CRM_DATABASE_URL: CRM_URL, NODE_ENV: 'production' }), (err: unknown) => isAppError(err, 'PSB_DATA_SOURCES_INVALID'));
  });

  it('reads DATA_SOURCES_FILE, and says which file cannot be read or parsed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'psb-sources-'));
    try {
      const file = path.join(dir, 'sources.json');
      writeFileSync(file, JSON.stringify({ categories: CATEGORIES, sources: [CRM, SHOP] }));
      assert.deepEqual(loadDataSources(undefined, { ...ENV, DATA_SOURCES_FILE: file }).sources.map((s) => s.id), ['ledger', 'crm', 'shop']);
      writeFileSync(file, '{ "sources": [ }');
      assert.throws(() => loadDataSources(undefined, { DATA_SOURCES_FILE: file }), (err: unknown) => isAppError(err, 'PSB_DATA_SOURCES_INVALID') && err.message.startsWith(`${file}: cannot read the data sources file`));
      assert.throws(() => loadDataSources(path.join(dir, 'missing.json')), (err: unknown) => isAppError(err, 'PSB_DATA_SOURCES_INVALID') && /missing\.json: cannot read/.test(err.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('.env.example documents the variables, and as shipped they load', () => {
    const documented = Object.fromEntries(
      readFileSync(path.join(PROJECT_ROOT, '.env.example'), 'utf8')
        .split('\n')
        .filter((line) => /^(DATA_SOURCES_FILE|DEMO_CRM_SECRET|SOURCE_JOBS_\w+)=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    assert.deepEqual(Object.keys(documented).sort(), ['DATA_SOURCES_FILE', 'DEMO_CRM_SECRET', 'SOURCE_JOBS_CONCURRENCY', 'SOURCE_JOBS_FIRST_RETRY_SECONDS', 'SOURCE_JOBS_MAX_BACKOFF_SECONDS', 'SOURCE_JOBS_POLL_MS']);
    assert.deepEqual(loadSourceJobConfig(documented), DEFAULT_SOURCE_JOB_CONFIG);
    assert.equal(loadDataSources(undefined, documented).sources.length, 3);
    assert.throws(() => loadSourceJobConfig({ SOURCE_JOBS_POLL_MS: 'soon' }), (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && /^SOURCE_JOBS_POLL_MS must be an integer from 50 to 60000/.test(err.message));
  });
});

describe('source query check', () => {
  const accepted = [
    QUERY,
    `${QUERY};`,
    "WITH c AS (SELECT * FROM crm.customer WHERE email = $1::jsonb->>'email') SELECT * FROM c",
    "(SELECT id FROM a WHERE x = $1::jsonb->>'phone') UNION ALL (SELECT id FROM b WHERE y = $1::jsonb->>'email')",
    "SELECT 'a;b' AS s, \"odd;name\", $$x;y$$ AS d, $tag$ $2 ; $tag$ FROM t WHERE e = $1::jsonb->>'email' -- ; trailing\n",
    "/* leading; /* nested */ comment */ select e'it\\'s;' from t where e = $1::jsonb->>'email'",
  ];
  for (const sql of accepted) it(`accepts ${JSON.stringify(sql)}`, () => assert.equal(readOnlyQueryProblem(sql), undefined));

  const refused: readonly [string, RegExp][] = [
    ["UPDATE t SET x = 1 WHERE e = $1::jsonb->>'email'", /must be a SELECT or WITH/],
    ["SELECT 1 WHERE $1::text <> ''; SELECT 2", /single statement/],
    ["SELECT 1 FROM t WHERE a = $1::jsonb->>'email' AND b = $2", /may use only \$1.*uses \$2/],
    ["SELECT '$1' FROM t", /must use \$1/],
    ["SELECT 1 FROM t WHERE e = $1::jsonb->>'email' AND s = 'unterminated", /unterminated string literal/],
    ["SELECT 1 FROM t WHERE e = $1::jsonb->>'email' /* open", /unterminated \/\* comment/],
  ];
  for (const [sql, problem] of refused) it(`refuses ${JSON.stringify(sql).slice(0, 70)}`, () => assert.match(readOnlyQueryProblem(sql) ?? '', problem));
});
