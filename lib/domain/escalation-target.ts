import { coverState } from './owner-cover.js';
import type { Owner } from './types.js';

/** Who a silent owner's conversation goes to at its due time, or why nobody can take it. */
export type EscalationTarget =
  | {
      found: true;
      owner: Owner;
      /** Whether the owner's own backup or `escalation.defaultBackup` was named. */
      named: 'own-backup' | 'default-backup';
      /** Absent backups passed over, each for the cover they named (in order). */
      passedOver: string[];
    }
  | { found: false; problem: string };

/**
 * The owner who takes over `owner`'s unanswered conversation: their own backup (`spoc owner backup`),
 * else `defaultBackup`. Never the owner themselves, an inactive or unknown owner, or someone away: an
 * absent backup's cover takes it instead, and so on along the covers, stopping if they lead back to
 * someone already passed. Only the standing backup is chosen here; a conversation already answered by the
 * owner's own cover during an absence is the caller's to route.
 */
export function escalationTarget(
  owner: Owner,
  owners: readonly Owner[],
  defaultBackup: string | undefined,
  now: Date,
): EscalationTarget {
  const named = owner.backupEmail ?? defaultBackup;
  if (named === undefined) {
    return {
      found: false,
      problem: `${owner.email} has no backup: name one with spoc owner backup, or set escalation.defaultBackup`,
    };
  }
  const byEmail = new Map(owners.map((o) => [o.email, o]));
  const seen = new Set([owner.email]);
  const passedOver: string[] = [];
  let email = named;
  for (;;) {
    if (seen.has(email)) {
      return {
        found: false,
        problem:
          email === owner.email
            ? `the backup of ${owner.email} leads back to ${owner.email}`
            : `the covers of ${passedOver.join(', ')} run in a circle`,
      };
    }
    const candidate = byEmail.get(email);
    if (!candidate) return { found: false, problem: `the backup ${email} is not an owner` };
    if (!candidate.active) return { found: false, problem: `the backup ${email} is inactive` };
    const state = coverState(candidate, now);
    if (state.kind !== 'covered') {
      return {
        found: true,
        owner: candidate,
        named: owner.backupEmail ? 'own-backup' : 'default-backup',
        passedOver,
      };
    }
    seen.add(email);
    passedOver.push(email);
    email = state.away.backupEmail;
  }
}
