import { describe, expect, it } from 'vitest';
import { businessHoursOf, DEFAULT_BUSINESS_HOURS } from '../../../lib/domain/business-hours.js';
import {
  closePromise,
  keepPromise,
  markEscalated,
  markLeadTold,
  markNudged,
  nextPromiseEvent,
  openPromise,
  pausePromise,
  resumePromise,
  waitResumeTime,
} from '../../../lib/domain/promise-state.js';

const times = (nudge: string, due: string) => ({ nudgeAt: new Date(nudge), dueAt: new Date(due) });
const first = {
  receivedAt: new Date('2026-12-02T09:00:00Z'),
  kind: 'first-response' as const,
  times: times('2026-12-02T12:00:00Z', '2026-12-02T13:00:00Z'),
};

describe('openPromise', () => {
  it('opens the first promise of a conversation at epoch 1, nudge first', () => {
    const slot = openPromise({}, first);
    expect(slot).toEqual({
      promise: {
        epoch: 1,
        state: 'open',
        kind: 'first-response',
        waitingSince: '2026-12-02T09:00:00.000Z',
        nudgeAt: '2026-12-02T12:00:00.000Z',
        dueAt: '2026-12-02T13:00:00.000Z',
      },
      promiseEpoch: 1,
    });
    expect(slot.promise && nextPromiseEvent(slot.promise)).toEqual({
      step: 'nudge',
      at: '2026-12-02T12:00:00.000Z',
    });
  });

  it('keeps an open promise with its older waiting time and due time when the customer writes again', () => {
    const slot = openPromise({}, first);
    const again = openPromise(slot, {
      receivedAt: new Date('2026-12-02T11:00:00Z'),
      kind: 'follow-up',
      times: times('2026-12-03T09:00:00Z', '2026-12-03T11:00:00Z'),
    });
    expect(again).toBe(slot);
  });

  it('keeps an escalated promise as it is', () => {
    const opened = openPromise({}, first);
    if (!opened.promise) throw new Error('no promise');
    const escalated = {
      ...opened,
      promise: markEscalated(opened.promise, { to: 'bob@x.test', at: new Date() }),
    };
    expect(openPromise(escalated, first)).toBe(escalated);
  });

  it('gives the next promise after an answer a new epoch, so its mails are new mails', () => {
    const kept = keepPromise(openPromise({}, first));
    expect(kept).toEqual({ promise: undefined, promiseEpoch: 1 });
    expect(openPromise(kept, first).promise?.epoch).toBe(2);
    expect(openPromise(closePromise(openPromise(kept, first)), first).promise?.epoch).toBe(3);
  });

  it('runs a paused promise again from the new customer mail', () => {
    const paused = pausePromise(openPromise({}, first), {
      waitUntil: '2026-12-10',
      resumeAt: new Date('2026-12-10T08:00:00Z'),
      now: new Date('2026-12-02T10:00:00Z'),
    });
    const reopened = openPromise(paused, { ...first, kind: 'follow-up' });
    expect(reopened.promise).toMatchObject({ epoch: 2, state: 'open', kind: 'follow-up' });
    expect(reopened.promise?.waitUntil).toBeUndefined();
  });
});

describe('closing and keeping', () => {
  it('ends nothing when there was no promise, without inventing an epoch', () => {
    expect(keepPromise({})).toEqual({ promise: undefined });
    expect(closePromise({})).toEqual({ promise: undefined });
  });
});

describe('pausing and resuming', () => {
  it('pauses until the day, forgetting what the sweep did, and resumes as a new follow-up promise', () => {
    const opened = openPromise({}, first);
    if (!opened.promise) throw new Error('no promise');
    const nudged = { ...opened, promise: markNudged(opened.promise, new Date('2026-12-02T12:00:00Z')) };
    const paused = pausePromise(nudged, {
      waitUntil: '2026-12-10',
      resumeAt: new Date('2026-12-10T08:00:00Z'),
      now: new Date('2026-12-02T12:30:00Z'),
    });
    expect(paused.promise).toMatchObject({
      epoch: 1,
      state: 'paused',
      waitUntil: '2026-12-10',
      resumeAt: '2026-12-10T08:00:00.000Z',
    });
    expect(paused.promise?.nudgedAt).toBeUndefined();
    expect(paused.promise && nextPromiseEvent(paused.promise)).toEqual({
      step: 'resume',
      at: '2026-12-10T08:00:00.000Z',
    });
    const resumed = resumePromise(paused, {
      at: new Date('2026-12-10T08:00:00Z'),
      times: times('2026-12-10T14:00:00Z', '2026-12-10T16:00:00Z'),
    });
    expect(resumed).toEqual({
      promise: {
        epoch: 2,
        state: 'open',
        kind: 'follow-up',
        waitingSince: '2026-12-10T08:00:00.000Z',
        nudgeAt: '2026-12-10T14:00:00.000Z',
        dueAt: '2026-12-10T16:00:00.000Z',
      },
      promiseEpoch: 2,
    });
  });

  it('starts a paused promise when there was none, so the owner is still reminded on the day', () => {
    const paused = pausePromise(
      { promiseEpoch: 4 },
      {
        waitUntil: '2026-12-10',
        resumeAt: new Date('2026-12-10T08:00:00Z'),
        now: new Date('2026-12-02T12:00:00Z'),
      },
    );
    expect(paused.promise).toMatchObject({
      epoch: 5,
      state: 'paused',
      waitingSince: '2026-12-02T12:00:00.000Z',
    });
    expect(paused.promiseEpoch).toBe(5);
  });

  it('leaves anything but a paused promise alone on resume', () => {
    const opened = openPromise({}, first);
    expect(resumePromise(opened, { at: new Date(), times: first.times })).toBe(opened);
  });

  it("resumes at the start of the owner's working day in their zone, daylight saving included", () => {
    const berlin = businessHoursOf(DEFAULT_BUSINESS_HOURS);
    expect(waitResumeTime('2026-12-10', berlin).toISOString()).toBe('2026-12-10T08:00:00.000Z');
    expect(waitResumeTime('2026-07-10', berlin).toISOString()).toBe('2026-07-10T07:00:00.000Z');
    const whole = businessHoursOf({
      timeZone: 'America/New_York',
      days: 'mon-sun',
      from: '00:00',
      to: '23:59',
    });
    expect(waitResumeTime('2026-12-10', whole).toISOString()).toBe('2026-12-10T05:00:00.000Z');
  });
});

describe('nextPromiseEvent', () => {
  const opened = openPromise({}, first).promise;
  if (!opened) throw new Error('no promise');

  it('goes nudge, escalate, tell the lead, then nothing', () => {
    const nudged = markNudged(opened, new Date('2026-12-02T12:00:00Z'));
    expect(nextPromiseEvent(nudged)).toEqual({ step: 'escalate', at: '2026-12-02T13:00:00.000Z' });
    const escalated = markEscalated(nudged, {
      to: 'bob@x.test',
      at: new Date('2026-12-02T13:00:00Z'),
      backupDueAt: new Date('2026-12-02T17:00:00Z'),
    });
    expect(escalated).toMatchObject({ state: 'escalated', escalatedTo: 'bob@x.test' });
    expect(nextPromiseEvent(escalated)).toEqual({ step: 'tell-lead', at: '2026-12-02T17:00:00.000Z' });
    expect(nextPromiseEvent(markLeadTold(escalated, new Date('2026-12-02T17:00:00Z')))).toBeUndefined();
  });

  it('skips the nudge when it would not come before the due time', () => {
    expect(nextPromiseEvent({ ...opened, nudgeAt: opened.dueAt })).toEqual({
      step: 'escalate',
      at: opened.dueAt,
    });
  });

  it('has nothing due after an escalation with nobody to tell', () => {
    expect(nextPromiseEvent(markEscalated(opened, { at: new Date('2026-12-02T13:00:00Z') }))).toBeUndefined();
  });
});
