/**
 * Calendar arithmetic on UTC instants, counted on the wall clock of an IANA time zone.
 *
 * Instants are `Date`s (UTC). Calendar units (days, months, business days) are counted on the
 * wall-clock date in `zone`, keeping the wall-clock time of day, so a daylight-saving change never
 * moves a result by an hour (28 March 12:00 Rome + 1 day = 29 March 12:00 Rome, 23 real hours).
 * Hours are real elapsed time and ignore zones altogether.
 *
 * Only `Intl` and plain Date arithmetic: no time-zone library. Wall times that do not exist (the
 * hour skipped in spring) resolve forward, and ambiguous ones (the hour repeated in autumn) resolve
 * to the earlier instant: Temporal's `disambiguation: 'compatible'`.
 */
import { ClockInputError } from './clock-errors';

/** Wall-clock reading in a time zone. `month` is 1–12; the rest as on a clock. */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

const MS_PER_HOUR = 60 * 60 * 1000;
const MS_PER_DAY = 24 * MS_PER_HOUR;

/** One `formatToParts` formatter per zone: building an Intl formatter is costly, reading is cheap. */
const wallFormatters = new Map<string, Intl.DateTimeFormat>();

function wallFormatter(zone: string): Intl.DateTimeFormat {
  const cached = wallFormatters.get(zone);
  if (cached) return cached;
  // Intl reads a missing zone as the host's zone: refuse it rather than depend on the machine.
  if (typeof zone !== 'string' || zone.length === 0) throw new ClockInputError('zone', `zone must be an IANA time zone such as "Europe/Rome", got ${String(zone)}`);
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new ClockInputError('zone', `zone must be an IANA time zone such as "Europe/Rome", got "${zone}"`);
  }
  wallFormatters.set(zone, formatter);
  return formatter;
}

/** True when `zone` is a time zone `Intl` knows (IANA names such as `America/Los_Angeles`, or `UTC`). */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone.length === 0) return false;
  try {
    wallFormatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** Throws {@link ClockInputError} naming `field` unless `zone` is a known time zone. */
export function assertTimeZone(zone: unknown, field = 'zone'): string {
  if (!isTimeZone(zone)) throw new ClockInputError(field, `${field} must be an IANA time zone such as "Europe/Rome", got "${String(zone)}"`);
  return zone;
}

/** Throws {@link ClockInputError} naming `field` unless `value` is a Date holding a real instant. */
export function assertInstant(value: unknown, field = 'instant'): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new ClockInputError(field, `${field} must be a valid Date, got ${value instanceof Date ? 'Invalid Date' : typeof value}`);
  }
  return value;
}

function assertInteger(n: unknown, field = 'n'): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new ClockInputError(field, `${field} must be a whole number, got ${String(n)}`);
  return n;
}

/** Milliseconds since the epoch of a wall time read as if it were UTC (years 0–99 kept as such). */
function wallToUtcMs(wall: WallTime): number {
  const date = new Date(0);
  date.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  date.setUTCHours(wall.hour, wall.minute, wall.second, wall.millisecond);
  return date.getTime();
}

function utcMsToWall(ms: number): WallTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

/** The wall-clock reading of `instant` in `zone`. */
export function wallTimeInZone(instant: Date, zone: string): WallTime {
  assertInstant(instant);
  const fields: Record<string, number> = {};
  let bc = false;
  for (const part of wallFormatter(zone).formatToParts(instant)) {
    if (part.type === 'era') bc = part.value === 'BC';
    else if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const year = fields.year ?? Number.NaN;
  return {
    year: bc ? 1 - year : year,
    month: fields.month ?? Number.NaN,
    day: fields.day ?? Number.NaN,
    hour: fields.hour ?? Number.NaN,
    minute: fields.minute ?? Number.NaN,
    second: fields.second ?? Number.NaN,
    // Zone offsets are whole seconds, so the milliseconds are the same everywhere.
    millisecond: instant.getUTCMilliseconds(),
  };
}

/** Offset of `zone` from UTC at the instant `ms`, in milliseconds (Rome in winter: +3 600 000). */
function offsetMs(ms: number, zone: string): number {
  const instant = new Date(ms);
  return wallToUtcMs(wallTimeInZone(instant, zone)) - ms;
}

/**
 * The instant at which the clocks in `zone` read `wall`. A wall time skipped by a spring-forward
 * change resolves to the same distance past the change (02:30 → 03:30); a wall time repeated in
 * autumn resolves to its first occurrence.
 */
export function instantFromWallTime(wall: WallTime, zone: string): Date {
  const local = wallToUtcMs(wall);
  // At most one offset change lies within a day of any wall time in real zones.
  const offsetBefore = offsetMs(local - MS_PER_DAY, zone);
  const offsetAfter = offsetMs(local + MS_PER_DAY, zone);
  const candidates = [local - offsetBefore, local - offsetAfter]
    .filter((ms) => offsetMs(ms, zone) === local - ms)
    .sort((a, b) => a - b);
  const first = candidates[0];
  // No candidate: the wall time fell in a gap; reading it with the earlier offset lands past the gap.
  return new Date(first ?? local - offsetBefore);
}

function daysInMonth(year: number, month: number): number {
  return utcMsToWall(wallToUtcMs({ year, month: month + 1, day: 0, hour: 0, minute: 0, second: 0, millisecond: 0 })).day;
}

/**
 * `n` calendar months after `instant`, at the same wall-clock time in `zone` (default UTC).
 * The day of the month is kept, or clamped to the month's last day when the target month is
 * shorter: 31 January + 1 month = 28 February (29 in a leap year); 29 February 2024 + 12 months =
 * 28 February 2025. This is the "same date of the following month, or its last day" reading of
 * Regulation (EEC, Euratom) No 1182/71 Art. 3(2)(c), used by the EDPB for GDPR Art. 12(3).
 * `n` may be negative.
 */
export function addCalendarMonths(instant: Date, n: number, zone = 'UTC'): Date {
  assertInstant(instant);
  assertInteger(n);
  const wall = wallTimeInZone(instant, zone);
  const monthIndex = wall.year * 12 + (wall.month - 1) + n;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  const day = Math.min(wall.day, daysInMonth(year, month));
  return instantFromWallTime({ ...wall, year, month, day }, zone);
}

/**
 * `n` calendar days after `instant`, at the same wall-clock time in `zone` (default UTC): across a
 * daylight-saving change a "day" is 23 or 25 real hours. `n` may be negative.
 */
export function addCalendarDays(instant: Date, n: number, zone = 'UTC'): Date {
  assertInstant(instant);
  assertInteger(n);
  const wall = wallTimeInZone(instant, zone);
  const date = utcMsToWall(wallToUtcMs({ ...wall, hour: 0, minute: 0, second: 0, millisecond: 0 }) + n * MS_PER_DAY);
  return instantFromWallTime({ ...wall, year: date.year, month: date.month, day: date.day }, zone);
}

/**
 * `n` business days after `instant`, at the same wall-clock time in `zone`. A business day is
 * Monday to Friday on the calendar of `zone` (where the business is: a Friday evening in Los
 * Angeles is already Saturday in UTC). The starting day is not counted, so a Saturday + 1 business
 * day is the Monday, and a Monday + 10 is the Monday two weeks later. Public holidays are not
 * skipped: the result is never later than a holiday-aware count. `n` may be negative.
 */
export function addBusinessDays(instant: Date, n: number, zone: string): Date {
  assertInstant(instant);
  assertInteger(n);
  assertTimeZone(zone);
  const wall = wallTimeInZone(instant, zone);
  const step = n < 0 ? -1 : 1;
  let dayMs = wallToUtcMs({ ...wall, hour: 0, minute: 0, second: 0, millisecond: 0 });
  for (let left = Math.abs(n); left > 0; ) {
    dayMs += step * MS_PER_DAY;
    const day = new Date(dayMs).getUTCDay();
    if (day !== 0 && day !== 6) left -= 1;
  }
  const date = utcMsToWall(dayMs);
  return instantFromWallTime({ ...wall, year: date.year, month: date.month, day: date.day }, zone);
}

/** `n` hours of real elapsed time after `instant` (n may be fractional or negative); zones play no part. */
export function addHours(instant: Date, n: number): Date {
  assertInstant(instant);
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new ClockInputError('n', `n must be a finite number of hours, got ${String(n)}`);
  return new Date(instant.getTime() + n * MS_PER_HOUR);
}

/**
 * The last millisecond (23:59:59.999) of the calendar day that `instant` falls on in `zone`. In a zone
 * whose clocks fall back at midnight that wall time occurs twice: the first, earlier one is returned.
 */
export function endOfDayInZone(instant: Date, zone: string): Date {
  const wall = wallTimeInZone(instant, zone);
  return instantFromWallTime({ ...wall, hour: 23, minute: 59, second: 59, millisecond: 999 }, zone);
}
