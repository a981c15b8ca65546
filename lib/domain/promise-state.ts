import type { BusinessHours } from './business-hours.js';
import type { PromiseTimes } from './response-promise.js';
import type { Conversation, PromiseKind, ResponsePromise } from './types.js';
import { zonedInstant } from './zoned-time.js';

/** The part of a conversation a promise transition reads and replaces. */
export type PromiseSlot = Pick<Conversation, 'promise' | 'promiseEpoch'>;

/** What the sweep does next for a promise, and from when. */
export type PromiseStep = 'nudge' | 'escalate' | 'tell-lead' | 'resume';

/** The next thing due for a promise: its step and the instant (ISO 8601) it is due. */
export interface PromiseEvent {
  step: PromiseStep;
  at: string;
}

const nextEpoch = (slot: PromiseSlot): number =>
  Math.max(slot.promiseEpoch ?? 0, slot.promise?.epoch ?? 0) + 1;

const iso = (date: Date): string => date.toISOString();

function fresh(slot: PromiseSlot, kind: PromiseKind, since: Date, times: PromiseTimes): PromiseSlot {
  const epoch = nextEpoch(slot);
  return {
    promise: {
      epoch,
      state: 'open',
      kind,
      waitingSince: iso(since),
      nudgeAt: iso(times.nudgeAt),
      dueAt: iso(times.dueAt),
    },
    promiseEpoch: epoch,
  };
}

/**
 * A customer mail that waits for an answer, received at `receivedAt` with the times `promiseTimes` gave
 * it. A promise already running (open or handed to the backup) is kept as it is: the customer has waited
 * since its older mail, and its due time does not move later. A paused promise runs again from this
 * mail: the customer has written, which may be what the owner was waiting for.
 */
export function openPromise(
  slot: PromiseSlot,
  input: { receivedAt: Date; kind: PromiseKind; times: PromiseTimes },
): PromiseSlot {
  const current = slot.promise;
  if (current && current.state !== 'paused') return slot;
  return fresh(slot, input.kind, input.receivedAt, input.times);
}

/** An answer relayed to the customer (by the owner, a backup or a cover): the promise is kept and ends. */
export function keepPromise(slot: PromiseSlot): PromiseSlot {
  return endPromise(slot);
}

/** `#close`: the promise ends without an answer being owed. */
export function closePromise(slot: PromiseSlot): PromiseSlot {
  return endPromise(slot);
}

function endPromise(slot: PromiseSlot): PromiseSlot {
  const epoch = Math.max(slot.promiseEpoch ?? 0, slot.promise?.epoch ?? 0);
  return epoch > 0 ? { promise: undefined, promiseEpoch: epoch } : { promise: undefined };
}

/**
 * `#wait <day>`: the promise pauses until `waitUntil` (`YYYY-MM-DD`) and resumes at `resumeAt` (see
 * {@link waitResumeTime}), when the owner is reminded. Without a running promise one is started paused,
 * so the owner is still reminded on that day.
 */
export function pausePromise(
  slot: PromiseSlot,
  input: { waitUntil: string; resumeAt: Date; now: Date },
): PromiseSlot {
  const resumeAt = iso(input.resumeAt);
  const base =
    slot.promise ??
    fresh(slot, 'follow-up', input.now, { nudgeAt: input.resumeAt, dueAt: input.resumeAt }).promise;
  if (!base) return slot;
  const { nudgedAt: _n, escalatedTo: _t, escalatedAt: _a, backupDueAt: _b, leadToldAt: _l, ...kept } = base;
  return {
    promise: { ...kept, state: 'paused', waitUntil: input.waitUntil, resumeAt },
    promiseEpoch: base.epoch,
  };
}

/**
 * The paused promise's day has come: it runs again as a new promise (a new epoch, so its nudge and
 * escalation are mails of their own) from `at`, with the times `promiseTimes` gave for a follow-up.
 * Anything but a paused promise is returned as it is.
 */
export function resumePromise(slot: PromiseSlot, input: { at: Date; times: PromiseTimes }): PromiseSlot {
  if (slot.promise?.state !== 'paused') return slot;
  return fresh(slot, 'follow-up', input.at, input.times);
}

/** The owner was nudged at `at`. */
export function markNudged(promise: ResponsePromise, at: Date): ResponsePromise {
  return { ...promise, nudgedAt: iso(at) };
}

/**
 * The promise fell due and went to `to` (absent when no backup could be found) at `at`; the lead is told
 * at `backupDueAt` unless the backup answers first (absent when there is nobody to tell).
 */
export function markEscalated(
  promise: ResponsePromise,
  input: { to?: string | undefined; at: Date; backupDueAt?: Date | undefined },
): ResponsePromise {
  const { backupDueAt: _b, escalatedTo: _t, ...rest } = promise;
  return {
    ...rest,
    state: 'escalated',
    escalatedAt: iso(input.at),
    ...(input.to ? { escalatedTo: input.to } : {}),
    ...(input.backupDueAt ? { backupDueAt: iso(input.backupDueAt) } : {}),
  };
}

/** `escalation.leadAddress` was told at `at`; nothing further is due for the promise. */
export function markLeadTold(promise: ResponsePromise, at: Date): ResponsePromise {
  return { ...promise, leadToldAt: iso(at) };
}

/**
 * What is due next for a promise: the nudge (unless the due time comes first or it was sent), the
 * escalation, telling the lead, or resuming a paused promise. `undefined` when nothing more will happen
 * by itself (the lead was told, or there is nobody to tell).
 */
export function nextPromiseEvent(promise: ResponsePromise): PromiseEvent | undefined {
  switch (promise.state) {
    case 'paused':
      return promise.resumeAt ? { step: 'resume', at: promise.resumeAt } : undefined;
    case 'open':
      if (!promise.nudgedAt && promise.nudgeAt < promise.dueAt) return { step: 'nudge', at: promise.nudgeAt };
      return { step: 'escalate', at: promise.dueAt };
    case 'escalated':
      if (promise.leadToldAt || !promise.backupDueAt) return undefined;
      return { step: 'tell-lead', at: promise.backupDueAt };
  }
}

/**
 * The instant a `#wait <day>` pause ends: the start of that day's working span in the owner's zone
 * (midnight there when the day starts the span at 00:00). The reminder comes when the owner starts work.
 */
export function waitResumeTime(day: string, hours: BusinessHours): Date {
  const [year, month, dayOfMonth] = day.split('-').map(Number);
  return zonedInstant(
    { year: year ?? 1970, month: month ?? 1, day: dayOfMonth ?? 1 },
    hours.fromMinute,
    hours.timeZone,
  );
}
