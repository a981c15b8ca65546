import { awaitAll } from '../delivery/await-all.js';
import { assignableOwners, chooseOwner } from '../domain/assign-owner.js';
import { PermanentFailureError } from '../domain/errors.js';
import type { Customer, Owner } from '../domain/types.js';
import type { InboundDeps } from './inbound-deps.js';

/** A customer with their owner, and whether this message made them a customer. */
export interface OwnedCustomer {
  customer: Customer;
  owner: Owner;
  isNew: boolean;
  /**
   * This call counted one open conversation for `owner` (a new customer's first): the conversation it
   * opens is marked as counted without counting it again.
   */
  openCountTaken?: boolean;
}

/** Tries of a least-loaded take before the choice is counted regardless (a customer is never refused). */
const TAKE_ATTEMPTS = 8;

/**
 * Chooses the owner of a new customer by policy and counts the open conversation their first mail
 * opens. Least-loaded takes the count from the value it chose on (a conditional update); when another
 * assignment changed it first, it reads the counts again and chooses again, so concurrent new customers
 * spread over the owners instead of all going to the one that looked least busy.
 */
async function assign(
  deps: Pick<InboundDeps, 'store' | 'config' | 'now'>,
  customerEmail: string,
): Promise<Owner> {
  const { strategy, skipIfAwayWithinDays } = deps.config.assignment;
  // Only a new customer (or one whose owner is gone) reads the whole team: the choice is among them all.
  const [owners, sequence, storedRules] = await awaitAll([
    deps.store.listOwners(),
    deps.store.nextAssignmentSequence(),
    deps.store.listDomainRules(),
  ]);
  // Rules set with `spoc customer domain` win over the config file's.
  const domainRules = {
    ...deps.config.assignment.domains,
    ...Object.fromEntries(storedRules.map((rule) => [rule.domain, rule.ownerEmail])),
  };
  const now = deps.now();
  const choose = (openCounts?: ReadonlyMap<string, number>): Owner => {
    const owner = chooseOwner({
      customerEmail,
      owners,
      domainRules,
      sequence,
      strategy,
      now,
      skipIfAwayWithinDays,
      ...(openCounts ? { openCounts } : {}),
    });
    if (!owner) {
      throw new PermanentFailureError(
        'no-active-owner',
        'no active owner to assign the customer to: add one with `spoc owner add`',
      );
    }
    return owner;
  };
  if (strategy !== 'least-loaded') {
    const owner = choose();
    await deps.store.addOpenCount(owner.email, 1);
    return owner;
  }
  const candidates = assignableOwners(owners, now, skipIfAwayWithinDays).map((owner) => owner.email);
  for (let attempt = 1; attempt <= TAKE_ATTEMPTS; attempt += 1) {
    const counts = await deps.store.openCounts(candidates);
    const owner = choose(counts);
    if (await deps.store.takeOpenCount(owner.email, counts.get(owner.email) ?? 0)) return owner;
  }
  // Still contended after every try: counted as chosen, slightly uneven rather than refused.
  const owner = choose(await deps.store.openCounts(candidates));
  await deps.store.addOpenCount(owner.email, 1);
  return owner;
}

/** Records already read by the caller, so they are not read again. */
export interface KnownRecords {
  /** The customer record as just read (`null`: read and not found). */
  customer?: Customer | null;
  /** Owners just read (some, not necessarily the team): an owner found here is not read again. */
  owners?: Owner[];
}

/** An owner among those just read, else read on its own by key. */
export async function ownerByEmail(
  deps: Pick<InboundDeps, 'store'>,
  email: string,
  owners: Owner[] | undefined,
): Promise<Owner | undefined> {
  return owners?.find((owner) => owner.email === email) ?? (await deps.store.getOwner(email));
}

/**
 * Returns the customer's one owner, assigning one by policy to a new customer. The customer record is
 * written conditionally, so racing first messages all end with the same owner. `inboundId` is recorded
 * on a new customer as the mail that created them.
 */
export async function findOrAssignOwner(
  deps: Pick<InboundDeps, 'store' | 'config' | 'now'>,
  customerEmail: string,
  customerName: string,
  inboundId?: string,
  known: KnownRecords = {},
): Promise<OwnedCustomer> {
  const existing =
    known.customer === undefined
      ? await deps.store.getCustomer(customerEmail)
      : (known.customer ?? undefined);
  if (existing) {
    const owner = await ownerByEmail(deps, existing.ownerEmail, known.owners);
    if (owner) return { customer: existing, owner, isNew: false };
    // The owner was removed without a handoff: the customer still needs a person.
    const replacement = await assign(deps, customerEmail);
    await deps.store.updateCustomerOwner(customerEmail, replacement.email);
    return {
      customer: { ...existing, ownerEmail: replacement.email },
      owner: replacement,
      isNew: false,
      openCountTaken: true,
    };
  }
  const chosen = await assign(deps, customerEmail);
  const candidate: Customer = {
    email: customerEmail,
    ...(customerName ? { name: customerName } : {}),
    ownerEmail: chosen.email,
    since: deps.now().toISOString(),
    ...(inboundId ? { firstInboundId: inboundId } : {}),
  };
  const winner = await deps.store.createCustomer(candidate);
  const created = winner.ownerEmail === chosen.email && winner.since === candidate.since;
  // Another first mail of this customer won the race: it counted the conversation, this one gives its count back.
  if (!created) await deps.store.addOpenCount(chosen.email, -1);
  if (winner.ownerEmail === chosen.email)
    return { customer: winner, owner: chosen, isNew: created, ...(created ? { openCountTaken: true } : {}) };
  const owner = await ownerByEmail(deps, winner.ownerEmail, known.owners);
  if (!owner) throw new Error(`customer ${customerEmail} was assigned to unknown owner ${winner.ownerEmail}`);
  return { customer: winner, owner, isNew: false };
}
