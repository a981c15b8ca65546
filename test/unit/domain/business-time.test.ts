import { describe, expect, it } from 'vitest';
import {
  businessDayMs,
  durationMs,
  formatBusinessDuration,
  parseBusinessDuration,
} from '../../../lib/domain/business-duration.js';
import {
  type BusinessHours,
  type BusinessHoursSpec,
  businessHoursOf,
  DEFAULT_BUSINESS_HOURS,
  effectiveHoursSpec,
  formatDays,
  parseBusinessHours,
  parseClockTime,
  parseDays,
  parseHolidays,
} from '../../../lib/domain/business-hours.js';
import {
  addBusinessMs,
  addBusinessTime,
  businessTimeBetween,
  isWithinBusinessHours,
  nudgeTime,
} from '../../../lib/domain/business-time.js';
import { isKnownTimeZone, localDateAt, utcOffsetMs, zonedInstant } from '../../../lib/domain/zoned-time.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const none = new Set<string>();

function hours(spec: Partial<BusinessHoursSpec> = {}): BusinessHours {
  return businessHoursOf({ ...DEFAULT_BUSINESS_HOURS, ...spec });
}

const at = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString();

describe('working days', () => {
  it('reads names, ranges, lists and ranges that wrap past Sunday, in any case', () => {
    const days = (spec: string) => {
      const parsed = parseDays(spec);
      return parsed.ok ? [...parsed.value].sort() : parsed.problem;
    };
    expect(days('mon-fri')).toEqual([1, 2, 3, 4, 5]);
    expect(days('mon,wed,fri')).toEqual([1, 3, 5]);
    expect(days('mon-sun')).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(days('Sat-Mon')).toEqual([0, 1, 6]);
    expect(days(' mon-wed , fri ')).toEqual([1, 2, 3, 5]);
    expect(days('sun')).toEqual([0]);
  });

  it('names what is wrong with a bad list', () => {
    for (const bad of ['', 'mon-fry', 'monday', 'mon-', '-fri', 'mon-wed-fri', 'mon,,fri', '1-5']) {
      const parsed = parseDays(bad);
      expect(parsed.ok, bad).toBe(false);
      if (!parsed.ok) expect(parsed.problem).toMatch(/day/);
    }
    expect(parseDays('mon-fry')).toMatchObject({ problem: expect.stringContaining('"mon-fry"') });
  });

  it('writes a set of days back in its shortest form', () => {
    const round = (spec: string) => {
      const parsed = parseDays(spec);
      if (!parsed.ok) throw new Error(parsed.problem);
      return formatDays(parsed.value);
    };
    expect(round('fri,thu,wed,tue,mon')).toBe('mon-fri');
    expect(round('sun-sat')).toBe('mon-sun');
    expect(round('mon,wed,fri')).toBe('mon,wed,fri');
    expect(round('sun,sat,mon')).toBe('sat-mon');
    expect(round('tue,wed')).toBe('tue,wed');
    expect(round('mon-wed,fri-sat')).toBe('mon-wed,fri,sat');
  });
});

describe('business hours', () => {
  it('reads times of day and refuses anything else', () => {
    expect(parseClockTime('09:00')).toEqual({ ok: true, value: 540 });
    expect(parseClockTime('23:59')).toEqual({ ok: true, value: 1439 });
    for (const bad of ['9:00', '24:00', '12:60', '12-00', '12:00:00', '', 'noon', '1200']) {
      expect(parseClockTime(bad).ok, bad).toBe(false);
    }
  });

  it('reads 23:59 as the end of the day, so 00:00-23:59 is the whole day', () => {
    expect(hours({ from: '00:00', to: '23:59' })).toMatchObject({ fromMinute: 0, toMinute: 1440 });
    expect(hours()).toMatchObject({ fromMinute: 540, toMinute: 1050, timeZone: 'Europe/Berlin' });
  });

  it('names every problem: unknown zone, bad days, bad times, from not before to', () => {
    const problem = (spec: Partial<BusinessHoursSpec>) => {
      const parsed = parseBusinessHours({ ...DEFAULT_BUSINESS_HOURS, ...spec });
      return parsed.ok ? 'ok' : parsed.problem;
    };
    expect(problem({ timeZone: 'Europe/Atlantis' })).toMatch(/"Europe\/Atlantis" is not a time zone/);
    expect(problem({ timeZone: '' })).toMatch(/not a time zone/);
    expect(problem({ timeZone: ' Europe/Berlin' })).toMatch(/not a time zone/);
    expect(problem({ days: 'weekdays' })).toMatch(/^days: "weekdays" is not a day/);
    expect(problem({ from: '25:00' })).toMatch(/^from: "25:00" is not a time of day/);
    expect(problem({ from: '17:30', to: '09:00' })).toMatch(/from 17:30 must be before to 09:00/);
    expect(problem({ from: '09:00', to: '09:00' })).toMatch(/must be before/);
    expect(problem({ timeZone: 'Nowhere', days: 'x' })).toMatch(/time zone.*; days:/);
    expect(problem({ timeZone: 'Asia/Kolkata', days: 'sun-thu' })).toBe('ok');
    expect(() => businessHoursOf({ ...DEFAULT_BUSINESS_HOURS, to: '08:00' })).toThrow(/must be before/);
  });

  it('knows a zone the same way on every ask, past the formatters it keeps', () => {
    const zones = Intl.supportedValuesOf('timeZone').slice(0, 100);
    for (const round of [1, 2]) {
      expect(isKnownTimeZone('Europe/Atlantis'), `round ${round}`).toBe(false);
      expect(
        zones.filter((zone) => !isKnownTimeZone(zone)),
        `round ${round}`,
      ).toEqual([]);
      expect(utcOffsetMs(Date.UTC(2026, 0, 15), 'Asia/Kolkata')).toBe(5.5 * HOUR);
    }
  });

  it("uses the owner's own hours, else the default", () => {
    const own = { timeZone: 'America/New_York', days: 'mon-fri', from: '08:00', to: '16:00' };
    expect(effectiveHoursSpec({ hours: own }, DEFAULT_BUSINESS_HOURS)).toBe(own);
    expect(effectiveHoursSpec({}, DEFAULT_BUSINESS_HOURS)).toBe(DEFAULT_BUSINESS_HOURS);
  });

  it('reads holidays and names a day that is not one', () => {
    expect(parseHolidays(['2026-12-25', '2026-12-26'])).toEqual({
      ok: true,
      value: new Set(['2026-12-25', '2026-12-26']),
    });
    expect(parseHolidays(['2026-12-25', '2026-02-30'])).toEqual({
      ok: false,
      problem: '"2026-02-30" is not a date: write it as YYYY-MM-DD',
    });
  });
});

describe('durations of business time', () => {
  it('reads minutes, hours and business days', () => {
    expect(parseBusinessDuration('90m')).toEqual({ ok: true, value: { amount: 90, unit: 'm' } });
    expect(parseBusinessDuration('4h')).toEqual({ ok: true, value: { amount: 4, unit: 'h' } });
    expect(parseBusinessDuration(' 2d ')).toEqual({ ok: true, value: { amount: 2, unit: 'd' } });
    expect(formatBusinessDuration({ amount: 90, unit: 'm' })).toBe('90m');
  });

  it('refuses anything else, naming the accepted form', () => {
    for (const bad of [
      '',
      '4',
      'h',
      '0h',
      '-4h',
      '1.5h',
      '4 h',
      '4H',
      '4hours',
      '4w',
      '+4h',
      '1e3m',
      'x4h',
    ]) {
      const parsed = parseBusinessDuration(bad);
      expect(parsed.ok, bad).toBe(false);
      if (!parsed.ok) expect(parsed.problem).toMatch(/like 90m, 4h or 2d/);
    }
    expect(parseBusinessDuration('366d')).toEqual({ ok: false, problem: '"366d" is too long: at most 365d' });
    expect(parseBusinessDuration('365d').ok).toBe(true);
  });

  it('makes a business day one full working span of the hours it is measured in', () => {
    expect(businessDayMs(hours())).toBe(8.5 * HOUR);
    expect(durationMs({ amount: 2, unit: 'd' }, hours())).toBe(17 * HOUR);
    expect(durationMs({ amount: 1, unit: 'd' }, hours({ from: '00:00', to: '23:59' }))).toBe(24 * HOUR);
    expect(durationMs({ amount: 90, unit: 'm' }, hours())).toBe(90 * MINUTE);
    expect(durationMs({ amount: 4, unit: 'h' }, hours())).toBe(4 * HOUR);
  });
});

describe('zone arithmetic on Intl', () => {
  it('finds offsets across Europe/Berlin changes, a half-hour zone and a half-hour change', () => {
    expect(utcOffsetMs(at('2026-01-15T12:00:00Z').getTime(), 'Europe/Berlin')).toBe(1 * HOUR);
    expect(utcOffsetMs(at('2026-07-15T12:00:00Z').getTime(), 'Europe/Berlin')).toBe(2 * HOUR);
    expect(utcOffsetMs(at('2026-07-15T12:00:00Z').getTime(), 'Asia/Kolkata')).toBe(5.5 * HOUR);
    // Lord Howe Island moves its clocks by half an hour.
    expect(utcOffsetMs(at('2026-01-15T12:00:00Z').getTime(), 'Australia/Lord_Howe')).toBe(11 * HOUR);
    expect(utcOffsetMs(at('2026-07-15T12:00:00Z').getTime(), 'Australia/Lord_Howe')).toBe(10.5 * HOUR);
  });

  it('maps a wall-clock time to its instant: the first of a repeated one, the jump for a skipped one', () => {
    const day = (year: number, month: number, d: number) => ({ year, month, day: d });
    expect(iso(zonedInstant(day(2026, 3, 27), 540, 'Europe/Berlin'))).toBe('2026-03-27T08:00:00.000Z');
    expect(iso(zonedInstant(day(2026, 3, 30), 540, 'Europe/Berlin'))).toBe('2026-03-30T07:00:00.000Z');
    // 02:30 never happens on 29 March 2026 in Berlin: the clock jumps from 02:00 to 03:00 (01:00 UTC).
    expect(iso(zonedInstant(day(2026, 3, 29), 150, 'Europe/Berlin'))).toBe('2026-03-29T01:00:00.000Z');
    // 02:30 happens twice on 25 October 2026: first in summer time.
    expect(iso(zonedInstant(day(2026, 10, 25), 150, 'Europe/Berlin'))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(zonedInstant(day(2026, 10, 25), 1440, 'Europe/Berlin'))).toBe('2026-10-25T23:00:00.000Z');
    // New York skips 02:00-03:00 on 8 March 2026.
    expect(iso(zonedInstant(day(2026, 3, 8), 130, 'America/New_York'))).toBe('2026-03-08T07:00:00.000Z');
    expect(iso(zonedInstant(day(2026, 6, 1), 570, 'Asia/Kolkata'))).toBe('2026-06-01T04:00:00.000Z');
  });

  it('reads the local day in the zone, not in UTC', () => {
    expect(localDateAt(at('2026-12-04T23:30:00Z'), 'Europe/Berlin')).toEqual({
      year: 2026,
      month: 12,
      day: 5,
    });
    expect(localDateAt(at('2026-12-04T23:30:00Z'), 'America/New_York')).toEqual({
      year: 2026,
      month: 12,
      day: 4,
    });
  });
});

describe('addBusinessTime', () => {
  const berlin = hours();
  const fourHours = { amount: 4, unit: 'h' } as const;

  it('counts inside one working span', () => {
    // Wednesday 10:00 in Berlin (winter, UTC+1).
    expect(iso(addBusinessTime(at('2026-12-02T09:00:00Z'), fourHours, berlin, none))).toBe(
      '2026-12-02T13:00:00.000Z',
    );
  });

  it('carries over to the next working day, and over the weekend', () => {
    // Wednesday 16:00: 1.5 h today, 2.5 h on Thursday from 09:00.
    expect(iso(addBusinessTime(at('2026-12-02T15:00:00Z'), fourHours, berlin, none))).toBe(
      '2026-12-03T10:30:00.000Z',
    );
    // Friday 16:00: Monday 11:30.
    expect(iso(addBusinessTime(at('2026-12-04T15:00:00Z'), fourHours, berlin, none))).toBe(
      '2026-12-07T10:30:00.000Z',
    );
  });

  it('starts counting at the next span when the mail arrives outside hours', () => {
    // Saturday noon: Monday 13:00.
    expect(iso(addBusinessTime(at('2026-12-05T11:00:00Z'), fourHours, berlin, none))).toBe(
      '2026-12-07T12:00:00.000Z',
    );
    // Tuesday 07:00 (before opening): Tuesday 13:00.
    expect(iso(addBusinessTime(at('2026-12-01T06:00:00Z'), fourHours, berlin, none))).toBe(
      '2026-12-01T12:00:00.000Z',
    );
    // Tuesday 17:30 sharp is closing time: Wednesday 13:00.
    expect(iso(addBusinessTime(at('2026-12-01T16:30:00Z'), fourHours, berlin, none))).toBe(
      '2026-12-02T12:00:00.000Z',
    );
  });

  it('falls due at the end of a span when the time runs out exactly there', () => {
    // Tuesday 13:30 + 4 h = Tuesday 17:30, not Wednesday 09:00.
    expect(iso(addBusinessTime(at('2026-12-01T12:30:00Z'), fourHours, berlin, none))).toBe(
      '2026-12-01T16:30:00.000Z',
    );
  });

  it('skips holidays, read as days in the owner zone', () => {
    const christmas = new Set(['2026-12-24', '2026-12-25']);
    // Wednesday 23 December 16:00: 1.5 h, then the holidays and the weekend, then Monday 28th 11:30.
    expect(iso(addBusinessTime(at('2026-12-23T15:00:00Z'), fourHours, berlin, christmas))).toBe(
      '2026-12-28T10:30:00.000Z',
    );
    // The same holiday list for an owner in New York covers New York's 24th and 25th, not Berlin's.
    const newYork = hours({ timeZone: 'America/New_York' });
    // 23 December 16:00 in New York (21:00 UTC): next working day is Monday 28th, 09:00 EST.
    expect(iso(addBusinessTime(at('2026-12-23T21:00:00Z'), fourHours, newYork, christmas))).toBe(
      '2026-12-28T16:30:00.000Z',
    );
  });

  it('is right across the Berlin change to summer time in March', () => {
    // Friday 27 March 2026 16:00 CET (15:00 UTC): 1.5 h; Monday 30 March is CEST (UTC+2): 09:00 = 07:00 UTC.
    expect(iso(addBusinessTime(at('2026-03-27T15:00:00Z'), fourHours, berlin, none))).toBe(
      '2026-03-30T09:30:00.000Z',
    );
  });

  it('is right across the Berlin change back in October', () => {
    // Friday 23 October 2026 16:00 CEST (14:00 UTC); Monday 26 October is CET: 09:00 = 08:00 UTC.
    expect(iso(addBusinessTime(at('2026-10-23T14:00:00Z'), fourHours, berlin, none))).toBe(
      '2026-10-26T10:30:00.000Z',
    );
  });

  it('counts real hours over a whole-day span on a change day: 23 hours in March, 25 in October', () => {
    const allWeek = hours({ days: 'mon-sun', from: '00:00', to: '23:59' });
    const marchDay = businessTimeBetween(
      at('2026-03-28T23:00:00Z'),
      at('2026-03-29T22:00:00Z'),
      allWeek,
      none,
    );
    expect(marchDay).toBe(23 * HOUR);
    const octoberDay = businessTimeBetween(
      at('2026-10-24T22:00:00Z'),
      at('2026-10-25T23:00:00Z'),
      allWeek,
      none,
    );
    expect(octoberDay).toBe(25 * HOUR);
    // Saturday 28 March 22:00 CET + 4 h: 23:00, 00:00, 01:00, then 03:00 CEST (the hour 02:00 never came).
    expect(iso(addBusinessTime(at('2026-03-28T21:00:00Z'), fourHours, allWeek, none))).toBe(
      '2026-03-29T01:00:00.000Z',
    );
  });

  it('handles a span inside which the clocks change (Sunday hours across 02:00 in Berlin)', () => {
    const night = hours({ days: 'sun', from: '01:00', to: '04:00' });
    // On 29 March the span 01:00 CET-04:00 CEST is 2 real hours.
    expect(businessTimeBetween(at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'), night, none)).toBe(
      2 * HOUR,
    );
    // On 25 October 01:00 CEST-04:00 CET is 4 real hours.
    expect(businessTimeBetween(at('2026-10-24T00:00:00Z'), at('2026-10-26T00:00:00Z'), night, none)).toBe(
      4 * HOUR,
    );
  });

  it('is right across the America/New_York change in March', () => {
    const newYork = hours({ timeZone: 'America/New_York' });
    // Friday 6 March 2026 16:00 EST (21:00 UTC); Monday 9 March is EDT: 09:00 = 13:00 UTC.
    expect(iso(addBusinessTime(at('2026-03-06T21:00:00Z'), fourHours, newYork, none))).toBe(
      '2026-03-09T15:30:00.000Z',
    );
  });

  it('works in the half-hour offset of Asia/Kolkata', () => {
    const kolkata = hours({ timeZone: 'Asia/Kolkata', days: 'mon-sat', from: '09:30', to: '18:30' });
    // Saturday 5 December 17:00 IST (11:30 UTC): 1.5 h, Sunday off, Monday 09:30 IST (04:00 UTC) + 2.5 h.
    expect(iso(addBusinessTime(at('2026-12-05T11:30:00Z'), fourHours, kolkata, none))).toBe(
      '2026-12-07T06:30:00.000Z',
    );
  });

  it('gives owners in different zones different due times for the same mail', () => {
    const mail = at('2026-12-02T15:00:00Z'); // 16:00 in Berlin, 10:00 in New York
    const newYork = hours({ timeZone: 'America/New_York' });
    expect(iso(addBusinessTime(mail, fourHours, berlin, none))).toBe('2026-12-03T10:30:00.000Z');
    expect(iso(addBusinessTime(mail, fourHours, newYork, none))).toBe('2026-12-02T19:00:00.000Z');
  });

  it('reads 2d as two full business days: Monday 11:00 is due Wednesday 11:00', () => {
    expect(iso(addBusinessTime(at('2026-11-30T10:00:00Z'), { amount: 2, unit: 'd' }, berlin, none))).toBe(
      '2026-12-02T10:00:00.000Z',
    );
    // Thursday 11:00 + 2d: Monday 11:00 (weekend skipped).
    expect(iso(addBusinessTime(at('2026-12-03T10:00:00Z'), { amount: 2, unit: 'd' }, berlin, none))).toBe(
      '2026-12-07T10:00:00.000Z',
    );
  });

  it('counts from the next span for zero time, and never goes backwards', () => {
    expect(iso(addBusinessMs(at('2026-12-05T11:00:00Z'), 0, berlin, none))).toBe('2026-12-07T08:00:00.000Z');
    expect(iso(addBusinessMs(at('2026-12-02T10:00:00Z'), -HOUR, berlin, none))).toBe(
      '2026-12-02T10:00:00.000Z',
    );
  });

  it('refuses hours without a working day instead of looking for ever', () => {
    const never: BusinessHours = { timeZone: 'UTC', weekdays: new Set(), fromMinute: 0, toMinute: 60 };
    expect(() => addBusinessMs(at('2026-12-02T10:00:00Z'), HOUR, never, none)).toThrow(/working day/);
  });
});

describe('businessTimeBetween', () => {
  const berlin = hours();

  it('counts only working time: none over a weekend, a span per working day', () => {
    // Friday 17:30 to Monday 09:00.
    expect(businessTimeBetween(at('2026-12-04T16:30:00Z'), at('2026-12-07T08:00:00Z'), berlin, none)).toBe(0);
    // Friday 16:00 to Monday 10:00: 1.5 h + 1 h.
    expect(businessTimeBetween(at('2026-12-04T15:00:00Z'), at('2026-12-07T09:00:00Z'), berlin, none)).toBe(
      2.5 * HOUR,
    );
    // A whole working week.
    expect(businessTimeBetween(at('2026-11-30T00:00:00Z'), at('2026-12-07T00:00:00Z'), berlin, none)).toBe(
      5 * 8.5 * HOUR,
    );
  });

  it('is zero when the end is not after the start, and leaves holidays out', () => {
    expect(businessTimeBetween(at('2026-12-02T12:00:00Z'), at('2026-12-02T10:00:00Z'), berlin, none)).toBe(0);
    expect(
      businessTimeBetween(
        at('2026-11-30T00:00:00Z'),
        at('2026-12-07T00:00:00Z'),
        berlin,
        new Set(['2026-12-02']),
      ),
    ).toBe(4 * 8.5 * HOUR);
  });

  it('undoes addBusinessTime for every start across a change of clocks', () => {
    const newYork = hours({ timeZone: 'America/New_York', days: 'mon-sun', from: '07:00', to: '22:00' });
    for (
      let start = at('2026-03-06T00:00:00Z').getTime();
      start < at('2026-03-10T00:00:00Z').getTime();
      start += 97 * MINUTE
    ) {
      const due = addBusinessMs(new Date(start), 5 * HOUR, newYork, none);
      const startsInside = isWithinBusinessHours(new Date(start), newYork, none);
      const counted = businessTimeBetween(new Date(start), due, newYork, none);
      expect(counted, `${new Date(start).toISOString()} inside=${startsInside}`).toBe(5 * HOUR);
    }
  });
});

describe('nudgeTime', () => {
  const berlin = hours();

  it('falls after the nudge share of the business time', () => {
    // Wednesday 10:00 + 0.75 × 4 h = 13:00.
    expect(iso(nudgeTime(at('2026-12-02T09:00:00Z'), { amount: 4, unit: 'h' }, 0.75, berlin, none))).toBe(
      '2026-12-02T12:00:00.000Z',
    );
    // Friday 16:00, 8 h: nudge after 6 h = 1.5 h Friday + 4.5 h Monday = Monday 13:30.
    expect(iso(nudgeTime(at('2026-12-04T15:00:00Z'), { amount: 8, unit: 'h' }, 0.75, berlin, none))).toBe(
      '2026-12-07T12:30:00.000Z',
    );
  });

  it('comes before the due time and rounds to the second', () => {
    const start = at('2026-12-02T09:00:07Z');
    const duration = { amount: 7, unit: 'm' } as const;
    const nudge = nudgeTime(start, duration, 0.33, berlin, none);
    expect(nudge.getTime() % 1000).toBe(0);
    expect(nudge.getTime()).toBeLessThan(addBusinessTime(start, duration, berlin, none).getTime());
    expect(iso(nudge)).toBe('2026-12-02T09:02:26.000Z');
  });
});

describe('isWithinBusinessHours', () => {
  it('is true from the start of a span up to, not including, its end', () => {
    const berlin = hours();
    expect(isWithinBusinessHours(at('2026-12-02T08:00:00Z'), berlin, none)).toBe(true);
    expect(isWithinBusinessHours(at('2026-12-02T16:29:59Z'), berlin, none)).toBe(true);
    expect(isWithinBusinessHours(at('2026-12-02T16:30:00Z'), berlin, none)).toBe(false);
    expect(isWithinBusinessHours(at('2026-12-05T10:00:00Z'), berlin, none)).toBe(false);
    expect(isWithinBusinessHours(at('2026-12-02T10:00:00Z'), berlin, new Set(['2026-12-02']))).toBe(false);
  });
});
