import type { PromiseSlot } from '../domain/promise-state.js';
import type { Conversation, ConversationMessage, Customer, FirstAnswer } from '../domain/types.js';

/** Where an RFC Message-ID was seen first: the conversation it threads into, and who sent it. */
export interface MessageLink {
  messageId: string;
  conversationId: string;
  /** The inbound mail that carried it (customer mail only), to recognise a client resending it. */
  inboundId?: string;
  sender?: string;
}

/** What one batched read found (see {@link ConversationStore.lookUp}). */
export interface LookUpResult {
  customers: Map<string, Customer>;
  conversations: Map<string, Conversation>;
  links: Map<string, MessageLink>;
}

/** A conversation's earlier owner, written by a handoff. */
export interface FormerOwnerRecord {
  conversationId: string;
  ownerEmail: string;
  successorEmail: string;
  at: string;
}

/** Conversations, their messages, threads and participants, and the Message-IDs that thread into them. */
/** What one relay adds to its conversation (see {@link ConversationStore.recordThreads}). */
export interface ThreadAdditions {
  customerThread?: string;
  ownerThread?: string;
  reopen?: boolean;
  firstAnswer?: FirstAnswer;
  /** The conversation's promise as the relay leaves it (opened, or ended by an answer). */
  promise?: PromiseSlot;
  /**
   * Counts a relayed customer-side mail in this loop window (see `Conversation.paceWindow`); only with
   * `ownerThread`, whose new entry is what makes the count happen once.
   */
  paceWindow?: number;
}

/** The caller's copy of what `recordThreads` conditions its one write on. */
export type ThreadsSeen = Pick<Conversation, 'customerThread' | 'ownerThread' | 'paceWindow' | 'paceCount'>;

export interface ConversationStore {
  getConversation(id: string): Promise<Conversation | undefined>;
  /** Creates the conversation unless it exists; returns whichever record won. */
  createConversation(conversation: Conversation): Promise<Conversation>;
  /**
   * Changes a conversation's owner and/or status (handoff, close, reopen); sets `updatedAt`. Throws
   * `ConditionFailedError` when the conversation does not exist.
   */
  updateConversation(
    conversationId: string,
    change: { ownerEmail?: string; status?: Conversation['status'] },
    at: string,
  ): Promise<void>;
  /**
   * Records whose open count includes the conversation (`undefined`: nobody's, as when it is closed).
   * `changed` is false when it already was so, which makes a repeated move count nothing twice;
   * `previous` is the owner it was counted for before.
   */
  markOpenCountedFor(
    conversationId: string,
    ownerEmail: string | undefined,
  ): Promise<{ changed: boolean; previous?: string }>;
  /** Conversations of one customer, newest first. */
  listConversations(customerEmail: string): Promise<Conversation[]>;
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
   * Appends Message-IDs to a thread list, skipping ones already present; sets `updatedAt`. A list keeps
   * its first id and the newest, at most `THREAD_LIMIT` (older ids thread through `linkMessageIds`).
   */
  appendToThread(
    conversationId: string,
    thread: 'customerThread' | 'ownerThread',
    messageIds: string[],
    at: string,
  ): Promise<void>;
  /**
   * Appends one id to each named thread of a conversation in one write (skipping ids already there,
   * trimming as `appendToThread` does), reopens it when asked, and records `firstAnswer` unless one is
   * recorded. `seen` is the caller's copy of the conversation: with the lists as long as it says, it is
   * one write. Throws `ConditionFailedError` when the conversation does not exist.
   */
  recordThreads(conversationId: string, add: ThreadAdditions, at: string, seen?: ThreadsSeen): Promise<void>;
  /** Maps RFC Message-IDs to the conversation they belong to. Idempotent. */
  linkMessageIds(
    messageIds: string[],
    conversationId: string,
    origin?: { inboundId: string; sender: string },
  ): Promise<void>;

  /** Adds addresses to a conversation's `participants`, skipping ones already present; sets `updatedAt`. */
  addParticipants(conversationId: string, addresses: string[], at: string): Promise<void>;
  /**
   * Takes one address off a conversation's `participants` (`#uncc`); false when it was not on it. Throws
   * `ConditionFailedError` when the conversation does not exist.
   */
  removeParticipant(conversationId: string, address: string, at: string): Promise<boolean>;
  /** Marks a conversation as a loop that was ended at `at` (see `limits.loopHoldHours`). */
  markLoopEnded(conversationId: string, at: string): Promise<void>;

  /** Remembers that `ownerEmail` owned the conversation until a handoff to `successorEmail`. Idempotent. */
  recordFormerOwner(
    conversationId: string,
    ownerEmail: string,
    successorEmail: string,
    at: string,
  ): Promise<void>;
  /** The handoff record of a former owner of the conversation, if they ever owned it. */
  getFormerOwner(conversationId: string, ownerEmail: string): Promise<FormerOwnerRecord | undefined>;

  /**
   * Stores a message; the same message stored twice is one item. A note (`direction: 'note'`) also gets
   * its small copy for {@link listNotes}.
   */
  putMessage(message: ConversationMessage): Promise<void>;
  /** Messages of a conversation, oldest first. */
  listMessages(conversationId: string): Promise<ConversationMessage[]>;
  /**
   * The texts of the conversation's internal notes, oldest first: one query of the small copies a note's
   * `putMessage` writes beside it, which does not grow with the conversation's other mail.
   */
  listNotes(conversationId: string): Promise<string[]>;
}
