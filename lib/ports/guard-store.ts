/** What a sender's mail counted for in its hour, and who claimed its Message-ID first that hour. */
export interface SenderCount {
  position: number;
  /** The inbound id that first counted this RFC Message-ID from this sender in the hour. */
  firstInboundId?: string;
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

/** Reliability and abuse guards: resent mail (Message-ID claims), rate counts, suppressed addresses. */
export interface GuardStore {
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
   * message that carried it first (a client resending a mail within the hour). Once `cap` messages are
   * counted nothing more is written: every later message gets the position `cap + 1` (and the claim of
   * its Message-ID when an earlier counted message made it), so the window's item stays bounded.
   */
  countSenderMail(
    sender: string,
    window: string,
    inboundId: string,
    cap: number,
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
}
