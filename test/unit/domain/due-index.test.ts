import { describe, expect, it } from 'vitest';
import {
  DUE_HORIZON_DAYS,
  dueEntryKey,
  listingBuckets,
  nextSweepCursor,
  SWEEP_MAX_DAYS,
  sweepDays,
} from '../../../lib/domain/due-index.js';
import { markEscalated, openPromise, pausePromise } from '../../../lib/domain/promise-state.js';

const now = new Date('2026-12-04T21:00:00Z');
const slot = openPromise(
  {},
  {
    receivedAt: new Date('2026-12-04T09:00:00Z'),
    kind: 'first-response',
    times: { nudgeAt: new Date('2026-12-04T12:00:00Z'), dueAt: new Date('2026-12-07T10:00:00Z') },
  },
);
const promise = slot.promise;
if (!promise) throw new Error('no promise');

describe('dueEntryKey', () => {
  it('files a promise under the day of its next event, sorted by its time and id', () => {
    expect(dueEntryKey(promise, 'c1', new Date('2026-12-04T09:00:00Z'))).toEqual({
      bucket: '2026-12-04',
      sortKey: '2026-12-04T12:00:00.000Z#c1',
    });
  });

  it('never files an event earlier than the day it is written on', () => {
    expect(dueEntryKey(promise, 'c1', new Date('2026-12-06T09:00:00Z'))).toEqual({
      bucket: '2026-12-06',
      sortKey: '2026-12-04T12:00:00.000Z#c1',
    });
  });

  it('files events past the horizon under later, and a promise with nothing due under idle', () => {
    const far = pausePromise(slot, {
      waitUntil: '2027-06-01',
      resumeAt: new Date('2027-06-01T07:00:00Z'),
      now,
    });
    if (!far.promise) throw new Error('no promise');
    expect(dueEntryKey(far.promise, 'c1', now).bucket).toBe('later');
    const near = pausePromise(slot, {
      waitUntil: '2026-12-20',
      resumeAt: new Date('2026-12-20T08:00:00Z'),
      now,
    });
    if (!near.promise) throw new Error('no promise');
    expect(dueEntryKey(near.promise, 'c1', now).bucket).toBe('2026-12-20');
    expect(dueEntryKey(markEscalated(promise, { at: now }), 'c1', now)).toEqual({
      bucket: 'idle',
      sortKey: '2026-12-04T09:00:00.000Z#c1',
    });
  });
});

describe('sweepDays and nextSweepCursor', () => {
  it('reads the day before the cursor through today', () => {
    expect(sweepDays('2026-12-04', now)).toEqual(['2026-12-03', '2026-12-04']);
  });

  it('reads at most the bound of days after a long outage, catching up run by run', () => {
    const days = sweepDays('2026-01-01', now);
    expect(days).toHaveLength(SWEEP_MAX_DAYS);
    expect(days[0]).toBe('2025-12-31');
    const cursor = nextSweepCursor({
      cursor: '2026-01-01',
      read: days,
      withDue: new Set(),
      now,
      ceiling: now,
    });
    expect(cursor).toBe('2026-01-31');
    expect(sweepDays(cursor, now)[0]).toBe('2026-01-30');
  });

  it('reads back the bound on the first sweep', () => {
    const days = sweepDays(undefined, now);
    expect(days).toHaveLength(SWEEP_MAX_DAYS);
    expect(days.at(-1)).toBe('2026-12-04');
  });

  it('stays on the oldest day that still held something due, and never moves back', () => {
    const read = ['2026-12-02', '2026-12-03', '2026-12-04'];
    expect(
      nextSweepCursor({ cursor: '2026-12-03', read, withDue: new Set(['2026-12-03']), now, ceiling: now }),
    ).toBe('2026-12-03');
    expect(
      nextSweepCursor({ cursor: '2026-12-03', read, withDue: new Set(['2026-12-02']), now, ceiling: now }),
    ).toBe('2026-12-03');
    expect(nextSweepCursor({ cursor: '2026-12-03', read, withDue: new Set(), now, ceiling: now })).toBe(
      '2026-12-04',
    );
  });

  it('does not move past the real today when a sweep runs as if later', () => {
    const later = new Date('2026-12-09T12:00:00Z');
    const read = sweepDays('2026-12-04', later);
    expect(
      nextSweepCursor({ cursor: '2026-12-04', read, withDue: new Set(), now: later, ceiling: now }),
    ).toBe('2026-12-04');
  });
});

describe('listingBuckets', () => {
  it('reads the days from before the cursor to the horizon, then later and idle', () => {
    const buckets = listingBuckets('2026-12-04', now);
    expect(buckets[0]).toBe('2026-12-03');
    expect(buckets).toHaveLength(DUE_HORIZON_DAYS + 3 + 2);
    expect(buckets.slice(-2)).toEqual(['later', 'idle']);
  });
});
