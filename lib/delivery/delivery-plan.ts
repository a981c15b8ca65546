import type { ConsultQuestion } from '../domain/consult-round.js';
import type { PromiseSlot } from '../domain/promise-state.js';
import type { Conversation, ConversationMessage, InboundOutcome, Owner } from '../domain/types.js';
import type { ComposeInput } from '../mail/mail-types.js';
import type { ThreadAdditions, ThreadsSeen } from '../ports/conversation-store.js';
import type { SentMailRecord } from '../ports/support-store.js';

/**
 * One idempotent write a plan asks for: carrying it out twice leaves the store as once, so a retry after
 * a crash repeats it safely. Written by {@link applyStoreWrites}.
 */
export type StoreWrite =
  | { kind: 'create-conversation'; conversation: Conversation }
  | { kind: 'put-message'; message: ConversationMessage }
  | {
      kind: 'link-message-ids';
      messageIds: string[];
      conversationId: string;
      origin?: { inboundId: string; sender: string };
    }
  | {
      kind: 'record-threads';
      conversationId: string;
      add: ThreadAdditions;
      at: string;
      /** The conversation as read, so a list at its bound is trimmed and the pace counted in one write. */
      seen?: ThreadsSeen;
    }
  | {
      kind: 'append-to-thread';
      conversationId: string;
      thread: 'customerThread' | 'ownerThread';
      messageIds: string[];
      at: string;
    }
  | { kind: 'add-participants'; conversationId: string; addresses: string[]; at: string }
  | { kind: 'remove-participant'; conversationId: string; address: string; at: string }
  | {
      kind: 'update-conversation';
      conversationId: string;
      change: { ownerEmail?: string; status?: Conversation['status'] };
      at: string;
    }
  | {
      kind: 'record-former-owner';
      conversationId: string;
      ownerEmail: string;
      successorEmail: string;
      at: string;
    }
  | { kind: 'update-customer-owner'; email: string; ownerEmail: string }
  | { kind: 'fill-customer-name'; email: string; name: string }
  | { kind: 'mark-loop-ended'; conversationId: string; at: string }
  | { kind: 'put-owner'; owner: Owner }
  /**
   * The conversation now counts among `ownerEmail`'s open conversations (none: it is closed); the
   * owner it counted for before loses it. `taken`: the new owner's count already includes it.
   */
  | { kind: 'count-open'; conversationId: string; ownerEmail?: string; taken?: boolean }
  | {
      /** A promise transition, written only over `seenRev` (see `PromiseStore.writePromise`). */
      kind: 'write-promise';
      conversationId: string;
      slot: PromiseSlot;
      seenRev: number | undefined;
      at: string;
    }
  | { kind: 'put-consult-question'; question: ConsultQuestion }
  | { kind: 'record-consult-answer'; question: ConsultQuestionRef; at: string }
  | { kind: 'mark-consult-reminded'; question: ConsultQuestionRef; at: string }
  /** Takes an unreminded question off the reminder index (its conversation was closed). */
  | { kind: 'drop-consult-reminder'; question: ConsultQuestionRef };

/** A consult question as the store addresses it. */
export type ConsultQuestionRef = Pick<ConsultQuestion, 'conversationId' | 'questionId' | 'colleague'>;

/**
 * A mail as decided: what to compose and where it goes. Composing (MailComposer) happens when it is
 * delivered, so a decision stays a plain value.
 */
export interface MailDraft {
  compose: ComposeInput;
  envelope: { from: string; to: string[] };
  messageId: string;
  /**
   * A relay of the received mail kept at this raw-mail key: when it is over what can be sent, it goes
   * without its attachments and says where the raw mail is (see `fitOwnerRelay`).
   */
  fitFrom?: string;
}

/** One mail sent at most once under `key`, and the writes that need its ids once it went out. */
export interface MailDelivery {
  key: string;
  mail: MailDraft;
  afterSend?: (sent: SentMailRecord) => StoreWrite[];
  /**
   * The key belongs to the inbound message being delivered and to nothing else, so on its first attempt
   * nothing can have been sent under it and no earlier send is looked up.
   */
  ownedByInbound?: boolean;
}

/** An inbound message's own relay: guarded by the message's claim, recorded on its inbound record. */
export interface InboundRelay {
  key: string;
  mail: MailDraft;
  /** Writes that store the message, made while the relay is sent; the outcome waits for them. */
  beside: StoreWrite[];
  /** Writes that need the relay's ids (thread entries, links), made once it went out and `beside` settled. */
  afterSend: (sent: SentMailRecord) => StoreWrite[];
}

/** Writes and mails carried out one after another, in order: the CLI's operations and a command's. */
export interface OperationPlan {
  before: StoreWrite[];
  mails: MailDelivery[];
  /** Made once every mail went out (a customer record moved last, an absence cleared after its digest). */
  after: StoreWrite[];
}

/**
 * What one inbound message does once it is read and decided, in this order: the operation (a command,
 * a notice, the writes a relay needs first), the message's own relay, the mails that follow it (a
 * greeting, a notice), and the outcome for what the relay became.
 */
export interface InboundPlan {
  operation?: OperationPlan;
  relay?: InboundRelay;
  followUps?: MailDelivery[];
  /** The outcome recorded for the message; given the relay's record when there is a relay. */
  outcome: (relay?: SentMailRecord) => InboundOutcome;
}

/** A plan that only records `outcome`. */
export function outcomeOnly(outcome: InboundOutcome, operation?: OperationPlan): InboundPlan {
  return { ...(operation ? { operation } : {}), outcome: () => outcome };
}

/** An operation that sends these mails and writes nothing. */
export function mailsOnly(...mails: MailDelivery[]): OperationPlan {
  return { before: [], mails, after: [] };
}

/** An operation that only writes. */
export function writesOnly(...before: StoreWrite[]): OperationPlan {
  return { before, mails: [], after: [] };
}

/** Operations carried out one after the other, as one: their writes, their mails, then their last writes. */
export function joinOperations(...operations: Array<OperationPlan | undefined>): OperationPlan {
  const given = operations.filter((operation) => operation !== undefined);
  return {
    before: given.flatMap((operation) => operation.before),
    mails: given.flatMap((operation) => operation.mails),
    after: given.flatMap((operation) => operation.after),
  };
}
