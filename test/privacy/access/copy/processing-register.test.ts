import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isAppError } from '../../../../src/errors/app-error';
import { SHIPPED_LOCALES } from '../../../../src/i18n/shipped-locales';
import { DEFAULT_PROCESSING_REGISTER_FILE, loadProcessingRegister, parseProcessingRegister, REGISTER_LISTS, REQUIRED_RIGHTS } from '../../../../src/privacy/access/copy/processing-register';
import { REGIMES } from '../../../../src/privacy/clocks/regimes';

const shipped = (): Record<string, unknown> => JSON.parse(readFileSync(DEFAULT_PROCESSING_REGISTER_FILE, 'utf8')) as Record<string, unknown>;

/** The problems an invalid register is refused with. */
function problemsOf(raw: unknown): string[] {
  try {
    parseProcessingRegister(raw);
  } catch (err) {
    assert.ok(isAppError(err, 'PSB_CONFIG_INVALID'), String(err));
    return err.details.problems as string[];
  }
  assert.fail('the register was accepted');
}

describe('the processing register (config/processing-register.json)', () => {
  it('as shipped: every Art. 15(1) section in every language, the four rights, an authority per regime', () => {
    const register = loadProcessingRegister();
    for (const list of REGISTER_LISTS) {
      assert.ok(register[list].length > 0, list);
      for (const item of register[list]) for (const locale of SHIPPED_LOCALES) assert.ok(item[locale].trim().length > 0, `${list} ${locale}`);
    }
    for (const right of REQUIRED_RIGHTS) for (const locale of SHIPPED_LOCALES) assert.ok(register.rights[right][locale], `${right} ${locale}`);
    assert.equal(register.automatedDecisions.used, false);
    for (const regime of REGIMES) assert.ok(register.authorities[regime].name.en && register.authorities[regime].name.it, regime);
    assert.match(register.authorities.gdpr.name.en, /Garante per la protezione dei dati personali/, 'the lead authority of a controller in Milan');
    assert.match(register.authorities['uk-gdpr'].name.en, /Information Commissioner/);
    assert.match(register.authorities.ccpa.name.en, /California Privacy Protection Agency/);
    assert.match(register.authorities.lgpd.name.en, /ANPD/);
    assert.match(register.authorities.pipeda.name.en, /Privacy Commissioner of Canada/);
    assert.ok(Object.isFrozen(register.authorities.gdpr.name), 'frozen all the way down');
  });

  it('refuses a register missing a section, a language, a right or an authority, naming each', () => {
    const raw = shipped();
    delete raw.recipients;
    (raw.purposes as Record<string, string>[])[1] = { en: 'Customer service' };
    delete (raw.rights as Record<string, unknown>).erasure;
    (raw.rights as Record<string, unknown>).happiness = { en: 'x', it: 'y' };
    delete (raw.authorities as Record<string, unknown>).pipeda;
    (raw.automatedDecisions as Record<string, unknown>).used = 'no';
    const problems = problemsOf(raw);
    for (const expected of [/^recipients must be a non-empty list/, /^purposes\[1\]\.it must be a non-empty string/, /^rights\.erasure must be an object/, /^rights\.happiness is not a right/, /^authorities\.pipeda must be/, /^automatedDecisions\.used must be true or false/]) {
      assert.ok(
        problems.some((problem) => expected.test(problem)),
        `${expected} in:\n${problems.join('\n')}`,
      );
    }
  });

  it('refuses an authority web site with a scheme: the report shows it as text and links nothing', () => {
    const raw = shipped();
    ((raw.authorities as Record<string, Record<string, unknown>>).gdpr).website = 'https://www.garanteprivacy.it';
    assert.deepEqual(problemsOf(raw), ['authorities.gdpr.website must be a host name and path without scheme, such as "www.garanteprivacy.it" (the report shows it as text and loads nothing)']);
  });

  it('reports a file that is not JSON with its path', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'register-'));
    try {
      const file = path.join(dir, 'processing-register.json');
      writeFileSync(file, '{ "purposes": [');
      assert.throws(
        () => loadProcessingRegister(file),
        (err: unknown) => isAppError(err, 'PSB_CONFIG_INVALID') && err.message.startsWith(file) && /cannot read the processing register/.test(err.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
