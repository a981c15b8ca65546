import type { OutcomeReason } from './outcome-reasons.js';

/** An owner: the one named person a customer deals with. */
export interface Owner {
  /** Lower-cased personal mailbox the owner works from. */
  email: string;
  /** Display name customers see in `From`. */
  name: string;
  /** Inactive owners receive no new customers. */
  active: boolean;
  createdAt: string;
  /** Set while the owner is away: a backup answers their customers; ownership does not move. */
  away?: OwnerAway;
  /** The owner's own business hours (`spoc owner hours`); without them the configured `hours` apply. */
  hours?: BusinessHoursSpec;
  /**
   * The owner named to take over a conversation this owner leaves unanswered past its due time
   * (`spoc owner backup`); without one, `escalation.defaultBackup`. Not the cover of an absence, which
   * `away` names.
   */
  backupEmail?: string;
}

/** Business hours as written in the config or given to `spoc owner hours`. */
export interface BusinessHoursSpec {
  /** IANA time zone name, e.g. `Europe/Berlin`. */
  timeZone: string;
  /** Working days: names, ranges and lists, e.g. `mon-fri`, `mon,wed,fri`, `mon-sun`. */
  days: string;
  /** Start of the working span, `HH:MM` on the wall clock of `timeZone`. */
  from: string;
  /** End of the working span, `HH:MM`; `23:59` means the end of the day. */
  to: string;
}

/** An owner's absence: from when, until which day, and who covers. */
export interface OwnerAway {
  /**
   * ISO time the absence starts: when it was set, or later for a planned absence (the owner is present
   * until then); the digest on return covers what happened since.
   */
  since: string;
  /** ISO date (`YYYY-MM-DD`, UTC) the owner is back; away until the start of that day. */
  until: string;
  backupEmail: string;
}

/** A customer, identified by their normalized address, and the owner they belong to. */
export interface Customer {
  email: string;
  name?: string;
  ownerEmail: string;
  /** ISO time of the first message. */
  since: string;
  /** Inbound id of the mail that made them a customer (first contact is sent for that mail only). */
  firstInboundId?: string;
}

/** Lifecycle of a conversation. */
export type ConversationStatus = 'open' | 'closed';

/** One thread between a customer and their owner. */
export interface Conversation {
  id: string;
  customerEmail: string;
  ownerEmail: string;
  subject: string;
  status: ConversationStatus;
  createdAt: string;
  updatedAt: string;
  /**
   * RFC Message-IDs of the customer-side thread, oldest first: the customer's own messages and the
   * ids of what we sent them. Used for `References` on the next mail to the customer.
   */
  customerThread: string[];
  /** RFC Message-IDs of the owner-side thread, oldest first: what we relayed to the owner. */
  ownerThread: string[];
  /** Reply-all: people the customer put on Cc, who receive the owner's answers (lower-cased). */
  participants?: string[];
  /** When customer-side mail in it last ran faster than a person writes and was ended as a loop. */
  loopEndedAt?: string;
  /**
   * Ids trimmed off each thread list (see `THREAD_LIMIT`): a list's length plus this is how long it
   * would be untrimmed. Absent while nothing was trimmed.
   */
  customerThreadDropped?: number;
  ownerThreadDropped?: number;
  /**
   * The loop window (`limits.loopWindowMinutes` since the epoch) of the last customer-side mail relayed
   * in it, and how many were relayed in that window: counted with the relay's thread entries, read by
   * the next mail's loop screen.
   */
  paceWindow?: number;
  paceCount?: number;
  /** When the customer's opening mail was received: the start of the first-response figure. */
  askedAt?: string;
  /** The answer that settled the first-response figure, written with that answer's threads. */
  firstAnswer?: FirstAnswer;
  /** The response promise the customer is waiting under, while one runs (one object, never a list). */
  promise?: ResponsePromise;
  /**
   * The epoch of the newest promise this conversation had, kept after it ends so the next one gets a
   * new epoch (the mails of a promise are keyed by it).
   */
  promiseEpoch?: number;
  /** Counts the writes of `promise`, so a transition is written only over the state it was decided from. */
  promiseRev?: number;
  /** Set once a colleague was asked in it (`#ask`): only then are its consult rounds read with its mail. */
  consulted?: boolean;
}

/** Where a response promise stands: running, paused by `#wait`, or handed to the backup. */
export type PromiseState = 'open' | 'paused' | 'escalated';

/** Whether a promise is for the first answer of a conversation or for a later one. */
export type PromiseKind = 'first-response' | 'follow-up';

/**
 * A customer's waiting mail and what has been done about it: one object on the conversation, replaced
 * by each transition (see `lib/domain/promise-state.ts`). Times are ISO 8601.
 */
export interface ResponsePromise {
  /** Counts the promises of the conversation; keys the promise's mails with the step they are for. */
  epoch: number;
  state: PromiseState;
  kind: PromiseKind;
  /** When the oldest unanswered customer mail arrived (or a paused promise resumed). */
  waitingSince: string;
  nudgeAt: string;
  dueAt: string;
  /** When the owner was nudged; absent until then. */
  nudgedAt?: string;
  /** Whom the conversation went to at its due time, and when (state `escalated`). */
  escalatedTo?: string;
  escalatedAt?: string;
  /** When the backup's own span runs out and the lead is told. */
  backupDueAt?: string;
  /** When `escalation.leadAddress` was told; nothing further happens after it. */
  leadToldAt?: string;
  /** `#wait <YYYY-MM-DD>`: the day the paused promise resumes, and the instant it does. */
  waitUntil?: string;
  resumeAt?: string;
}

/**
 * What one promise's end adds to the figures (see `lib/domain/promise-figures.ts`): recorded on the
 * message that ended it (the answer, or the `#close` note), so the figures are read from items that exist
 * anyway and a retried step writes the same item again instead of counting twice.
 */
export interface PromiseEnd {
  /** The conversation's owner when the promise ended: the figures count for them. */
  ownerEmail: string;
  /** Kept: ended by `dueAt` without escalation. Broken: ended after `dueAt`, or escalated. */
  result: 'kept' | 'broken';
  /** The promise had gone to the backup. */
  escalated: boolean;
  /** An answer ended it (not `#close`); `byOwner`: the owner wrote it, not a backup or cover. */
  answered: boolean;
  byOwner: boolean;
  /** For the conversation's first answer: business seconds (owner's hours) from the mail to the answer. */
  firstResponseBusinessSeconds?: number;
}

/**
 * The first owner answer recorded on a conversation: its inbound id, when it was relayed and, when it
 * was the conversation's first answer, the seconds since the customer asked. A conversation stored
 * before these were kept records here the first answer after that, without `seconds` when an earlier
 * answer existed.
 */
export interface FirstAnswer {
  id: string;
  at: string;
  seconds?: number | undefined;
}

/** Which way a stored message travelled. */
export type MessageDirection = 'from-customer' | 'to-customer' | 'note';

/** Metadata of an attachment, kept with the stored message (the bytes stay in the raw mail). */
export interface AttachmentSummary {
  filename: string;
  contentType: string;
  size: number;
}

/** A message stored on a conversation. */
export interface ConversationMessage {
  conversationId: string;
  /** Stable id: the inbound id for received mail, the outbound id for sent mail. */
  id: string;
  at: string;
  direction: MessageDirection;
  fromAddress: string;
  fromName: string;
  subject: string;
  text: string;
  rfcMessageId?: string;
  attachments: AttachmentSummary[];
  /** Key of the raw MIME in the raw mail store, for received mail. */
  rawKey?: string;
  /** How the response promise ended with this message (an answer, a `#close`): read by the figures. */
  promiseEnd?: PromiseEnd;
}

/** How an inbound message ended. Every inbound message ends in exactly one of these. */
export type OutcomeStatus =
  | 'relayed-to-owner'
  | 'relayed-to-customer'
  | 'automatic'
  | 'rejected'
  | 'quarantined'
  | 'duplicate'
  | 'noted'
  | 'failed';

/** The recorded result of processing one inbound message. */
export interface InboundOutcome {
  status: OutcomeStatus;
  /** Machine-readable reason, e.g. `token-invalid`, `sender-not-owner`, `auto-submitted` (see {@link OutcomeReason}). */
  reason?: OutcomeReason;
  /** Human-readable detail. */
  detail?: string;
  conversationId?: string;
  customerEmail?: string;
  ownerEmail?: string;
  /** Seconds from the conversation's first customer message to this first owner answer (figures). */
  firstResponseSeconds?: number;
  /** How the response promise ended with this message (figures and metrics). */
  promiseEnd?: PromiseEnd;
}
