import { isFreeMailDomain } from './free-mail-domains.js';
import { domainOf } from './mail-address.js';
import { awayEndsAt, awayStartsAt } from './owner-cover.js';
import type { Owner } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How a new customer's owner is chosen among those available: in turn, or the least busy. */
export type AssignmentStrategy = 'round-robin' | 'least-loaded';

/** What the assignment policy needs to choose an owner for a new customer. */
export interface AssignmentInput {
  customerEmail: string;
  /** Every known owner; inactive ones are skipped. */
  owners: readonly Owner[];
  /** B2B accounts: customer domain → owner email. */
  domainRules: Record<string, string>;
  /** A fresh value of the shared round-robin counter (1, 2, 3, …). */
  sequence: number;
  /** `round-robin` when not given. */
  strategy?: AssignmentStrategy;
  /** Open conversations per owner address (a missing owner has none); read for `least-loaded`. */
  openCounts?: ReadonlyMap<string, number>;
  /** The time of the assignment: owners away now or soon are skipped. Without it nobody is skipped. */
  now?: Date;
  /** An owner whose absence starts within this many days gets no new customer (default 0: only away now). */
  skipIfAwayWithinDays?: number;
}

/**
 * Whether an owner can take a new customer at `now`: not away, and no absence starting within
 * `withinDays` days. An absence whose return day has come counts as over, even before it is cleared.
 */
export function isAvailableForNewCustomers(owner: Owner, now: Date, withinDays: number): boolean {
  if (!owner.away) return true;
  if (now.getTime() >= awayEndsAt(owner.away).getTime()) return true;
  return awayStartsAt(owner.away).getTime() > now.getTime() + withinDays * DAY_MS;
}

/**
 * The owners a new customer may go to: the active owners available at `now`; when none is, the active
 * owners who are back soonest (a customer is never refused while someone is active, and the backup
 * covers until then). Sorted by address, so round robin has a stable order.
 */
export function assignableOwners(
  owners: readonly Owner[],
  now: Date | undefined,
  withinDays: number,
): Owner[] {
  const active = owners.filter((owner) => owner.active).sort((a, b) => a.email.localeCompare(b.email));
  if (!now) return active;
  const available = active.filter((owner) => isAvailableForNewCustomers(owner, now, withinDays));
  if (available.length > 0) return available;
  const backAt = (owner: Owner) => (owner.away ? awayEndsAt(owner.away).getTime() : now.getTime());
  const soonest = Math.min(...active.map(backAt));
  return active.filter((owner) => backAt(owner) === soonest);
}

/**
 * Chooses the owner of a new customer: the owner of the customer's company domain when a rule names an
 * active one who is available (never for free-mail domains such as gmail.com); else, among the
 * {@link assignableOwners}, the next in turn (`round-robin`) or the one with the fewest open
 * conversations (`least-loaded`, ties taken in turn so equal owners share the customers). Returns
 * `undefined` only when no owner is active.
 */
export function chooseOwner(input: AssignmentInput): Owner | undefined {
  const withinDays = input.skipIfAwayWithinDays ?? 0;
  const candidates = assignableOwners(input.owners, input.now, withinDays);
  const domain = domainOf(input.customerEmail);
  const ruleOwner = isFreeMailDomain(domain) ? undefined : input.domainRules[domain];
  const byDomain = ruleOwner ? candidates.find((owner) => owner.email === ruleOwner) : undefined;
  if (byDomain) return byDomain;
  if (candidates.length === 0) return undefined;
  const inTurn = (pool: readonly Owner[]) => pool[(input.sequence - 1 + pool.length) % pool.length];
  if (input.strategy !== 'least-loaded') return inTurn(candidates);
  const load = (owner: Owner) => Math.max(0, input.openCounts?.get(owner.email) ?? 0);
  const fewest = Math.min(...candidates.map(load));
  return inTurn(candidates.filter((owner) => load(owner) === fewest));
}

/**
 * The owner a domain rule names for a customer (a rule stored with `spoc customer domain` wins over the
 * config file's), never for a free-mail domain such as gmail.com.
 */
export function domainRuleOwner(
  customerEmail: string,
  configRules: Record<string, string>,
  storedRuleOwner: string | undefined,
): string | undefined {
  const domain = domainOf(customerEmail);
  if (isFreeMailDomain(domain)) return undefined;
  return storedRuleOwner ?? configRules[domain];
}

/**
 * Round robin one page of the team at a time: the first owner of `page` (a page in address order, read
 * after the rotation's cursor) who is active and may take a new customer at `now`, up to and including
 * `upTo` when given (the rotation came round to where it started); `undefined` when the page holds none.
 */
export function firstInRotation(
  page: readonly Owner[],
  now: Date,
  withinDays: number,
  upTo?: string,
): Owner | undefined {
  return page.find(
    (owner) =>
      (upTo === undefined || owner.email <= upTo) &&
      owner.active &&
      isAvailableForNewCustomers(owner, now, withinDays),
  );
}
