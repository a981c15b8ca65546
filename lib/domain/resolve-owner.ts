import type { Owner } from './types.js';

/** The owner a person meant, or why none could be picked. */
export type OwnerLookup =
  | { found: true; owner: Owner }
  | { found: false; problem: 'unknown' | 'ambiguous'; candidates: Owner[] };

/**
 * Finds an owner by address (case-insensitive) or by a name that matches exactly one owner
 * (case- and space-insensitive). A name shared by two owners is ambiguous, never a guess.
 */
export function resolveOwner(owners: readonly Owner[], query: string): OwnerLookup {
  const wanted = query.trim().replace(/^<|>$/g, '').toLowerCase();
  const byEmail = owners.find((owner) => owner.email === wanted);
  if (byEmail) return { found: true, owner: byEmail };
  const normalize = (name: string) => name.trim().replace(/\s+/g, ' ').toLowerCase();
  const byName = owners.filter((owner) => normalize(owner.name) === normalize(wanted));
  if (byName.length === 1 && byName[0]) return { found: true, owner: byName[0] };
  return { found: false, problem: byName.length > 1 ? 'ambiguous' : 'unknown', candidates: byName };
}
