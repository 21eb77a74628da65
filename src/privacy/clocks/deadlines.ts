/**
 * Legal deadlines of data-subject requests and breach notifications, computed from the rules in
 * `regimes.ts`. Pure functions of their input: no clock reads, no I/O, no framework types.
 *
 * Interpretation, applied to every calendar-counted deadline (days, months, business days):
 * - The count runs on the calendar of one IANA zone: the caller's `zone` (the controller's), else the
 *   regime's default (`REGIME_PROFILES`). The receipt date is the date in that zone: 23:30 UTC on
 *   31 January is 1 February in Rome.
 * - The deadline is the end of the last day, 23:59:59.999 in that zone, not the instant of receipt
 *   plus the period: Reg. 1182/71 Art. 3(2)(c) ends a period "with the expiry of the last hour" of its
 *   last day, and Cal. Civ. Code § 10 counts the last day whole. A customer is told a date, so the
 *   whole date is theirs.
 * - A last day on a weekend or public holiday is not moved to the next working day (1182/71 Art. 3(4)
 *   and the ICO would allow it): holidays differ by country, and the earlier date is always compliant.
 * Breach deadlines are real elapsed time (72 hours, to the millisecond), never rounded.
 */
import { addBusinessDays, addCalendarDays, addCalendarMonths, addHours, assertInstant, assertTimeZone, endOfDayInZone } from './calendar';
import { ClockInputError } from './clock-errors';
import {
  BREACH_NOTIFICATION_RULE,
  BreachPeriod,
  CalendarPeriod,
  REGIMES,
  REGIME_PROFILES,
  REQUEST_TYPES,
  Regime,
  RequestType,
  findBreachClockRule,
  findRequestClockRule,
  isRegime,
  isRequestType,
} from './regimes';

/** Input of {@link computeRequestDeadlines}. Strings are validated here, so untrusted input may be passed. */
export interface RequestDeadlineInput {
  /** One of `REGIMES`, e.g. `'gdpr'`. */
  readonly regime: string;
  /** One of `REQUEST_TYPES`, e.g. `'access'`. */
  readonly type: string;
  /** When the request reached the controller (any channel), as an instant. */
  readonly receivedAt: Date;
  /** IANA zone of the controller whose calendar counts the days. @default the regime's `defaultZone` */
  readonly zone?: string;
}

/** The statutory instants of one request. Dates are instants (UTC); show them with {@link formatInZone}. */
export interface RequestDeadlines {
  readonly regime: Regime;
  readonly type: RequestType;
  readonly receivedAt: Date;
  /** Confirm receipt by this instant, or `null` where the law sets no deadline (GDPR, UK GDPR, LGPD, PIPEDA). */
  readonly acknowledgeBy: Date | null;
  /** Answer by this instant. */
  readonly due: Date;
  /** Latest answer with the extension, or `null` where none is allowed (LGPD). */
  readonly extendedDue: Date | null;
  /** Last instant to tell the customer about an extension (the original `due`), or `null` with no extension. */
  readonly extensionNoticeBy: Date | null;
  /** The zone whose calendar counted the days. */
  readonly zone: string;
  /** Legal source and counting rule, for the ledger and the privacy team. */
  readonly basis: string;
}

/** The end of the day on which `period`, counted from `receivedAt` on the calendar of `zone`, lands. */
function deadlineAfter(receivedAt: Date, period: CalendarPeriod, zone: string): Date {
  const landed =
    period.unit === 'months'
      ? addCalendarMonths(receivedAt, period.amount, zone)
      : period.unit === 'days'
        ? addCalendarDays(receivedAt, period.amount, zone)
        : addBusinessDays(receivedAt, period.amount, zone);
  return endOfDayInZone(landed, zone);
}

/**
 * Acknowledge-by, due and extended-due instants of a data-subject request.
 * @throws ClockInputError (code `PSB_CLOCK_INPUT`) naming the field: unknown `regime` or `type`, a
 *   `type` the regime has no clock for, an invalid `receivedAt`, an unknown `zone`.
 */
export function computeRequestDeadlines(input: RequestDeadlineInput): RequestDeadlines {
  const { regime, type } = input;
  if (!isRegime(regime)) throw new ClockInputError('regime', `regime must be one of ${REGIMES.join(', ')}; got "${String(regime)}"`);
  if (!isRequestType(type)) throw new ClockInputError('type', `type must be one of ${REQUEST_TYPES.join(', ')}; got "${String(type)}"`);
  const receivedAt = new Date(assertInstant(input.receivedAt, 'receivedAt').getTime());
  const zone = input.zone === undefined ? REGIME_PROFILES[regime].defaultZone : assertTimeZone(input.zone, 'zone');
  const rule = findRequestClockRule(regime, type);
  if (!rule) throw new ClockInputError('type', `regime "${regime}" has no statutory clock for request type "${type}"`);

  const due = deadlineAfter(receivedAt, rule.due, zone);
  const extendedDue = rule.extendedDue ? deadlineAfter(receivedAt, rule.extendedDue, zone) : null;
  return Object.freeze({
    regime,
    type,
    receivedAt,
    acknowledgeBy: rule.acknowledge ? deadlineAfter(receivedAt, rule.acknowledge, zone) : null,
    due,
    extendedDue,
    extensionNoticeBy: extendedDue ? due : null,
    zone,
    basis: `${rule.basis}. Counted on the calendar of ${zone}; each deadline ends at 23:59:59.999 there.`,
  });
}

/** Input of {@link computeBreachDeadline}. */
export interface BreachDeadlineInput {
  /** When the controller became aware of the personal-data breach. */
  readonly awarenessAt: Date;
}

/** The authority-notification deadline of a breach. */
export interface BreachDeadline {
  readonly awarenessAt: Date;
  /** `awarenessAt` + 72 hours of real time. */
  readonly due: Date;
  readonly basis: string;
}

/**
 * Deadline to notify the supervisory authority of a personal-data breach: exactly 72 hours after
 * awareness, whatever the clocks on the wall do in between.
 * @throws ClockInputError (code `PSB_CLOCK_INPUT`, field `awarenessAt`) on an invalid Date.
 */
export function computeBreachDeadline(input: BreachDeadlineInput): BreachDeadline {
  const awarenessAt = new Date(assertInstant(input.awarenessAt, 'awarenessAt').getTime());
  return Object.freeze({
    awarenessAt,
    due: addHours(awarenessAt, BREACH_NOTIFICATION_RULE.hours),
    basis: BREACH_NOTIFICATION_RULE.basis,
  });
}

/** Input of {@link computeBreachClock}. Strings are validated here, so untrusted input may be passed. */
export interface BreachClockInput {
  /** One of `REGIMES`. */
  readonly regime: string;
  /** When the controller became aware of the breach. */
  readonly awarenessAt: Date;
  /** IANA zone whose calendar counts working days (LGPD). @default the regime's `defaultZone` */
  readonly zone?: string;
}

/** The authority deadline of a breach under one regime. */
export interface RegimeBreachClock {
  readonly regime: Regime;
  readonly awarenessAt: Date;
  /** The deadline instant, or `null` where the law sets none from awareness ("as soon as feasible"). */
  readonly dueAt: Date | null;
  /** "72 hours", "3 working days", "as soon as feasible", "no deadline from awareness". */
  readonly rule: string;
  readonly basis: string;
  /** The zone whose calendar counted the days; `null` for real hours or no deadline. */
  readonly zone: string | null;
}

function breachDue(awarenessAt: Date, period: BreachPeriod, zone: string): { dueAt: Date; zone: string | null } {
  if (period.unit === 'hours') return { dueAt: addHours(awarenessAt, period.amount), zone: null };
  return { dueAt: deadlineAfter(awarenessAt, period, zone), zone };
}

/**
 * The authority deadline of a personal-data breach under `regime`: GDPR and UK GDPR 72 hours of real
 * time from awareness; LGPD the end of the third working day after awareness on the São Paulo calendar;
 * PIPEDA and CCPA no fixed deadline from awareness (`dueAt: null`).
 * @throws ClockInputError naming `regime`, `awarenessAt` or `zone`.
 */
export function computeBreachClock(input: BreachClockInput): RegimeBreachClock {
  const { regime } = input;
  if (!isRegime(regime)) throw new ClockInputError('regime', `regime must be one of ${REGIMES.join(', ')}; got "${String(regime)}"`);
  const awarenessAt = new Date(assertInstant(input.awarenessAt, 'awarenessAt').getTime());
  const zone = input.zone === undefined ? REGIME_PROFILES[regime].defaultZone : assertTimeZone(input.zone, 'zone');
  const rule = findBreachClockRule(regime);
  const due = rule.period === null ? { dueAt: null, zone: null } : breachDue(awarenessAt, rule.period, zone);
  return Object.freeze({ regime, awarenessAt, dueAt: due.dueAt, rule: rule.rule, basis: rule.basis, zone: due.zone });
}

/** One clock per regime, in the order given (duplicates once). */
export function computeBreachClocks(regimes: readonly string[], awarenessAt: Date): RegimeBreachClock[] {
  return [...new Set(regimes)].map((regime) => computeBreachClock({ regime, awarenessAt }));
}

/** One display formatter per locale × zone, built once: Intl formatters are costly to create. */
const displayFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * `instant` as a customer reads it: weekday, date, time and zone name in their own zone and language,
 * e.g. `sabato 31 gennaio 2026 alle ore 18:00 CET` (it, Europe/Rome) or `Saturday, January 31, 2026 at
 * 9:00 AM PST` (en, America/Los_Angeles). The weekday lets Italian put a preposition before any day
 * without an article ("da venerdì 8 gennaio", "fino a martedì 1 giugno"): "dal 8" and "il 1" are
 * wrong, and no one wording suits every day of the month. Exact wording is ICU's and may change with
 * the Node version.
 * @throws ClockInputError naming `instant`, `zone` or `locale`.
 */
export function formatInZone(instant: Date, zone: string, locale: string): string {
  assertInstant(instant, 'instant');
  assertTimeZone(zone, 'zone');
  const key = `${locale}\u0000${zone}`;
  let formatter = displayFormatters.get(key);
  if (!formatter) {
    // Intl reads a missing locale as the host's: refuse it rather than depend on the machine.
    if (typeof locale !== 'string' || locale.length === 0) throw new ClockInputError('locale', `locale must be a BCP 47 language tag such as "it" or "en-GB", got ${String(locale)}`);
    try {
      formatter = new Intl.DateTimeFormat(locale, {
        timeZone: zone,
        weekday: 'long',
        year: 'numeric',
        month: 'long',
        day: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
        timeZoneName: 'short',
      });
    } catch {
      throw new ClockInputError('locale', `locale must be a BCP 47 language tag such as "it" or "en-GB", got "${String(locale)}"`);
    }
    displayFormatters.set(key, formatter);
  }
  return formatter.format(instant);
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar date of `instant` in `zone`, with its weekday, written out in `locale` ("Sunday, 28 February
 * 2027", "domenica 28 febbraio 2027"): how a customer is told a deadline ("by …"). The weekday also spares
 * Italian the article before the day ("entro domenica 28", never "entro il 8"). The date is the one on which the
 * deadline's last instant falls in the customer's zone: shown far west of the controller it may be the day
 * before, far east the day after — the same instant either way.
 * @throws ClockInputError for an invalid instant, zone or locale.
 */
export function formatDateInZone(instant: Date, zone: string, locale: string): string {
  assertInstant(instant, 'instant');
  assertTimeZone(zone, 'zone');
  const key = `${locale}\u0000${zone}`;
  let formatter = dateFormatters.get(key);
  if (!formatter) {
    if (typeof locale !== 'string' || locale.length === 0) throw new ClockInputError('locale', `locale must be a BCP 47 language tag such as "it" or "en-GB", got ${String(locale)}`);
    try {
      formatter = new Intl.DateTimeFormat(locale, { timeZone: zone, weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
    } catch {
      throw new ClockInputError('locale', `locale must be a BCP 47 language tag such as "it" or "en-GB", got "${String(locale)}"`);
    }
    dateFormatters.set(key, formatter);
  }
  return formatter.format(instant);
}
