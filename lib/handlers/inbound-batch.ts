import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { InboundOutcome } from '../domain/types.js';
import { sqsBodyWithSesNotificationSchema, toInboundNotice } from '../events/ses-received-notification.js';
import type { InboundDeps } from '../use-cases/inbound-deps.js';
import { processInboundMail } from '../use-cases/process-inbound-mail.js';

/** A queue record that is not an SES receipt notification; it fails so the queue moves it to the DLQ. */
export class UnreadableNotificationError extends Error {
  override readonly name = 'UnreadableNotificationError';
}

/**
 * The inbound function's body: each SQS record (SNS-wrapped SES "Received" notification) runs through
 * the inbound use case; failed records are reported so only they are retried.
 */
export function createInboundBatchHandler(
  deps: () => Promise<InboundDeps>,
  logger: Logger,
  /** Called with each newly recorded outcome (not duplicates): the Lambda publishes figures from it. */
  onOutcome?: (outcome: InboundOutcome) => void,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const parsed = sqsBodyWithSesNotificationSchema.safeParse(record.body);
    if (!parsed.success) {
      logger.error('unreadable notification', {
        sqsMessageId: record.messageId,
        issues: parsed.error.issues,
      });
      const issues = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
      );
      throw new UnreadableNotificationError(
        `record ${record.messageId} is not an SES receipt notification: ${issues.join('; ')}`,
        { cause: parsed.error },
      );
    }
    const notice = toInboundNotice(parsed.data.Message);
    // SQS counts every receive, also those of an invocation that crashed or timed out before recording.
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount) || 1;
    const { outcome, duplicate } = await processInboundMail(await deps(), notice, receiveCount);
    logger.info('inbound processed', { inboundId: notice.inboundId, duplicate, ...outcome });
    if (!duplicate) onOutcome?.(outcome);
  };
  // A processor per invocation: it keeps the batch's results, and local mode (and any test) calls the
  // handler concurrently, which would mix up the failures of different batches.
  return (event, context) =>
    processPartialResponse(
      event,
      handleRecord,
      new BatchProcessor(EventType.SQS),
      context ? { context } : undefined,
    );
}
