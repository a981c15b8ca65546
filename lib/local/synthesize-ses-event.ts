import { randomBytes, randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import type { VerdictStatus } from '../domain/route-inbound.js';

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
}

/**
 * The SQS event SES → S3 action → SNS → SQS would deliver for this mail, so local mode runs the very
 * handler the inbound Lambda runs.
 */
export function synthesizeSesEvent(receipt: LocalReceipt): SQSEvent {
  const at = receipt.receivedAt.toISOString();
  const status = { status: receipt.verdict };
  const notification = {
    notificationType: 'Received',
    mail: {
      timestamp: at,
      source: receipt.envelopeFrom,
      messageId: receipt.inboundId,
      destination: receipt.recipients,
      headersTruncated: false,
    },
    receipt: {
      timestamp: at,
      processingTimeMillis: 0,
      recipients: receipt.recipients,
      spamVerdict: status,
      virusVerdict: status,
      spfVerdict: status,
      dkimVerdict: status,
      dmarcVerdict: status,
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
