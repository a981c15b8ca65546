import type { Owner, OwnerAway } from './types.js';

/** Where an owner's customer mail goes right now. */
export type CoverState =
  | { kind: 'present' }
  | { kind: 'covered'; away: OwnerAway }
  /** The absence has ended but the return (digest, clearing `away`) has not been processed yet. */
  | { kind: 'returned'; away: OwnerAway };

/** The instant an absence ends: the start (UTC) of the `until` day. */
export function awayEndsAt(away: OwnerAway): Date {
  return new Date(`${away.until}T00:00:00.000Z`);
}

/** The instant an absence starts: `since`, which is later than the time it was set for a planned absence. */
export function awayStartsAt(away: OwnerAway): Date {
  return new Date(away.since);
}

/** Whether `owner` is away at `now`, back but not yet processed, or simply present. */
export function coverState(owner: Owner, now: Date): CoverState {
  if (!owner.away) return { kind: 'present' };
  // A planned absence that has not started yet: the owner still receives their mail.
  if (now.getTime() < awayStartsAt(owner.away).getTime()) return { kind: 'present' };
  return now.getTime() < awayEndsAt(owner.away).getTime()
    ? { kind: 'covered', away: owner.away }
    : { kind: 'returned', away: owner.away };
}

/** `YYYY-MM-DD` that is a real calendar date. */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00.000Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Why an absence cannot be set, or `undefined` when it can. */
export function checkAway(input: {
  owner: Owner;
  backup: Owner | undefined;
  until: string;
  now: Date;
}): string | undefined {
  if (!isIsoDate(input.until)) return `"${input.until}" is not a date: write it as YYYY-MM-DD`;
  if (new Date(`${input.until}T00:00:00.000Z`).getTime() <= input.now.getTime()) {
    return `${input.until} is not in the future: give the day the owner is back`;
  }
  if (!input.backup) return 'the backup is not an owner: add them first (spoc owner add)';
  if (input.backup.email === input.owner.email) return 'an owner cannot cover for themselves';
  if (!input.backup.active) return `${input.backup.email} is inactive and cannot cover`;
  if (input.backup.away && coverState(input.backup, input.now).kind === 'covered') {
    return `${input.backup.email} is away until ${input.backup.away.until} and cannot cover`;
  }
  return undefined;
}

/** The line a customer sees under an answer the owner's backup wrote. */
export function coverSignature(backup: Pick<Owner, 'name'>, owner: Pick<Owner, 'name'>): string {
  return `${backup.name}, covering for ${owner.name}`;
}
