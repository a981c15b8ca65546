import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { sqsBodyWithSesNotificationSchema, toInboundNotice } from '../events/ses-received-notification.js';
import type { MessageQueue, QueueMessage } from '../ports/message-queue.js';
import type { InboundDeps } from '../use-cases/inbound-deps.js';
import { createInboundBatchHandler } from './inbound-batch.js';

/** Totals of a dead-letter-queue replay. */
export interface QueueReplaySummary {
  /** Handled by the inbound handler and deleted from the queue. */
  replayed: number;
  /** Failed again; left in the queue (visible again after the visibility timeout). */
  failedAgain: number;
}

function toRecord(message: QueueMessage): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: message.attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: message.attributes.SentTimestamp ?? '0',
      SenderId: message.attributes.SenderId ?? 'replay',
      ApproximateFirstReceiveTimestamp: message.attributes.ApproximateFirstReceiveTimestamp ?? '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'replay',
    awsRegion: 'replay',
  };
}

/**
 * Drains a dead-letter queue through the very batch handler the inbound Lambda runs: each batch is
 * handled, the records that succeeded are deleted, the ones that failed stay in the queue. With
 * `force`, a mail whose recorded outcome is `failed` is cleared first so it runs again; any other
 * recorded outcome makes the record a duplicate, which the handler acknowledges without sending.
 */
export async function replayQueue(
  deps: InboundDeps,
  queue: MessageQueue,
  logger: Logger,
  options: { force: boolean; onProgress?: (done: number) => void },
): Promise<QueueReplaySummary> {
  const handle = createInboundBatchHandler(() => Promise.resolve(deps), logger);
  const summary: QueueReplaySummary = { replayed: 0, failedAgain: 0 };
  for (;;) {
    const messages = await queue.receive(10);
    if (messages.length === 0) return summary;
    if (options.force) {
      for (const message of messages) {
        const parsed = sqsBodyWithSesNotificationSchema.safeParse(message.body);
        if (!parsed.success) continue;
        const { inboundId } = toInboundNotice(parsed.data.Message);
        const record = await deps.store.getInbound(inboundId);
        if (record?.outcome?.status === 'failed') await deps.store.clearFailedOutcome(inboundId);
      }
    }
    const event: SQSEvent = { Records: messages.map(toRecord) };
    const { batchItemFailures } = await handle(event);
    const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
    const succeeded = messages.filter((message) => !failed.has(message.messageId));
    await queue.delete(succeeded);
    summary.replayed += succeeded.length;
    summary.failedAgain += failed.size;
    options.onProgress?.(summary.replayed + summary.failedAgain);
  }
}
