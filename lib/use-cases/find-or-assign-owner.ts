import { awaitAll } from '../delivery/await-all.js';
import { chooseOwner } from '../domain/assign-owner.js';
import { PermanentFailureError } from '../domain/errors.js';
import type { Customer, Owner } from '../domain/types.js';
import type { InboundDeps } from './inbound-deps.js';

/** A customer with their owner, and whether this message made them a customer. */
export interface OwnedCustomer {
  customer: Customer;
  owner: Owner;
  isNew: boolean;
}

async function assign(
  deps: Pick<InboundDeps, 'store' | 'config'>,
  customerEmail: string,
  knownOwners?: Owner[],
): Promise<Owner> {
  const [owners, sequence, storedRules] = await awaitAll([
    knownOwners ?? deps.store.listOwners(),
    deps.store.nextAssignmentSequence(),
    deps.store.listDomainRules(),
  ]);
  // Rules set with `spoc customer domain` win over the config file's.
  const domainRules = {
    ...deps.config.assignment.domains,
    ...Object.fromEntries(storedRules.map((rule) => [rule.domain, rule.ownerEmail])),
  };
  const owner = chooseOwner({ customerEmail, owners, domainRules, sequence });
  if (!owner) {
    throw new PermanentFailureError(
      'no-active-owner',
      'no active owner to assign the customer to: add one with `spoc owner add`',
    );
  }
  return owner;
}

/** Records already read by the caller, so they are not read again. */
export interface KnownRecords {
  /** The customer record as just read (`null`: read and not found). */
  customer?: Customer | null;
  /** Every owner, as just listed. */
  owners?: Owner[];
}

/** An owner from a fresh listing, else read on its own (a listing lags a just-added owner briefly). */
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
    const replacement = await assign(deps, customerEmail, known.owners);
    await deps.store.updateCustomerOwner(customerEmail, replacement.email);
    return { customer: { ...existing, ownerEmail: replacement.email }, owner: replacement, isNew: false };
  }
  const chosen = await assign(deps, customerEmail, known.owners);
  const candidate: Customer = {
    email: customerEmail,
    ...(customerName ? { name: customerName } : {}),
    ownerEmail: chosen.email,
    since: deps.now().toISOString(),
    ...(inboundId ? { firstInboundId: inboundId } : {}),
  };
  const winner = await deps.store.createCustomer(candidate);
  if (winner.ownerEmail === chosen.email)
    return { customer: winner, owner: chosen, isNew: winner.since === candidate.since };
  const owner = await ownerByEmail(deps, winner.ownerEmail, known.owners);
  if (!owner) throw new Error(`customer ${customerEmail} was assigned to unknown owner ${winner.ownerEmail}`);
  return { customer: winner, owner, isNew: false };
}
