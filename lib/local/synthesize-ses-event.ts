import { randomBytes, randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import addressparser from 'nodemailer/lib/addressparser';
import { domainOf } from '../domain/mail-address.js';
import type { ReceiptVerdicts, VerdictStatus } from '../domain/route-inbound.js';
import { headerBlockLength } from '../mail/parse-mail.js';

/** A new inbound id shaped like SES's (lower-case, time-ordered so stored keys list oldest first). */
export function newInboundId(now: Date): string {
  return `${now.getTime().toString(36).padStart(10, '0')}${randomBytes(10).toString('hex')}`;
}

/** What the local SMTP entry knows about a received mail. */
export interface LocalReceipt {
  inboundId: string;
  rawKey: string;
  bucket: string;
  envelopeFrom: string;
  recipients: string[];
  receivedAt: Date;
  /** Local mode trusts loopback senders (PASS), like SES trusts what it verified. */
  verdict: VerdictStatus;
  /** Single checks that differ from `verdict` (local mode's `SPOC_LOCAL_VERDICTS=header`). */
  verdicts?: Partial<ReceiptVerdicts>;
  /** The raw mail, whose header fields the notification lists as SES's does; without it, none are listed. */
  raw?: Buffer;
  /**
   * The `Authentication-Results` value SES would add above the mail's own fields; default: what SES writes
   * for the verdict, SPF for the envelope sender's domain and DKIM and DMARC for the From domain.
   */
  authenticationResults?: string;
}

/** SES lists a mail's header fields in its notification unless they are larger than this. */
const NOTIFIED_HEADER_BYTES = 10 * 1024;

/**
 * The header fields of a raw mail as an SES notification lists them: in order, each value unfolded.
 * `undefined` (SES's `headersTruncated`) when the header block is too large to list.
 */
export function notifiedHeaders(raw: Buffer): Array<{ name: string; value: string }> | undefined {
  const end = headerBlockLength(raw);
  if (end > NOTIFIED_HEADER_BYTES) return undefined;
  const fields: Array<{ name: string; value: string }> = [];
  for (const line of raw.toString('utf8', 0, end).split(/\r?\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.push({
      name: line.slice(0, colon).trim(),
      value: line
        .slice(colon + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim(),
    });
  }
  return fields;
}

/**
 * What SES writes into `Authentication-Results` for a mail whose checks all came out as `verdict`: local
 * mode's loopback senders (PASS) are aligned with their From domain, as an owner's own mail server's
 * would be, so their owner replies are accepted as in AWS.
 */
export function localAuthenticationResults(
  verdict: VerdictStatus,
  envelopeFrom: string,
  headers: ReadonlyArray<{ name: string; value: string }>,
  overrides: Partial<ReceiptVerdicts> = {},
): string {
  const from = headers.find((field) => field.name.toLowerCase() === 'from')?.value ?? '';
  const fromDomain = domainOf(addressparser(from, { flatten: true })[0]?.address ?? '');
  // Each check says what its verdict says: a failing check set from the mail fails here too.
  const result = (check: 'spf' | 'dkim' | 'dmarc') => {
    const status = overrides[check] ?? verdict;
    return status === 'PASS' ? 'pass' : status === 'FAIL' ? 'fail' : 'none';
  };
  return [
    'amazonses.com',
    ` spf=${result('spf')} smtp.mailfrom=${envelopeFrom || 'postmaster'}`,
    ` dkim=${result('dkim')} header.d=${fromDomain}`,
    ` dmarc=${result('dmarc')} header.from=${fromDomain}`,
  ].join(';');
}

function headerFields(receipt: LocalReceipt) {
  const listed = receipt.raw ? notifiedHeaders(receipt.raw) : undefined;
  if (!listed) return { headersTruncated: true };
  // SES puts its own fields above the mail's.
  const authenticationResults =
    receipt.authenticationResults ??
    localAuthenticationResults(receipt.verdict, receipt.envelopeFrom, listed, receipt.verdicts);
  return {
    headersTruncated: false,
    headers: [{ name: 'Authentication-Results', value: authenticationResults }, ...listed],
  };
}

/**
 * The SQS event SES → S3 action → SNS → SQS would deliver for this mail, so local mode runs the very
 * handler the inbound Lambda runs.
 */
export function synthesizeSesEvent(receipt: LocalReceipt): SQSEvent {
  const at = receipt.receivedAt.toISOString();
  const status = (check: keyof ReceiptVerdicts) => ({ status: receipt.verdicts?.[check] ?? receipt.verdict });
  const notification = {
    notificationType: 'Received',
    mail: {
      timestamp: at,
      source: receipt.envelopeFrom,
      messageId: receipt.inboundId,
      destination: receipt.recipients,
      ...headerFields(receipt),
    },
    receipt: {
      timestamp: at,
      processingTimeMillis: 0,
      recipients: receipt.recipients,
      spamVerdict: status('spam'),
      virusVerdict: status('virus'),
      spfVerdict: status('spf'),
      dkimVerdict: status('dkim'),
      dmarcVerdict: status('dmarc'),
      action: {
        type: 'S3',
        topicArn: 'arn:aws:sns:us-east-1:000000000000:spoc-local-inbound',
        bucketName: receipt.bucket,
        objectKeyPrefix: 'inbound/',
        objectKey: receipt.rawKey,
      },
    },
  };
  const sns = {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:spoc-local-inbound',
    Subject: 'Amazon SES Email Receipt Notification',
    Message: JSON.stringify(notification),
    Timestamp: at,
    SignatureVersion: '1',
    Signature: 'local',
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/local.pem',
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
  };
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: 'local',
        body: JSON.stringify(sns),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(receipt.receivedAt.getTime()),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: String(receipt.receivedAt.getTime()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:spoc-local-inbound',
        awsRegion: 'us-east-1',
      },
    ],
  };
}
