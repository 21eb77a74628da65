import assert from 'node:assert/strict';
import { SHIPPED_LOCALES } from '../../src/i18n/shipped-locales';
import { Translations } from '../../src/i18n/translator';
import { OccurredAtRecognizer } from '../../src/nlu/occurred-at-recognizer';

/**
 * "When did it happen?" read against a fixed clock: Monday, March 16, 2026, 11:00 in Rome
 * (10:00 UTC), a week before any daylight-saving change. A day said alone is the start of that
 * day in Rome (23:00 UTC the evening before); a clock time said is that instant.
 */
const NOW = new Date('2026-03-16T10:00:00Z');
const ZONE = 'Europe/Rome';

/** [language, what the customer wrote, the instant understood (ISO) or undefined, the words recognised]. */
const CASES: readonly [string, string, string | undefined, string?][] = [
  ['en', 'yesterday', '2026-03-14T23:00:00.000Z', 'yesterday'],
  ['en', 'Yesterday evening', '2026-03-14T23:00:00.000Z', 'Yesterday evening'],
  ['en', 'yesterday at 3pm', '2026-03-15T14:00:00.000Z', 'yesterday at 3pm'],
  ['en', 'Last Tuesday', '2026-03-09T23:00:00.000Z', 'Last Tuesday'],
  ['en', 'on Tuesday', '2026-03-09T23:00:00.000Z', 'Tuesday'],
  ['en', 'March 3', '2026-03-02T23:00:00.000Z', 'March 3'],
  ['en', 'on March 20', '2025-03-19T23:00:00.000Z', 'March 20'],
  ['en', 'two weeks ago', '2026-03-01T23:00:00.000Z', 'two weeks ago'],
  ['en', 'last week', '2026-03-08T23:00:00.000Z', 'last week'],
  ['en', 'I noticed it yesterday when I logged in', '2026-03-14T23:00:00.000Z', 'yesterday'],
  ['en', 'tomorrow', '2026-03-16T23:00:00.000Z', 'tomorrow'],
  ['en', 'no idea', undefined],
  ['en', 'a while ago, around the time of the sales', undefined],
  ['en', 'my account was hacked 2 times', undefined],
  ['de', 'gestern Abend', '2026-03-14T23:00:00.000Z', 'gestern Abend'],
  ['de', 'letzten Dienstag', '2026-03-09T23:00:00.000Z', 'letzten Dienstag'],
  ['de', 'vorgestern', '2026-03-13T23:00:00.000Z', 'vorgestern'],
  ['fr', 'avant-hier', '2026-03-13T23:00:00.000Z', 'avant-hier'],
  ['es', 'antes de ayer', '2026-03-13T23:00:00.000Z', 'antes de ayer'],
  ['pt', 'anteontem', '2026-03-13T23:00:00.000Z', 'anteontem'],
  ['nl', 'eergisteren', '2026-03-13T23:00:00.000Z', 'eergisteren'],
  ['en', 'the day before yesterday', '2026-03-13T23:00:00.000Z', 'the day before yesterday'],
  ['fr', 'hier soir', '2026-03-14T23:00:00.000Z', 'hier soir'],
  ['fr', 'il y a deux jours', '2026-03-13T23:00:00.000Z', 'il y a deux jours'],
  ['es', 'ayer por la tarde', '2026-03-14T23:00:00.000Z', 'ayer por la tarde'],
  ['es', 'el martes pasado', '2026-03-09T23:00:00.000Z', 'martes pasado'],
  ['pt', 'ontem à noite', '2026-03-14T23:00:00.000Z', 'ontem à noite'],
  ['pt', 'em 3 de março', '2026-03-02T23:00:00.000Z', '3 de março'],
  ['nl', 'gisteren om 20 uur', '2026-03-15T19:00:00.000Z', 'gisteren om 20 uur'],
  ['nl', 'op 3 maart', '2026-03-02T23:00:00.000Z', '3 maart'],
  ['it', 'ieri sera', '2026-03-14T23:00:00.000Z', 'ieri sera'],
  ['it', 'ieri alle 15', '2026-03-15T14:00:00.000Z', 'ieri alle 15'],
  ['it', 'il 3 marzo', '2026-03-02T23:00:00.000Z', 'il 3 marzo'],
  ['it', 'il 20 marzo', '2025-03-19T23:00:00.000Z', 'il 20 marzo'],
  ['it', 'martedì scorso', '2026-03-09T23:00:00.000Z', 'martedì scorso'],
  ['it', 'venerdì', '2026-03-12T23:00:00.000Z', 'venerdì'],
  ['it', "l'altro ieri", '2026-03-13T23:00:00.000Z', "l'altro ieri"],
  ['it', 'avantieri', '2026-03-13T23:00:00.000Z', 'avantieri'],
  ['it', 'tre giorni fa', '2026-03-12T23:00:00.000Z', 'tre giorni fa'],
  ['it', 'me ne sono accorto ieri sera tornando a casa', '2026-03-14T23:00:00.000Z', 'ieri sera'],
  ['it', 'domani', '2026-03-16T23:00:00.000Z', 'domani'],
  ['it', 'boh', undefined],
  ['it', 'ho ricevuto 2 lettere', undefined],
  ['it', 'yesterday', '2026-03-14T23:00:00.000Z', 'yesterday'],
  ['en', 'ieri', '2026-03-14T23:00:00.000Z', 'ieri'],
];

describe('when it happened, in the customer’s words (OccurredAtRecognizer)', function () {
  this.timeout(30_000);
  let dates: OccurredAtRecognizer;
  before(() => {
    dates = new OccurredAtRecognizer();
  });

  for (const [locale, text, iso, words] of CASES) {
    it(`${locale}: "${text}" → ${iso ?? 'not a date'}`, () => {
      const found = dates.find({ text, locale, timeZone: ZONE, now: NOW });
      assert.equal(found?.at.toISOString(), iso);
      if (iso !== undefined) assert.equal(found?.words, words);
    });
  }

  it('a date ahead is given as such ("tomorrow"), for the dialog to ask again', () => {
    for (const [text, locale] of [['tomorrow', 'en'], ['domani', 'it'], ['next week', 'en']]) {
      const found = dates.find({ text, locale, timeZone: ZONE, now: NOW });
      assert.ok(found && found.at.getTime() > NOW.getTime(), `${text}: ${found?.at.toISOString()}`);
    }
  });

  it('"yesterday" is the customer’s yesterday: just after midnight in Rome it is still a day later than in New York', () => {
    const now = new Date('2026-03-15T23:30:00Z'); // Monday 00:30 in Rome, Sunday 19:30 in New York
    assert.equal(dates.find({ text: 'yesterday', locale: 'en', timeZone: 'Europe/Rome', now })?.at.toISOString(), '2026-03-14T23:00:00.000Z');
    assert.equal(dates.find({ text: 'ieri', locale: 'it', timeZone: 'America/New_York', now })?.at.toISOString(), '2026-03-14T04:00:00.000Z');
    assert.equal(dates.find({ text: 'yesterday', locale: 'en', timeZone: 'UTC', now })?.at.toISOString(), '2026-03-14T00:00:00.000Z');
  });

  it('the server’s own zone changes nothing', () => {
    const saved = process.env.TZ;
    try {
      for (const zone of ['Pacific/Kiritimati', 'America/Los_Angeles']) {
        process.env.TZ = zone;
        assert.equal(dates.find({ text: 'ieri alle 15', locale: 'it', timeZone: ZONE, now: NOW })?.at.toISOString(), '2026-03-15T14:00:00.000Z', zone);
        assert.equal(dates.find({ text: 'last Tuesday', locale: 'en', timeZone: ZONE, now: NOW })?.at.toISOString(), '2026-03-09T23:00:00.000Z', zone);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('an answer is kept as said, with the instant when understood and null when not', () => {
    assert.deepEqual(dates.read({ text: '  ieri sera, verso le otto ', locale: 'it', timeZone: ZONE, now: NOW }), { at: new Date('2026-03-14T23:00:00.000Z'), phrase: 'ieri sera, verso le otto' });
    assert.deepEqual(dates.read({ text: 'ages ago, no idea', locale: 'en', timeZone: ZONE, now: NOW }), { at: null, phrase: 'ages ago, no idea' });
  });

  // The question gives examples in each language: every one of them must be understood.
  for (const locale of SHIPPED_LOCALES) {
    it(`${locale}: understands the examples the question "when did it happen?" gives`, async () => {
      const question = (await Translations.load()).for(locale).t('concern.ask.when');
      const examples = [...question.matchAll(/[“„«]\s?([^”“»]+?)\s?[”“»]/gu)].map((match) => match[1]);
      assert.equal(examples.length, 2, `two quoted examples in ${question}`);
      for (const example of examples) {
        const mention = dates.find({ text: example, locale, timeZone: ZONE, now: NOW });
        assert.ok(mention !== undefined && mention.at.getTime() < NOW.getTime(), `${locale}: "${example}" understood as a past date`);
      }
    });
  }
});
