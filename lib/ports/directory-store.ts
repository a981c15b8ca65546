import type { Customer, Owner } from '../domain/types.js';

/** A B2B account: every new customer from `domain` gets `ownerEmail`. */
export interface DomainRule {
  domain: string;
  ownerEmail: string;
  createdAt: string;
}

/** Who is who: owners, customers and the domain rules that assign new customers. */
export interface DirectoryStore {
  putOwner(owner: Owner): Promise<void>;
  getOwner(email: string): Promise<Owner | undefined>;
  /**
   * The owners among these addresses, read by key (one batched read, eventually consistent like the
   * listing): the mail path reads the few owners it needs this way, so its cost does not grow with the
   * team.
   */
  getOwners(emails: readonly string[]): Promise<Owner[]>;
  /** Every owner (a query over the whole team): for ops and a new customer's assignment, not the mail path. */
  listOwners(): Promise<Owner[]>;
  deleteOwner(email: string): Promise<void>;

  getCustomer(email: string): Promise<Customer | undefined>;
  /** Creates the customer unless one exists; returns whichever record won. */
  createCustomer(customer: Customer): Promise<Customer>;
  /** Replaces the customer's owner (handoff). */
  updateCustomerOwner(email: string, ownerEmail: string): Promise<void>;
  /** Fills in a customer's display name when none is stored yet; a stored name is never replaced. */
  fillCustomerName(email: string, name: string): Promise<void>;
  /** Customers of one owner, or all customers. */
  listCustomers(ownerEmail?: string): Promise<Customer[]>;
  /** Atomically increments and returns the round-robin counter. */
  nextAssignmentSequence(): Promise<number>;
  /** The owner the round robin gave the last new customer (the rotation's cursor), if any. */
  lastAssigned(): Promise<string | undefined>;
  /**
   * Moves the rotation's cursor from `seen` (as read) to `next`; false when another assignment moved it
   * first (read again and choose again).
   */
  moveLastAssigned(seen: string | undefined, next: string): Promise<boolean>;
  /**
   * One page of the team in address order: at most `limit` owners whose address comes after `after`
   * (from the first without it), and whether more follow.
   */
  ownersAfter(after: string | undefined, limit: number): Promise<{ owners: Owner[]; more: boolean }>;

  /** Open conversations counted for each of these owners (an owner never counted has 0). */
  openCounts(ownerEmails: readonly string[]): Promise<Map<string, number>>;
  /**
   * Counts one more open conversation for the owner if their count is still `seen`; false when another
   * assignment changed it first (read again and choose again).
   */
  takeOpenCount(ownerEmail: string, seen: number): Promise<boolean>;
  /** Adds `delta` (negative to take away) to an owner's open count; a count never goes below 0. */
  addOpenCount(ownerEmail: string, delta: number): Promise<void>;

  /** Sets (or replaces) the owner of every new customer from a company domain. */
  putDomainRule(rule: DomainRule): Promise<void>;
  /** Removes a domain rule; false when there was none. */
  deleteDomainRule(domain: string): Promise<boolean>;
  /** Stored domain rules, by domain. */
  listDomainRules(): Promise<DomainRule[]>;
  /** The stored rule of one domain, if any. */
  getDomainRule(domain: string): Promise<DomainRule | undefined>;
}
