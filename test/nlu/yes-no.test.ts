import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { LOCALES_DIR } from '../../src/paths';
import { EntityListError } from '../../src/nlu/entity-lists';
import { YesNo, YesNoRecognizer } from '../../src/nlu/yes-no';

const CASES: Record<string, [string, YesNo | undefined][]> = {
  en: [
    ['yes', 'yes'],
    ['Yes!', 'yes'],
    ['yep, go ahead', 'yes'],
    ['Sure thing', 'yes'],
    ['ok', 'yes'],
    ["that's right", 'yes'],
    ['confirm', 'yes'],
    ['no problem', 'yes'],
    ['I do', 'yes'],
    ['yes, stop texting me', 'yes'],
    ['👍', 'yes'],
    ['no', 'no'],
    ['Nope.', 'no'],
    ['not now', 'no'],
    ["don't", 'no'],
    ["don't do it", 'no'],
    ['no thanks', 'no'],
    ['of course not', 'no'],
    ['I do not', 'no'],
    ['👎', 'no'],
    ['yes but no', undefined],
    ['no... yes', undefined],
    ["I don't know", undefined],
    ['maybe', undefined],
    ['not sure', undefined],
    ['what is the weather like', undefined],
    ['', undefined],
  ],
  it: [
    ['sì', 'yes'],
    ['si', 'yes'],
    ['Sì, certo!', 'yes'],
    ['certo', 'yes'],
    ['va bene', 'yes'],
    ['confermo', 'yes'],
    ['esatto', 'yes'],
    ['procedi', 'yes'],
    ["d'accordo", 'yes'],
    ['nessun problema', 'yes'],
    ['👍', 'yes'],
    ['no', 'no'],
    ['no grazie', 'no'],
    ['non ancora', 'no'],
    ['assolutamente no', 'no'],
    ['non va bene', 'no'],
    ['certo che no', 'no'],
    ["non sono d'accordo", 'no'],
    ['sì ma anche no', undefined],
    ['non lo so', undefined],
    ['forse', undefined],
    ['boh', undefined],
    ['che ore sono?', undefined],
  ],
};

/** Every interruption keyword of a language, from its intents.json (all lists, as the bot reads them). */
function keywordsOf(locale: string, dir = LOCALES_DIR): string[] {
  const raw = JSON.parse(readFileSync(path.join(dir, locale, 'intents.json'), 'utf8')) as { keywords: Record<string, string[]> };
  return Object.values(raw.keywords).flat();
}

describe('yes/no recognizer', () => {
  let recognizer: YesNoRecognizer;
  before(() => {
    recognizer = YesNoRecognizer.load();
  });

  for (const [locale, cases] of Object.entries(CASES)) {
    describe(locale, () => {
      for (const [text, expected] of cases) {
        it(`"${text}" is ${expected ?? 'neither'}`, () => {
          assert.equal(recognizer.recognize(text, locale), expected);
        });
      }
    });
  }

  it('understands the other shipped language when its own has no answer ("yes" in Italian, "sì" in English)', () => {
    assert.equal(recognizer.recognize('yes please', 'it'), 'yes');
    assert.equal(recognizer.recognize('sì', 'en-GB'), 'yes');
    assert.equal(recognizer.recognize('non ancora', 'fr'), 'no', 'an unshipped language reads as English, then Italian');
  });

  it('never takes an interruption keyword for an answer ("cancel", "annulla", "lascia stare" keep interrupting)', () => {
    for (const locale of SHIPPED_LOCALES) {
      for (const keyword of keywordsOf(locale)) {
        for (const asked of SHIPPED_LOCALES) assert.equal(recognizer.recognize(keyword, asked), undefined, `${locale} keyword "${keyword}" in ${asked}`);
      }
    }
  });
});

describe('yes/no recognizer: loading', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'psb-yes-no-'));
    for (const locale of SHIPPED_LOCALES) cpSync(path.join(LOCALES_DIR, locale), path.join(dir, locale), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function editEntities(locale: string, edit: (raw: Record<string, string[]>) => void): string {
    const file = path.join(dir, locale, 'entities.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string[]>;
    edit(raw);
    writeFileSync(file, JSON.stringify(raw));
    return file;
  }

  function refuses(file: string, key: string, reason: RegExp): void {
    assert.throws(
      () => YesNoRecognizer.load(dir),
      (err: unknown) => err instanceof EntityListError && err.file === file && err.key === key && reason.test(err.message),
    );
  }

  it('reads the files once: recognising goes on after they are gone', () => {
    const recognizer = YesNoRecognizer.load(dir);
    rmSync(dir, { recursive: true, force: true });
    assert.equal(recognizer.recognize('certo', 'it'), 'yes');
    assert.equal(recognizer.recognize('nope', 'en'), 'no');
  });

  it('refuses an answer that is an interruption keyword of any shipped language', () => {
    const file = editEntities('it', (raw) => raw.no.push('Annulla'));
    refuses(file, 'no', /"Annulla" is an interruption keyword \(keywords\.cancel of it\/intents\.json\)/);
    const english = editEntities('it', (raw) => {
      raw.no.pop();
      raw.unsure.push('stop waiting');
    });
    refuses(english, 'unsure', /keywords\.leaveHandoff of en\/intents\.json/);
  });

  it('refuses a phrase that is both yes and no, and an empty list', () => {
    const both = editEntities('en', (raw) => raw.no.push('Sure'));
    refuses(both, 'no', /"Sure" is also listed under yes/);
    const empty = editEntities('en', (raw) => {
      raw.no = [];
    });
    refuses(empty, 'no', /non-empty list/);
  });
});
