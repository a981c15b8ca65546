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
