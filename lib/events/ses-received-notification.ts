import type { ReceiptVerdicts, VerdictStatus } from '../domain/route-inbound.js';
import * as z from '../validation/zod-mini.js';
import type { InboundNotice } from './inbound-notice.js';
import { sqsBodyWithSnsNotification } from './sns-sqs-envelope.js';

const KNOWN_VERDICTS = ['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED'] as const;

const verdictSchema = z.pipe(
  z.optional(z.object({ status: z.string() })),
  z.transform((verdict): VerdictStatus => {
    const status = verdict?.status.toUpperCase();
    return (KNOWN_VERDICTS as readonly string[]).includes(status ?? '')
      ? (status as VerdictStatus)
      : 'NOT_AVAILABLE';
  }),
);

/** The SES "Received" notification published by a receipt rule's S3 action (fields we rely on). */
export const sesReceivedNotificationSchema = z.object({
  notificationType: z.literal('Received'),
  mail: z.object({
    timestamp: z.string(),
    source: z.string(),
    messageId: z.string().check(z.minLength(1)),
    destination: z._default(z.array(z.string()), []),
    /** The mail's header fields as SES read them; absent or cut short when `headersTruncated`. */
    headersTruncated: z.optional(z.boolean()),
    headers: z.optional(z.array(z.object({ name: z.string(), value: z.string() }))),
    /** SES's reading of the common fields; the subject comes decoded. */
    commonHeaders: z.optional(z.object({ subject: z.optional(z.string()) })),
  }),
  receipt: z.object({
    timestamp: z.string(),
    recipients: z.array(z.string()).check(z.minLength(1)),
    spamVerdict: verdictSchema,
    virusVerdict: verdictSchema,
    spfVerdict: verdictSchema,
    dkimVerdict: verdictSchema,
    dmarcVerdict: verdictSchema,
    action: z.object({
      type: z.string(),
      bucketName: z.optional(z.string()),
      objectKey: z.optional(z.string()),
      /** SNS action only: how `content` is encoded. */
      encoding: z.optional(z.enum(['UTF8', 'BASE64'])),
    }),
  }),
  /** SNS action only: the raw mail itself (up to 150 KB). The S3 action never carries it. */
  content: z.optional(z.string()),
});

/** A parsed SES "Received" notification. */
export type SesReceivedNotification = z.infer<typeof sesReceivedNotificationSchema>;

/** The body of one SQS record: an SNS notification whose message is the SES notification JSON. */
export const sqsBodyWithSesNotificationSchema = sqsBodyWithSnsNotification(sesReceivedNotificationSchema);

/** Where the raw MIME of a notification lives: the S3 action's key, else the design's `inbound/<id>`. */
export function rawKeyOf(notification: SesReceivedNotification): string {
  return notification.receipt.action.objectKey ?? `inbound/${notification.mail.messageId}`;
}

/** Maps the SES notification to what the use case needs. */
export function toInboundNotice(notification: SesReceivedNotification): InboundNotice {
  const { mail, receipt } = notification;
  const verdicts: ReceiptVerdicts = {
    spf: receipt.spfVerdict,
    dkim: receipt.dkimVerdict,
    dmarc: receipt.dmarcVerdict,
    spam: receipt.spamVerdict,
    virus: receipt.virusVerdict,
  };
  const source = mail.source.trim();
  return {
    inboundId: mail.messageId,
    rawKey: rawKeyOf(notification),
    recipients: receipt.recipients.map((r) => r.trim().toLowerCase()),
    envelopeFrom: source === '<>' ? '' : source.toLowerCase(),
    verdicts,
    receivedAt: receipt.timestamp,
    ...(mail.headers && mail.headersTruncated === false ? { headers: mail.headers } : {}),
    ...(mail.commonHeaders?.subject === undefined ? {} : { headerSubject: mail.commonHeaders.subject }),
    ...(notification.content === undefined
      ? {}
      : {
          inlineRaw: Buffer.from(
            notification.content,
            receipt.action.encoding === 'BASE64' ? 'base64' : 'utf8',
          ),
        }),
  };
}
