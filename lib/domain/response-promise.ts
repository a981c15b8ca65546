import { parseBusinessDuration } from './business-duration.js';
import { businessHoursOf, effectiveHoursSpec, InvalidBusinessTimeError } from './business-hours.js';
import { addBusinessTime, nudgeTime } from './business-time.js';
import type { BusinessHoursSpec, Owner } from './types.js';

/** The promise settings of the config (`promise`). */
export interface PromiseSettings {
  firstResponse: string;
  followUp: string;
  nudgeAt: number;
}

/** When a waiting customer mail's owner is nudged, and when its promise falls due. */
export interface PromiseTimes {
  nudgeAt: Date;
  dueAt: Date;
}

/**
 * The nudge and due times of a customer mail that waits for an answer, received at `receivedAt`: the
 * first answer of a conversation is due after `promise.firstResponse`, a later one after
 * `promise.followUp`, both in business time of the owner's hours (their own, else `defaultHours`), with
 * `holidays` read in the owner's zone. Settings are expected valid (the config parser checked them); a
 * bad one throws {@link InvalidBusinessTimeError}.
 */
export function promiseTimes(input: {
  receivedAt: Date;
  kind: 'first-response' | 'follow-up';
  owner: Pick<Owner, 'hours'>;
  defaultHours: BusinessHoursSpec;
  holidays: readonly string[];
  promise: PromiseSettings;
}): PromiseTimes {
  const hours = businessHoursOf(effectiveHoursSpec(input.owner, input.defaultHours));
  const written = input.kind === 'first-response' ? input.promise.firstResponse : input.promise.followUp;
  const duration = parseBusinessDuration(written);
  if (!duration.ok) throw new InvalidBusinessTimeError(duration.problem);
  const holidays = new Set(input.holidays);
  return {
    nudgeAt: nudgeTime(input.receivedAt, duration.value, input.promise.nudgeAt, hours, holidays),
    dueAt: addBusinessTime(input.receivedAt, duration.value, hours, holidays),
  };
}
