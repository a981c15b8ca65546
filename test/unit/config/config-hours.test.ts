import { describe, expect, it } from 'vitest';
import { functionConfigJson } from '../../../lib/config/lambda-env.js';
import { DEV_DEFAULT_CONFIG, loadConfigFile, parseConfig } from '../../../lib/config/load-config.js';

const withChange = (change: Record<string, unknown>) => () =>
  parseConfig({ ...DEV_DEFAULT_CONFIG, ...change });

describe('configuration of business hours, the promise and escalation', () => {
  it('has the documented defaults', () => {
    const config = parseConfig(DEV_DEFAULT_CONFIG);
    expect(config.hours).toEqual({ timeZone: 'Europe/Berlin', days: 'mon-fri', from: '09:00', to: '17:30' });
    expect(config.holidays).toEqual([]);
    expect(config.promise).toEqual({
      firstResponse: '4h',
      followUp: '8h',
      nudgeAt: 0.75,
      alarmThreshold: 10,
    });
    expect(config.escalation).toEqual({});
    expect(config.assignment).toMatchObject({ strategy: 'round-robin', skipIfAwayWithinDays: 2 });
  });

  it('accepts hours, holidays, durations and an escalation path, filling left-out hours from the default', async () => {
    const config = parseConfig({
      ...DEV_DEFAULT_CONFIG,
      hours: { timeZone: 'America/New_York', days: 'mon,wed,fri' },
      holidays: ['2026-12-25', '2027-01-01'],
      promise: { firstResponse: '90m', followUp: '2d', nudgeAt: 0.5, alarmThreshold: 3 },
      escalation: { defaultBackup: 'Bob@Example.test', leadAddress: 'lead@example.test' },
      assignment: { strategy: 'least-loaded', skipIfAwayWithinDays: 0 },
    });
    expect(config.hours).toEqual({
      timeZone: 'America/New_York',
      days: 'mon,wed,fri',
      from: '09:00',
      to: '17:30',
    });
    expect(config.promise.followUp).toBe('2d');
    expect(config.escalation.defaultBackup).toBe('bob@example.test');
    expect(config.assignment.strategy).toBe('least-loaded');
    expect(
      parseConfig({ ...DEV_DEFAULT_CONFIG, hours: { from: '00:00', to: '23:59', days: 'mon-sun' } }).hours.to,
    ).toBe('23:59');
    // The functions get the same settings through their environment.
    expect(parseConfig(JSON.parse(functionConfigJson(config)))).toMatchObject({
      hours: config.hours,
      holidays: config.holidays,
      promise: config.promise,
      escalation: { leadAddress: 'lead@example.test' },
    });
    const example = await loadConfigFile(
      new URL('../../../spoc.config.example.json', import.meta.url).pathname,
    );
    expect(example.holidays).toContain('2026-12-25');
    expect(example.escalation.defaultBackup).toBe('bob@example.com');
  });

  it.each([
    [{ hours: { timeZone: 'Europe/Atlantis' } }, 'hours.timeZone: "Europe/Atlantis" is not a time zone'],
    [{ hours: { days: 'weekdays' } }, 'hours.days: "weekdays" is not a day or a range of days'],
    [{ hours: { from: '9:00' } }, 'hours.from: "9:00" is not a time of day: write it as HH:MM'],
    [{ hours: { to: '24:00' } }, 'hours.to: "24:00" is not a time of day'],
    [{ hours: { from: '18:00' } }, 'hours.to: must be after from (18:00)'],
    [{ hours: { tz: 'UTC' } }, 'hours.tz: unknown key "tz"'],
    [{ hours: { timezone: 'UTC' } }, 'hours.timezone: unknown key "timezone" (did you mean "timeZone"?)'],
    [{ holidays: ['2026-12-25', '25.12.2026'] }, 'holidays.1: must be a date written as YYYY-MM-DD'],
    [{ holidays: '2026-12-25' }, 'holidays: Invalid input: expected array'],
    [{ promise: { firstResponse: '4 hours' } }, 'promise.firstResponse: "4 hours" is not a duration'],
    [{ promise: { followUp: '0h' } }, 'promise.followUp: "0h" is not a duration'],
    [{ promise: { followUp: '400d' } }, 'promise.followUp: "400d" is too long: at most 365d'],
    [{ promise: { nudgeAt: 1 } }, 'promise.nudgeAt: must be below 1'],
    [{ promise: { nudgeAt: 0 } }, 'promise.nudgeAt: must be above 0'],
    [{ promise: { alarmThreshold: -1 } }, 'promise.alarmThreshold'],
    [
      { promise: { firstRespons: '4h' } },
      'promise.firstRespons: unknown key "firstRespons" (did you mean "firstResponse"?)',
    ],
    [
      { escalation: { defaultBackup: 'carol@example.test' } },
      'escalation.defaultBackup: names carol@example.test, who is not an active owner',
    ],
    [{ escalation: { leadAddress: 'not-an-address' } }, 'escalation.leadAddress: must be an email address'],
    [
      { escalation: { leadAddress: 'support@example.test' } },
      'escalation.leadAddress: must not be the support address',
    ],
    [
      { escalation: { leadAdress: 'lead@example.test' } },
      'escalation.leadAdress: unknown key "leadAdress" (did you mean "leadAddress"?)',
    ],
    [{ assignment: { strategy: 'random' } }, 'assignment.strategy: must be "round-robin" or "least-loaded"'],
    [{ assignment: { skipIfAwayWithinDays: 1.5 } }, 'assignment.skipIfAwayWithinDays'],
    [{ assignment: { skipIfAway: 2 } }, 'assignment.skipIfAway: unknown key'],
  ])('refuses %o, naming the field and the problem', (change, message) => {
    expect(withChange(change)).toThrow(message);
  });
});
