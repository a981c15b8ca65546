import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DuePromiseQueue } from '../../ports/message-queue.js';

/** SQS takes at most ten messages per batch. */
const SQS_BATCH_LIMIT = 10;

/** The body of one due-promise message. */
export interface DuePromiseMessage {
  conversationId: string;
}

/** {@link DuePromiseQueue} over one SQS queue; a message that SQS refused fails the whole call. */
export class SqsDuePromiseQueue implements DuePromiseQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(conversationIds: readonly string[]): Promise<void> {
    for (let start = 0; start < conversationIds.length; start += SQS_BATCH_LIMIT) {
      const batch = conversationIds.slice(start, start + SQS_BATCH_LIMIT);
      const result = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((conversationId, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify({ conversationId } satisfies DuePromiseMessage),
          })),
        }),
      );
      const failed = result.Failed ?? [];
      if (failed.length > 0) {
        throw new Error(
          `SQS refused ${failed.length} due-promise message(s): ${failed.map((f) => f.Message ?? f.Code).join('; ')}`,
        );
      }
    }
  }
}
