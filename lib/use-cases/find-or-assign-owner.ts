import { awaitAll } from '../delivery/await-all.js';
import { assignableOwners, chooseOwner, domainRuleOwner, firstInRotation } from '../domain/assign-owner.js';
import { PermanentFailureError } from '../domain/errors.js';
import { domainOf } from '../domain/mail-address.js';
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

/** Tries of a least-loaded take (or of moving the rotation) before the choice is counted regardless (a customer is never refused). */
const TAKE_ATTEMPTS = 8;

/** Owners read per page of the rotation: enough to pass the few who are away or inactive. */
const ROTATION_PAGE = 10;

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
  const { strategy } = deps.config.assignment;
  const owner = strategy === 'least-loaded' ? undefined : await assignInTurn(deps, customerEmail);
  if (owner) {
    await deps.store.addOpenCount(owner.email, 1);
    return owner;
  }
  return assignFromTeam(deps, customerEmail);
}

/**
 * Round robin without reading the team: the domain rule's owner (read by key) when they may take the
 * customer, else the next owner after the rotation's cursor who may (a page of the owners' index at a
 * time), the cursor moved to them with a conditional write, so racing new customers go to different
 * owners. `undefined` when the rotation finds nobody available: the team is then read (see
 * {@link assignFromTeam}), which picks among the owners back soonest.
 */
async function assignInTurn(
  deps: Pick<InboundDeps, 'store' | 'config' | 'now'>,
  customerEmail: string,
): Promise<Owner | undefined> {
  const { skipIfAwayWithinDays, domains } = deps.config.assignment;
  const now = deps.now();
  const [storedRule, initial] = await awaitAll([
    deps.store.getDomainRule(domainOf(customerEmail)),
    deps.store.lastAssigned(),
  ]);
  const ruleEmail = domainRuleOwner(customerEmail, domains, storedRule?.ownerEmail);
  const ruled = ruleEmail ? await deps.store.getOwner(ruleEmail) : undefined;
  if (ruled && firstInRotation([ruled], now, skipIfAwayWithinDays)) return ruled;
  let last = initial;
  for (let attempt = 1; attempt <= TAKE_ATTEMPTS; attempt += 1) {
    const next = await nextInRotation(deps, last, now, skipIfAwayWithinDays);
    if (!next) return undefined;
    if (await deps.store.moveLastAssigned(last, next.email)) return next;
    if (attempt === TAKE_ATTEMPTS) return next;
    last = await deps.store.lastAssigned();
  }
  return undefined;
}

/** The first owner after `last` in address order who may take a new customer, coming round once. */
async function nextInRotation(
  deps: Pick<InboundDeps, 'store'>,
  last: string | undefined,
  now: Date,
  withinDays: number,
): Promise<Owner | undefined> {
  let after = last;
  let wrapped = last === undefined;
  for (;;) {
    const page = await deps.store.ownersAfter(after, ROTATION_PAGE);
    const found = firstInRotation(page.owners, now, withinDays, wrapped ? last : undefined);
    if (found) return found;
    const tail = page.owners.at(-1)?.email;
    if (wrapped && (tail === undefined || !page.more || (last !== undefined && tail >= last)))
      return undefined;
    if (tail === undefined || !page.more) {
      wrapped = true;
      after = undefined;
    } else {
      after = tail;
    }
  }
}

/**
 * Chooses among the whole team (read with one query of the owners' index): least-loaded, which compares
 * every available owner's open count, and round robin when nobody is available now.
 */
async function assignFromTeam(
  deps: Pick<InboundDeps, 'store' | 'config' | 'now'>,
  customerEmail: string,
): Promise<Owner> {
  const { strategy, skipIfAwayWithinDays } = deps.config.assignment;
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
