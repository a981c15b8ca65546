import { describe, expect, it } from 'vitest';
import { DEFAULT_BUSINESS_HOURS, InvalidBusinessTimeError } from '../../../lib/domain/business-hours.js';
import { promiseTimes } from '../../../lib/domain/response-promise.js';

const promise = { firstResponse: '4h', followUp: '8h', nudgeAt: 0.75 };

describe('promiseTimes', () => {
  it('gives a first answer 4 business hours and a later one 8, in the default hours', () => {
    // Wednesday 2 December 2026, 10:00 in Berlin.
    const receivedAt = new Date('2026-12-02T09:00:00Z');
    const base = { receivedAt, owner: {}, defaultHours: DEFAULT_BUSINESS_HOURS, holidays: [], promise };
    expect(promiseTimes({ ...base, kind: 'first-response' })).toEqual({
      nudgeAt: new Date('2026-12-02T12:00:00Z'),
      dueAt: new Date('2026-12-02T13:00:00Z'),
    });
    // 8 h from 10:00: 7.5 h on Wednesday, 0.5 h on Thursday; the nudge after 6 h, Wednesday 16:00.
    expect(promiseTimes({ ...base, kind: 'follow-up' })).toEqual({
      nudgeAt: new Date('2026-12-02T15:00:00Z'),
      dueAt: new Date('2026-12-03T08:30:00Z'),
    });
  });

  it("uses the owner's own hours and reads holidays in the owner's zone", () => {
    const owner = { hours: { timeZone: 'America/New_York', days: 'mon-fri', from: '08:00', to: '16:00' } };
    // Thursday 24 December 2026, 15:00 in New York: one hour left, then the 25th is a holiday there.
    const times = promiseTimes({
      receivedAt: new Date('2026-12-24T20:00:00Z'),
      kind: 'first-response',
      owner,
      defaultHours: DEFAULT_BUSINESS_HOURS,
      holidays: ['2026-12-25'],
      promise,
    });
    // Monday 28th 11:00 EST.
    expect(times.dueAt).toEqual(new Date('2026-12-28T16:00:00Z'));
    expect(times.nudgeAt).toEqual(new Date('2026-12-28T15:00:00Z'));
  });

  it('refuses settings the config parser would have refused', () => {
    const bad = {
      receivedAt: new Date('2026-12-02T09:00:00Z'),
      kind: 'first-response' as const,
      owner: {},
      holidays: [],
    };
    expect(() =>
      promiseTimes({
        ...bad,
        defaultHours: DEFAULT_BUSINESS_HOURS,
        promise: { ...promise, firstResponse: '4' },
      }),
    ).toThrow(InvalidBusinessTimeError);
    expect(() =>
      promiseTimes({
        ...bad,
        defaultHours: { ...DEFAULT_BUSINESS_HOURS, timeZone: 'Mars/Olympus' },
        promise,
      }),
    ).toThrow(/not a time zone/);
  });
});
