import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { Translations } from '../../src/i18n/translator';
import { IncidentQuestion, IncidentQuestionMatcher } from '../../src/nlu/incident-question-matcher';
import { YesNoRecognizer } from '../../src/nlu/yes-no';
import { LOCALES_DIR } from '../../src/paths';

/** What customers type during a surge, and what incident mode makes of it (undefined: not about the incident). */
const TABLE: readonly (readonly [string, IncidentQuestion | undefined])[] = [
  ['Was my data affected?', 'affected'],
  ['hi, was my data affected by the breach?', 'affected'],
  ['am I affected', 'affected'],
  ['there was a hack, was my data affected?', 'affected'],
  ['What happened?', 'notice'],
  ['what should I do?', 'notice'],
  ['What should I do about the data breach', 'notice'],
  ['data breach?', 'notice'],
  ['I miei dati sono stati coinvolti?', 'affected'],
  ["c'è stato un attacco informatico? i miei dati sono coinvolti?", 'affected'],
  ['Cosa è successo?', 'notice'],
  ["cos'è successo", 'notice'],
  ['COSA DEVO FARE', 'notice'],
  ['cosa devo fare per la violazione dei dati?', 'notice'],
  // A general question about something else, a report, other requests: the normal flow.
  ['What happened to my request PRV-2026-ABCDEF-1?', undefined],
  ['cosa è successo alla mia richiesta?', undefined],
  ['I want to report a data breach', undefined],
  ['voglio segnalare una violazione dei dati', undefined],
  ['I want a copy of my data', undefined],
  ['check my consent', undefined],
  ['yes', undefined],
  ['', undefined],
];

describe('incident questions (keywords.incidentAffected / incidentQuestion / incidentTopic)', () => {
  const matcher = IncidentQuestionMatcher.load();

  for (const [text, expected] of TABLE) {
    it(`"${text}" → ${expected ?? 'not about the incident'}`, () => {
      assert.equal(matcher.classify(text), expected);
    });
  }

  it('the "Was my data affected?" button, typed or clicked, asks whether one was affected, in every shipped language', async () => {
    const translations = await Translations.load();
    for (const locale of SHIPPED_LOCALES) {
      const label = translations.for(locale).t('incident.suggest.affected');
      assert.equal(matcher.classify(label), 'affected', `${locale}: "${label}"`);
    }
  });

  it('names the incident in a request for a person ("a person about the breach"), but not with a general question alone', () => {
    assert.equal(matcher.mentions('I want to talk to a person about the breach'), true);
    assert.equal(matcher.mentions('vorrei parlare con un operatore della violazione'), true);
    assert.equal(matcher.mentions('what can I do? talk to a person'), false);
  });

  it('leaves the yes/no answers alone (an incident phrase is no answer)', () => {
    assert.doesNotThrow(() => YesNoRecognizer.load());
  });

  it('refuses a language without the lists, naming the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'incident-keywords-'));
    try {
      for (const locale of SHIPPED_LOCALES) {
        mkdirSync(path.join(dir, locale));
        const raw = JSON.parse(readFileSync(path.join(LOCALES_DIR, locale, 'intents.json'), 'utf8')) as { keywords: Record<string, unknown> };
        if (locale === 'it') delete raw.keywords.incidentTopic;
        writeFileSync(path.join(dir, locale, 'intents.json'), JSON.stringify(raw));
      }
      assert.throws(() => IncidentQuestionMatcher.load(dir), /it[/\\]intents\.json: keywords\.incidentTopic: must be a non-empty list/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
