import { describe, expect, it } from 'vitest';
import { reminderFrom } from '../../../lib/use-cases/sweep-promises.js';

describe('reminderFrom (pure)', () => {
  const now = new Date('2026-12-07T11:00:00Z');

  it('reads consult reminders from two days back, so one left by a failed run is still found', () => {
    expect(reminderFrom('2026-12-07', now)).toBe('2026-12-05T00:00:00.000Z');
    expect(reminderFrom(undefined, now)).toBe('2026-12-05T00:00:00.000Z');
    expect(reminderFrom('later', now)).toBe('2026-12-05T00:00:00.000Z');
  });

  it('reads from the sweep cursor day when that lies further back', () => {
    expect(reminderFrom('2026-11-30', now)).toBe('2026-11-30T00:00:00.000Z');
  });
});
