import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  MessageQueue,
  MessageVisibility,
  QueueMessage,
  ReceivedMessageRef,
} from '../../ports/message-queue.js';

/** SQS allows at most ten messages per receive and per delete batch. */
const SQS_BATCH_LIMIT = 10;

/** Constructor options of {@link SqsMessageQueue}. */
export interface SqsMessageQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** Seconds a received message stays hidden while it is replayed; default 300. */
  visibilityTimeoutSeconds?: number;
  /** Long-poll seconds per receive; default 1 (a drained DLQ ends the replay quickly). */
  waitTimeSeconds?: number;
}

/** {@link MessageQueue} over one SQS queue. */
export class SqsMessageQueue implements MessageQueue {
  constructor(private readonly options: SqsMessageQueueOptions) {}

  async receive(max: number): Promise<QueueMessage[]> {
    const result = await this.options.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: Math.min(SQS_BATCH_LIMIT, Math.max(1, max)),
        VisibilityTimeout: this.options.visibilityTimeoutSeconds ?? 300,
        WaitTimeSeconds: this.options.waitTimeSeconds ?? 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    return (result.Messages ?? []).flatMap((message: Message) =>
      message.MessageId && message.ReceiptHandle && message.Body !== undefined
        ? [
            {
              messageId: message.MessageId,
              receiptHandle: message.ReceiptHandle,
              body: message.Body,
              attributes: { ...(message.Attributes ?? {}) } as Record<string, string>,
            },
          ]
        : [],
    );
  }

  async delete(messages: QueueMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += SQS_BATCH_LIMIT) {
      const chunk = messages.slice(start, start + SQS_BATCH_LIMIT);
      const result = await this.options.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.receiptHandle,
          })),
        }),
      );
      if (result.Failed?.length) {
        throw new Error(
          `could not delete ${result.Failed.length} replayed message(s) from the queue: ${result.Failed.map((f) => f.Message ?? f.Code).join('; ')}`,
        );
      }
    }
  }
}

/** The URL of an SQS queue from its ARN (`arn:<partition>:sqs:<region>:<account>:<name>`). */
export function queueUrlOf(queueArn: string): string {
  const [, partition, , region, account, name] = queueArn.split(':');
  if (!partition || !region || !account || !name) throw new Error(`not an SQS queue ARN: ${queueArn}`);
  const suffix = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${suffix}/${account}/${name}`;
}

/** {@link MessageVisibility} over SQS, for messages of any queue the client's role may change. */
export class SqsMessageVisibility implements MessageVisibility {
  constructor(private readonly client: SQSClient) {}

  async returnAfter(message: ReceivedMessageRef, seconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrlOf(message.queueArn),
        ReceiptHandle: message.receiptHandle,
        VisibilityTimeout: Math.max(0, Math.round(seconds)),
      }),
    );
  }
}
