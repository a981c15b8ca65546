import type { Conversation, ConversationMessage, Customer } from '../domain/types.js';

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

/** Whole-table reads and deletes for ops tools (export, forget, figures): never on the mail path. */
export interface OpsQueries {
  /** Everything stored about one customer (see {@link CustomerData}); scans, so meant for ops tools. */
  listCustomerData(email: string): Promise<CustomerData>;
  /** Deletes every item in `data.items`; returns how many were deleted. Raw mail is not touched. */
  deleteCustomerData(data: CustomerData): Promise<number>;
  /** Conversations updated at or after `since` (ISO), any customer: for figures, not for the mail path. */
  listConversationsUpdatedSince(since: string): Promise<Conversation[]>;
}
