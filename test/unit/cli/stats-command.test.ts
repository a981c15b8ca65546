import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../lib/cli/cli-io.js';
import { formatDuration, statsPeriod } from '../../../lib/cli/commands/stats-command.js';
import { runCli } from '../../../lib/cli/run-cli.js';

const now = new Date('2026-11-23T12:00:00.000Z');

describe('statsPeriod', () => {
  it('defaults to the 30 days up to now', () => {
    expect(statsPeriod({}, now)).toEqual({
      from: '2026-10-24T12:00:00.000Z',
      to: '2026-11-23T12:00:00.000Z',
    });
  });

  it('takes dates and ISO times, and refuses a reversed or malformed period', () => {
    expect(statsPeriod({ since: '2026-11-01', until: '2026-11-08T00:00:00Z' }, now)).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-08T00:00:00.000Z',
    });
    expect(() => statsPeriod({ since: '2026-11-09', until: '2026-11-08' }, now)).toThrow(UsageError);
    expect(() => statsPeriod({ since: 'last week' }, now)).toThrow(/not a date/);
  });
});

describe('formatDuration', () => {
  it('reads like people write durations', () => {
    expect(formatDuration(undefined)).toBe('-');
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(200)).toBe('3m 20s');
    expect(formatDuration(3900)).toBe('1h 05m');
    expect(formatDuration(90_000)).toBe('1d 01h');
  });
});

describe('spoc stats usage', () => {
  it('exits 2 and says what to type for a bad period', async () => {
    const errors: string[] = [];
    const code = await runCli(['stats', '--since', 'yesterday'], {
      out: () => undefined,
      err: (text) => errors.push(text),
      env: {},
      cwd: process.cwd(),
    });
    expect(code).toBe(2);
    expect(errors.join('\n')).toContain('spoc stats [--since');
  });
});
