import type { DueWork } from '../domain/due-work.js';

/** One message taken from a queue; invisible to others until deleted or its visibility times out. */
export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
}

/** A queue to drain (the inbound dead-letter queue, for `spoc replay --queue-url`). */
export interface MessageQueue {
  /** Up to `max` messages; `[]` when the queue looks empty. */
  receive(max: number): Promise<QueueMessage[]>;
  /** Removes handled messages. */
  delete(messages: QueueMessage[]): Promise<void>;
}

/** Where a message taken by the Lambda event source came from, and the handle of that receive. */
export interface ReceivedMessageRef {
  /** ARN of the queue (`eventSourceARN` of the SQS record). */
  queueArn: string;
  receiptHandle: string;
}

/** Hands a received message back to its queue early (SQS ChangeMessageVisibility). */
export interface MessageVisibility {
  /** Makes the message visible again after `seconds` instead of after the queue's visibility timeout. */
  returnAfter(message: ReceivedMessageRef, seconds: number): Promise<void>;
}

/** Where the promise sweep hands what is due, for a worker with retries to carry it out. */
export interface DuePromiseQueue {
  /** Enqueues one message per piece of work. */
  enqueue(work: readonly DueWork[]): Promise<void>;
}
