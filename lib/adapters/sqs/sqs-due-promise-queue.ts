import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DueWork } from '../../domain/due-work.js';
import { dueWorkMessageBody } from '../../events/due-promise-message.js';
import type { DuePromiseQueue } from '../../ports/message-queue.js';

/** SQS takes at most ten messages per batch. */
const SQS_BATCH_LIMIT = 10;

/** {@link DuePromiseQueue} over one SQS queue; a message that SQS refused fails the whole call. */
export class SqsDuePromiseQueue implements DuePromiseQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(work: readonly DueWork[]): Promise<void> {
    for (let start = 0; start < work.length; start += SQS_BATCH_LIMIT) {
      const batch = work.slice(start, start + SQS_BATCH_LIMIT);
      const result = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((item, index) => ({ Id: String(index), MessageBody: dueWorkMessageBody(item) })),
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
