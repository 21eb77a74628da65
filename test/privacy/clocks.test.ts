import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  addBusinessDays,
  addCalendarDays,
  addCalendarMonths,
  addHours,
  endOfDayInZone,
  instantFromWallTime,
  isTimeZone,
  wallTimeInZone,
} from '../../src/privacy/clocks/calendar';
import { CLOCK_INPUT_ERROR_CODE, ClockInputError } from '../../src/privacy/clocks/clock-errors';
import { RequestDeadlineInput, computeBreachDeadline, computeRequestDeadlines, formatDateInZone, formatInZone } from '../../src/privacy/clocks/deadlines';
import { REGIMES, REGIME_PROFILES, REQUEST_CLOCK_RULES, REQUEST_TYPES, findRequestClockRule, isRegime, isRequestType } from '../../src/privacy/clocks/regimes';

const at = (iso: string): Date => new Date(iso);
const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());
const HOUR_MS = 60 * 60 * 1000;

/** Asserts that `fn` throws a ClockInputError with the stable code, naming `field` in the error and its message. */
function assertClockInputError(fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ClockInputError, `expected ClockInputError, got ${String(err)}`);
    assert.equal(err.code, CLOCK_INPUT_ERROR_CODE);
    assert.equal(err.code, 'PSB_CLOCK_INPUT');
    assert.equal(err.field, field);
    assert.match(err.message, new RegExp(field));
    return true;
  });
}

/** Intl separates time parts with narrow or no-break spaces; compare with plain ones. */
const plainSpaces = (text: string): string => text.replace(/[\u00a0\u202f]/g, ' ');

describe('statutory clocks', () => {
  describe('regimes table', () => {
    it('knows the five regimes and refuses others', () => {
      assert.deepEqual([...REGIMES], ['gdpr', 'uk-gdpr', 'ccpa', 'lgpd', 'pipeda']);
      for (const regime of REGIMES) assert.ok(isRegime(regime));
      for (const other of ['GDPR', 'hipaa', '', 42, undefined]) assert.equal(isRegime(other), false);
      assert.ok(isRequestType('access'));
      assert.equal(isRequestType('erasure'), false);
    });

    it('has exactly one access rule per regime, each with a legal basis and whole positive periods', () => {
      for (const regime of REGIMES) {
        for (const type of REQUEST_TYPES) {
          const rules = REQUEST_CLOCK_RULES.filter((r) => r.regime === regime && r.type === type);
          assert.equal(rules.length, 1, `${regime} × ${type}`);
          assert.equal(findRequestClockRule(regime, type), rules[0]);
        }
      }
      for (const rule of REQUEST_CLOCK_RULES) {
        assert.ok(rule.basis.length > 20, `${rule.regime} basis`);
        for (const period of [rule.acknowledge, rule.due, rule.extendedDue]) {
          if (period) assert.ok(Number.isSafeInteger(period.amount) && period.amount > 0, `${rule.regime} period`);
        }
      }
    });

    it('gives every regime a default zone Intl knows', () => {
      for (const regime of REGIMES) assert.ok(isTimeZone(REGIME_PROFILES[regime].defaultZone), regime);
    });
  });

  describe('calendar arithmetic', () => {
    const monthRows: [string, string, number, string, string][] = [
      // [why, from, n, zone, expected]
      ['31 Jan + 1 month = 28 Feb (non-leap 2027), same time', '2027-01-31T18:45:00.000Z', 1, 'UTC', '2027-02-28T18:45:00.000Z'],
      ['31 Jan + 1 month = 29 Feb (leap 2028)', '2028-01-31T18:45:00.000Z', 1, 'UTC', '2028-02-29T18:45:00.000Z'],
      ['30 Jan + 1 month = 28 Feb', '2027-01-30T08:00:00.000Z', 1, 'UTC', '2027-02-28T08:00:00.000Z'],
      ['29 Feb 2024 + 1 month = 29 Mar', '2024-02-29T06:00:00.000Z', 1, 'UTC', '2024-03-29T06:00:00.000Z'],
      ['29 Feb 2024 + 12 months = 28 Feb 2025', '2024-02-29T06:00:00.000Z', 12, 'UTC', '2025-02-28T06:00:00.000Z'],
      ['29 Feb 2024 + 48 months = 29 Feb 2028', '2024-02-29T06:00:00.000Z', 48, 'UTC', '2028-02-29T06:00:00.000Z'],
      ['31 Mar + 1 month = 30 Apr', '2026-03-31T12:00:00.000Z', 1, 'UTC', '2026-04-30T12:00:00.000Z'],
      ['31 Mar − 1 month = 28 Feb', '2026-03-31T12:00:00.000Z', -1, 'UTC', '2026-02-28T12:00:00.000Z'],
      ['December + 2 months rolls the year over', '2026-12-31T23:00:00.000Z', 2, 'UTC', '2027-02-28T23:00:00.000Z'],
      ['Rome 12:00 CET + 1 month = 12:00 CEST (EU spring change)', '2026-03-15T11:00:00.000Z', 1, 'Europe/Rome', '2026-04-15T10:00:00.000Z'],
      ['Rome 12:00 CEST + 1 month = 12:00 CET (EU autumn change)', '2026-10-15T10:00:00.000Z', 1, 'Europe/Rome', '2026-11-15T11:00:00.000Z'],
      ['Rome: 23:30 UTC on 31 Jan is 1 Feb, + 1 month = 1 Mar', '2026-01-31T23:30:00.000Z', 1, 'Europe/Rome', '2026-02-28T23:30:00.000Z'],
    ];
    for (const [why, from, n, zone, expected] of monthRows) {
      it(`addCalendarMonths: ${why}`, () => assert.equal(iso(addCalendarMonths(at(from), n, zone)), expected));
    }

    const dayRows: [string, string, number, string, string][] = [
      ['Rome 12:00 CET + 1 day = 12:00 CEST, 23 real hours (last Sunday of March)', '2026-03-28T11:00:00.000Z', 1, 'Europe/Rome', '2026-03-29T10:00:00.000Z'],
      ['Rome 12:00 CEST + 1 day = 12:00 CET, 25 real hours (last Sunday of October)', '2026-10-24T10:00:00.000Z', 1, 'Europe/Rome', '2026-10-25T11:00:00.000Z'],
      ['Los Angeles 12:00 PST + 1 day = 12:00 PDT (second Sunday of March)', '2026-03-07T20:00:00.000Z', 1, 'America/Los_Angeles', '2026-03-08T19:00:00.000Z'],
      ['Los Angeles 12:00 PDT + 1 day = 12:00 PST (first Sunday of November)', '2026-10-31T19:00:00.000Z', 1, 'America/Los_Angeles', '2026-11-01T20:00:00.000Z'],
      ['UTC by default, across the new year', '2026-12-31T10:00:00.000Z', 1, 'UTC', '2027-01-01T10:00:00.000Z'],
      ['through 29 February', '2028-02-28T10:00:00.000Z', 2, 'UTC', '2028-03-01T10:00:00.000Z'],
      ['backwards', '2026-03-01T10:00:00.000Z', -1, 'UTC', '2026-02-28T10:00:00.000Z'],
      ['a wall time skipped in spring (02:30) resolves forward to 03:30 CEST', '2026-03-28T01:30:00.000Z', 1, 'Europe/Rome', '2026-03-29T01:30:00.000Z'],
      ['a wall time repeated in autumn (02:30) resolves to its first occurrence', '2026-10-24T00:30:00.000Z', 1, 'Europe/Rome', '2026-10-25T00:30:00.000Z'],
    ];
    for (const [why, from, n, zone, expected] of dayRows) {
      it(`addCalendarDays: ${why}`, () => assert.equal(iso(addCalendarDays(at(from), n, zone)), expected));
    }

    const businessRows: [string, string, number, string, string][] = [
      ['Friday + 1 = Monday', '2026-01-09T17:00:00.000Z', 1, 'UTC', '2026-01-12T17:00:00.000Z'],
      ['Saturday + 1 = Monday (the starting day does not count)', '2026-01-10T17:00:00.000Z', 1, 'UTC', '2026-01-12T17:00:00.000Z'],
      ['Monday + 10 = Monday two weeks later', '2026-01-05T17:00:00.000Z', 10, 'UTC', '2026-01-19T17:00:00.000Z'],
      ['Monday − 1 = Friday', '2026-01-12T17:00:00.000Z', -1, 'UTC', '2026-01-09T17:00:00.000Z'],
      ['zero is the same instant', '2026-01-10T17:00:00.000Z', 0, 'UTC', '2026-01-10T17:00:00.000Z'],
      // Sunday 20:00 in Los Angeles is already Monday in UTC: the business's calendar decides.
      ['Sunday evening in Los Angeles + 1 = Monday there', '2026-01-12T04:00:00.000Z', 1, 'America/Los_Angeles', '2026-01-13T04:00:00.000Z'],
      ['the same instant counted in UTC (a Monday) + 1 = Tuesday', '2026-01-12T04:00:00.000Z', 1, 'UTC', '2026-01-13T04:00:00.000Z'],
      ['Sunday evening in Los Angeles + 10 = Friday 23 Jan there', '2026-01-12T04:00:00.000Z', 10, 'America/Los_Angeles', '2026-01-24T04:00:00.000Z'],
      ['the same instant counted in UTC + 10 = Monday 26 Jan', '2026-01-12T04:00:00.000Z', 10, 'UTC', '2026-01-26T04:00:00.000Z'],
      ['Friday 12:00 PST + 1 = Monday 12:00 PDT (US spring change)', '2026-03-06T20:00:00.000Z', 1, 'America/Los_Angeles', '2026-03-09T19:00:00.000Z'],
    ];
    for (const [why, from, n, zone, expected] of businessRows) {
      it(`addBusinessDays: ${why}`, () => assert.equal(iso(addBusinessDays(at(from), n, zone)), expected));
    }

    it('addHours is real elapsed time, whatever the wall clocks do', () => {
      assert.equal(iso(addHours(at('2026-03-28T12:00:00.000Z'), 24)), '2026-03-29T12:00:00.000Z');
      assert.equal(iso(addHours(at('2026-03-28T12:00:00.000Z'), -1.5)), '2026-03-28T10:30:00.000Z');
    });

    it('endOfDayInZone is 23:59:59.999 on the wall clock of the zone', () => {
      assert.equal(iso(endOfDayInZone(at('2026-01-31T23:30:00.000Z'), 'UTC')), '2026-01-31T23:59:59.999Z');
      assert.equal(iso(endOfDayInZone(at('2026-01-31T23:30:00.000Z'), 'Europe/Rome')), '2026-02-01T22:59:59.999Z');
      assert.equal(iso(endOfDayInZone(at('2026-03-29T00:30:00.000Z'), 'Europe/Rome')), '2026-03-29T21:59:59.999Z');
      assert.equal(iso(endOfDayInZone(at('2026-03-08T12:00:00.000Z'), 'America/Los_Angeles')), '2026-03-09T06:59:59.999Z');
    });

    it('reads and writes wall clocks in a zone, round trip', () => {
      const instant = at('2026-07-01T10:15:30.250Z');
      const wall = wallTimeInZone(instant, 'Europe/Rome');
      assert.deepEqual(wall, { year: 2026, month: 7, day: 1, hour: 12, minute: 15, second: 30, millisecond: 250 });
      assert.equal(iso(instantFromWallTime(wall, 'Europe/Rome')), instant.toISOString());
    });

    it('refuses an invalid instant, a fractional count and an unknown zone', () => {
      assertClockInputError(() => addCalendarMonths(at('not a date'), 1), 'instant');
      assertClockInputError(() => addCalendarDays(at('2026-01-01T00:00:00Z'), 1.5), 'n');
      assertClockInputError(() => addCalendarMonths(at('2026-01-01T00:00:00Z'), Number.NaN), 'n');
      assertClockInputError(() => addBusinessDays(at('2026-01-01T00:00:00Z'), 1, 'Mars/Olympus'), 'zone');
      assertClockInputError(() => addCalendarDays(at('2026-01-01T00:00:00Z'), 1, ''), 'zone');
      assertClockInputError(() => addHours(at('2026-01-01T00:00:00Z'), Number.POSITIVE_INFINITY), 'n');
    });
  });

  describe('request deadlines', () => {
    interface Row {
      readonly why: string;
      readonly receivedAt: string;
      readonly zone?: string;
      readonly acknowledgeBy: string | null;
      readonly due: string;
      readonly extendedDue: string | null;
    }
    // Every deadline is the end of its last day (23:59:59.999) in the zone that counts the days.
    // Rome: CET = UTC+1, CEST = UTC+2. London: GMT/BST. Los Angeles: PST −8 / PDT −7.
    // São Paulo: −3 all year. Toronto: EST −5 / EDT −4.
    const table: Readonly<Record<(typeof REGIMES)[number], readonly Row[]>> = {
      gdpr: [
        { why: '31 Jan 2027 → 28 Feb (non-leap); extension to 30 Apr', receivedAt: '2027-01-31T10:00:00.000Z', zone: 'Europe/Rome', acknowledgeBy: null, due: '2027-02-28T22:59:59.999Z', extendedDue: '2027-04-30T21:59:59.999Z' },
        { why: '31 Jan 2028 → 29 Feb (leap)', receivedAt: '2028-01-31T10:00:00.000Z', zone: 'Europe/Rome', acknowledgeBy: null, due: '2028-02-29T22:59:59.999Z', extendedDue: '2028-04-30T21:59:59.999Z' },
        { why: '30 Jan 2027 → 28 Feb', receivedAt: '2027-01-30T10:00:00.000Z', zone: 'Europe/Rome', acknowledgeBy: null, due: '2027-02-28T22:59:59.999Z', extendedDue: '2027-04-30T21:59:59.999Z' },
        { why: '29 Feb 2024 → 29 Mar; extension to 29 May', receivedAt: '2024-02-29T10:00:00.000Z', zone: 'Europe/Rome', acknowledgeBy: null, due: '2024-03-29T22:59:59.999Z', extendedDue: '2024-05-29T21:59:59.999Z' },
        { why: '31 Mar → 30 Apr; extension to 30 Jun', receivedAt: '2026-03-31T08:00:00.000Z', zone: 'Europe/Rome', acknowledgeBy: null, due: '2026-04-30T21:59:59.999Z', extendedDue: '2026-06-30T21:59:59.999Z' },
        { why: '31 May → 30 Jun; extension to 31 Aug', receivedAt: '2026-05-31T08:00:00.000Z', zone: 'Europe/Rome', acknowledgeBy: null, due: '2026-06-30T21:59:59.999Z', extendedDue: '2026-08-31T21:59:59.999Z' },
        { why: '30 Aug → 30 Sep; extension to 30 Nov, across the October change', receivedAt: '2026-08-30T08:00:00.000Z', zone: 'Europe/Rome', acknowledgeBy: null, due: '2026-09-30T21:59:59.999Z', extendedDue: '2026-11-30T22:59:59.999Z' },
        { why: '10 Mar CET → 10 Apr CEST: the March change moves no deadline', receivedAt: '2026-03-10T10:00:00.000Z', zone: 'Europe/Rome', acknowledgeBy: null, due: '2026-04-10T21:59:59.999Z', extendedDue: '2026-06-10T21:59:59.999Z' },
        { why: '10 Oct CEST → 10 Nov CET', receivedAt: '2026-10-10T10:00:00.000Z', zone: 'Europe/Rome', acknowledgeBy: null, due: '2026-11-10T22:59:59.999Z', extendedDue: '2027-01-10T22:59:59.999Z' },
        { why: 'December → January rollover', receivedAt: '2026-12-15T09:00:00.000Z', zone: 'Europe/Rome', acknowledgeBy: null, due: '2027-01-15T22:59:59.999Z', extendedDue: '2027-03-15T22:59:59.999Z' },
        { why: '31 Dec → 31 Jan; extension to 31 Mar', receivedAt: '2026-12-31T12:00:00.000Z', zone: 'Europe/Rome', acknowledgeBy: null, due: '2027-01-31T22:59:59.999Z', extendedDue: '2027-03-31T21:59:59.999Z' },
        { why: '23:30 UTC on 31 Jan is 1 Feb in Rome → 1 Mar', receivedAt: '2026-01-31T23:30:00.000Z', zone: 'Europe/Rome', acknowledgeBy: null, due: '2026-03-01T22:59:59.999Z', extendedDue: '2026-05-01T21:59:59.999Z' },
        { why: 'the same instant counted in UTC is still 31 Jan → 28 Feb', receivedAt: '2026-01-31T23:30:00.000Z', zone: 'UTC', acknowledgeBy: null, due: '2026-02-28T23:59:59.999Z', extendedDue: '2026-04-30T23:59:59.999Z' },
        { why: 'the default zone (Brussels) also sees 1 Feb', receivedAt: '2026-01-31T23:30:00.000Z', acknowledgeBy: null, due: '2026-03-01T22:59:59.999Z', extendedDue: '2026-05-01T21:59:59.999Z' },
        { why: 'last millisecond of 30 Jun in Rome → 30 Jul', receivedAt: '2026-06-30T21:59:59.999Z', zone: 'Europe/Rome', acknowledgeBy: null, due: '2026-07-30T21:59:59.999Z', extendedDue: '2026-09-30T21:59:59.999Z' },
        { why: 'first millisecond of 1 Jul in Rome → 1 Aug', receivedAt: '2026-06-30T22:00:00.000Z', zone: 'Europe/Rome', acknowledgeBy: null, due: '2026-08-01T21:59:59.999Z', extendedDue: '2026-10-01T21:59:59.999Z' },
      ],
      'uk-gdpr': [
        { why: '31 Jan 2027 → 28 Feb GMT; extension to 30 Apr BST', receivedAt: '2027-01-31T10:00:00.000Z', acknowledgeBy: null, due: '2027-02-28T23:59:59.999Z', extendedDue: '2027-04-30T22:59:59.999Z' },
        { why: '31 Jan 2028 → 29 Feb (leap)', receivedAt: '2028-01-31T10:00:00.000Z', acknowledgeBy: null, due: '2028-02-29T23:59:59.999Z', extendedDue: '2028-04-30T22:59:59.999Z' },
        { why: '29 Feb 2024 → 29 Mar', receivedAt: '2024-02-29T12:00:00.000Z', acknowledgeBy: null, due: '2024-03-29T23:59:59.999Z', extendedDue: '2024-05-29T22:59:59.999Z' },
        { why: '23:30 UTC on 31 Jul is 1 Aug in London (BST) → 1 Sep; extension to 1 Nov GMT', receivedAt: '2026-07-31T23:30:00.000Z', acknowledgeBy: null, due: '2026-09-01T22:59:59.999Z', extendedDue: '2026-11-01T23:59:59.999Z' },
        { why: '31 Dec → 31 Jan; extension to 31 Mar BST', receivedAt: '2026-12-31T23:59:59.000Z', acknowledgeBy: null, due: '2027-01-31T23:59:59.999Z', extendedDue: '2027-03-31T22:59:59.999Z' },
      ],
      ccpa: [
        { why: 'Monday 2 Mar: ack Monday 16 Mar across the US spring change; due 16 Apr; extended 31 May', receivedAt: '2026-03-02T18:00:00.000Z', acknowledgeBy: '2026-03-17T06:59:59.999Z', due: '2026-04-17T06:59:59.999Z', extendedDue: '2026-06-01T06:59:59.999Z' },
        { why: 'Saturday 7 Mar: business days start Monday, ack Friday 20 Mar', receivedAt: '2026-03-07T20:00:00.000Z', acknowledgeBy: '2026-03-21T06:59:59.999Z', due: '2026-04-22T06:59:59.999Z', extendedDue: '2026-06-06T06:59:59.999Z' },
        { why: 'Sunday 11 Jan 20:00 PST (Monday in UTC): ack Friday 23 Jan, due 25 Feb', receivedAt: '2026-01-12T04:00:00.000Z', acknowledgeBy: '2026-01-24T07:59:59.999Z', due: '2026-02-26T07:59:59.999Z', extendedDue: '2026-04-12T06:59:59.999Z' },
        { why: 'Sunday 20 Dec: ack 1 Jan (holidays are not skipped), due 3 Feb, extended 20 Mar', receivedAt: '2026-12-20T20:00:00.000Z', acknowledgeBy: '2027-01-02T07:59:59.999Z', due: '2027-02-04T07:59:59.999Z', extendedDue: '2027-03-21T06:59:59.999Z' },
        { why: 'Monday 26 Oct PDT: ack Monday 9 Nov PST across the US autumn change', receivedAt: '2026-10-26T16:00:00.000Z', acknowledgeBy: '2026-11-10T07:59:59.999Z', due: '2026-12-11T07:59:59.999Z', extendedDue: '2027-01-25T07:59:59.999Z' },
        { why: 'counted in New York when the business is there', receivedAt: '2026-03-02T18:00:00.000Z', zone: 'America/New_York', acknowledgeBy: '2026-03-17T03:59:59.999Z', due: '2026-04-17T03:59:59.999Z', extendedDue: '2026-06-01T03:59:59.999Z' },
      ],
      lgpd: [
        { why: '31 Jan → 15 Feb, no extension', receivedAt: '2026-01-31T12:00:00.000Z', acknowledgeBy: null, due: '2026-02-16T02:59:59.999Z', extendedDue: null },
        { why: '20 Dec → 4 Jan over the new year', receivedAt: '2026-12-20T12:00:00.000Z', acknowledgeBy: null, due: '2027-01-05T02:59:59.999Z', extendedDue: null },
        { why: '02:30 UTC on 1 Mar is 28 Feb in São Paulo → 15 Mar', receivedAt: '2026-03-01T02:30:00.000Z', acknowledgeBy: null, due: '2026-03-16T02:59:59.999Z', extendedDue: null },
        { why: '20 Feb 2024 → 6 Mar through 29 Feb', receivedAt: '2024-02-20T15:00:00.000Z', acknowledgeBy: null, due: '2024-03-07T02:59:59.999Z', extendedDue: null },
      ],
      pipeda: [
        { why: '31 Jan 2026 → 2 Mar; extension to 1 Apr EDT', receivedAt: '2026-01-31T15:00:00.000Z', acknowledgeBy: null, due: '2026-03-03T04:59:59.999Z', extendedDue: '2026-04-02T03:59:59.999Z' },
        { why: '31 Jan 2028 → 1 Mar (leap); extension to 31 Mar', receivedAt: '2028-01-31T15:00:00.000Z', acknowledgeBy: null, due: '2028-03-02T04:59:59.999Z', extendedDue: '2028-04-01T03:59:59.999Z' },
        { why: '15 Dec → 14 Jan; extension to 13 Feb', receivedAt: '2026-12-15T20:00:00.000Z', acknowledgeBy: null, due: '2027-01-15T04:59:59.999Z', extendedDue: '2027-02-14T04:59:59.999Z' },
        { why: '03:00 UTC on 20 Feb is 19 Feb in Toronto → 21 Mar EDT; extension to 20 Apr', receivedAt: '2026-02-20T03:00:00.000Z', acknowledgeBy: null, due: '2026-03-22T03:59:59.999Z', extendedDue: '2026-04-21T03:59:59.999Z' },
      ],
    };

    for (const regime of REGIMES) {
      describe(`${regime} × access`, () => {
        for (const row of table[regime]) {
          it(`${row.receivedAt}${row.zone ? ` in ${row.zone}` : ''}: ${row.why}`, () => {
            const result = computeRequestDeadlines({ regime, type: 'access', receivedAt: at(row.receivedAt), zone: row.zone });
            assert.deepEqual(
              { acknowledgeBy: iso(result.acknowledgeBy), due: iso(result.due), extendedDue: iso(result.extendedDue) },
              { acknowledgeBy: row.acknowledgeBy, due: row.due, extendedDue: row.extendedDue },
            );
            assert.equal(result.regime, regime);
            assert.equal(result.type, 'access');
            assert.equal(iso(result.receivedAt), row.receivedAt);
            assert.equal(result.zone, row.zone ?? REGIME_PROFILES[regime].defaultZone);
            // The extension must be announced within the original period.
            assert.equal(iso(result.extensionNoticeBy), row.extendedDue === null ? null : row.due);
            assert.match(result.basis, new RegExp(result.zone));
          });
        }
      });
    }

    it('cites the law in the basis', () => {
      const receivedAt = at('2026-01-15T10:00:00.000Z');
      assert.match(computeRequestDeadlines({ regime: 'gdpr', type: 'access', receivedAt }).basis, /Art\. 12\(3\)/);
      assert.match(computeRequestDeadlines({ regime: 'ccpa', type: 'access', receivedAt }).basis, /1798\.130/);
      assert.match(computeRequestDeadlines({ regime: 'lgpd', type: 'access', receivedAt }).basis, /Art\. 19/);
      assert.match(computeRequestDeadlines({ regime: 'pipeda', type: 'access', receivedAt }).basis, /8\(3\)/);
    });

    it('keeps its own copy of receivedAt', () => {
      const receivedAt = at('2026-01-15T10:00:00.000Z');
      const result = computeRequestDeadlines({ regime: 'gdpr', type: 'access', receivedAt });
      receivedAt.setUTCFullYear(2030);
      assert.equal(iso(result.receivedAt), '2026-01-15T10:00:00.000Z');
    });

    /** Input as it arrives from outside TypeScript (CLI flags, JSON): loosely typed on purpose. */
    const fromOutside = (fields: Record<string, unknown>): RequestDeadlineInput =>
      Object.assign({ regime: 'gdpr', type: 'access', receivedAt: at('2026-01-15T10:00:00.000Z') }, fields);

    const invalid: [string, string, Record<string, unknown>][] = [
      // [field named, what is wrong, fields as they arrive]
      ['regime', 'an unknown regime', { regime: 'hipaa' }],
      ['regime', 'an upper-case regime id', { regime: 'GDPR' }],
      ['regime', 'a missing regime', { regime: undefined }],
      ['type', 'a request type with no clock yet', { type: 'erasure' }],
      ['type', 'an empty type', { type: '' }],
      ['receivedAt', 'an Invalid Date', { receivedAt: at('31/01/2026') }],
      ['receivedAt', 'an ISO string instead of a Date', { receivedAt: '2026-01-31T10:00:00Z' }],
      ['receivedAt', 'epoch milliseconds instead of a Date', { receivedAt: 1769853600000 }],
      ['zone', 'an unknown zone', { zone: 'Mars/Olympus' }],
      ['zone', 'a misspelt zone', { zone: 'Europe/Rom' }],
      ['zone', 'an empty zone', { zone: '' }],
      ['zone', 'a null zone', { zone: null }],
    ];
    for (const [field, what, fields] of invalid) {
      it(`refuses ${what}, naming ${field}`, () => {
        assertClockInputError(() => computeRequestDeadlines(fromOutside(fields)), field);
      });
    }
  });

  describe('breach deadline (GDPR Art. 33)', () => {
    const rows: [string, string, string][] = [
      ['across the EU spring change: 13:00 CET → 14:00 CEST on the wall, 72 real hours', '2026-03-27T12:00:00.000Z', '2026-03-30T12:00:00.000Z'],
      ['across the EU autumn change', '2026-10-24T22:15:00.000Z', '2026-10-27T22:15:00.000Z'],
      ['across the US spring change, to the millisecond', '2026-03-07T18:30:00.123Z', '2026-03-10T18:30:00.123Z'],
      ['over a month end in a leap year', '2028-02-27T23:59:59.999Z', '2028-03-01T23:59:59.999Z'],
    ];
    for (const [why, awarenessAt, due] of rows) {
      it(`${awarenessAt} → ${due}: ${why}`, () => {
        const result = computeBreachDeadline({ awarenessAt: at(awarenessAt) });
        assert.equal(iso(result.due), due);
        assert.equal(result.due.getTime() - result.awarenessAt.getTime(), 72 * HOUR_MS);
        assert.equal(iso(result.awarenessAt), awarenessAt);
        assert.match(result.basis, /Art\. 33/);
      });
    }

    it('shows the wall-clock hour moving while the instant does not', () => {
      const { awarenessAt, due } = computeBreachDeadline({ awarenessAt: at('2026-03-27T12:00:00.000Z') });
      assert.equal(plainSpaces(formatInZone(awarenessAt, 'Europe/Rome', 'it')), 'venerdì 27 marzo 2026 alle ore 13:00 CET');
      assert.equal(plainSpaces(formatInZone(due, 'Europe/Rome', 'it')), 'lunedì 30 marzo 2026 alle ore 14:00 CEST');
    });

    it('refuses an invalid awareness time naming awarenessAt', () => {
      assertClockInputError(() => computeBreachDeadline({ awarenessAt: at('yesterday') }), 'awarenessAt');
    });
  });

  describe('formatInZone', () => {
    const rows: [string, string, string, string][] = [
      ['2026-01-31T17:00:00.000Z', 'Europe/Rome', 'it', 'sabato 31 gennaio 2026 alle ore 18:00 CET'],
      ['2026-07-01T10:00:00.000Z', 'Europe/Rome', 'it', 'mercoledì 1 luglio 2026 alle ore 12:00 CEST'],
      ['2026-03-01T22:59:59.999Z', 'Europe/Rome', 'it', 'domenica 1 marzo 2026 alle ore 23:59 CET'],
      // The weekday first: Italian puts "da", "a" or nothing before it, never "il 8" / "dal 11" (l'8, dall'11).
      ['2027-01-08T09:00:00.000Z', 'Europe/Rome', 'it', 'venerdì 8 gennaio 2027 alle ore 10:00 CET'],
      ['2027-01-11T09:00:00.000Z', 'Europe/Rome', 'it', 'lunedì 11 gennaio 2027 alle ore 10:00 CET'],
      ['2026-01-31T17:00:00.000Z', 'America/Los_Angeles', 'en', 'Saturday, January 31, 2026 at 9:00 AM PST'],
      ['2026-04-17T06:59:59.999Z', 'America/Los_Angeles', 'en-US', 'Thursday, April 16, 2026 at 11:59 PM PDT'],
      ['2026-01-31T17:00:00.000Z', 'Europe/London', 'en-GB', 'Saturday, 31 January 2026 at 17:00 GMT'],
    ];
    for (const [instant, zone, locale, expected] of rows) {
      it(`${instant} in ${zone}, ${locale}: ${expected}`, () => {
        assert.equal(plainSpaces(formatInZone(at(instant), zone, locale)), expected);
      });
    }

    it('refuses an unknown zone, a malformed locale and an invalid instant, naming each', () => {
      assertClockInputError(() => formatInZone(at('2026-01-31T17:00:00Z'), 'Europe/Atlantis', 'it'), 'zone');
      assertClockInputError(() => formatInZone(at('2026-01-31T17:00:00Z'), 'Europe/Rome', 'en_US!'), 'locale');
      assertClockInputError(() => formatInZone(at('never'), 'Europe/Rome', 'it'), 'instant');
    });
  });

  describe('formatDateInZone (a deadline as the customer is told it)', () => {
    // A GDPR deadline ends at 23:59:59.999 in Brussels: the date it ends on, in the customer's zone.
    const due = '2027-01-08T22:59:59.999Z';
    const rows: [string, string, string][] = [
      ['Europe/Rome', 'it', 'venerdì 8 gennaio 2027'],
      ['Europe/Rome', 'en', 'Friday, January 8, 2027'],
      ['America/Los_Angeles', 'en', 'Friday, January 8, 2027'],
      ['Asia/Tokyo', 'en', 'Saturday, January 9, 2027'],
    ];
    for (const [zone, locale, expected] of rows) {
      it(`${due} in ${zone}, ${locale}: ${expected}`, () => {
        assert.equal(plainSpaces(formatDateInZone(at(due), zone, locale)), expected);
      });
    }

    it('refuses an unknown zone, a malformed locale and an invalid instant, naming each', () => {
      assertClockInputError(() => formatDateInZone(at(due), 'Europe/Atlantis', 'it'), 'zone');
      assertClockInputError(() => formatDateInZone(at(due), 'Europe/Rome', 'en_US!'), 'locale');
      assertClockInputError(() => formatDateInZone(at('never'), 'Europe/Rome', 'it'), 'instant');
    });
  });

  it('stays a pure domain module: imports nothing but its siblings', () => {
    const dir = path.resolve(__dirname, '../../src/privacy/clocks');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(path.join(dir, file), 'utf8');
      for (const [, target] of source.matchAll(/from\s+'([^']+)'/g)) {
        assert.match(target ?? '', /^\.\/[a-z-]+$/, `${file} imports ${target}`);
      }
    }
  });
});
