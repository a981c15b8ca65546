import { describe, expect, it } from 'vitest';
import { DEFAULT_BUSINESS_HOURS } from '../../../lib/domain/business-hours.js';
import {
  computePromiseFigures,
  type PromiseEnd,
  promiseEnd,
  promiseEndsIn,
} from '../../../lib/domain/promise-figures.js';
import type { ResponsePromise } from '../../../lib/domain/types.js';

const ALICE = { email: 'alice@team.test' };
const promise: ResponsePromise = {
  epoch: 1,
  state: 'open',
  kind: 'first-response',
  // Monday 16:00 in Berlin; due Tuesday 11:30 (4h in 09:00-17:30).
  waitingSince: '2026-11-23T15:00:00.000Z',
  nudgeAt: '2026-11-24T09:30:00.000Z',
  dueAt: '2026-11-24T10:30:00.000Z',
};
const end = (input: Partial<Parameters<typeof promiseEnd>[0]>) =>
  promiseEnd({
    promise,
    at: new Date('2026-11-24T09:00:00.000Z'),
    owner: ALICE,
    writerEmail: ALICE.email,
    defaultHours: DEFAULT_BUSINESS_HOURS,
    holidays: [],
    ...input,
  });

describe('how a promise ended', () => {
  it('is kept by an answer before the due time, and measures the first answer in business time', () => {
    // 1h30 on Monday, 1h on Tuesday from 09:00: the night does not count.
    expect(end({})).toEqual({
      ownerEmail: ALICE.email,
      result: 'kept',
      escalated: false,
      answered: true,
      byOwner: true,
      firstResponseBusinessSeconds: 9000,
    });
  });

  it('skips a holiday in the owner zone', () => {
    expect(end({ holidays: ['2026-11-24'], at: new Date('2026-11-25T09:00:00.000Z') })).toMatchObject({
      firstResponseBusinessSeconds: 9000,
    });
  });

  it('is broken by an answer after the due time or by escalation; paused owes nothing', () => {
    expect(end({ at: new Date('2026-11-24T10:30:01.000Z') }).result).toBe('broken');
    expect(end({ at: new Date('2026-11-24T10:30:00.000Z') }).result).toBe('kept');
    expect(end({ promise: { ...promise, state: 'escalated' }, writerEmail: 'bob@team.test' })).toEqual({
      ownerEmail: ALICE.email,
      result: 'broken',
      escalated: true,
      answered: true,
      byOwner: false,
      firstResponseBusinessSeconds: 9000,
    });
    expect(
      end({ promise: { ...promise, state: 'paused' }, at: new Date('2026-12-10T09:00:00Z') }).result,
    ).toBe('kept');
  });

  it('#close: no answer, no first-response time', () => {
    expect(
      promiseEnd({
        promise,
        at: new Date('2026-11-24T09:00:00.000Z'),
        owner: ALICE,
        defaultHours: DEFAULT_BUSINESS_HOURS,
        holidays: [],
      }),
    ).toEqual({ ownerEmail: ALICE.email, result: 'kept', escalated: false, answered: false, byOwner: false });
  });
});

describe('promise figures per owner', () => {
  const ends: PromiseEnd[] = [
    {
      ownerEmail: 'a',
      result: 'kept',
      escalated: false,
      answered: true,
      byOwner: true,
      firstResponseBusinessSeconds: 60,
    },
    {
      ownerEmail: 'a',
      result: 'kept',
      escalated: false,
      answered: true,
      byOwner: true,
      firstResponseBusinessSeconds: 120,
    },
    {
      ownerEmail: 'a',
      result: 'broken',
      escalated: true,
      answered: true,
      byOwner: false,
      firstResponseBusinessSeconds: 900,
    },
    { ownerEmail: 'a', result: 'kept', escalated: false, answered: false, byOwner: false },
  ];

  it('counts kept, broken and escalations, the business median and p90, and continuity over answers', () => {
    expect(computePromiseFigures(ends, ['a', 'b'])).toEqual([
      {
        ownerEmail: 'a',
        promisesKept: 3,
        promisesBroken: 1,
        escalations: 1,
        firstResponseBusinessMedianSeconds: 120,
        firstResponseBusinessP90Seconds: 900,
        continuity: 2 / 3,
      },
      { ownerEmail: 'b', promisesKept: 0, promisesBroken: 0, escalations: 0 },
    ]);
  });

  it('reads each message once, only within the period', () => {
    const period = { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };
    const first = ends[0] as PromiseEnd;
    expect(
      promiseEndsIn(
        [
          { id: 'm1', at: '2026-11-02T00:00:00.000Z', promiseEnd: first },
          { id: 'm1', at: '2026-11-02T00:00:00.000Z', promiseEnd: first },
          { id: 'm2', at: '2026-12-01T00:00:00.000Z', promiseEnd: first },
          { id: 'm3', at: '2026-11-03T00:00:00.000Z' },
        ],
        period,
      ),
    ).toEqual([first]);
  });
});
