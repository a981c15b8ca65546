/** A fully composed message ready to hand to a transport. */
export interface OutgoingMail {
  /** The raw RFC 5322 message, built by MailComposer. */
  raw: Buffer;
  /** SMTP envelope: the bounce address and every recipient. */
  envelope: { from: string; to: string[] };
  /** Our own Message-ID of `raw`, with angle brackets. */
  messageId: string;
}

/** What a transport reports after accepting a mail. */
export interface SendReceipt {
  /**
   * The Message-ID the recipient will see, when the transport rewrites it (SES does:
   * `<id@email.amazonses.com>`). Absent when the transport keeps ours.
   */
  providerMessageId?: string;
}

/** Sends raw mail: SES in AWS, an outbox directory and/or an SMTP relay locally. */
export interface MailSender {
  send(mail: OutgoingMail): Promise<SendReceipt>;
}
