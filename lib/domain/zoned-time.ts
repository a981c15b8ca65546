/**
 * Wall-clock arithmetic in IANA time zones, on top of `Intl.DateTimeFormat` (the platform's tz database):
 * no offset table of our own, so the rules stay as current as the Node.js build.
 */

/** A calendar day, as a wall calendar in some zone shows it. */
export interface LocalDate {
  year: number;
  /** 1–12. */
  month: number;
  /** 1–31. */
  day: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * Zones are named by the configuration and by operators (an owner's hours), never by mail, so few are
 * ever seen; the bound only keeps a long-running process from growing with a stream of new names.
 */
const MAX_FORMATTERS = 64;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size >= MAX_FORMATTERS) formatters.delete(formatters.keys().next().value as string);
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether `name` is a time zone the platform knows (an IANA name such as `Europe/Berlin`, or `UTC`). */
export function isKnownTimeZone(name: string): boolean {
  if (name.trim() === '' || name !== name.trim()) return false;
  try {
    // The formatter a known zone's arithmetic needs anyway, built once: the check runs on every relay.
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at `instantMs`, as if that reading were a UTC time (milliseconds). */
function wallClockMs(instantMs: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(instantMs));
  const get = (type: Intl.DateTimeFormatPartTypes) =>
    Number(parts.find((part) => part.type === type)?.value ?? Number.NaN);
  const seconds = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return seconds + (((instantMs % 1000) + 1000) % 1000);
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instantMs`, in milliseconds. */
export function utcOffsetMs(instantMs: number, timeZone: string): number {
  return wallClockMs(instantMs, timeZone) - instantMs;
}

/** The calendar day in `timeZone` at `instant`. */
export function localDateAt(instant: Date, timeZone: string): LocalDate {
  const wall = new Date(wallClockMs(instant.getTime(), timeZone));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

/** `YYYY-MM-DD` of a local date. */
export function formatLocalDate(date: LocalDate): string {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

/** The day after (or `days` after) a local date; plain calendar arithmetic, no zone involved. */
export function addLocalDays(date: LocalDate, days: number): LocalDate {
  const next = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday, as `Date.getUTCDay`. */
export function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

/**
 * The instant `timeZone`'s wall clock reads `minuteOfDay` minutes after midnight on `date`
 * (`minuteOfDay` may be 1440: the next midnight).
 *
 * Where that reading happens twice (clocks going back), the first; where it never happens (clocks
 * jumping forward over it), the moment of the jump, the first instant whose reading is later.
 */
export function zonedInstant(date: LocalDate, minuteOfDay: number, timeZone: string): Date {
  const localMs = Date.UTC(date.year, date.month - 1, date.day) + minuteOfDay * MINUTE_MS;
  // Offsets a day either side bracket any transition near this reading (no zone changes twice a day).
  const before = utcOffsetMs(localMs - DAY_MS, timeZone);
  const after = utcOffsetMs(localMs + DAY_MS, timeZone);
  const candidates = [localMs - before, localMs - after]
    .filter((instant) => wallClockMs(instant, timeZone) === localMs)
    .sort((a, b) => a - b);
  const first = candidates[0];
  if (first !== undefined) return new Date(first);
  // A gap: read with the old offset it lies after the jump, with the new one before; find the jump.
  let low = localMs - after;
  let high = localMs - before;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (utcOffsetMs(middle, timeZone) === after) high = middle;
    else low = middle;
  }
  return new Date(high);
}
