import { isFreeMailDomain } from './free-mail-domains.js';
import { domainOf } from './mail-address.js';
import type { Owner } from './types.js';

/** What the assignment policy needs to choose an owner for a new customer. */
export interface AssignmentInput {
  customerEmail: string;
  /** Every known owner; inactive ones are skipped. */
  owners: Owner[];
  /** B2B accounts: customer domain → owner email. */
  domainRules: Record<string, string>;
  /** A fresh value of the shared round-robin counter (1, 2, 3, …). */
  sequence: number;
}

/**
 * Chooses the owner of a new customer: the owner of the customer's company domain when a rule names an
 * active one (never for free-mail domains such as gmail.com), else round robin over active owners in a stable (address) order. Returns `undefined` when
 * no owner is active.
 */
export function chooseOwner(input: AssignmentInput): Owner | undefined {
  const active = input.owners.filter((owner) => owner.active).sort((a, b) => a.email.localeCompare(b.email));
  const domain = domainOf(input.customerEmail);
  const ruleOwner = isFreeMailDomain(domain) ? undefined : input.domainRules[domain];
  const byDomain = ruleOwner ? active.find((owner) => owner.email === ruleOwner) : undefined;
  if (byDomain) return byDomain;
  if (active.length === 0) return undefined;
  return active[(input.sequence - 1 + active.length) % active.length];
}
