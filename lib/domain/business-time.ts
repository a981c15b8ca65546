import { type BusinessDuration, durationMs } from './business-duration.js';
import type { BusinessHours } from './business-hours.js';
import {
  addLocalDays,
  formatLocalDate,
  type LocalDate,
  localDateAt,
  weekdayOf,
  zonedInstant,
} from './zoned-time.js';

/**
 * Business time is real elapsed time inside working spans: from `from` to `to` on the wall clock of the
 * hours' zone, on working weekdays that are not holidays (`YYYY-MM-DD` in that same zone). A span on a
 * day the clocks change is as long as the clock says it is (09:00–17:30 stays 8½ hours unless the
 * change falls inside it, as it does for a whole-day span: 23 or 25 hours).
 */

/** One working span, as instants (milliseconds). */
interface Span {
  start: number;
  end: number;
}

function isWorkingDay(date: LocalDate, hours: BusinessHours, holidays: ReadonlySet<string>): boolean {
  return hours.weekdays.has(weekdayOf(date)) && !holidays.has(formatLocalDate(date));
}

/**
 * The working spans that end after `fromMs`, in order, beginning on the local day of `fromMs` (a span
 * never crosses local midnight). Holidays are finite and every week has a working day, so the next span
 * is always found.
 */
function* spansFrom(fromMs: number, hours: BusinessHours, holidays: ReadonlySet<string>): Generator<Span> {
  if (hours.weekdays.size === 0) throw new RangeError('business hours without a working day never end');
  let date = localDateAt(new Date(fromMs), hours.timeZone);
  for (;;) {
    if (isWorkingDay(date, hours, holidays)) {
      const start = zonedInstant(date, hours.fromMinute, hours.timeZone).getTime();
      const end = zonedInstant(date, hours.toMinute, hours.timeZone).getTime();
      if (end > fromMs && end > start) yield { start, end };
    }
    date = addLocalDays(date, 1);
  }
}

/**
 * The instant `amountMs` of business time after `start`: where a promise made at `start` falls due. A
 * start outside working hours counts from the next working span; an amount that runs exactly to the end
 * of a span is due at that end (17:30, not the next morning).
 */
export function addBusinessMs(
  start: Date,
  amountMs: number,
  hours: BusinessHours,
  holidays: ReadonlySet<string>,
): Date {
  const startMs = start.getTime();
  let remaining = Math.max(0, amountMs);
  for (const span of spansFrom(startMs, hours, holidays)) {
    const from = Math.max(span.start, startMs);
    if (remaining <= span.end - from) return new Date(from + remaining);
    remaining -= span.end - from;
  }
  throw new Error('unreachable: spans never run out');
}

/** The instant `duration` of business time (`90m`, `4h`, `2d`) after `start`: the due time of a promise. */
export function addBusinessTime(
  start: Date,
  duration: BusinessDuration,
  hours: BusinessHours,
  holidays: ReadonlySet<string>,
): Date {
  return addBusinessMs(start, durationMs(duration, hours), hours, holidays);
}

/**
 * Business time from `a` to `b` in milliseconds (0 when `b` is not after `a`): how long a customer waited
 * for an answer, counting only the owner's working hours.
 */
export function businessTimeBetween(
  a: Date,
  b: Date,
  hours: BusinessHours,
  holidays: ReadonlySet<string>,
): number {
  const startMs = a.getTime();
  const endMs = b.getTime();
  let total = 0;
  if (endMs <= startMs) return 0;
  for (const span of spansFrom(startMs, hours, holidays)) {
    if (span.start >= endMs) break;
    total += Math.min(span.end, endMs) - Math.max(span.start, startMs);
  }
  return total;
}

/**
 * When the owner is nudged about a promise made at `start`: after the share `nudgeAt` (0 to 1) of its
 * business time has passed. Rounded to the whole second, as the times of mails are.
 */
export function nudgeTime(
  start: Date,
  duration: BusinessDuration,
  nudgeAt: number,
  hours: BusinessHours,
  holidays: ReadonlySet<string>,
): Date {
  const share = Math.min(1, Math.max(0, nudgeAt));
  const amount = Math.round((durationMs(duration, hours) * share) / 1000) * 1000;
  return addBusinessMs(start, amount, hours, holidays);
}

/** Whether `instant` lies inside a working span of `hours`. */
export function isWithinBusinessHours(
  instant: Date,
  hours: BusinessHours,
  holidays: ReadonlySet<string>,
): boolean {
  const at = instant.getTime();
  const next = spansFrom(at, hours, holidays).next();
  return !next.done && next.value.start <= at && at < next.value.end;
}
