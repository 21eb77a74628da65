import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { Translations } from '../../src/i18n/translator';
import { LOCALES_DIR } from '../../src/paths';
import { ConcernTopicRecognizer } from '../../src/nlu/concern-topic-recognizer';
import { EntityListError } from '../../src/nlu/entity-lists';
import type { ConcernTopic } from '../../src/privacy/concerns/concern-types';

const TOPICS: readonly ConcernTopic[] = ['breach', 'use', 'answer', 'other'];

const CASES: Record<string, [string, ConcernTopic | undefined][]> = {
  en: [
    ['I want to report a data breach', 'breach'],
    ['I think my data was leaked', 'breach'],
    ['my account was HACKED', 'breach'],
    ["I got a letter with someone else's address", 'breach'],
    ['someone hacked my account and sold my data', 'breach'],
    ['you sold my data without my consent', 'use'],
    ['it is about the answer you sent me', 'answer'],
    ['none of these', 'other'],
    ['Report a concern', undefined],
    ['how you use my data, and your answer about it', undefined],
    ['', undefined],
  ],
  it: [
    ['voglio segnalare un problema sulla privacy', undefined],
    ['voglio segnalare una violazione dei dati', 'breach'],
    ['mi hanno rubato i dati', 'breach'],
    ['ho ricevuto i dati di un altro cliente', 'breach'],
    ['avete venduto i miei dati senza il mio consenso', 'use'],
    ['la risposta che mi avete dato', 'answer'],
    ['qualcos altro', 'other'],
    ['Segnala un problema', undefined],
  ],
};

describe('concern topics (concernTopics in locales/<lang>/entities.json)', () => {
  let topics: ConcernTopicRecognizer;
  let translations: Translations;
  before(async () => {
    topics = ConcernTopicRecognizer.load();
    translations = await Translations.load();
  });

  for (const [locale, cases] of Object.entries(CASES)) {
    it(`${locale}: reads what a report is about; a breach word wins; two other topics, or none, ask again`, () => {
      for (const [text, expected] of cases) assert.equal(topics.recognize(text, locale), expected, `${locale} "${text}"`);
    });
  }

  it('every topic button, typed or clicked, is read as its topic in its language', () => {
    for (const locale of SHIPPED_LOCALES) {
      const t = translations.for(locale);
      for (const topic of TOPICS) assert.equal(topics.recognize(t.t(`concern.topic.${topic}`), locale), topic, `${locale} "${t.t(`concern.topic.${topic}`)}"`);
    }
  });
});

describe('concern topics: loading', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'psb-concern-topics-'));
    for (const locale of SHIPPED_LOCALES) cpSync(path.join(LOCALES_DIR, locale), path.join(dir, locale), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function editTopics(locale: string, edit: (topics: Record<string, string[]>) => void): string {
    const file = path.join(dir, locale, 'entities.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { concernTopics: Record<string, string[]> };
    edit(raw.concernTopics);
    writeFileSync(file, JSON.stringify(raw));
    return file;
  }

  function refuses(file: string, key: string, reason: RegExp): void {
    assert.throws(
      () => ConcernTopicRecognizer.load(dir),
      (err: unknown) => err instanceof EntityListError && err.file === file && err.key === key && reason.test(err.message),
    );
  }

  it('refuses a language without words for a topic, an unknown topic, and a phrase under two topics', () => {
    refuses(
      editTopics('it', (topics) => delete topics.answer),
      'concernTopics.answer',
      /missing/,
    );
    refuses(
      editTopics('it', (topics) => {
        topics.answer = ['risposta'];
        topics.complaint = ['reclamo'];
      }),
      'concernTopics.complaint',
      /unknown topic/,
    );
    refuses(
      editTopics('en', (topics) => topics.use.push('Leaked')),
      'concernTopics.use',
      /"Leaked" is also listed under concernTopics\.breach/,
    );
  });
});
