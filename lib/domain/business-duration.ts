import type { BusinessHours, SpecResult } from './business-hours.js';

/** A span of business time as written in the config: `90m`, `4h`, `2d`. */
export interface BusinessDuration {
  amount: number;
  unit: 'm' | 'h' | 'd';
}

const MINUTE_MS = 60_000;

/** The most of each unit a duration may have: a year's worth, so a typo cannot mean centuries. */
const MAXIMUM: Readonly<Record<BusinessDuration['unit'], number>> = { m: 525_600, h: 8760, d: 365 };

/**
 * Reads a duration of business time: a whole number and a unit, `m` (minutes), `h` (hours) or `d`
 * (business days). A business day is one full working span of the hours it is measured in: with
 * 09:00–17:30, `2d` is 17 hours of business time, so a mail that arrives on Monday at 11:00 is due on
 * Wednesday at 11:00, whatever weekend or holiday lies between.
 */
export function parseBusinessDuration(text: string): SpecResult<BusinessDuration> {
  const trimmed = text.trim();
  const unit = trimmed.slice(-1);
  const digits = trimmed.slice(0, -1);
  const amount = Number(digits);
  const wrong = `"${text}" is not a duration: write a whole number and m, h or d, like 90m, 4h or 2d`;
  if (unit !== 'm' && unit !== 'h' && unit !== 'd') return { ok: false, problem: wrong };
  if (!/^\d{1,6}$/.test(digits) || amount === 0) return { ok: false, problem: wrong };
  if (amount > MAXIMUM[unit]) {
    return { ok: false, problem: `"${text}" is too long: at most ${MAXIMUM[unit]}${unit}` };
  }
  return { ok: true, value: { amount, unit } };
}

/** The length of one business day of `hours` (its working span on the wall clock), in milliseconds. */
export function businessDayMs(hours: BusinessHours): number {
  return (hours.toMinute - hours.fromMinute) * MINUTE_MS;
}

/** How much business time a duration is in `hours`, in milliseconds. */
export function durationMs(duration: BusinessDuration, hours: BusinessHours): number {
  switch (duration.unit) {
    case 'm':
      return duration.amount * MINUTE_MS;
    case 'h':
      return duration.amount * 60 * MINUTE_MS;
    case 'd':
      return duration.amount * businessDayMs(hours);
  }
}

/** A duration as written: `90m`, `4h`, `2d`. */
export function formatBusinessDuration(duration: BusinessDuration): string {
  return `${duration.amount}${duration.unit}`;
}
