import type { Owner } from './types.js';

/** An owner as the configuration lists it. */
export interface ConfiguredOwner {
  email: string;
  name: string;
  active: boolean;
}

/** What bringing the store's owners in line with the configuration takes. */
export interface OwnerSyncPlan {
  /** Owners to write: new ones, and stored ones whose name or active flag differ from the config. */
  put: Array<{ owner: Owner; change: 'added' | 'updated' }>;
  /** Configured owners already stored as configured. */
  unchanged: string[];
  /** Stored owners the config does not list; left alone (`spoc owner remove` removes one). */
  onlyInStore: string[];
}

/**
 * Plans `spoc owner sync`: every configured owner exists in the store with the configured name and
 * active flag. Idempotent: a second run plans no writes. Absences and creation times stay as stored;
 * owners not in the config are reported, never removed (that would orphan their customers).
 */
export function planOwnerSync(configured: ConfiguredOwner[], stored: Owner[], now: Date): OwnerSyncPlan {
  const byEmail = new Map(stored.map((owner) => [owner.email, owner]));
  const plan: OwnerSyncPlan = { put: [], unchanged: [], onlyInStore: [] };
  for (const wanted of configured) {
    const existing = byEmail.get(wanted.email);
    if (!existing) {
      plan.put.push({
        owner: {
          email: wanted.email,
          name: wanted.name,
          active: wanted.active,
          createdAt: now.toISOString(),
        },
        change: 'added',
      });
    } else if (existing.name !== wanted.name || existing.active !== wanted.active) {
      plan.put.push({ owner: { ...existing, name: wanted.name, active: wanted.active }, change: 'updated' });
    } else {
      plan.unchanged.push(wanted.email);
    }
  }
  const configuredEmails = new Set(configured.map((owner) => owner.email));
  plan.onlyInStore = stored.filter((owner) => !configuredEmails.has(owner.email)).map((o) => o.email);
  return plan;
}
