import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseDeliveryEventBody, UnreadableDeliveryEventError } from '../events/ses-delivery-event.js';
import type { InboundDeps } from '../use-cases/inbound-deps.js';
import { recordDeliveryEvent } from '../use-cases/record-delivery-event.js';
import { sqsBatchHandler } from './sqs-batch-handler.js';

/**
 * The delivery-events function's body: each SQS record (an SES bounce, complaint or other sending event,
 * SNS-wrapped or raw) runs through {@link recordDeliveryEvent}. An unreadable record fails, with its
 * reason logged, so the queue moves it to the DLQ; transient errors fail the record for a retry.
 */
export function createDeliveryEventsBatchHandler(
  deps: () => Promise<Pick<InboundDeps, 'store' | 'sender' | 'now' | 'config'>>,
  logger: Logger,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    let event: ReturnType<typeof parseDeliveryEventBody>;
    try {
      event = parseDeliveryEventBody(record.body);
    } catch (error) {
      if (error instanceof UnreadableDeliveryEventError) {
        logger.error('unreadable delivery event', { sqsMessageId: record.messageId, reason: error.message });
      }
      throw error;
    }
    const result = await recordDeliveryEvent(await deps(), event);
    logger.info('delivery event recorded', { sqsMessageId: record.messageId, kind: event.kind, ...result });
  };
  return sqsBatchHandler(handleRecord);
}
