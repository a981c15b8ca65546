import { isIsoDate } from './owner-cover.js';
import type { BusinessHoursSpec } from './types.js';
import { isKnownTimeZone } from './zoned-time.js';

export type { BusinessHoursSpec };

/** Business hours ready for arithmetic. */
export interface BusinessHours {
  timeZone: string;
  /** Working weekdays, 0 = Sunday … 6 = Saturday. */
  weekdays: ReadonlySet<number>;
  /** Minutes after local midnight the working span starts. */
  fromMinute: number;
  /** Minutes after local midnight the working span ends (1440 for `23:59`: the whole rest of the day). */
  toMinute: number;
}

/** The hours every owner has unless given their own. */
export const DEFAULT_BUSINESS_HOURS: BusinessHoursSpec = {
  timeZone: 'Europe/Berlin',
  days: 'mon-fri',
  from: '09:00',
  to: '17:30',
};

/** Day names in `Date.getUTCDay` order. */
export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Monday first, the order people read a week in; ranges run in this order. */
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0] as const;

/** The result of reading one piece of a spec: the value, or what is wrong with it. */
export type SpecResult<T> = { ok: true; value: T } | { ok: false; problem: string };

function dayIndex(name: string): number | undefined {
  const index = (DAY_NAMES as readonly string[]).indexOf(name.trim().toLowerCase());
  return index < 0 ? undefined : index;
}

/**
 * Reads a list of working days: three-letter names (`mon` … `sun`, any case), ranges (`mon-fri`) and
 * lists of either (`mon,wed,fri`, `mon-wed,fri`). A range runs forward through the week and may wrap
 * (`sat-mon` is Saturday, Sunday, Monday).
 */
export function parseDays(spec: string): SpecResult<ReadonlySet<number>> {
  const known = `use day names ${DAY_NAMES.map((d) => d).join(', ')}, ranges like mon-fri and lists like mon,wed,fri`;
  if (spec.trim() === '') return { ok: false, problem: `no working days given: ${known}` };
  const days = new Set<number>();
  for (const part of spec.split(',')) {
    const ends = part.split('-');
    const first = dayIndex(ends[0] ?? '');
    const last = dayIndex(ends[ends.length - 1] ?? '');
    if (ends.length > 2 || first === undefined || last === undefined) {
      return { ok: false, problem: `"${part.trim()}" is not a day or a range of days: ${known}` };
    }
    let position = WEEK_ORDER.indexOf(first as (typeof WEEK_ORDER)[number]);
    for (;;) {
      const day = WEEK_ORDER[position % 7] as number;
      days.add(day);
      if (day === last) break;
      position += 1;
    }
  }
  return { ok: true, value: days };
}

/** The shortest way to write a set of working days: `mon-fri`, `mon,wed,fri`, `sat-mon`. */
export function formatDays(weekdays: ReadonlySet<number>): string {
  if (weekdays.size === 7) return 'mon-sun';
  if (weekdays.size === 0) return '';
  // Start after a day off, so a run across the weekend (sat-mon) is one range.
  const start = WEEK_ORDER.findIndex(
    (day, i) => !weekdays.has(WEEK_ORDER[(i + 6) % 7] as number) && weekdays.has(day),
  );
  const runs: string[] = [];
  let run: number[] = [];
  for (let i = 0; i < 7; i++) {
    const day = WEEK_ORDER[(start + i) % 7] as number;
    if (weekdays.has(day)) run.push(day);
    if ((!weekdays.has(day) || i === 6) && run.length > 0) {
      const name = (d: number) => DAY_NAMES[d] as string;
      runs.push(
        run.length === 1
          ? name(run[0] as number)
          : run.length === 2
            ? `${name(run[0] as number)},${name(run[1] as number)}`
            : `${name(run[0] as number)}-${name(run[run.length - 1] as number)}`,
      );
      run = [];
    }
  }
  return runs.join(',');
}

/** Checks an IANA time zone name against the platform's time zone database. */
export function parseTimeZone(name: string): SpecResult<string> {
  return isKnownTimeZone(name)
    ? { ok: true, value: name }
    : { ok: false, problem: `"${name}" is not a time zone: use an IANA name such as Europe/Berlin` };
}

/** Reads `HH:MM` (24-hour clock, two digits each) into minutes after midnight. */
export function parseClockTime(text: string): SpecResult<number> {
  const match = /^(\d\d):(\d\d)$/.exec(text.trim());
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  if (!match || hours > 23 || minutes > 59) {
    return { ok: false, problem: `"${text}" is not a time of day: write it as HH:MM, from 00:00 to 23:59` };
  }
  return { ok: true, value: hours * 60 + minutes };
}

/**
 * Reads business hours. `to` is the end of the working span, and `23:59` stands for the end of the day,
 * so `00:00`–`23:59` is the whole day. A span that runs past midnight is not supported: `from` must be
 * before `to`. Every problem is named, by field.
 */
export function parseBusinessHours(spec: BusinessHoursSpec): SpecResult<BusinessHours> {
  const problems: string[] = [];
  const timeZone = parseTimeZone(spec.timeZone);
  if (!timeZone.ok) problems.push(timeZone.problem);
  const days = parseDays(spec.days);
  if (!days.ok) problems.push(`days: ${days.problem}`);
  const from = parseClockTime(spec.from);
  if (!from.ok) problems.push(`from: ${from.problem}`);
  const to = parseClockTime(spec.to);
  if (!to.ok) problems.push(`to: ${to.problem}`);
  if (from.ok && to.ok && from.value >= to.value) {
    problems.push(`from ${spec.from} must be before to ${spec.to}: a span past midnight is not supported`);
  }
  if (problems.length > 0 || !days.ok || !from.ok || !to.ok)
    return { ok: false, problem: problems.join('; ') };
  return {
    ok: true,
    value: {
      timeZone: spec.timeZone,
      weekdays: days.value,
      fromMinute: from.value,
      toMinute: to.value === 23 * 60 + 59 ? 24 * 60 : to.value,
    },
  };
}

/** Hours known to be valid (the config's defaults, an owner's stored hours); throws when they are not. */
export function businessHoursOf(spec: BusinessHoursSpec): BusinessHours {
  const parsed = parseBusinessHours(spec);
  if (!parsed.ok) throw new InvalidBusinessTimeError(parsed.problem);
  return parsed.value;
}

/** Stored or configured business hours, or a promise duration, that do not parse. */
export class InvalidBusinessTimeError extends Error {
  override readonly name = 'InvalidBusinessTimeError';
}

/** The hours that apply to an owner: their own, else the configured default. */
export function effectiveHoursSpec(
  owner: { hours?: BusinessHoursSpec },
  defaults: BusinessHoursSpec,
): BusinessHoursSpec {
  return owner.hours ?? defaults;
}

/** Hours in one line, as listings show them: `mon-fri 09:00-17:30 Europe/Berlin`. */
export function formatHours(spec: BusinessHoursSpec): string {
  return `${spec.days} ${spec.from}-${spec.to} ${spec.timeZone}`;
}

/** Reads a holiday list (`YYYY-MM-DD` days in the owner's zone) into a set; names the first bad entry. */
export function parseHolidays(days: readonly string[]): SpecResult<ReadonlySet<string>> {
  const bad = days.find((day) => !isIsoDate(day));
  if (bad !== undefined) return { ok: false, problem: `"${bad}" is not a date: write it as YYYY-MM-DD` };
  return { ok: true, value: new Set(days) };
}
