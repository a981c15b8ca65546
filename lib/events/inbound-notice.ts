import type { ReceiptVerdicts } from '../domain/route-inbound.js';

/** One received mail as SES announces it: where the raw MIME is and what SES checked. */
export interface InboundNotice {
  /** SES's id of the received mail; the key of its processing record. */
  inboundId: string;
  rawKey: string;
  /** Envelope recipients (RCPT TO), lower-cased. */
  recipients: string[];
  /** Envelope sender (MAIL FROM); '' for a null return path. */
  envelopeFrom: string;
  verdicts: ReceiptVerdicts;
  receivedAt: string;
  /**
   * The mail's header fields from the notification, when SES sent them whole: enough to route the mail
   * (automatic mail then ends without its raw mail being read) and to start a customer mail's lookups
   * while the raw mail is read.
   */
  headers?: Array<{ name: string; value: string }>;
  /** The subject as SES decoded it (`commonHeaders.subject`), when the notification carried it. */
  headerSubject?: string;
  /** The raw mail when the notification carried it (SES's SNS action); stored at `rawKey` first. */
  inlineRaw?: Buffer;
}
