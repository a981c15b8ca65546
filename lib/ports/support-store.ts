import type { Conversation, ConversationMessage, Customer, InboundOutcome, Owner } from '../domain/types.js';

/** Processing state of one inbound message, keyed by the id SES gave it. */
export interface InboundRecord {
  id: string;
  /** Raw mail key in the raw mail store. */
  rawKey: string;
  receivedAt: string;
  /** Set once the message has ended; absent while in progress (or after a crash mid-way). */
  outcome?: InboundOutcome;
  /** How many times processing started. */
  attempts: number;
  /** Attempts that ended on a transient error, thrown for the queue to retry (not a crash or a timeout). */
  transientFailures?: number;
  /** The message's one relay (to the owner or to the customer), once sent: a retry never sends it again. */
  relay?: SentMailRecord;
}

/**
 * The right to work on an inbound message, taken with its claim: a redelivery processed at the same time
 * (SNS and SQS both deliver at least once) backs off instead of sending too; an attempt that died holding
 * it is taken over once `until` (epoch ms) has passed.
 */
export interface InboundLease {
  holder: string;
  now: number;
  until: number;
}

/** Where an RFC Message-ID was seen first: the conversation it threads into, and who sent it. */
export interface MessageLink {
  messageId: string;
  conversationId: string;
  /** The inbound mail that carried it (customer mail only), to recognise a client resending it. */
  inboundId?: string;
  sender?: string;
}

/** What one batched read found (see {@link SupportStore.lookUp}). */
export interface LookUpResult {
  customers: Map<string, Customer>;
  conversations: Map<string, Conversation>;
  links: Map<string, MessageLink>;
}

/** What a sender's mail counted for in its hour, and who claimed its Message-ID first that hour. */
export interface SenderCount {
  position: number;
  /** The inbound id that first counted this RFC Message-ID from this sender in the hour. */
  firstInboundId?: string;
}

/** A mail we handed to a sender, recorded so a retry never sends it again. */
export interface SentMailRecord {
  key: string;
  /** Our own RFC Message-ID, with angle brackets. */
  messageId: string;
  /** The id the provider put on the delivered mail (SES rewrites Message-ID), with angle brackets. */
  providerMessageId?: string;
  sentAt: string;
}

/**
 * Everything the product stores. Implemented over one DynamoDB table; every write is conditional or
 * deterministic so an at-least-once pipeline can repeat any step.
 */
export interface SupportStore {
  putOwner(owner: Owner): Promise<void>;
  getOwner(email: string): Promise<Owner | undefined>;
  listOwners(): Promise<Owner[]>;
  deleteOwner(email: string): Promise<void>;

  getCustomer(email: string): Promise<Customer | undefined>;
  /** Creates the customer unless one exists; returns whichever record won. */
  createCustomer(customer: Customer): Promise<Customer>;
  /** Replaces the customer's owner (handoff). */
  updateCustomerOwner(email: string, ownerEmail: string): Promise<void>;
  /** Customers of one owner, or all customers. */
  listCustomers(ownerEmail?: string): Promise<Customer[]>;
  /** Atomically increments and returns the round-robin counter. */
  nextAssignmentSequence(): Promise<number>;

  getConversation(id: string): Promise<Conversation | undefined>;
  /** Creates the conversation unless it exists; returns whichever record won. */
  createConversation(conversation: Conversation): Promise<Conversation>;
  /** Appends Message-IDs to a thread list, skipping ones already present; sets `updatedAt`. */
  appendToThread(
    conversationId: string,
    thread: 'customerThread' | 'ownerThread',
    messageIds: string[],
    at: string,
  ): Promise<void>;
  /**
   * Changes a conversation's owner and/or status (handoff, close, reopen); sets `updatedAt`. Throws
   * `ConditionFailedError` when the conversation does not exist.
   */
  updateConversation(
    conversationId: string,
    change: { ownerEmail?: string; status?: Conversation['status'] },
    at: string,
  ): Promise<void>;
  /** Conversations of one customer, newest first. */
  listConversations(customerEmail: string): Promise<Conversation[]>;

  /** Maps RFC Message-IDs to the conversation they belong to. Idempotent. */
  linkMessageIds(
    messageIds: string[],
    conversationId: string,
    origin?: { inboundId: string; sender: string },
  ): Promise<void>;
  /**
   * One consistent batched read of customers, conversations and Message-ID links (missing ones are left
   * out of the maps): the lookups of one mail in one round trip.
   */
  lookUp(request: {
    customerEmails?: string[];
    conversationIds?: string[];
    messageIds?: string[];
  }): Promise<LookUpResult>;
  /**
   * Appends one id to each named thread of a conversation in one write (skipping ids already there),
   * and reopens it when asked. Throws `ConditionFailedError` when the conversation does not exist.
   */
  recordThreads(
    conversationId: string,
    add: { customerThread?: string; ownerThread?: string; reopen?: boolean },
    at: string,
  ): Promise<void>;
  /** Looks up which conversation each known Message-ID belongs to; unknown ids are absent. */
  findConversationIds(messageIds: string[]): Promise<Map<string, string>>;

  /** Stores a message; the same message stored twice is one item. */
  putMessage(message: ConversationMessage): Promise<void>;
  /** Messages of a conversation, oldest first. */
  listMessages(conversationId: string): Promise<ConversationMessage[]>;

  /**
   * Records the start of processing; returns the record (with any earlier outcome). With `lease`, also
   * takes the message's lease, and throws `LeaseHeldError` while another attempt holds it.
   */
  claimInbound(id: string, rawKey: string, at: string, lease?: InboundLease): Promise<InboundRecord>;
  /**
   * Claims and ends a message in one write, for an outcome that needs no other step (automatic mail, a
   * refusal): `settled` is false when an earlier delivery had already ended it (`record.outcome`).
   */
  settleInbound(
    id: string,
    rawKey: string,
    at: string,
    outcome: InboundOutcome,
  ): Promise<{ record: InboundRecord; settled: boolean }>;
  /** Records the outcome, and the relay when given, in one write; ends the lease. */
  recordOutcome(id: string, outcome: InboundOutcome, relay?: SentMailRecord): Promise<void>;
  /** Records the sent relay alone (the rest of the message failed and is retried). */
  recordRelay(id: string, relay: SentMailRecord): Promise<void>;
  /** Takes back an outcome whose companion writes failed, so a retry finishes them. */
  reopenInbound(id: string): Promise<void>;
  /** Ends the lease of a claim if `holder` still holds it (a failed attempt that sent nothing). */
  releaseInboundLease(id: string, holder: string): Promise<void>;
  getInbound(id: string): Promise<InboundRecord | undefined>;
  /** Counts one attempt that failed cleanly on a transient error (creating the record if need be). */
  noteTransientFailure(id: string, rawKey: string, at: string): Promise<void>;

  getSentMail(key: string): Promise<SentMailRecord | undefined>;
  recordSentMail(record: SentMailRecord): Promise<void>;

  // --- Mail behaviour: reply-all participants and figures per owner ---
  /** Adds addresses to a conversation's `participants`, skipping ones already present; sets `updatedAt`. */
  addParticipants(conversationId: string, addresses: string[], at: string): Promise<void>;
  /**
   * Takes one address off a conversation's `participants` (`#uncc`); false when it was not on it. Throws
   * `ConditionFailedError` when the conversation does not exist.
   */
  removeParticipant(conversationId: string, address: string, at: string): Promise<boolean>;
  /** Marks a conversation as a loop that was ended at `at` (see `limits.loopHoldHours`). */
  markLoopEnded(conversationId: string, at: string): Promise<void>;
  /** Fills in a customer's display name when none is stored yet; a stored name is never replaced. */
  fillCustomerName(email: string, name: string): Promise<void>;
  /** Conversations updated at or after `since` (ISO), any customer: for figures, not for the mail path. */
  listConversationsUpdatedSince(since: string): Promise<Conversation[]>;
  // --- Ownership: handoff, accounts (domain rules), replay and data-protection requests ---

  /** Remembers that `ownerEmail` owned the conversation until a handoff to `successorEmail`. Idempotent. */
  recordFormerOwner(
    conversationId: string,
    ownerEmail: string,
    successorEmail: string,
    at: string,
  ): Promise<void>;
  /** The handoff record of a former owner of the conversation, if they ever owned it. */
  getFormerOwner(conversationId: string, ownerEmail: string): Promise<FormerOwnerRecord | undefined>;
  /** Sets (or replaces) the owner of every new customer from a company domain. */
  putDomainRule(rule: DomainRule): Promise<void>;
  /** Removes a domain rule; false when there was none. */
  deleteDomainRule(domain: string): Promise<boolean>;
  /** Stored domain rules, by domain. */
  listDomainRules(): Promise<DomainRule[]>;
  /** Clears the outcome of a message that ended `failed`, so it can run again; false for any other state. */
  clearFailedOutcome(id: string): Promise<boolean>;
  /** Everything stored about one customer (see {@link CustomerData}); scans, so meant for ops tools. */
  listCustomerData(email: string): Promise<CustomerData>;
  /** Deletes every item in `data.items`; returns how many were deleted. Raw mail is not touched. */
  deleteCustomerData(data: CustomerData): Promise<number>;

  // Reliability and abuse guards: resent mail, per-sender rate cap, suppressed addresses.

  /**
   * Claims an RFC Message-ID for the first inbound message that carried it from `sender`; returns the
   * inbound id that holds the claim (this one, or the one that came first). A client resending a mail
   * with the same Message-ID is thereby recognised as the same message.
   */
  claimRfcMessage(sender: string, rfcMessageId: string, inboundId: string): Promise<string>;
  /**
   * Counts one inbound message against a sender's window and returns its position in that window
   * (1 for the first). The position is kept per inbound id, so a retried message keeps its place. With
   * `rfcMessageId`, the same write claims that Message-ID for the window: `firstInboundId` names the
   * message that carried it first (a client resending a mail within the hour).
   */
  countSenderMail(
    sender: string,
    window: string,
    inboundId: string,
    expiresAt: number,
    rfcMessageId?: string,
  ): Promise<SenderCount>;
  /**
   * Counts one inbound message against a bounded counter (`counter` and `window` name one item, which
   * expires at `expiresAt`): `admitted` while fewer than `cap` messages have been counted there, with the
   * message's position. A retried message keeps its answer; once `cap` is reached nothing more is
   * written, so the item never holds more than `cap` entries.
   */
  countCapped(
    counter: string,
    window: string,
    inboundId: string,
    cap: number,
    expiresAt: number,
  ): Promise<{ admitted: boolean; position: number }>;
  /** Marks an address so no automatic mail goes to it (hard bounce, complaint). Repeating it is harmless. */
  suppressAddress(record: SuppressionRecord): Promise<void>;
  getSuppression(address: string): Promise<SuppressionRecord | undefined>;
  /**
   * Takes the right to send the mail recorded under `key` until `until` (epoch ms): true when no one
   * holds it, the holder's lease has run out (`now` past it), or `holder` already holds it.
   */
  claimSendLease(key: string, holder: string, now: number, until: number): Promise<boolean>;
  /** Gives the lease back if `holder` still holds it (the send failed; a retry may go at once). */
  releaseSendLease(key: string, holder: string): Promise<void>;
  /**
   * Drops every send lease; returns how many there were. Only for a single-process deployment starting
   * up (local mode), where every lease left belongs to a process that is gone.
   */
  clearSendLeases(): Promise<number>;
}

/** A conversation's earlier owner, written by a handoff. */
export interface FormerOwnerRecord {
  conversationId: string;
  ownerEmail: string;
  successorEmail: string;
  at: string;
}

/** A B2B account: every new customer from `domain` gets `ownerEmail`. */
export interface DomainRule {
  domain: string;
  ownerEmail: string;
  createdAt: string;
}

/** All stored data of one customer, for export and for forgetting them. */
export interface CustomerData {
  customer?: Customer;
  conversations: Conversation[];
  messages: ConversationMessage[];
  /** Every item as stored (keys included): customer, conversations and their messages, Message-ID links, inbound and sent records. */
  items: Array<Record<string, unknown>>;
  /** Raw mail objects holding the customer's mail or replies to them. */
  rawKeys: string[];
  /**
   * Other customers' conversations the address is on Cc of (its own mails there are in `messages` and
   * `items`); forgetting takes it off their participants.
   */
  participantOf: string[];
}

/** Why an address receives no automatic mail. */
export interface SuppressionRecord {
  /** Lower-cased address. */
  address: string;
  reason: 'hard-bounce' | 'complaint';
  /** SES's detail: bounce subtype or complaint feedback type, and the diagnostic. */
  detail: string;
  at: string;
}
