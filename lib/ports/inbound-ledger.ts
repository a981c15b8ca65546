import type { InboundOutcome } from '../domain/types.js';

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
 * What happened to each inbound message and each mail we sent: claims and their leases, outcomes, sent
 * records and send leases. This is what makes an at-least-once pipeline send each mail once.
 */
export interface InboundLedger {
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
  /** Clears the outcome of a message that ended `failed`, so it can run again; false for any other state. */
  clearFailedOutcome(id: string): Promise<boolean>;

  getSentMail(key: string): Promise<SentMailRecord | undefined>;
  recordSentMail(record: SentMailRecord): Promise<void>;
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
