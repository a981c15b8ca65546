import { type BusinessHoursSpec, businessHoursOf, effectiveHoursSpec } from './business-hours.js';
import { businessTimeBetween } from './business-time.js';
import { percentile, type StatsPeriod } from './owner-stats.js';
import type { ConversationMessage, Owner, PromiseEnd, ResponsePromise } from './types.js';

export type { PromiseEnd };

/**
 * Pure: how a promise ended at `at`, by an answer from `writerEmail` (absent for `#close`). The
 * first-response figure is measured in the owner's business hours (their own, else `defaultHours`), with
 * `holidays` read in their zone.
 */
export function promiseEnd(input: {
  promise: ResponsePromise;
  at: Date;
  owner: Pick<Owner, 'email' | 'hours'>;
  writerEmail?: string;
  defaultHours: BusinessHoursSpec;
  holidays: readonly string[];
}): PromiseEnd {
  const { promise, at, owner } = input;
  const escalated = promise.state === 'escalated';
  // A paused promise owed nothing while it waited: answering or closing it keeps it.
  const late = promise.state !== 'paused' && at.getTime() > Date.parse(promise.dueAt);
  const answered = input.writerEmail !== undefined;
  const end: PromiseEnd = {
    ownerEmail: owner.email,
    result: escalated || late ? 'broken' : 'kept',
    escalated,
    answered,
    byOwner: answered && input.writerEmail === owner.email,
  };
  if (!answered || promise.kind !== 'first-response') return end;
  const hours = businessHoursOf(effectiveHoursSpec(owner, input.defaultHours));
  const ms = businessTimeBetween(new Date(promise.waitingSince), at, hours, new Set(input.holidays));
  return { ...end, firstResponseBusinessSeconds: Math.round(ms / 1000) };
}

/** The promise figures of one owner over a period. */
export interface PromiseFigures {
  ownerEmail: string;
  promisesKept: number;
  promisesBroken: number;
  escalations: number;
  /** First answers: median and p90 of the business seconds the customer waited. */
  firstResponseBusinessMedianSeconds?: number;
  firstResponseBusinessP90Seconds?: number;
  /**
   * Share (0..1) of the owner's customers' waiting mails answered by the owner, not a backup or cover;
   * absent when none was answered in the period.
   */
  continuity?: number;
}

/**
 * Pure: the promise figures per owner from the promise ends recorded in a period (each once: the same
 * message stored twice is one item). Owners in `owners` appear even without any.
 */
export function computePromiseFigures(
  ends: readonly PromiseEnd[],
  owners: readonly string[] = [],
): PromiseFigures[] {
  const byOwner = new Map<
    string,
    { kept: number; broken: number; escalations: number; answers: number; own: number; times: number[] }
  >();
  const of = (ownerEmail: string) => {
    let entry = byOwner.get(ownerEmail);
    if (!entry) {
      entry = { kept: 0, broken: 0, escalations: 0, answers: 0, own: 0, times: [] };
      byOwner.set(ownerEmail, entry);
    }
    return entry;
  };
  for (const owner of owners) of(owner);
  for (const end of ends) {
    const entry = of(end.ownerEmail);
    if (end.result === 'kept') entry.kept += 1;
    else entry.broken += 1;
    if (end.escalated) entry.escalations += 1;
    if (end.answered) {
      entry.answers += 1;
      if (end.byOwner) entry.own += 1;
    }
    if (end.firstResponseBusinessSeconds !== undefined) entry.times.push(end.firstResponseBusinessSeconds);
  }
  return [...byOwner.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([ownerEmail, e]) => {
      const sorted = [...e.times].sort((a, b) => a - b);
      const median = percentile(sorted, 50);
      const p90 = percentile(sorted, 90);
      return {
        ownerEmail,
        promisesKept: e.kept,
        promisesBroken: e.broken,
        escalations: e.escalations,
        ...(median === undefined ? {} : { firstResponseBusinessMedianSeconds: median }),
        ...(p90 === undefined ? {} : { firstResponseBusinessP90Seconds: p90 }),
        ...(e.answers > 0 ? { continuity: e.own / e.answers } : {}),
      };
    });
}

/**
 * Pure: the promise ends recorded on messages in `[period.from, period.to)`, each message once (a
 * retried step may have stored it twice).
 */
export function promiseEndsIn(
  messages: readonly Pick<ConversationMessage, 'id' | 'at' | 'promiseEnd'>[],
  period: StatsPeriod,
): PromiseEnd[] {
  const ends = new Map<string, PromiseEnd>();
  for (const message of messages) {
    if (message.promiseEnd && message.at >= period.from && message.at < period.to) {
      ends.set(message.id, message.promiseEnd);
    }
  }
  return [...ends.values()];
}
