import assert from 'node:assert/strict';
import { CLOCK_INPUT_ERROR_CODE, ClockInputError } from '../../src/privacy/clocks/clock-errors';
import { computeBreachClock, computeBreachClocks, computeBreachDeadline, formatInZone } from '../../src/privacy/clocks/deadlines';
import { BREACH_CLOCK_RULES, REGIMES } from '../../src/privacy/clocks/regimes';

const at = (iso: string): Date => new Date(iso);
const HOUR_MS = 60 * 60 * 1000;
/** Intl separates time parts with narrow or no-break spaces; compare with plain ones. */
const plainSpaces = (text: string): string => text.replace(/[\u00a0\u202f]/g, ' ');

describe('breach clocks per regime (authority notification)', () => {
  it('has one rule per regime, each citing its law', () => {
    assert.deepEqual(BREACH_CLOCK_RULES.map((r) => r.regime).sort(), [...REGIMES].sort());
    const basis = Object.fromEntries(BREACH_CLOCK_RULES.map((r) => [r.regime, r.basis]));
    assert.match(basis.gdpr, /GDPR Art\. 33\(1\)/);
    assert.match(basis['uk-gdpr'], /UK GDPR Art\. 33\(1\)/);
    assert.match(basis.lgpd, /CD\/ANPD nº 15\/2024 Art\. 6/);
    assert.match(basis.pipeda, /s\. 10\.1/);
    assert.match(basis.ccpa, /1798\.82/);
  });

  describe('GDPR and UK GDPR: 72 hours of real time from awareness', () => {
    const rows: [string, string, string, string][] = [
      // [why, regime, awareness, due]
      ['across the EU spring change (29 March 2026): 72 real hours, the wall clock in Rome moves one hour more', 'gdpr', '2026-03-27T12:00:00.000Z', '2026-03-30T12:00:00.000Z'],
      ['across the EU autumn change (25 October 2026)', 'gdpr', '2026-10-24T22:15:00.000Z', '2026-10-27T22:15:00.000Z'],
      ['across the UK spring change (28 March 2027), to the millisecond', 'uk-gdpr', '2027-03-27T09:00:00.123Z', '2027-03-30T09:00:00.123Z'],
      ['over a month end in a leap year', 'gdpr', '2028-02-27T23:59:59.999Z', '2028-03-01T23:59:59.999Z'],
    ];
    for (const [why, regime, awarenessAt, due] of rows) {
      it(`${regime} ${awarenessAt} → ${due}: ${why}`, () => {
        const clock = computeBreachClock({ regime, awarenessAt: at(awarenessAt) });
        assert.equal(clock.dueAt?.toISOString(), due);
        assert.equal((clock.dueAt?.getTime() ?? 0) - clock.awarenessAt.getTime(), 72 * HOUR_MS);
        assert.deepEqual([clock.rule, clock.zone], ['72 hours', null]);
      });
    }

    it('says the same instant as the existing GDPR deadline', () => {
      const awarenessAt = at('2026-03-27T12:00:00.000Z');
      assert.deepEqual(computeBreachClock({ regime: 'gdpr', awarenessAt }).dueAt, computeBreachDeadline({ awarenessAt }).due);
    });

    it('shows the wall clock in Rome moving from CET to CEST while the 72 hours do not', () => {
      const clock = computeBreachClock({ regime: 'gdpr', awarenessAt: at('2026-03-27T12:00:00.000Z') });
      assert.equal(plainSpaces(formatInZone(clock.awarenessAt, 'Europe/Rome', 'en')), 'Friday, March 27, 2026 at 1:00 PM GMT+1');
      assert.equal(plainSpaces(formatInZone(clock.dueAt!, 'Europe/Rome', 'en')), 'Monday, March 30, 2026 at 2:00 PM GMT+2');
    });
  });

  describe('LGPD: 3 working days on the São Paulo calendar, the last day whole', () => {
    const rows: [string, string, string][] = [
      ['aware on a Wednesday: Thursday, Friday, Monday', '2026-11-25T13:00:00.000Z', '2026-12-01T02:59:59.999Z'],
      ['aware on a Friday: the weekend is not counted', '2026-11-27T18:00:00.000Z', '2026-12-03T02:59:59.999Z'],
      ['aware on a Saturday: Monday to Wednesday', '2026-11-28T12:00:00.000Z', '2026-12-03T02:59:59.999Z'],
      ['aware at 23:30 on a Thursday in São Paulo (already Friday in UTC): the Brazilian date counts', '2026-11-27T02:30:00.000Z', '2026-12-02T02:59:59.999Z'],
    ];
    for (const [why, awarenessAt, due] of rows) {
      it(`${awarenessAt} → ${due}: ${why}`, () => {
        const clock = computeBreachClock({ regime: 'lgpd', awarenessAt: at(awarenessAt) });
        assert.equal(clock.dueAt?.toISOString(), due);
        assert.deepEqual([clock.rule, clock.zone], ['3 working days', 'America/Sao_Paulo']);
        assert.match(plainSpaces(formatInZone(clock.dueAt!, 'America/Sao_Paulo', 'en')), /at 11:59 PM/);
      });
    }
  });

  describe('PIPEDA and CCPA: no deadline from awareness', () => {
    it('PIPEDA is "as soon as feasible", with no instant', () => {
      const clock = computeBreachClock({ regime: 'pipeda', awarenessAt: at('2026-11-29T10:00:00Z') });
      assert.deepEqual([clock.dueAt, clock.rule, clock.zone], [null, 'as soon as feasible', null]);
    });

    it('CCPA has no authority deadline from awareness; the basis names the California breach law', () => {
      const clock = computeBreachClock({ regime: 'ccpa', awarenessAt: at('2026-11-29T10:00:00Z') });
      assert.deepEqual([clock.dueAt, clock.rule], [null, 'no deadline from awareness']);
      assert.match(clock.basis, /30 calendar days/);
    });
  });

  it('gives one clock per regime of an incident, duplicates once', () => {
    const clocks = computeBreachClocks(['gdpr', 'lgpd', 'gdpr', 'pipeda'], at('2026-11-25T13:00:00.000Z'));
    assert.deepEqual(
      clocks.map((c) => [c.regime, c.dueAt?.toISOString() ?? null]),
      [
        ['gdpr', '2026-11-28T13:00:00.000Z'],
        ['lgpd', '2026-12-01T02:59:59.999Z'],
        ['pipeda', null],
      ],
    );
  });

  it('refuses an unknown regime, an invalid awareness and an unknown zone, naming each', () => {
    const refuses = (fn: () => unknown, field: string): void =>
      assert.throws(fn, (err: unknown) => err instanceof ClockInputError && err.code === CLOCK_INPUT_ERROR_CODE && err.field === field);
    refuses(() => computeBreachClock({ regime: 'hipaa', awarenessAt: at('2026-11-25T13:00:00Z') }), 'regime');
    refuses(() => computeBreachClock({ regime: 'gdpr', awarenessAt: at('yesterday') }), 'awarenessAt');
    refuses(() => computeBreachClock({ regime: 'lgpd', awarenessAt: at('2026-11-25T13:00:00Z'), zone: 'Mars/Olympus' }), 'zone');
  });
});
