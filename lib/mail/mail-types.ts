/** A mailbox: lower-cased address and display name ('' when none). */
export interface MailAddress {
  address: string;
  name: string;
}

/** An attachment or inline part of a parsed mail. */
export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  size: number;
  /** Content-ID without angle brackets, for inline parts referenced from HTML (`cid:`). */
  contentId?: string;
  inline: boolean;
}

/**
 * A parsed inbound mail, normalised at the parser boundary: addresses lower-cased, `references`
 * always an array, Message-IDs always in angle brackets, header names lower-cased.
 */
export interface ParsedMail {
  messageId?: string;
  inReplyTo?: string;
  references: string[];
  from?: MailAddress;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  subject: string;
  date?: Date;
  /** The plain-text body; derived from the HTML when the mail has only HTML. */
  text: string;
  html?: string;
  attachments: MailAttachment[];
  /** Lower-cased header name → raw, unfolded values in order of appearance. */
  headers: ReadonlyMap<string, string[]>;
  /** Top-level media type, lower-cased, e.g. `multipart/report`. */
  contentType: string;
  /** `report-type` parameter of a `multipart/report`, lower-cased. */
  reportType?: string;
  sizeBytes: number;
}

/** Everything needed to compose an outgoing mail; MIME is built by MailComposer from this. */
export interface ComposeInput {
  from: MailAddress;
  to: MailAddress[];
  cc?: MailAddress[];
  replyTo?: MailAddress;
  subject: string;
  text: string;
  html?: string;
  attachments?: Array<Pick<MailAttachment, 'filename' | 'contentType' | 'content' | 'contentId' | 'inline'>>;
  /** Our Message-ID, with angle brackets. */
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  /** Extra headers (e.g. `Auto-Submitted`, `X-Spoc-Conversation`). */
  headers?: Record<string, string>;
  date?: Date;
}

/** What must never reach a customer from the owner's side. */
export interface InternalTraces {
  ownerEmail: string;
  replyDomain: string;
}
