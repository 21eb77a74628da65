import { Culture, recognizeDateTime } from '@microsoft/recognizers-text-suite';
import * as chrono from 'chrono-node';
import { SHIPPED_LOCALES, matchShippedLocale } from '../i18n/shipped-locales';
import { LOCALES_DIR } from '../paths';
import { EntityLists, readEntityLists } from './entity-lists';
import { PhraseMatcher } from './phrase-matcher';
import { WallTime, instantFromWallTime, wallTimeInZone } from '../privacy/clocks/calendar';
import type { OccurredAt } from '../privacy/concerns/concern-types';

/** What a date is read against: the customer's words, language and zone, and the moment they said them. */
export interface OccurredAtQuery {
  readonly text: string;
  readonly locale: string;
  /** IANA zone of the customer: "yesterday" is their yesterday. */
  readonly timeZone: string;
  readonly now: Date;
}

/** A date found in a text: the instant understood and the words that said it. */
export interface DateMention {
  /** A clock time said ("at 3pm", "alle 15") gives that instant; anything less precise the start of its first day, in the customer's zone. */
  readonly at: Date;
  /** The words recognised, as written ("ieri sera", "last Tuesday"). */
  readonly words: string;
}

/** The one entity interface the dialogs use for "when did it happen?", whatever parser serves the language. */
export interface OccurredAtReader {
  /** The first date in `text`, or undefined when none is understood. It may be in the future: the caller decides. */
  find(query: OccurredAtQuery): DateMention | undefined;
  /** An answer to "when?": the date understood (or null) and always the customer's words. */
  read(query: OccurredAtQuery): OccurredAt;
}

/** A calendar reading of a parser, on the customer's wall clock. */
interface WallReading {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** Set only when the customer said a clock time. */
  readonly hour?: number;
  readonly minute?: number;
}

/** One parser's candidates for the first date of a text: their readings (latest past one wins) and the words. */
interface ParsedMention {
  readonly readings: readonly WallReading[];
  readonly words: string;
}

type WallParser = (text: string, wallNow: Date) => ParsedMention | undefined;

/** Characters of an answer searched for a date: a date is said in a few words, and the parsers cost per character. */
const MAX_DATE_TEXT_CHARS = 500;

/**
 * A Date whose *local* fields read the customer's wall clock. Both parsers compute "yesterday"
 * from the local fields of the reference they are given (chrono knows zone abbreviations only,
 * recognizers-text none), so they are handed this and their answers read back as wall time.
 */
function wallClockDate(now: Date, zone: string): Date {
  const wall = wallTimeInZone(now, zone);
  return new Date(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

function instantOf(reading: WallReading, zone: string): Date {
  const wall: WallTime = { year: reading.year, month: reading.month, day: reading.day, hour: reading.hour ?? 0, minute: reading.hour === undefined ? 0 : (reading.minute ?? 0), second: 0, millisecond: 0 };
  return instantFromWallTime(wall, zone);
}

/** "2026-03-11" or "2026-03-11 15:00:00" → a reading; `clock` keeps the time of day. */
function readingOfValue(value: string | undefined, clock: boolean): WallReading | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}))?/.exec(value ?? '');
  if (!match) return undefined;
  const [, year, month, day, hour, minute] = match;
  const base = { year: Number(year), month: Number(month), day: Number(day) };
  return clock && hour !== undefined ? { ...base, hour: Number(hour), minute: Number(minute) } : base;
}

interface DateTimeValue {
  readonly timex?: string;
  readonly type?: string;
  readonly value?: string;
  readonly start?: string;
}

/** A timex naming an hour ("2026-03-11T15", "(…T14,…T16,PT2H)"), or "now": a clock time was said. Parts of a day ("TEV") are not. */
function saysClockTime(timex: string | undefined): boolean {
  return timex === 'PRESENT_REF' || /T\d/.test(timex ?? '');
}

/** Today (on the wall clock) at a time of day: "at 9" said on its own. */
function todayAt(time: string | undefined, wallNow: Date): WallReading | undefined {
  const match = /^(\d{2}):(\d{2})/.exec(time ?? '');
  if (!match) return undefined;
  return { year: wallNow.getFullYear(), month: wallNow.getMonth() + 1, day: wallNow.getDate(), hour: Number(match[1]), minute: Number(match[2]) };
}

function recognizersReading(value: DateTimeValue, wallNow: Date): WallReading | undefined {
  switch (value.type) {
    case 'date':
      return readingOfValue(value.value, false);
    case 'daterange':
      return readingOfValue(value.start, false);
    case 'datetime':
      return readingOfValue(value.value, saysClockTime(value.timex));
    case 'datetimerange':
      return readingOfValue(value.start, saysClockTime(value.timex));
    case 'time':
      return todayAt(value.value, wallNow);
    case 'timerange':
      return todayAt(value.start, wallNow);
    default:
      // Durations ("for three days") and sets ("every day") name no moment.
      return undefined;
  }
}

/**
 * Microsoft recognizers-text (datetimeV2) in `culture`. An ambiguous date ("Tuesday", "March 3")
 * comes with its past and its future reading; the caller keeps the latest one not in the future.
 */
const recognizersParser = (culture: string): WallParser => (text, wallNow) => {
  for (const result of recognizeDateTime(text, culture, undefined, wallNow)) {
    const values = ((result.resolution as { values?: DateTimeValue[] } | undefined)?.values ?? []) as DateTimeValue[];
    const readings = values.flatMap((value) => recognizersReading(value, wallNow) ?? []);
    // The result's own text is lower-cased: the words are cut from the customer's text instead.
    if (readings.length > 0) return { readings, words: text.slice(result.start, result.end + 1) || result.text };
  }
  return undefined;
};

const englishParser = recognizersParser(Culture.English);

/**
 * Letters a date found by another language's parser needs: "ago" is agosto to the Spanish parser
 * and "mar" is March to several, but no real date in another language is that short ("ieri").
 */
const MIN_FOREIGN_DATE_LETTERS = 4;

function letterCount(words: string): number {
  return words.replace(/[^\p{L}]/gu, '').length;
}

/**
 * The languages recognizers-text's JavaScript build reads dates in well; chrono-node serves the
 * others. Its French is left out: 1.3.1 reads "hier soir" as this evening and "il y a deux jours"
 * as a duration, where chrono's French gets both right.
 */
const RECOGNIZERS_DATE_PARSERS: Readonly<Record<string, WallParser>> = {
  en: englishParser,
  es: recognizersParser(Culture.Spanish),
};

function readingOfDate(date: Date, clock: boolean): WallReading {
  const day = { year: date.getFullYear(), month: date.getMonth() + 1, day: date.getDate() };
  return clock ? { ...day, hour: date.getHours(), minute: date.getMinutes() } : day;
}

/**
 * A month named only by three letters or fewer ("ago", "set", "mar"): chrono reads those as
 * agosto, settembre, marzo, which in a sentence are far more often other words ("a while ago,",
 * an English word in an Italian chat), so they are not taken as a date.
 */
function isBareMonthAbbreviation(result: chrono.ParsedResult): boolean {
  const letters = result.text.replace(/[^\p{L}]/gu, '');
  return letters.length <= 3 && !result.start.isCertain('day') && !result.start.isCertain('weekday');
}

/**
 * Another language: chrono-node's parser for it (chrono.it for Italian). chrono gives one reading
 * and, when the year or the week was only implied ("il 20 marzo", "venerdì"), the nearest one,
 * which may lie ahead: the reading a year or a week earlier is offered too.
 */
function chronoParser(parser: chrono.Chrono): WallParser {
  return (text, wallNow) => {
    const result = parser.parse(text, wallNow).find((candidate) => !isBareMonthAbbreviation(candidate));
    if (!result) return undefined;
    const start = result.start;
    const date = start.date();
    const clock = start.isCertain('hour');
    const readings = [readingOfDate(date, clock)];
    if (!start.isCertain('day') && start.isCertain('weekday')) readings.push(readingOfDate(new Date(date.getFullYear(), date.getMonth(), date.getDate() - 7, date.getHours(), date.getMinutes()), clock));
    else if (!start.isCertain('year')) readings.push(readingOfDate(new Date(date.getFullYear() - 1, date.getMonth(), date.getDate(), date.getHours(), date.getMinutes()), clock));
    return { readings, words: result.text };
  };
}

/**
 * "The day before yesterday" in the language's own words (`dayBeforeYesterday` in
 * `locales/<lang>/entities.json`), read before the parser: chrono reads "l'altro ieri" and
 * "avant-hier" as yesterday and misses "avantieri", "vorgestern" or "anteontem".
 */
function withDayBeforeYesterday(lists: EntityLists, parse: WallParser): WallParser {
  const matcher = new PhraseMatcher(lists.file, { dayBeforeYesterday: lists.dayBeforeYesterday });
  return (text, wallNow) => {
    const said = matcher.findPhrase(text);
    if (said !== undefined) return { readings: [readingOfDate(new Date(wallNow.getFullYear(), wallNow.getMonth(), wallNow.getDate() - 2), false)], words: said };
    return parse(text, wallNow);
  };
}

/**
 * The parser of each language: recognizers-text for English and Spanish, chrono-node for the
 * others (Italian, German, French, Portuguese, Dutch…), else English.
 */
function parserFor(language: string): WallParser {
  const recognizers = RECOGNIZERS_DATE_PARSERS[language];
  if (recognizers) return recognizers;
  const localized = (chrono as unknown as Record<string, { casual?: chrono.Chrono } | undefined>)[language]?.casual;
  return localized ? chronoParser(localized) : englishParser;
}

/**
 * When something happened, in the customer's words and language: "yesterday", "last Tuesday",
 * "ieri sera", "il 3 marzo", "alle 15". Read on the customer's wall clock (their zone), so
 * "yesterday" said at 00:30 in Rome is the day before in Rome whatever the server's zone. The
 * customer's own language is tried first, then the other shipped ones (an English "yesterday" in
 * an Italian chat), whose finds must have a few letters at least (see {@link MIN_FOREIGN_DATE_LETTERS}). Built once at start; the first English parse loads recognizers-text's models ({@link OccurredAtRecognizer.warmUp}).
 */
export class OccurredAtRecognizer implements OccurredAtReader {
  private readonly parsers: ReadonlyMap<string, WallParser>;

  constructor(languages: readonly string[] = SHIPPED_LOCALES, localesDir = LOCALES_DIR) {
    this.parsers = new Map(languages.map((language) => [language, withDayBeforeYesterday(readEntityLists(language, localesDir), parserFor(language))]));
  }

  /**
   * Loads recognizers-text's English models (about 0.3 s of CPU) so a customer's first date does not wait
   * for them. The app calls it once it is listening: start-up does not wait for it, and a date read before
   * it ran just loads them then.
   */
  warmUp(): void {
    englishParser('yesterday', new Date());
  }

  find(query: OccurredAtQuery): DateMention | undefined {
    const text = query.text.slice(0, MAX_DATE_TEXT_CHARS);
    if (text.trim() === '') return undefined;
    const wallNow = wallClockDate(query.now, query.timeZone);
    for (const [index, parse] of this.parsersFor(query.locale).entries()) {
      const mention = parse(text, wallNow);
      if (!mention || (index > 0 && letterCount(mention.words) < MIN_FOREIGN_DATE_LETTERS)) continue;
      const instants = mention.readings.map((reading) => instantOf(reading, query.timeZone)).sort((a, b) => a.getTime() - b.getTime());
      const past = instants.filter((instant) => instant.getTime() <= query.now.getTime());
      // The latest reading not in the future; when all are ahead ("tomorrow"), the nearest, for the caller to refuse.
      const at = past.length > 0 ? past[past.length - 1] : instants[0];
      return { at, words: mention.words };
    }
    return undefined;
  }

  read(query: OccurredAtQuery): OccurredAt {
    return { at: this.find(query)?.at ?? null, phrase: query.text.trim() };
  }

  /** The customer's language first, then the other shipped ones (an English "yesterday" in an Italian chat). */
  private parsersFor(locale: string): WallParser[] {
    const own = matchShippedLocale(locale) ?? 'en';
    const first = this.parsers.get(own);
    return [...(first ? [first] : []), ...[...this.parsers].filter(([language]) => language !== own).map(([, parse]) => parse)];
  }
}
