import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  sqsBodyWithSesNotificationSchema,
  toInboundNotice,
} from '../../../lib/events/ses-received-notification.js';
import {
  createInboundBatchHandler,
  UnreadableNotificationError,
} from '../../../lib/handlers/inbound-batch.js';
import { synthesizeSesEvent } from '../../../lib/local/synthesize-ses-event.js';

const receivedAt = new Date('2026-11-24T09:00:00.000Z');

/** A body as SQS hands it over: the SNS notification JSON, its Message the SES notification JSON. */
function validBody(): string {
  const event = synthesizeSesEvent({
    inboundId: 'ses-1',
    rawKey: 'inbound/ses-1',
    bucket: 'raw-mail',
    envelopeFrom: 'Jane@Customer.test',
    recipients: ['support@example.test'],
    receivedAt,
    verdict: 'PASS',
  });
  return event.Records[0]?.body ?? '';
}

/** The valid envelope with some fields replaced (`undefined` leaves a field out). */
function envelopeWith(fields: Record<string, unknown>): string {
  return JSON.stringify({ ...(JSON.parse(validBody()) as object), ...fields });
}

function issuesOf(body: string): Array<{ path: string; message: string }> {
  const parsed = sqsBodyWithSesNotificationSchema.safeParse(body);
  expect(parsed.success).toBe(false);
  return (parsed.error?.issues ?? []).map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
}

describe('SQS body with an SES receipt notification inside SNS', () => {
  it('reads the envelope and the notification inside it', () => {
    const parsed = sqsBodyWithSesNotificationSchema.parse(validBody());
    expect(parsed).toMatchObject({
      Type: 'Notification',
      TopicArn: expect.stringContaining('arn:aws:sns:'),
      Timestamp: receivedAt.toISOString(),
    });
    expect(toInboundNotice(parsed.Message)).toMatchObject({
      inboundId: 'ses-1',
      rawKey: 'inbound/ses-1',
      recipients: ['support@example.test'],
      envelopeFrom: 'jane@customer.test',
      verdicts: { spf: 'PASS', dkim: 'PASS', dmarc: 'PASS', spam: 'PASS', virus: 'PASS' },
    });
  });

  it('keeps optional SNS fields when present and accepts a null Subject', () => {
    const parsed = sqsBodyWithSesNotificationSchema.parse(
      envelopeWith({ Subject: null, MessageAttributes: { kind: { Type: 'String', Value: 'mail' } } }),
    );
    expect(parsed.Subject).toBeNull();
    expect(parsed.MessageAttributes).toEqual({ kind: { Type: 'String', Value: 'mail' } });
  });

  it('rejects a body that is not JSON', () => {
    expect(issuesOf('{"Type": "Notification",')).toEqual([
      { path: '', message: expect.stringMatching(/^Invalid JSON - /) },
    ]);
  });

  it('rejects a Message that is not JSON', () => {
    expect(issuesOf(envelopeWith({ Message: '{not json' }))).toEqual([
      { path: 'Message', message: expect.stringMatching(/^Invalid JSON - /) },
    ]);
  });

  it('rejects an SNS message of another type (a subscription confirmation)', () => {
    expect(issuesOf(envelopeWith({ Type: 'SubscriptionConfirmation' }))).toEqual([
      { path: 'Type', message: expect.stringContaining('"Notification"') },
    ]);
  });

  it('rejects an envelope without a Message, MessageId or TopicArn', () => {
    for (const field of ['Message', 'MessageId', 'TopicArn']) {
      expect(issuesOf(envelopeWith({ [field]: undefined })), field).toEqual([
        { path: field, message: expect.stringContaining('expected string') },
      ]);
    }
  });

  it('rejects a Timestamp that is not an ISO time and a signing certificate that is not a URL', () => {
    expect(issuesOf(envelopeWith({ Timestamp: 'yesterday' })).map((issue) => issue.path)).toEqual([
      'Timestamp',
    ]);
    expect(issuesOf(envelopeWith({ SigningCertURL: 'not a url' })).map((issue) => issue.path)).toEqual([
      'SigningCertURL',
    ]);
  });

  it('rejects a well-formed envelope whose Message is not an SES receipt notification', () => {
    const issues = issuesOf(envelopeWith({ Message: JSON.stringify({ notificationType: 'Bounce' }) }));
    expect(issues.map((issue) => issue.path)).toEqual([
      'Message.notificationType',
      'Message.mail',
      'Message.receipt',
    ]);
  });
});

describe('inbound batch handler on an unreadable record', () => {
  it('fails the record with an error naming what is wrong', async () => {
    const record = (body: string, messageId: string) => ({ body, messageId }) as SQSRecord;
    const handler = createInboundBatchHandler(
      () => Promise.reject(new Error('not reached for an unreadable record')),
      new Logger({ logLevel: 'SILENT' }),
    );
    // A batch whose every record failed is thrown whole by the batch utility, with each record's error.
    const failure = await handler({
      Records: [record(envelopeWith({ Type: 'SubscriptionConfirmation' }), 'wrong-type')],
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ name: 'FullBatchFailureError' });
    const [error] = (failure as { recordErrors: unknown[] }).recordErrors;
    expect(error).toBeInstanceOf(UnreadableNotificationError);
    expect((error as Error).message).toBe(
      'record wrong-type is not an SES receipt notification: Type: Invalid input: expected "Notification"',
    );
  });
});
