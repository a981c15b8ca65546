import { nextPromiseEvent } from './promise-state.js';
import type { ResponsePromise } from './types.js';

/**
 * Events further ahead than this many days (a long `#wait`) share the `later` bucket, which every sweep
 * reads up to now; nearer ones are bucketed by their day, so listing every promise reads a bounded
 * number of buckets.
 */
export const DUE_HORIZON_DAYS = 62;
/**
 * Most day buckets one sweep reads. A sweep that was down for longer catches up this many days a run
 * (a run a minute), so no run's work grows with the length of the outage.
 */
export const SWEEP_MAX_DAYS = 31;
/** Bucket of events beyond {@link DUE_HORIZON_DAYS}. */
export const LATER_BUCKET = 'later';
/** Bucket of promises with nothing due by itself (escalated, the lead told or nobody to tell). */
export const IDLE_BUCKET = 'idle';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A promise's place in the due index: its bucket and its sort key. */
export interface DueEntryKey {
  bucket: string;
  sortKey: string;
}

/** `YYYY-MM-DD` (UTC) of an instant. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The UTC day `days` after `day`. */
export function addDays(day: string, days: number): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS));
}

/**
 * Where a promise sits in the due index when written at `writtenAt`: the day of its next event, never
 * earlier than the writer's day (an event already past, say of a replayed old mail, lands where the sweep
 * still reads; its sort key keeps the real time, so it is due at once); `later` beyond the horizon;
 * `idle` when nothing is due by itself.
 */
export function dueEntryKey(promise: ResponsePromise, conversationId: string, writtenAt: Date): DueEntryKey {
  const event = nextPromiseEvent(promise);
  if (!event) return { bucket: IDLE_BUCKET, sortKey: `${promise.waitingSince}#${conversationId}` };
  const sortKey = `${event.at}#${conversationId}`;
  const day = utcDay(new Date(Math.max(Date.parse(event.at), writtenAt.getTime())));
  const horizon = addDays(utcDay(writtenAt), DUE_HORIZON_DAYS);
  return { bucket: day > horizon ? LATER_BUCKET : day, sortKey };
}

/**
 * The day buckets a sweep at `now` reads, oldest first: from the day before the cursor (entries written
 * around midnight by a writer whose clock was behind) to today, at most `maxDays` of them. Without a
 * cursor (the first sweep) it reads back `maxDays`.
 */
export function sweepDays(cursor: string | undefined, now: Date, maxDays = SWEEP_MAX_DAYS): string[] {
  const today = utcDay(now);
  const first = cursor === undefined ? addDays(today, -(maxDays - 1)) : addDays(cursor, -1);
  const days: string[] = [];
  for (let day = first; day <= today && days.length < maxDays; day = addDays(day, 1)) days.push(day);
  return days;
}

/**
 * Where the next sweep starts: the oldest day read that still held something due (it is re-read until
 * its entries move on; their handling is idempotent), else the day after the last one read when the
 * read stopped short of today, else today. Never later than `ceiling` (the real today, when a sweep
 * runs as if at a later time), never earlier than the stored cursor.
 */
export function nextSweepCursor(input: {
  cursor: string | undefined;
  read: readonly string[];
  withDue: ReadonlySet<string>;
  now: Date;
  ceiling: Date;
}): string {
  const today = utcDay(input.now);
  const pending = input.read.find((day) => input.withDue.has(day));
  const last = input.read[input.read.length - 1];
  let next = pending ?? (last !== undefined && last < today ? addDays(last, 1) : today);
  const ceiling = utcDay(input.ceiling);
  if (next > ceiling) next = ceiling;
  if (input.cursor !== undefined && next < input.cursor) next = input.cursor;
  return next;
}

/**
 * Every bucket a listing of all promises reads: the days from the day before the cursor to the horizon,
 * then `later` and `idle`. Bounded: a few dozen queries however many promises there are.
 */
export function listingBuckets(cursor: string | undefined, now: Date): string[] {
  const today = utcDay(now);
  const first = cursor === undefined ? addDays(today, -SWEEP_MAX_DAYS) : addDays(cursor, -1);
  const last = addDays(today, DUE_HORIZON_DAYS + 1);
  const days: string[] = [];
  for (let day = first; day <= last; day = addDays(day, 1)) days.push(day);
  return [...days, LATER_BUCKET, IDLE_BUCKET];
}
