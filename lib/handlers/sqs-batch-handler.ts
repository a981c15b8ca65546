import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * An SQS function body that handles each record with `handleRecord` and reports the records that threw
 * as partial batch failures (Powertools), so the queue retries only those.
 */
export function sqsBatchHandler(
  handleRecord: (record: SQSRecord) => Promise<void>,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
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
